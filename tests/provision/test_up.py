"""scribblectl up, plan, status and down against the local AWS.

Every resource and its settings are checked through boto3, never through
scribblectl itself; "no mutating call" is counted at the endpoint."""
import json
import os
import re
import signal
import subprocess

import pytest

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
STACK = "scribble"
TAG = [{"Name": "tag:scribble:stack", "Values": [STACK]}]


def scribblectl(local_aws, tmp_path, *args, check=True):
    result = subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True,
                            env=local_aws.env(), cwd=tmp_path, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def stack_up(local_aws, tmp_path):
    result = scribblectl(local_aws, tmp_path, "up")
    return result


def tagged(items, role):
    return [i for i in items
            if {"Key": "scribble:role", "Value": role} in i.get("Tags", [])]


def bucket_name(local_aws, purpose):
    """<stack>-<purpose>-<account>-<region>: bucket names are global."""
    return f"{STACK}-{purpose}-{local_aws.account_id}-{local_aws.region}"


def check_network(ec2):
    vpcs = ec2.describe_vpcs(Filters=TAG)["Vpcs"]
    assert len(vpcs) == 1 and vpcs[0]["CidrBlock"] == "10.0.0.0/16"
    vpc_id = vpcs[0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=TAG)["Subnets"]
    assert len(subnets) == 4
    public = [s for s in subnets if s["MapPublicIpOnLaunch"]]
    private = [s for s in subnets if not s["MapPublicIpOnLaunch"]]
    assert len(public) == 2 and len(private) == 2
    assert len({s["AvailabilityZone"] for s in public}) == 2
    assert all(s["VpcId"] == vpc_id for s in subnets)
    igws = ec2.describe_internet_gateways(Filters=TAG)["InternetGateways"]
    assert len(igws) == 1 and igws[0]["Attachments"][0]["VpcId"] == vpc_id
    nats = [n for n in ec2.describe_nat_gateways(Filters=TAG)["NatGateways"]
            if n["State"] not in ("deleted", "deleting")]
    assert len(nats) == 1 and nats[0]["State"] == "available"
    assert nats[0]["SubnetId"] in {s["SubnetId"] for s in public}
    assert len(ec2.describe_addresses(Filters=TAG)["Addresses"]) == 1
    tables = ec2.describe_route_tables(Filters=TAG)["RouteTables"]
    by_target = {}
    for table in tables:
        default = [r for r in table["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"]
        assert len(default) == 1, table
        target = default[0].get("GatewayId") or default[0].get("NatGatewayId")
        by_target[target] = {a["SubnetId"] for a in table["Associations"] if not a.get("Main")}
    assert by_target[igws[0]["InternetGatewayId"]] == {s["SubnetId"] for s in public}
    assert by_target[nats[0]["NatGatewayId"]] == {s["SubnetId"] for s in private}
    endpoints = ec2.describe_vpc_endpoints(Filters=TAG)["VpcEndpoints"]
    assert sorted(e["ServiceName"].rsplit(".", 1)[1] for e in endpoints) == ["dynamodb", "s3"]
    private_table = [t["RouteTableId"] for t in tables
                     if any(r.get("NatGatewayId") for r in t["Routes"])]
    assert all(e["VpcEndpointType"] == "Gateway" and e["RouteTableIds"] == private_table
               for e in endpoints)
    groups = ec2.describe_security_groups(Filters=TAG)["SecurityGroups"]
    functions = tagged(groups, "functions-security-group")[0]
    cache = tagged(groups, "cache-security-group")[0]
    assert functions["IpPermissions"] == []
    [rule] = cache["IpPermissions"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 6379, 6379)
    assert [p["GroupId"] for p in rule["UserIdGroupPairs"]] == [functions["GroupId"]]
    assert rule.get("IpRanges", []) == []


def check_compute(local_aws):
    functions = local_aws.client("lambda").list_functions()["Functions"]
    assert sorted(f["FunctionName"] for f in functions) == sorted(
        "%s-%s-function" % (STACK, h)
        for h in ("connect", "disconnect", "send", "broadcast", "catchup", "snapshot", "save",
                  "figures"))
    mappings = local_aws.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    assert len(mappings) == 2
    assert len(local_aws.client("apigatewayv2").get_apis()["Items"]) == 1
    assert len(local_aws.client("scheduler").list_schedules()["Schedules"]) == 2
    assert len(local_aws.client("elasticache").describe_serverless_caches()["ServerlessCaches"]) == 1
    distributions = local_aws.client("cloudfront").list_distributions()["DistributionList"]["Items"]
    assert len(distributions) == 1
    groups = local_aws.client("logs").describe_log_groups(logGroupNamePrefix="/aws/lambda/")["logGroups"]
    assert sorted(g["logGroupName"] for g in groups) == sorted(
        "/aws/lambda/" + f["FunctionName"] for f in functions)
    assert {g.get("retentionInDays") for g in groups} == {14}


def check_data(local_aws):
    sqs, iam = local_aws.client("sqs"), local_aws.client("iam")
    role = iam.get_role(RoleName=STACK + "-functions-role")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
    assert attached == []
    inline = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
    document = iam.get_role_policy(RoleName=role["RoleName"], PolicyName=inline[0])["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    everywhere = [s["Sid"] for s in document["Statement"]
                  if "*" in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])]
    assert everywhere == ["NetworkInterfacesDescribed"]  # the Describe calls AWS allows only on "*"
    assert "FullAccess" not in json.dumps(document)
    scheduler = iam.get_role(RoleName=STACK + "-scheduler-role")["Role"]
    assert "scheduler.amazonaws.com" in json.dumps(scheduler["AssumeRolePolicyDocument"])
    for name in ("catchup", "pixel"):
        url = sqs.get_queue_url(QueueName="%s-%s-queue" % (STACK, name))["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attrs["VisibilityTimeout"], attrs["MessageRetentionPeriod"], attrs["MaximumMessageSize"],
                attrs["ReceiveMessageWaitTimeSeconds"]) == ("360", "345600", "262144", "1")
        dead_url = sqs.get_queue_url(QueueName="%s-%s-dead-letter-queue" % (STACK, name))["QueueUrl"]
        dead = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["All"])["Attributes"]
        assert json.loads(attrs["RedrivePolicy"]) == {"deadLetterTargetArn": dead["QueueArn"], "maxReceiveCount": 5}
        assert json.loads(dead["RedriveAllowPolicy"]) == {"redrivePermission": "byQueue",
                                                          "sourceQueueArns": [attrs["QueueArn"]]}
        assert dead["MessageRetentionPeriod"] == "1209600"
        assert sqs.list_queue_tags(QueueUrl=dead_url)["Tags"]["scribble:stack"] == STACK
        policy = json.loads(attrs["Policy"])
        for statement in policy["Statement"]:  # only the functions' role is admitted
            if statement["Effect"] == "Allow":
                assert statement["Principal"] == {"AWS": role["Arn"]}, statement
            else:
                assert statement["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": role["Arn"]}}
        assert sqs.list_queue_tags(QueueUrl=url)["Tags"]["scribble:stack"] == STACK
    ddb = local_aws.client("dynamodb")
    pixels = ddb.describe_table(TableName=STACK + "-pixels")["Table"]
    assert pixels["KeySchema"] == [{"AttributeName": "idx", "KeyType": "HASH"}]
    assert pixels["AttributeDefinitions"] == [{"AttributeName": "idx", "AttributeType": "N"}]
    assert pixels["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert ddb.describe_table(TableName=STACK + "-history")["Table"]["TableStatus"] == "ACTIVE"
    s3 = local_aws.client("s3")
    for purpose in ("site", "artifacts"):
        bucket = bucket_name(local_aws, purpose)
        block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        assert all(block.values()) and len(block) == 4, bucket
    artifacts = bucket_name(local_aws, "artifacts")
    [rule] = s3.get_bucket_lifecycle_configuration(Bucket=artifacts)["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    [package] = s3.list_objects_v2(Bucket=artifacts)["Contents"]
    assert re.fullmatch(r"packages/[0-9a-f]{64}\.zip", package["Key"]), package["Key"]


def test_up_creates_every_resource(local_aws, tmp_path, stack_up):
    assert "up: " in stack_up.stdout and " created" in stack_up.stdout
    check_network(local_aws.client("ec2"))
    check_data(local_aws)
    check_compute(local_aws)
    assert "page:      https://" in stack_up.stdout
    assert "websocket: wss://" in stack_up.stdout


def test_second_up_makes_no_mutating_call(local_aws, tmp_path, stack_up):
    local_aws.requests.clear()
    result = scribblectl(local_aws, tmp_path, "up")
    assert "nothing to do" in result.stdout
    assert local_aws.requests.mutating() == [], [str(r) for r in local_aws.requests.mutating()]
    assert len(local_aws.requests) > 20


def test_plan_lists_creates_and_changes_nothing(local_aws, tmp_path):
    result = scribblectl(local_aws, tmp_path, "plan")
    assert local_aws.requests.mutating() == []
    assert "vpc " in result.stdout and "pixel-queue" in result.stdout
    assert "plan: " in result.stdout and "to create" in result.stdout
    dry = scribblectl(local_aws, tmp_path, "up", "--dry-run")
    assert dry.stdout.replace(" ", "") .count("create") == result.stdout.replace(" ", "").count("create")
    assert local_aws.requests.mutating() == []


def test_status_reports_what_changed_behind_its_back(local_aws, tmp_path, stack_up):
    status = scribblectl(local_aws, tmp_path, "status")
    assert "0 absent, 0 differ" in status.stdout
    sqs = local_aws.client("sqs")
    url = sqs.get_queue_url(QueueName=STACK + "-pixel-queue")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5"})
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=STACK + "-catchup-queue")["QueueUrl"])
    local_aws.client("logs").put_retention_policy(logGroupName="/aws/lambda/%s-send-function" % STACK,
                                                  retentionInDays=30)
    status = scribblectl(local_aws, tmp_path, "status", check=False)
    assert status.returncode == 3, status.stdout + status.stderr
    assert "log retention days: is 30, config says 14" in status.stdout
    lines = {line.split()[0]: line for line in status.stdout.splitlines() if line.strip()}
    assert lines["catchup-queue"].rstrip().endswith("absent")
    assert "VisibilityTimeout" in status.stdout and "5" in status.stdout
    doc = json.loads(scribblectl(local_aws, tmp_path, "status", "--output", "json", check=False).stdout)
    by_role = {r["role"]: r for r in doc["resources"]}
    assert by_role["catchup-queue"]["exists"] is False
    assert by_role["pixel-queue"]["drift"] and by_role["vpc"]["id"].startswith("vpc-")
    scribblectl(local_aws, tmp_path, "up")
    assert scribblectl(local_aws, tmp_path, "status").returncode == 0


def check_nothing_left(local_aws):
    ec2 = local_aws.client("ec2")
    assert ec2.describe_vpcs(Filters=TAG)["Vpcs"] == []
    assert ec2.describe_subnets(Filters=TAG)["Subnets"] == []
    assert ec2.describe_addresses(Filters=TAG)["Addresses"] == []
    assert [n for n in ec2.describe_nat_gateways(Filters=TAG)["NatGateways"]
            if n["State"] != "deleted"] == []
    assert ec2.describe_security_groups(Filters=TAG)["SecurityGroups"] == []
    assert local_aws.client("sqs").list_queues().get("QueueUrls", []) == []
    assert local_aws.client("dynamodb").list_tables()["TableNames"] == []
    assert [r for r in local_aws.client("iam").list_roles()["Roles"]
            if r["RoleName"].startswith(STACK + "-")] == []
    assert local_aws.client("s3").list_buckets()["Buckets"] == []
    assert local_aws.client("lambda").list_functions()["Functions"] == []
    assert local_aws.client("logs").describe_log_groups()["logGroups"] == []
    assert local_aws.client("lambda").list_event_source_mappings()["EventSourceMappings"] == []
    assert local_aws.client("apigatewayv2").get_apis()["Items"] == []
    assert local_aws.client("scheduler").list_schedules()["Schedules"] == []
    elasticache = local_aws.client("elasticache")
    assert elasticache.describe_serverless_caches()["ServerlessCaches"] == []
    cloudfront = local_aws.client("cloudfront")
    assert cloudfront.list_distributions()["DistributionList"].get("Items", []) == []
    assert cloudfront.list_origin_access_controls()["OriginAccessControlList"].get("Items", []) == []
    assert cloudfront.list_cache_policies(Type="custom")["CachePolicyList"].get("Items", []) == []
    assert cloudfront.list_response_headers_policies(
        Type="custom")["ResponseHeadersPolicyList"].get("Items", []) == []


def test_down_removes_everything_and_is_safe_to_repeat(local_aws, tmp_path, stack_up):
    refused = scribblectl(local_aws, tmp_path, "down", check=False)
    assert refused.returncode == 1 and "without --yes" in refused.stderr
    local_aws.client("s3").put_object(Bucket=bucket_name(local_aws, "site"),
                                      Key="scribble.html", Body=b"<p>hi</p>")
    # An upload left unfinished: its parts are stored though no object shows them.
    s3 = local_aws.client("s3")
    started = s3.create_multipart_upload(Bucket=bucket_name(local_aws, "artifacts"),
                                         Key="packages/unfinished.zip")
    s3.upload_part(Bucket=bucket_name(local_aws, "artifacts"), Key="packages/unfinished.zip",
                   UploadId=started["UploadId"], PartNumber=1, Body=b"part")
    result = scribblectl(local_aws, tmp_path, "down", "--yes")
    assert "already absent" in result.stdout
    assert local_aws.requests.count(service="s3", operation="AbortMultipartUpload") == 1
    check_nothing_left(local_aws)
    again = scribblectl(local_aws, tmp_path, "down", "--yes")
    assert "0 deleted" in again.stdout


def test_down_after_partial_stack(local_aws, tmp_path, stack_up):
    ec2 = local_aws.client("ec2")
    sqs = local_aws.client("sqs")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName=STACK + "-pixel-queue")["QueueUrl"])
    for endpoint in ec2.describe_vpc_endpoints(Filters=TAG)["VpcEndpoints"]:
        ec2.delete_vpc_endpoints(VpcEndpointIds=[endpoint["VpcEndpointId"]])
    scribblectl(local_aws, tmp_path, "down", "--yes")
    check_nothing_left(local_aws)


@pytest.mark.parametrize("kill_after", [("ec2", "CreateSubnet"), ("ec2", "CreateNatGateway"),
                                        ("sqs", "CreateQueue"), ("lambda", "CreateFunction"),
                                        ("cloudfront", "CreateDistributionWithTags")])
def test_up_killed_then_run_again_converges(local_aws, tmp_path, kill_after):
    service, operation = kill_after
    process = subprocess.Popen([SCRIBBLECTL, "up"], env=local_aws.env(), cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        reached = local_aws.requests.wait_for(
            lambda records: any(r.service == service and r.operation == operation for r in records),
            timeout=120)
        assert reached, "up never called %s %s" % kill_after
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=60)
    scribblectl(local_aws, tmp_path, "up")
    check_network(local_aws.client("ec2"))
    check_data(local_aws)
    check_compute(local_aws)
