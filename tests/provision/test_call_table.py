"""The roles' policies against runtime/aws-calls.md, the table of every AWS
call made for the handlers.

The table is kept honest against the code: every call in runtime/*.c is a
row, every row's call is in its module. The policies are read from IAM and
SQS after `scribblectl up`, as AWS would hold them: every (action, resource)
a statement allows is one some row needs, and every row is allowed, with
IAM's wildcard matching, on the resource ARN AWS authorizes (formats of the
Service Authorization Reference). No action has a wildcard; a resource is
`*` only where AWS requires it. The functions' policy names the WebSocket
API: without it, status reports no drift in that policy, and up follows a
new API's id. A stack made with the managed AWSLambdaVPCAccessExecutionRole
has it detached."""
import json
import os
import pathlib
import re

from walk_runs import explain, scribblectl, write_config

SOURCE = pathlib.Path(os.environ["SCRIBBLE_SOURCE_DIR"])
TABLE = SOURCE / "runtime" / "aws-calls.md"
STACK = "calls"
COLUMNS = ["caller", "role", "handlers", "operation", "action", "resource", "within"]

# AWS authorizes these on every resource only ("Resource": "*"): the
# Service Authorization Reference lists no resource type for them.
RESOURCE_STAR_ACTIONS = {"ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"}

# The runtime's calls as they read in C: (function, service) -> operation
# from its third argument; REST calls name an HTTP method there.
CALL = re.compile(r'\b(aws_json_call|aws_json_paginate|aws_rest_xml_call|aws_rest_json_call|'
                  r'aws_client_request)\(\s*\w+,\s*&aws_service_(\w+),\s*"(\w+)"')
REST_OPERATIONS = {("s3", "PUT"): "PutObject", ("apigatewaymanagementapi", "POST"): "PostToConnection"}
SERVICE_PREFIX = {"sqs": "sqs", "dynamodb": "dynamodb", "s3": "s3",
                  "apigatewaymanagementapi": "execute-api"}
# aws_client_send sends what aws_client_request built: not a second call.
SENDS_A_BUILT_REQUEST = re.compile(r"\baws_client_send\(")


def cell(text):
    return text.strip().strip("`").replace("\\<", "<").replace("\\>", ">")


def read_table():
    rows = []
    for line in TABLE.read_text().splitlines():
        cells = [cell(c) for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] in ("caller", "---"):
            continue
        assert len(cells) == len(COLUMNS), f"{TABLE}: {line}"
        rows.append(dict(zip(COLUMNS, cells)))
    assert rows, f"{TABLE} has no rows"
    return rows


def listed(text):
    return [item.strip() for item in text.split(",") if item.strip()]


def calls_in_code():
    """{(module, operation)} for every AWS call in runtime/*.c."""
    found = set()
    for path in sorted((SOURCE / "runtime").glob("*.c")):
        text = path.read_text()
        for function, service, name in CALL.findall(text):
            assert service in SERVICE_PREFIX, f"{path.name}: a call on {service}, which the table test does not know"
            rest = function in ("aws_rest_xml_call", "aws_rest_json_call", "aws_client_request")
            operation = REST_OPERATIONS.get((service, name)) if rest else name
            assert operation, f"{path.name}: {service} {name}: which operation is that?"
            found.add((path.name, operation))
        uses = len(re.findall(r"&aws_service_\w+", text))
        recognised = len(CALL.findall(text)) + len(SENDS_A_BUILT_REQUEST.findall(text))
        assert uses == recognised, f"{path.name} calls AWS in a way this test does not read"
    return found


def test_every_call_in_the_runtime_is_a_row_and_every_row_a_call():
    rows = read_table()
    in_table = {(r["caller"], r["operation"]) for r in rows if r["caller"].endswith(".c")}
    in_code = calls_in_code()
    assert in_code - in_table == set(), f"calls missing from {TABLE.name}"
    assert in_table - in_code == set(), f"rows of {TABLE.name} that no code makes"
    description = (SOURCE / "stack" / "description.h").read_text()
    handler_list = re.search(r"#define STACK_HANDLERS\(X\)((?:.*\\\n)*.*)", description).group(1)
    handlers = set(re.findall(r"X\((\w+)\)", handler_list))
    assert len(handlers) == 8, handlers
    for row in rows:
        named = listed(row["handlers"])
        assert named == ["all"] or set(named) <= handlers, row
        if row["caller"].endswith(".c"):
            prefix = row["action"].split(":")[0]
            services = {s for m, s, _ in CALL.findall((SOURCE / "runtime" / row["caller"]).read_text())}
            assert prefix in {SERVICE_PREFIX[s] for s in services}, row


# --- the policies as AWS holds them ---------------------------------------

def as_list(value):
    return value if isinstance(value, list) else [value]


def iam_pattern(pattern, case_sensitive=True):
    """An IAM Action or Resource value as a regex: * any run, ? one character."""
    text = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(text, 0 if case_sensitive else re.IGNORECASE)


def matches(pattern, value, case_sensitive=True):
    return iam_pattern(pattern, case_sensitive).fullmatch(value) is not None


class Stack:
    """What the ARNs of a stack that is up are made of, read from status and boto3."""

    def __init__(self, local_aws, status):
        self.region, self.account = status["region"], status["account"]
        self.resources = {r["role"]: r for r in status["resources"]}
        self.handlers = sorted(role[:-len("-function")] for role in self.resources
                               if role.endswith("-function"))
        api_id = self.resources["websocket-api"]["id"]
        [stage] = local_aws.client("apigatewayv2").get_stages(ApiId=api_id)["Items"]
        self.stage = stage["StageName"]

    def arn(self, service, resource):
        return f"arn:aws:{service}:{self.region}:{self.account}:{resource}"

    def resource_arns(self, row):
        """The ARNs AWS authorizes the row's call on, one per resource."""
        handlers = self.handlers if row["handlers"] == "all" else listed(row["handlers"])
        roles = []
        for name in listed(row["resource"]):
            if "<handler>" in name:
                roles += [name.replace("<handler>", h) for h in handlers]
            elif name.endswith("-N"):
                roles += sorted(r for r in self.resources if re.fullmatch(name[:-1] + r"\d+", r))
            else:
                roles.append(name)
        return [self.arn_of(row, role) for role in roles]

    def arn_of(self, row, role):
        if role == "*":
            return "*"
        if role == "network-interface":
            return self.arn("ec2", "network-interface/eni-0123456789abcdef0")
        r, within, sample = self.resources[role], row["within"], "sample-0"
        service = row["action"].split(":")[0]
        if service == "sqs":
            return self.arn("sqs", r["name"])
        if service == "dynamodb":
            return self.arn("dynamodb", f"table/{r['name']}")
        if service == "s3":
            return f"arn:aws:s3:::{r['name']}/{within}{sample}"
        if service == "execute-api":
            method, path = within.split(" ")
            return self.arn("execute-api", f"{r['id']}/{self.stage}/{method}/{path}{sample}")
        if service == "logs":
            return self.arn("logs", f"log-group:{r['id']}:{within}{sample}")
        if service == "ec2":
            kind = "subnet" if role.startswith("subnet-") else "security-group"
            return self.arn("ec2", f"{kind}/{r['id']}")
        if service == "lambda":
            return self.arn("lambda", f"function:{r['name']}")
        raise AssertionError(f"no ARN format for {row}")


def needed_calls(stack, role):
    """(action, resource ARN) of every call made with the role."""
    return {(row["action"], arn) for row in read_table() if row["role"] == role
            for arn in stack.resource_arns(row)}


def allowed_pairs(policy):
    """(action, resource pattern) of every Allow statement, one per pair."""
    pairs = set()
    for statement in as_list(policy["Statement"]):
        assert statement["Effect"] == "Allow", statement
        assert "NotAction" not in statement and "NotResource" not in statement, statement
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                pairs.add((action, resource))
    return pairs


def check_no_wildcard_beyond_the_exceptions(pairs):
    for action, resource in pairs:
        assert "*" not in action and "?" not in action, f"{action} has a wildcard"
        assert resource != "*" or action in RESOURCE_STAR_ACTIONS, f"{action} on every resource"
        assert resource == "*" or action not in RESOURCE_STAR_ACTIONS, f"{action} on {resource}"


def check_policy_against_calls(pairs, calls, what):
    for action, resource in calls:
        assert any(matches(a, action, case_sensitive=False) and matches(r, resource)
                   for a, r in pairs), f"{what} does not allow {action} on {resource}"
    for action, resource in pairs:
        assert any(matches(action, a, case_sensitive=False) and matches(resource, r)
                   for a, r in calls), f"{what} allows {action} on {resource}, which no call needs"


def role_policy(iam, name):
    return iam.get_role_policy(RoleName=name, PolicyName=name)["PolicyDocument"]


def check_queue_policies(local_aws, stack, calls):
    """Each queue's policy allows the functions' role the SQS calls made on
    that queue, those alone."""
    sqs, role = local_aws.client("sqs"), stack.resources["functions-role"]["arn"]
    for queue in ("catchup-queue", "pixel-queue"):
        arn = stack.arn("sqs", stack.resources[queue]["name"])
        url = sqs.get_queue_url(QueueName=stack.resources[queue]["name"])["QueueUrl"]
        policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])
                            ["Attributes"]["Policy"])
        [allow] = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
        assert allow["Principal"] == {"AWS": role} and allow["Resource"] == arn, allow
        assert sorted(as_list(allow["Action"])) == sorted(a for a, r in calls if r == arn), queue


def status_json(local_aws, tmp_path):
    result = scribblectl(local_aws.env(), tmp_path, "status", "--output", "json")
    assert result.returncode in (0, 3), explain(result)
    return json.loads(result.stdout)


def up(local_aws, tmp_path):
    result = scribblectl(local_aws.env(), tmp_path, "up", timeout=600)
    assert result.returncode == 0, explain(result)


def test_the_policies_allow_exactly_the_calls_of_the_table(local_aws, tmp_path):
    write_config(tmp_path, STACK)
    up(local_aws, tmp_path)
    stack = Stack(local_aws, status_json(local_aws, tmp_path))
    iam = local_aws.client("iam")
    for role in ("functions-role", "scheduler-role"):
        name = stack.resources[role]["name"]
        assert iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"] == [], role
        assert iam.list_role_policies(RoleName=name)["PolicyNames"] == [name]
        pairs, calls = allowed_pairs(role_policy(iam, name)), needed_calls(stack, role)
        check_no_wildcard_beyond_the_exceptions(pairs)
        check_policy_against_calls(pairs, calls, f"{role}'s policy")
    check_queue_policies(local_aws, stack, needed_calls(stack, "functions-role"))
    # Exact names: another stack whose name begins with this one's is not matched.
    pairs = allowed_pairs(role_policy(iam, stack.resources["functions-role"]["name"]))
    other = stack.arn("logs", f"log-group:/aws/lambda/{STACK}-x-send-function:log-stream:s")
    assert not any(matches(r, other) for a, r in pairs if a.startswith("logs:"))


def inline_policy_drift(status):
    [role] = [r for r in status["resources"] if r["role"] == "functions-role"]
    return [line for line in role["drift"] if "inline policy" in line]


def test_the_functions_policy_follows_the_websocket_api(local_aws, tmp_path):
    write_config(tmp_path, STACK)
    plan = scribblectl(local_aws.env(), tmp_path, "plan")
    assert plan.returncode == 0, explain(plan)
    up(local_aws, tmp_path)
    iam, apis = local_aws.client("iam"), local_aws.client("apigatewayv2")
    role = f"{STACK}-functions-role"
    [old] = [a["ApiId"] for a in apis.get_apis()["Items"]]
    assert old in json.dumps(role_policy(iam, role))
    apis.delete_api(ApiId=old)

    # Without the API, the policy it names is unknown: no drift, no bogus id.
    status = status_json(local_aws, tmp_path)
    assert inline_policy_drift(status) == [], status
    assert {r["role"]: r["exists"] for r in status["resources"]}["websocket-api"] is False
    plan = scribblectl(local_aws.env(), tmp_path, "plan")
    assert plan.returncode == 0, explain(plan)

    up(local_aws, tmp_path)
    [new] = [a["ApiId"] for a in apis.get_apis()["Items"]]
    policy = json.dumps(role_policy(iam, role))
    assert new in policy and old not in policy, policy
    assert inline_policy_drift(status_json(local_aws, tmp_path)) == []
    down = scribblectl(local_aws.env(), tmp_path, "down", "--yes", timeout=600)
    assert down.returncode == 0, explain(down)
    assert role not in [r["RoleName"] for r in iam.list_roles()["Roles"]]


def test_a_stack_made_with_the_managed_vpc_policy_has_it_detached(local_aws, tmp_path):
    write_config(tmp_path, STACK)
    up(local_aws, tmp_path)
    iam, role = local_aws.client("iam"), f"{STACK}-functions-role"
    managed = "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"
    iam.attach_role_policy(RoleName=role, PolicyArn=managed)
    status = scribblectl(local_aws.env(), tmp_path, "status")
    assert status.returncode == 3, explain(status)
    assert f"role other managed policies: is {managed}" in status.stdout + status.stderr, explain(status)
    up(local_aws, tmp_path)
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []
    assert scribblectl(local_aws.env(), tmp_path, "status").returncode == 0
