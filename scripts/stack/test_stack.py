"""What the deployed stack must guarantee: least privilege, log retention,
tracing where a trace follows a request or a job, alarms, dead-letter
settings and a CORS policy without a wildcard.

The template is checked as CloudFormation will see it: samtranslator (the
library behind `sam build` and `sam deploy`) expands the SAM resources
first, so the roles, log settings and event source mappings checked here are
the ones SAM generates, including what SAM adds by itself (such as an AWS
managed policy for an SQS event).

Run by `make stack-test` (part of `make test-sam`) with the project's
virtualenv: python -m unittest discover -s scripts/stack
"""

import os
import pathlib
import re
import unittest

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

ROOT = pathlib.Path(__file__).resolve().parents[2]

# Values for the parameters without a default, and for the pseudo
# parameters when an ARN is spelled out with !Sub.
PARAMETERS = {
    "JwtIssuer": "https://issuer.example.com",
    "JwtAudience": "jobline",
    "CorsAllowOrigins": "https://app.example.com",
}
PSEUDO = {
    "AWS::Partition": "aws",
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::StackName": "jobline",
}

ALARM_ACTIONS = {"Fn::If": ["HasAlarmTopic", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}


class _NoManagedPolicyNames:
    """samtranslator's loader of managed policy names: the template uses
    none by name, so no IAM call is needed."""

    def load(self):
        return {}


def load_template():
    """template.yaml as written, and as samtranslator expands it."""
    raw = yaml_parse((ROOT / "template.yaml").read_text())
    sam = yaml_parse((ROOT / "template.yaml").read_text())
    for res in sam["Resources"].values():
        if res["Type"] == "AWS::Serverless::Function":
            # The transform wants packaged code (`sam validate` does the same).
            res["Properties"]["CodeUri"] = "s3://code/function.zip"
    os.environ.setdefault("AWS_DEFAULT_REGION", PSEUDO["AWS::Region"])
    cfn = transform(sam, dict(PARAMETERS), _NoManagedPolicyNames())
    return raw, cfn


def of_type(resources, typ):
    return {name: res for name, res in resources.items() if res["Type"] == typ}


def as_list(value):
    return value if isinstance(value, list) else [value]


def statements(role):
    for policy in role["Properties"].get("Policies", []):
        yield from as_list(policy["PolicyDocument"]["Statement"])


def sub(value):
    """Resolve a !Sub of pseudo parameters only (an ARN spelled out)."""
    if isinstance(value, dict) and set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return re.sub(r"\$\{([^}]+)\}", lambda m: PSEUDO[m.group(1)], value["Fn::Sub"])
    raise AssertionError(f"not a !Sub of pseudo parameters: {value}")


def role_of(cfn, function):
    ref = cfn["Resources"][function]["Properties"]["Role"]
    return cfn["Resources"][ref["Fn::GetAtt"][0]]


class StackTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.raw, cls.cfn = load_template()
        cls.res = cls.cfn["Resources"]
        cls.queues = of_type(cls.res, "AWS::SQS::Queue")
        # Job queues are those that dead-letter.
        cls.job_queues = {n: q for n, q in cls.queues.items() if "RedrivePolicy" in q["Properties"]}
        cls.functions = of_type(cls.res, "AWS::Lambda::Function")

    def test_no_role_may_consume_every_queue(self):
        """SAM's SQS event attaches AWSLambdaSQSQueueExecutionRole (receive
        and delete on every queue of the account); every SQS permission
        must name Jobline's queues."""
        queue_arns = [{"Fn::GetAtt": [n, "Arn"]} for n in self.queues]
        for name, role in of_type(self.res, "AWS::IAM::Role").items():
            for arn in role["Properties"].get("ManagedPolicyArns", []):
                self.assertNotIn("SQS", str(arn), f"{name} has the managed policy {arn}")
            for st in statements(role):
                if not any(a.startswith("sqs:") for a in as_list(st["Action"])):
                    continue
                for r in as_list(st["Resource"]):
                    self.assertIn(r, queue_arns, f"{name} statement {st.get('Sid')}: SQS on {r}")

    def test_processjob_can_consume_what_is_mapped_to_it(self):
        """Each event source mapping's queue is one processjob's role may
        receive from, delete from and read the attributes of."""
        mappings = of_type(self.res, "AWS::Lambda::EventSourceMapping")
        self.assertTrue(mappings, "no event source mapping")
        role = role_of(self.cfn, "ProcessJobFunction")
        for name, m in mappings.items():
            props = m["Properties"]
            self.assertEqual(props["FunctionName"], {"Ref": "ProcessJobFunction"}, name)
            queue = props["EventSourceArn"]
            for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"):
                self.assertTrue(any(action in as_list(st["Action"]) and queue in as_list(st["Resource"])
                                    for st in statements(role)), f"{name}: processjob may not {action} on {queue}")

    def test_one_mapping_polls_an_idle_stack(self):
        """Idle cost (docs/aws.md): one event source mapping, on the default
        queue; processjob drains the high-priority lane itself, and
        reconcile, which runs every minute, is not traced."""
        mappings = of_type(self.res, "AWS::Lambda::EventSourceMapping")
        self.assertEqual([m["Properties"]["EventSourceArn"] for m in mappings.values()],
                         [{"Fn::GetAtt": ["JobsQueue", "Arn"]}])
        role = role_of(self.cfn, "ProcessJobFunction")
        lane = {"Fn::GetAtt": ["JobsHighQueue", "Arn"]}
        for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"):
            self.assertTrue(any(action in as_list(st["Action"]) and lane in as_list(st["Resource"])
                                for st in statements(role)), f"processjob may not {action} on the lane")
        self.assertTrue(any("sqs:GetQueueAttributes" in as_list(st["Action"]) and lane in as_list(st["Resource"])
                            for st in statements(role_of(self.cfn, "ReconcileFunction"))),
                        "reconcile may not watch the lane")
        self.assertNotIn("TracingConfig", self.res["ReconcileFunction"]["Properties"])

    def test_reconcile_queries_only_indexes(self):
        """The sweep queries indexes, never the table itself."""
        indexes = [g["IndexName"] for g in self.res["JobsTable"]["Properties"]["GlobalSecondaryIndexes"]]
        allowed = [{"Fn::Sub": "${JobsTable.Arn}/index/" + i} for i in indexes]
        queried = []
        for st in statements(role_of(self.cfn, "ReconcileFunction")):
            if "dynamodb:Query" in as_list(st["Action"]):
                for r in as_list(st["Resource"]):
                    self.assertIn(r, allowed, f"reconcile may Query {r}, which is not an index of JobsTable")
                    queried.append(r)
        self.assertTrue(queried, "reconcile may not query the sweep index")
        self.assertLess(len(queried), len(indexes), f"reconcile may query every index: {queried}")

    # Actions that take no resource-level permission: "*" is the only
    # resource IAM accepts for them.
    UNSCOPED_ACTIONS = {"cloudwatch:GetMetricData"}

    def test_no_wildcard_resources(self):
        """Every statement names its resources: no "*" but for actions that
        cannot be scoped, no index wildcard on the table."""
        for name, role in of_type(self.res, "AWS::IAM::Role").items():
            for st in statements(role):
                for r in as_list(st["Resource"]):
                    if r == "*":
                        self.assertLessEqual(set(as_list(st["Action"])), self.UNSCOPED_ACTIONS,
                                             f"{name} statement {st.get('Sid')}: {st['Action']} on every resource")
                    self.assertNotIn("/index/*", str(r), f"{name} statement {st.get('Sid')}: every index of {r}")

    def allowed(self, function, action, resource):
        return any(action in as_list(st["Action"]) and resource in as_list(st["Resource"])
                   for st in statements(role_of(self.cfn, function)))

    def test_admin_may_do_what_its_api_does_and_read_metrics(self):
        """The admin API: an owner's jobs (the by-owner index), cancel and
        redrive (the table), the queues' counts, the DLQ's listing and
        redrive, and the metrics and queue ages from CloudWatch."""
        table, dlq = {"Fn::GetAtt": ["JobsTable", "Arn"]}, {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]}
        for action in ("dynamodb:GetItem", "dynamodb:UpdateItem"):
            self.assertTrue(self.allowed("AdminFunction", action, table), f"admin may not {action}")
        self.assertTrue(self.allowed("AdminFunction", "dynamodb:Query", {"Fn::Sub": "${JobsTable.Arn}/index/GSI1"}),
                        "admin may not list an owner's jobs")
        for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"):
            self.assertTrue(self.allowed("AdminFunction", action, dlq), f"admin may not {action} on the DLQ")
        for q in self.job_queues:
            for action in ("sqs:SendMessage", "sqs:GetQueueAttributes"):
                self.assertTrue(self.allowed("AdminFunction", action, {"Fn::GetAtt": [q, "Arn"]}),
                                f"admin may not {action} on {q}")
        self.assertTrue(self.allowed("AdminFunction", "cloudwatch:GetMetricData", "*"), "admin may not read metrics")

    def test_only_admin_reads_metrics(self):
        """The functions write their metrics as log lines (EMF); only the
        admin function reads CloudWatch."""
        for name in self.functions:
            if name == "AdminFunction":
                continue
            for st in statements(role_of(self.cfn, name)):
                self.assertFalse(any(a.startswith("cloudwatch:") for a in as_list(st["Action"])),
                                 f"{name} statement {st.get('Sid')}: {st['Action']}")

    def test_traced_functions_follow_requests_or_jobs(self):
        """X-Ray costs per trace (docs/aws.md, "Idle cost"): the functions
        behind the HTTP API or an event source mapping are traced, a trace
        per request or batch; the scheduled sweep and the operator's tool
        are not."""
        triggered = {m["Properties"]["FunctionName"]["Ref"]
                     for m in of_type(self.res, "AWS::Lambda::EventSourceMapping").values()}
        for name, res in self.raw["Resources"].items():
            if res["Type"] == "AWS::Serverless::Function" and any(
                    e["Type"] == "HttpApi" for e in res["Properties"].get("Events", {}).values()):
                triggered.add(name)
        self.assertIn("AdminFunction", triggered)
        for name, fn in self.functions.items():
            traced = fn["Properties"].get("TracingConfig", {}).get("Mode") == "Active"
            self.assertEqual(traced, name in triggered, f"{name} traced: {traced}")

    def test_every_log_group_keeps_logs_for_a_set_time(self):
        groups = of_type(self.res, "AWS::Logs::LogGroup")
        for name, g in groups.items():
            self.assertEqual(g["Properties"].get("RetentionInDays"), {"Ref": "LogRetentionDays"}, name)
        for name, fn in self.functions.items():
            group = fn["Properties"].get("LoggingConfig", {}).get("LogGroup")
            self.assertIsInstance(group, dict, f"{name} logs to Lambda's default group, which keeps logs forever")
            self.assertIn(group.get("Ref"), groups, f"{name} logs to {group}")
        stage = self.res["HttpApiApiGatewayDefaultStage"]["Properties"]
        dest = stage.get("AccessLogSettings", {}).get("DestinationArn", {})
        self.assertIn(dest.get("Fn::GetAtt", [None])[0], groups, "the API's access log has no group with retention")

    def alarms(self):
        return of_type(self.res, "AWS::CloudWatch::Alarm")

    def metrics_of(self, alarm):
        """(namespace, metric, dimension value) of each metric of an alarm."""
        p = alarm["Properties"]
        if "MetricName" in p:
            return [(p["Namespace"], p["MetricName"], p["Dimensions"][0]["Value"])]
        out = []
        for m in p.get("Metrics", []):
            if "MetricStat" in m:
                metric = m["MetricStat"]["Metric"]
                out.append((metric["Namespace"], metric["MetricName"], metric["Dimensions"][0]["Value"]))
        return out

    def assert_alarm(self, namespace, metric, dimension):
        for name, alarm in self.alarms().items():
            if (namespace, metric, dimension) in self.metrics_of(alarm):
                return name
        self.fail(f"no alarm on {namespace} {metric} of {dimension}")

    def test_alarms_watch_failures_and_backlog(self):
        self.assert_alarm("AWS/SQS", "ApproximateNumberOfMessagesVisible",
                          {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]})
        self.assert_alarm("AWS/Lambda", "Errors", {"Ref": "ProcessJobFunction"})
        self.assert_alarm("AWS/Lambda", "Errors", {"Ref": "ReconcileFunction"})
        for q in self.job_queues:
            self.assert_alarm("AWS/SQS", "ApproximateAgeOfOldestMessage", {"Fn::GetAtt": [q, "QueueName"]})

    def test_every_alarm_notifies_the_topic_when_given(self):
        self.assertGreaterEqual(len(self.alarms()), 4)
        for name, alarm in self.alarms().items():
            self.assertEqual(alarm["Properties"].get("AlarmActions"), ALARM_ACTIONS, name)
            self.assertEqual(alarm["Properties"].get("OKActions"), ALARM_ACTIONS, name)

    def test_dead_letter_queue_outlives_its_sources(self):
        """SQS keeps a dead-lettered message's original enqueue time: a DLQ
        that keeps messages no longer than its sources expires them early."""
        self.assertTrue(self.job_queues)
        for name, q in self.job_queues.items():
            dlq = q["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
            source = q["Properties"].get("MessageRetentionPeriod", 345600)
            kept = self.queues[dlq]["Properties"].get("MessageRetentionPeriod", 345600)
            self.assertGreater(kept, source, f"{dlq} keeps messages {kept}s, {name} {source}s")

    def test_dead_letter_queue_allows_redrive_to_its_sources_only(self):
        for dlq, q in self.queues.items():
            sources = [n for n, s in self.job_queues.items()
                       if s["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": [dlq, "Arn"]}]
            if not sources:
                continue
            policy = q["Properties"].get("RedriveAllowPolicy", {})
            self.assertEqual(policy.get("redrivePermission"), "byQueue", dlq)
            named = sorted(sub(a) for a in policy.get("sourceQueueArns", []))
            want = sorted(f"arn:aws:sqs:us-east-1:123456789012:{sub(self.queues[s]['Properties']['QueueName'])}"
                          for s in sources)
            self.assertEqual(named, want, f"{dlq} RedriveAllowPolicy")

    def test_queues_are_encrypted(self):
        """.checkov.yaml skips CKV_AWS_27 because of this."""
        for name, q in self.queues.items():
            self.assertIs(q["Properties"].get("SqsManagedSseEnabled"), True, name)

    def test_cors_origins_have_no_wildcard(self):
        param = self.raw["Parameters"]["CorsAllowOrigins"]
        self.assertNotIn("*", str(param.get("Default", "")), "CorsAllowOrigins defaults to a wildcard")
        pattern = re.compile(param.get("AllowedPattern", ".*"))
        for ok in ("https://app.example.com", "https://app.example.com,http://localhost:8080"):
            self.assertTrue(pattern.fullmatch(ok), f"CorsAllowOrigins refuses {ok}")
        for bad in ("*", "https://*.example.com", "https://app.example.com,*", ""):
            self.assertFalse(pattern.fullmatch(bad), f"CorsAllowOrigins accepts {bad!r}")

    def test_every_checkov_skip_says_why(self):
        for name, res in self.raw["Resources"].items():
            for skip in res.get("Metadata", {}).get("checkov", {}).get("skip", []):
                self.assertGreater(len(skip.get("comment", "")), 20, f"{name} skips {skip.get('id')} without a reason")
        lines = (ROOT / ".checkov.yaml").read_text().splitlines()
        for i, line in enumerate(lines):
            if re.match(r"\s*- CKV_", line):
                self.assertTrue(lines[i - 1].strip().startswith("#"), f".checkov.yaml skips {line.strip()} without a reason")


if __name__ == "__main__":
    unittest.main()
