"""Deploy template.yaml into the emulator's CloudFormation, as `sam deploy`
would into AWS, and print the environment of the deployed stack.

The template goes through the SAM translator (samtranslator, which the SAM
CLI uses) into plain CloudFormation, which moto's CloudFormation deploys:
the table, queues, bucket, roles and functions are made from the template
itself, and the stack's outputs become the tests' configuration. What moto
cannot deploy is left out and named on stderr (docs/aws.md lists it as
unverified on the emulator):

- resource types moto's CloudFormation does not implement (the HTTP API and
  its stage, the schedule, alarms, the bucket policy, a function's event
  invoke configuration), and the resources that refer to one of them (the
  API's Lambda permissions);
- the SQS event source mappings, which moto would run by invoking the
  functions in Docker on every SendMessage (the tests run the engine
  themselves).

moto's CloudFormation also ignores a table's TimeToLiveSpecification; it is
applied afterwards. The functions get a placeholder package (they are
deployed to check their configuration, never invoked). The script checks
that what the functions are told about the queues (JOBLINE_MAX_RECEIVE_COUNT,
JOBLINE_VISIBILITY_TIMEOUT_SECONDS) is what the deployed queues have, and
passes on what they are told about the table (the shard counts), so that
the tests use the stack's settings.

usage: deploy_stack.py TEMPLATE ENDPOINT STACK_NAME
"""

import io
import json
import os
import re
import sys
import zipfile

import boto3

os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

from samtranslator.translator.transform import transform  # noqa: E402
from samtranslator.yaml_helper import yaml_parse  # noqa: E402

# Deployable by moto, but not deployed here (why in the module doc).
NOT_DEPLOYED = {"AWS::Lambda::EventSourceMapping"}

# Stack outputs -> the variables Jobline reads (internal/awsbackend).
OUTPUT_ENV = {
    "JobsTableName": "JOBLINE_TABLE",
    "JobsQueueUrl": "JOBLINE_QUEUE_URL",
    "JobsHighQueueUrl": "JOBLINE_HIGH_QUEUE_URL",
    "DeadLetterQueueUrl": "JOBLINE_DLQ_URL",
    "AssetsBucketName": "JOBLINE_ASSETS_BUCKET",
}

# Parameters without a default, and the emulator's values for them.
PARAMETERS = {
    "JwtIssuer": "https://issuer.emulator.invalid",
    "JwtAudience": "jobline-tests",
    "CorsAllowOrigins": "https://app.emulator.invalid",
}

CODE_BUCKET = "jobline-emulator-code"


class NoManagedPolicies:
    """The translator's managed-policy loader: the template names none."""

    def load(self):
        return {}


def moto_types():
    """The resource types moto's CloudFormation can create."""
    from moto.cloudformation.parsing import get_model_map

    return set(get_model_map())


def references(value):
    """The logical IDs a resource or output refers to."""
    found = set()
    if isinstance(value, dict):
        for key, v in value.items():
            if key == "Ref" and isinstance(v, str):
                found.add(v)
            elif key == "Fn::GetAtt":
                found.add(v[0] if isinstance(v, list) else v.split(".")[0])
            elif key == "Fn::Sub":
                text = v[0] if isinstance(v, list) else v
                found.update(re.findall(r"\$\{([A-Za-z0-9]+)[.}]", text))
            found |= references(v)
    elif isinstance(value, list):
        for v in value:
            found |= references(v)
    return found


def translate(template_path):
    """template.yaml through the SAM translator, function code in S3."""
    with open(template_path) as f:
        template = yaml_parse(f.read())
    for name, res in template["Resources"].items():
        if res["Type"] == "AWS::Serverless::Function":
            res["Properties"]["CodeUri"] = f"s3://{CODE_BUCKET}/{name}.zip"
    return transform(template, {}, NoManagedPolicies())


def leave_out(cfn):
    """Remove what moto cannot deploy, and what refers to it; returns the
    removed resources' types by logical ID."""
    supported = moto_types()
    resources = cfn["Resources"]
    removed = {n: r["Type"] for n, r in resources.items()
               if r["Type"] not in supported or r["Type"] in NOT_DEPLOYED}
    while True:
        more = {n: r["Type"] for n, r in resources.items()
                if n not in removed and (references(r) | set(r.get("DependsOn", []))) & set(removed)}
        if not more:
            break
        removed.update(more)
    for name in removed:
        del resources[name]
    for name in [o for o, v in cfn.get("Outputs", {}).items() if references(v) & set(removed)]:
        del cfn["Outputs"][name]
    return removed


def table_ttl(cfn):
    """The jobs table's TTL attribute, which moto's CloudFormation skips."""
    spec = cfn["Resources"]["JobsTable"]["Properties"].get("TimeToLiveSpecification", {})
    return spec.get("AttributeName") if spec.get("Enabled") else None


def upload_code(s3, cfn):
    """A placeholder package for every function."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\necho 'not run on the emulator'\n")
    s3.create_bucket(Bucket=CODE_BUCKET)
    for name, res in cfn["Resources"].items():
        if res["Type"] == "AWS::Lambda::Function":
            s3.put_object(Bucket=CODE_BUCKET, Key=f"{name}.zip", Body=buf.getvalue())


def deploy(session, endpoint, stack, cfn):
    """Create the stack and return its outputs and its resources' physical
    IDs by logical ID."""
    cf = session.client("cloudformation", endpoint_url=endpoint)
    declared = cfn.get("Parameters", {})
    missing = [k for k, p in declared.items() if "Default" not in p and k not in PARAMETERS]
    if missing:
        raise SystemExit(f"deploy_stack.py: no emulator value for the parameters {missing}: add them to PARAMETERS")
    params = [{"ParameterKey": k, "ParameterValue": v} for k, v in PARAMETERS.items() if k in declared]
    cf.create_stack(StackName=stack, TemplateBody=json.dumps(cfn), Parameters=params,
                    Capabilities=["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM"])
    desc = cf.describe_stacks(StackName=stack)["Stacks"][0]
    if desc["StackStatus"] != "CREATE_COMPLETE":
        events = cf.describe_stack_events(StackName=stack)["StackEvents"]
        failed = [f'{e["LogicalResourceId"]}: {e.get("ResourceStatusReason")}' for e in events if "FAILED" in e["ResourceStatus"]]
        raise SystemExit(f"deploy_stack.py: stack {desc['StackStatus']}: {'; '.join(failed)}")
    physical = {r["LogicalResourceId"]: r["PhysicalResourceId"] for r in cf.describe_stack_resources(StackName=stack)["StackResources"]}
    return {o["OutputKey"]: o["OutputValue"] for o in desc.get("Outputs", [])}, physical


def queue_settings(sqs, lam, cfn, outputs, physical):
    """The jobs queues' maxReceiveCount and visibility timeout, checked
    against what every function is told about them."""
    settings = {}
    for key in ("JobsQueueUrl", "JobsHighQueueUrl"):
        attrs = sqs.get_queue_attributes(QueueUrl=outputs[key], AttributeNames=["All"])["Attributes"]
        for var, value in (("JOBLINE_MAX_RECEIVE_COUNT", str(json.loads(attrs["RedrivePolicy"])["maxReceiveCount"])),
                           ("JOBLINE_VISIBILITY_TIMEOUT_SECONDS", attrs["VisibilityTimeout"])):
            if settings.setdefault(var, value) != value:
                raise SystemExit(f"deploy_stack.py: the jobs queues differ in {var}: {settings[var]} and {value}")
    for name, res in cfn["Resources"].items():
        if res["Type"] != "AWS::Lambda::Function":
            continue
        fn = lam.get_function_configuration(FunctionName=physical[name])
        env = fn.get("Environment", {}).get("Variables", {})
        for var, want in settings.items():
            if var in env and env[var] != want:
                raise SystemExit(f"deploy_stack.py: {name} has {var}={env[var]} but the jobs queues have {want}")
    return settings


# What every function is told about the table and the emulator's tests
# must be told too: the shard counts of its indexes (template parameters).
FUNCTION_ENV = ("JOBLINE_CREATION_SHARDS", "JOBLINE_SWEEP_SHARDS")


def function_settings(lam, cfn, physical):
    """The FUNCTION_ENV variables of the deployed functions, which must all
    agree."""
    settings = {}
    for name, res in cfn["Resources"].items():
        if res["Type"] != "AWS::Lambda::Function":
            continue
        env = lam.get_function_configuration(FunctionName=physical[name]).get("Environment", {}).get("Variables", {})
        for var in FUNCTION_ENV:
            if var not in env:
                raise SystemExit(f"deploy_stack.py: {name} is not told {var}")
            if settings.setdefault(var, env[var]) != env[var]:
                raise SystemExit(f"deploy_stack.py: the functions differ in {var}: {settings[var]} and {env[var]}")
    return settings


def main():
    template_path, endpoint, stack = sys.argv[1:4]
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1")
    cfn = translate(template_path)
    removed = leave_out(cfn)
    for name, typ in sorted(removed.items(), key=lambda kv: (kv[1], kv[0])):
        print(f"deploy_stack.py: not deployed on the emulator: {name} ({typ})", file=sys.stderr)
    upload_code(session.client("s3", endpoint_url=endpoint), cfn)
    outputs, physical = deploy(session, endpoint, stack, cfn)
    sqs = session.client("sqs", endpoint_url=endpoint)
    for key in ("JobsQueueUrl", "JobsHighQueueUrl", "DeadLetterQueueUrl"):
        # The output names AWS's endpoint; the emulator's is where they are.
        outputs[key] = sqs.get_queue_url(QueueName=outputs[key].rsplit("/", 1)[1])["QueueUrl"]
    ttl = table_ttl(cfn)
    if ttl:
        session.client("dynamodb", endpoint_url=endpoint).update_time_to_live(
            TableName=outputs["JobsTableName"], TimeToLiveSpecification={"AttributeName": ttl, "Enabled": True})
    lam = session.client("lambda", endpoint_url=endpoint)
    settings = queue_settings(sqs, lam, cfn, outputs, physical)
    settings.update(function_settings(lam, cfn, physical))
    for key, var in OUTPUT_ENV.items():
        print(f"export {var}={outputs[key]}")
    for var, value in settings.items():
        print(f"export {var}={value}")


if __name__ == "__main__":
    main()
