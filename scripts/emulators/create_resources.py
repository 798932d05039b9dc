"""Create the DynamoDB tables, SQS queues and S3 buckets of template.yaml on
an endpoint.

The emulators get the same definitions as the deployment: this reads the
AWS::DynamoDB::Table, AWS::SQS::Queue and AWS::S3::Bucket resources'
Properties from the SAM template (resolving !GetAtt X.Arn between queues)
instead of keeping a second hand-written schema. It prints shell `export`
lines for the created resources. It also checks that the numbers the
functions are told about the queues (JOBLINE_MAX_RECEIVE_COUNT,
JOBLINE_VISIBILITY_TIMEOUT_SECONDS) match the queues themselves.

usage: create_resources.py TEMPLATE ENDPOINT PREFIX
"""

import json
import re
import sys

import boto3
import yaml


class TemplateLoader(yaml.SafeLoader):
    """A YAML loader that keeps CloudFormation short-form intrinsics."""


def _intrinsic(name):
    def construct(loader, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
            if name == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {name: value}

    return construct


for _tag in ("Ref", "Condition"):
    TemplateLoader.add_constructor("!" + _tag, _intrinsic(_tag))
for _fn in ("GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals", "Not",
            "And", "Or", "FindInMap", "ImportValue", "Base64", "GetAZs", "Cidr",
            "Transform", "ToJsonString", "Length"):
    TemplateLoader.add_constructor("!" + _fn, _intrinsic("Fn::" + _fn))

# Known resources -> the env vars Jobline reads (internal/awsbackend).
ENV_NAMES = {
    "JobsTable": "JOBLINE_TABLE",
    "JobsQueue": "JOBLINE_QUEUE_URL",
    "JobsHighQueue": "JOBLINE_HIGH_QUEUE_URL",
    "DeadLetterQueue": "JOBLINE_DLQ_URL",
    "AssetsBucket": "JOBLINE_ASSETS_BUCKET",
}

# Function environment variables that restate a queue attribute, and the
# attribute: the template must keep them equal.
QUEUE_ECHOES = {
    "JOBLINE_MAX_RECEIVE_COUNT": lambda props: props.get("RedrivePolicy", {}).get("maxReceiveCount"),
    "JOBLINE_VISIBILITY_TIMEOUT_SECONDS": lambda props: props.get("VisibilityTimeout"),
}

# CreateTable takes these Properties as they are in CloudFormation.
TABLE_PROPS = ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
               "LocalSecondaryIndexes", "BillingMode", "ProvisionedThroughput",
               "StreamSpecification")
# SQS queue Properties that are CreateQueue attributes; the policies are
# JSON documents.
QUEUE_ATTRS = ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
               "ReceiveMessageWaitTimeSeconds", "VisibilityTimeout",
               "RedrivePolicy", "RedriveAllowPolicy", "FifoQueue",
               "ContentBasedDeduplication")


def resolve(value, arns, pseudo):
    """Resolve !GetAtt X.Arn of a created queue and !Sub of pseudo
    parameters (the job queues' names, the ARNs the DLQ names); reject
    other intrinsics."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return re.sub(r"\$\{([^}]+)\}", lambda m: pseudo[m.group(1)], value["Fn::Sub"])
        if set(value) == {"Fn::GetAtt"}:
            logical, attr = value["Fn::GetAtt"]
            if attr == "Arn" and logical in arns:
                return arns[logical]
            raise SystemExit(f"cannot resolve !GetAtt {logical}.{attr}")
        if any(k.startswith("Fn::") or k == "Ref" for k in value):
            raise SystemExit(f"unsupported intrinsic in {value}")
        return {k: resolve(v, arns, pseudo) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, arns, pseudo) for v in value]
    return value


def queue_order(queues):
    """Queues that others point at (dead-letter targets) first."""
    def deps(props):
        return json.dumps(props.get("RedrivePolicy", {}))
    ordered, done = [], set()
    while len(ordered) < len(queues):
        progressed = False
        for name, props in queues.items():
            if name in done:
                continue
            if all(other in done or other == name or f'"{other}"' not in deps(props) for other in queues):
                ordered.append(name)
                done.add(name)
                progressed = True
        if not progressed:
            raise SystemExit("queues depend on each other in a cycle")
    return ordered


def function_envs(template):
    """Every function's environment variables, Globals included."""
    glob = template.get("Globals", {}).get("Function", {}).get("Environment", {}).get("Variables", {})
    out = {}
    for name, res in template.get("Resources", {}).items():
        if res.get("Type") in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            env = dict(glob)
            env.update(res.get("Properties", {}).get("Environment", {}).get("Variables", {}))
            out[name] = env
    return out


def check_queue_echoes(template, queues):
    """Fail when a function's restated queue attribute differs from a jobs
    queue's (a queue with a RedrivePolicy is a jobs queue)."""
    jobs_queues = {n: p for n, p in queues.items() if "RedrivePolicy" in p}
    for fn, env in function_envs(template).items():
        for var, attr in QUEUE_ECHOES.items():
            if var not in env:
                continue
            for qname, props in jobs_queues.items():
                want = attr(props)
                if want is not None and str(env[var]) != str(want):
                    raise SystemExit(f"template.yaml: {fn} has {var}={env[var]} but {qname} has {want}")


def main():
    template_path, endpoint, prefix = sys.argv[1:4]
    with open(template_path) as f:
        template = yaml.load(f, Loader=TemplateLoader)
    resources = template.get("Resources", {})
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    ddb = session.client("dynamodb", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    s3 = session.client("s3", endpoint_url=endpoint)
    exports = {}

    for name, res in resources.items():
        if res.get("Type") != "AWS::DynamoDB::Table":
            continue
        props = res.get("Properties", {})
        table = props.get("TableName") or f"{prefix}-{name}"
        args = {k: props[k] for k in TABLE_PROPS if k in props}
        ddb.create_table(TableName=table, **args)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={
                "AttributeName": ttl["AttributeName"], "Enabled": True})
        exports[ENV_NAMES.get(name, f"JOBLINE_RESOURCE_{name}")] = table

    queues = {n: r.get("Properties", {}) for n, r in resources.items()
              if r.get("Type") == "AWS::SQS::Queue"}
    check_queue_echoes(template, queues)
    arns = {}
    # The emulator's account and region (moto's defaults); the stack is the prefix.
    pseudo = {"AWS::StackName": prefix, "AWS::Region": "us-east-1",
              "AWS::AccountId": "123456789012", "AWS::Partition": "aws"}
    max_receive = None
    visibility = None
    for name in queue_order(queues):
        props = resolve(queues[name], arns, pseudo)
        attrs = {}
        for key in QUEUE_ATTRS:
            if key in props:
                value = props[key]
                attrs[key] = json.dumps(value) if isinstance(value, dict) else str(value).lower() if isinstance(value, bool) else str(value)
        if "RedrivePolicy" in props:
            max_receive = props["RedrivePolicy"].get("maxReceiveCount", max_receive)
            visibility = props.get("VisibilityTimeout", visibility)
        queue_name = props.get("QueueName") or f"{prefix}-{name}"
        url = sqs.create_queue(QueueName=queue_name, Attributes=attrs)["QueueUrl"]
        arns[name] = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        exports[ENV_NAMES.get(name, f"JOBLINE_RESOURCE_{name}")] = url

    # Buckets: only the name matters to the emulator (encryption, public
    # access, lifecycle and CORS are AWS's to enforce). Names are lowercase.
    for name, res in resources.items():
        if res.get("Type") != "AWS::S3::Bucket":
            continue
        props = res.get("Properties", {})
        bucket = props.get("BucketName") or f"{prefix}-{name}".lower()
        s3.create_bucket(Bucket=bucket)
        exports[ENV_NAMES.get(name, f"JOBLINE_RESOURCE_{name}")] = bucket

    if max_receive is not None:
        exports["JOBLINE_MAX_RECEIVE_COUNT"] = str(max_receive)
    if visibility is not None:
        exports["JOBLINE_VISIBILITY_TIMEOUT_SECONDS"] = str(visibility)
    for key, value in exports.items():
        print(f"export {key}={value}")


if __name__ == "__main__":
    main()
