"""The data resources of `scribblectl up` (queues and their dead-letter queues,
tables, IAM roles, the site bucket): their settings and policies as boto3 sees
them, drift reported by `status` and corrected by `up`, FIFO queues, a message
that keeps failing moved to its dead-letter queue and counted by `status`, and
`down` emptying a versioned bucket of more than one DeleteObjects batch."""
import json
import os
import subprocess

import pytest

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
STACK = "data"


def write_config(tmp_path, extra=""):
    (tmp_path / "scribble.ini").write_text(f"[stack]\nname = {STACK}\n{extra}")


def scribblectl(local_aws, tmp_path, *args, check=True):
    result = subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True,
                            env=local_aws.env(), cwd=tmp_path, timeout=600)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def bucket_name(local_aws):
    return f"{STACK}-site-{local_aws.account_id}-{local_aws.region}"


def role_arn(local_aws, name):
    return f"arn:aws:iam::{local_aws.account_id}:role/{name}"


def statements(document):
    doc = json.loads(document) if isinstance(document, str) else document
    return doc["Statement"]


def as_list(value):
    return value if isinstance(value, list) else [value]


def queue_attributes(sqs, name):
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def queue_arn(local_aws, name):
    return f"arn:aws:sqs:{local_aws.region}:{local_aws.account_id}:{name}"


def check_dead_letter_queue(local_aws, variant, suffix, max_receive_count):
    """The variant's queue sends what failed max_receive_count times to its
    dead-letter queue, which admits that queue alone and keeps messages 14 days."""
    sqs = local_aws.client("sqs")
    source, dead = f"{STACK}-{variant}-queue{suffix}", f"{STACK}-{variant}-dead-letter-queue{suffix}"
    _, attributes = queue_attributes(sqs, source)
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == queue_arn(local_aws, dead)
    assert int(redrive["maxReceiveCount"]) == max_receive_count and len(redrive) == 2
    url, attributes = queue_attributes(sqs, dead)
    assert attributes["QueueArn"] == queue_arn(local_aws, dead)
    assert json.loads(attributes["RedriveAllowPolicy"]) == {
        "redrivePermission": "byQueue", "sourceQueueArns": [queue_arn(local_aws, source)]}
    wanted = {"MessageRetentionPeriod": str(14 * 86400), "MaximumMessageSize": str(256 * 1024)}
    assert {k: attributes[k] for k in wanted} == wanted, dead
    assert "RedrivePolicy" not in attributes and "Policy" not in attributes, attributes
    assert attributes.get("FifoQueue", "false") == ("true" if suffix else "false")
    tags = sqs.list_queue_tags(QueueUrl=url)["Tags"]
    assert tags["scribble:stack"] == STACK and tags["scribble:role"] == f"{variant}-dead-letter-queue"


def check_queues(local_aws, suffix="", max_receive_count=5):
    sqs = local_aws.client("sqs")
    functions_role = role_arn(local_aws, f"{STACK}-functions-role")
    for variant in ("catchup", "pixel"):
        role = f"{variant}-queue"
        url, attributes = queue_attributes(sqs, f"{STACK}-{role}{suffix}")
        # 6 x functions.worker_timeout (60), as AWS advises for a queue feeding a function.
        wanted = {"VisibilityTimeout": "360", "MessageRetentionPeriod": str(4 * 86400),
                  "MaximumMessageSize": str(256 * 1024), "ReceiveMessageWaitTimeSeconds": "1"}
        assert {k: attributes[k] for k in wanted} == wanted, role
        tags = sqs.list_queue_tags(QueueUrl=url)["Tags"]
        assert tags["scribble:stack"] == STACK and tags["scribble:role"] == role
        check_dead_letter_queue(local_aws, variant, suffix, max_receive_count)
        # Only the functions' role may touch messages: an Allow for it alone and
        # a Deny for every other principal.
        allow, deny = statements(attributes["Policy"])
        assert allow["Effect"] == "Allow"
        assert allow["Principal"] == {"AWS": functions_role} and "Condition" not in allow
        assert allow["Resource"] == attributes["QueueArn"]
        assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
        assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": functions_role}}
        assert "sqs:SendMessage" in deny["Action"] and "sqs:ReceiveMessage" in deny["Action"]


def check_tables(local_aws):
    dynamodb = local_aws.client("dynamodb")
    keys = {f"{STACK}-pixels": [("idx", "HASH")],
            f"{STACK}-history": [("minute", "HASH"), ("seq", "RANGE")]}
    for name, schema in keys.items():
        table = dynamodb.describe_table(TableName=name)["Table"]
        assert table["TableStatus"] == "ACTIVE"
        assert [(k["AttributeName"], k["KeyType"]) for k in table["KeySchema"]] == schema
        assert {d["AttributeType"] for d in table["AttributeDefinitions"]} == {"N"}
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
        tags = dynamodb.list_tags_of_resource(ResourceArn=table["TableArn"])["Tags"]
        assert {"Key": "scribble:stack", "Value": STACK} in tags


def check_roles(local_aws):
    iam = local_aws.client("iam")
    account = local_aws.account_id
    functions = f"{STACK}-functions-role"
    role = iam.get_role(RoleName=functions)["Role"]
    [trust] = statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert {"Key": "scribble:stack", "Value": STACK} in role["Tags"]
    assert iam.list_attached_role_policies(RoleName=functions)["AttachedPolicies"] == []
    assert iam.list_role_policies(RoleName=functions)["PolicyNames"] == [functions]
    policy = iam.get_role_policy(RoleName=functions, PolicyName=functions)["PolicyDocument"]
    # Resource "*" only for the Describe calls Lambda makes (tests/provision/test_call_table.py
    # holds every statement against the calls).
    resources = [r for s in statements(policy) for r in as_list(s["Resource"])
                 if s["Sid"] != "NetworkInterfacesDescribed"]
    actions = [a for s in statements(policy) for a in as_list(s["Action"])]
    assert "*" not in resources and not any("*" in a for a in actions)
    region = local_aws.region
    [api] = local_aws.client("apigatewayv2").get_apis()["Items"]
    assert f"arn:aws:sqs:{region}:{account}:{STACK}-pixel-queue" in resources
    assert f"arn:aws:dynamodb:{region}:{account}:table/{STACK}-history" in resources
    assert f"arn:aws:s3:::{bucket_name(local_aws)}/snapshots/*" in resources
    assert f"arn:aws:execute-api:{region}:{account}:{api['ApiId']}/live/POST/@connections/*" in resources

    scheduler = f"{STACK}-scheduler-role"
    role = iam.get_role(RoleName=scheduler)["Role"]
    [trust] = statements(role["AssumeRolePolicyDocument"])
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": account}}
    assert iam.list_attached_role_policies(RoleName=scheduler)["AttachedPolicies"] == []
    [invoke] = statements(iam.get_role_policy(RoleName=scheduler, PolicyName=scheduler)["PolicyDocument"])
    assert as_list(invoke["Action"]) == ["lambda:InvokeFunction"]
    assert sorted(invoke["Resource"]) == sorted(
        f"arn:aws:lambda:{region}:{account}:function:{STACK}-{f}-function" for f in ("save", "snapshot"))


def check_bucket(local_aws):
    s3, bucket = local_aws.client("s3"), bucket_name(local_aws)
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True}
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    [rule] = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    tags = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    assert {"Key": "scribble:role", "Value": "site-bucket"} in tags


def check_all(local_aws):
    check_queues(local_aws)
    check_tables(local_aws)
    check_roles(local_aws)
    check_bucket(local_aws)


def check_a_message_that_keeps_failing_goes_to_the_dead_letter_queue(local_aws, tmp_path, max_receive_count):
    """On a stack that is up: a message delivered max_receive_count times and
    never deleted is moved at the next receive, and status counts it."""
    sqs, lam = local_aws.client("sqs"), local_aws.client("lambda")
    url, attributes = queue_attributes(sqs, f"{STACK}-pixel-queue")
    # Play the failing function: moto would hand the message to the mapping
    # and delete it, so the mapping is switched off.
    [mapping] = lam.list_event_source_mappings(EventSourceArn=attributes["QueueArn"])["EventSourceMappings"]
    lam.update_event_source_mapping(UUID=mapping["UUID"], Enabled=False)
    sent = sqs.send_message(QueueUrl=url, MessageBody='{"pixels": "never handled"}')["MessageId"]
    for count in range(1, max_receive_count + 1):  # delivered, not deleted, visible again at once
        [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=0, WaitTimeSeconds=0,
                                        MessageSystemAttributeNames=["ApproximateReceiveCount"])["Messages"]
        assert (message["MessageId"], message["Attributes"]["ApproximateReceiveCount"]) == (sent, str(count))
    # One delivery more than max_receive_count: SQS moves it instead.
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []) == []
    dead_url, dead = queue_attributes(sqs, f"{STACK}-pixel-dead-letter-queue")
    assert dead["ApproximateNumberOfMessages"] == "1"

    status = scribblectl(local_aws, tmp_path, "status", check=False)
    lines = {line.split()[0]: line.rstrip() for line in status.stdout.splitlines() if line.strip()}
    assert lines["pixel-dead-letter-queue"].endswith("available, 1 message"), status.stdout
    assert lines["catchup-dead-letter-queue"].endswith("available, 0 messages"), status.stdout
    assert lines["pixel-queue"].endswith(" available"), status.stdout
    doc = json.loads(scribblectl(local_aws, tmp_path, "status", "--output", "json", check=False).stdout)
    states = {r["role"]: r.get("state") for r in doc["resources"]}
    assert (states["pixel-dead-letter-queue"], states["catchup-dead-letter-queue"]) == (
        "available, 1 message", "available, 0 messages")

    [moved] = sqs.receive_message(QueueUrl=dead_url, WaitTimeSeconds=0)["Messages"]
    assert (moved["MessageId"], moved["Body"]) == (sent, '{"pixels": "never handled"}')


def test_data_resources_have_their_settings(local_aws, tmp_path):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, "up")
    check_all(local_aws)
    check_a_message_that_keeps_failing_goes_to_the_dead_letter_queue(local_aws, tmp_path, 5)


def test_drift_is_reported_then_corrected(local_aws, tmp_path):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, "up")
    sqs, dynamodb, iam, s3 = (local_aws.client(n) for n in ("sqs", "dynamodb", "iam", "s3"))
    url, _ = queue_attributes(sqs, f"{STACK}-pixel-queue")
    open_policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": "*"}]}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={
        "VisibilityTimeout": "5", "Policy": json.dumps(open_policy),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": queue_arn(local_aws, f"{STACK}-pixel-dead-letter-queue"),
                                     "maxReceiveCount": "50"})})
    catchup_url, _ = queue_attributes(sqs, f"{STACK}-catchup-queue")
    sqs.set_queue_attributes(QueueUrl=catchup_url, Attributes={"RedrivePolicy": ""})
    dead_url, _ = queue_attributes(sqs, f"{STACK}-pixel-dead-letter-queue")
    sqs.set_queue_attributes(QueueUrl=dead_url, Attributes={
        "RedriveAllowPolicy": json.dumps({"redrivePermission": "allowAll"}), "MessageRetentionPeriod": "86400"})
    dynamodb.update_table(TableName=f"{STACK}-pixels", BillingMode="PROVISIONED",
                          ProvisionedThroughput={"ReadCapacityUnits": 3, "WriteCapacityUnits": 3})
    iam.attach_role_policy(RoleName=f"{STACK}-functions-role",
                           PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.delete_role_policy(RoleName=f"{STACK}-scheduler-role", PolicyName=f"{STACK}-scheduler-role")
    s3.delete_public_access_block(Bucket=bucket_name(local_aws))

    status = scribblectl(local_aws, tmp_path, "status", check=False)
    report = status.stdout + status.stderr
    dead_letter_arn = queue_arn(local_aws, f"{STACK}-catchup-dead-letter-queue")
    for line in ("queue VisibilityTimeout: is 5, config says 360", "queue Policy: is ",
                 'queue RedrivePolicy: is {"deadLetterTargetArn":"%s","maxReceiveCount":50}, config says '
                 % queue_arn(local_aws, f"{STACK}-pixel-dead-letter-queue"),
                 'queue RedrivePolicy: is (none), config says {"deadLetterTargetArn":"%s","maxReceiveCount":5}'
                 % dead_letter_arn,
                 'queue RedriveAllowPolicy: is {"redrivePermission":"allowAll"}, config says '
                 '{"redrivePermission":"byQueue","sourceQueueArns":["%s"]}'
                 % queue_arn(local_aws, f"{STACK}-pixel-queue"),
                 "queue MessageRetentionPeriod: is 86400, config says 1209600",
                 "table billing mode: is PROVISIONED, config says PAY_PER_REQUEST",
                 "role other managed policies: is arn:aws:iam::aws:policy/AdministratorAccess",
                 "role inline policy: is (none)",
                 "bucket public access block BlockPublicAcls: is false, config says true"):
        assert line in report, report

    scribblectl(local_aws, tmp_path, "up")
    check_all(local_aws)


def test_fifo_queues(local_aws, tmp_path):
    write_config(tmp_path, "[queues]\ntype = fifo\ncontent_based_deduplication = true\nmax_receive_count = 3\n")
    scribblectl(local_aws, tmp_path, "up")
    check_queues(local_aws, suffix=".fifo", max_receive_count=3)
    sqs = local_aws.client("sqs")
    for role in ("catchup-queue", "pixel-queue"):
        _, attributes = queue_attributes(sqs, f"{STACK}-{role}.fifo")
        assert attributes["FifoQueue"] == "true"
        assert attributes["ContentBasedDeduplication"] == "true"
    policy = local_aws.client("iam").get_role_policy(
        RoleName=f"{STACK}-functions-role", PolicyName=f"{STACK}-functions-role")["PolicyDocument"]
    resources = [r for s in statements(policy) for r in as_list(s["Resource"])]
    assert any(r.endswith(f":{STACK}-pixel-queue.fifo") for r in resources)


def fill_bucket(local_aws, bucket, keys):
    """An object of one byte under each key, written straight into the local
    AWS's S3 (moto runs in this process): what down must empty, put there in a
    moment rather than by a thousand requests."""
    from moto.s3.models import s3_backends
    backend = s3_backends[local_aws.account_id]["aws"]
    for key in keys:
        backend.put_object(bucket, key, b"x")
    listed = local_aws.client("s3").list_objects_v2(Bucket=bucket, Prefix=keys[0])
    assert [o["Key"] for o in listed.get("Contents", [])] == [keys[0]], listed


@pytest.mark.parametrize("versioned", [False, True])
def test_down_empties_the_bucket_and_removes_the_data_resources(local_aws, tmp_path, versioned):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, "up")
    s3, bucket = local_aws.client("s3"), bucket_name(local_aws)
    if versioned:
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    # More than one DeleteObjects batch; keys that need XML escaping.
    fill_bucket(local_aws, bucket, [f"tiles/{i} & <{i}>" for i in range(1050)])
    if versioned:
        s3.put_object(Bucket=bucket, Key="snapshot.png", Body=b"1")
        s3.put_object(Bucket=bucket, Key="snapshot.png", Body=b"2")
        s3.delete_object(Bucket=bucket, Key="snapshot.png")
    local_aws.requests.clear()
    scribblectl(local_aws, tmp_path, "down", "--yes")
    assert local_aws.requests.count(service="s3", operation="DeleteObjects") >= 2
    assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert local_aws.client("sqs").list_queues().get("QueueUrls", []) == []
    assert local_aws.client("dynamodb").list_tables()["TableNames"] == []
    roles = [r["RoleName"] for r in local_aws.client("iam").list_roles()["Roles"]]
    assert not [r for r in roles if r.startswith(f"{STACK}-")]
