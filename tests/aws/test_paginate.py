"""Pagination helpers, one per protocol shape, against the local AWS: every
page is followed to the end, each item seen once."""
import os
import subprocess

PROBE = os.path.join(os.environ["SCRIBBLE_TEST_BIN"], "call_probe")


def paginate(local_aws, *args):
    result = subprocess.run([PROBE, *args], capture_output=True, text=True, env=local_aws.env(),
                            timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    fields = dict(f.split("=", 1) for f in result.stdout.split())
    return int(fields["pages"]), [i for i in fields["items"].split(",") if i]


def test_json_pages(local_aws):
    ddb = local_aws.client("dynamodb")
    names = ["table-%d" % i for i in range(5)]
    for name in names:
        ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                         KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    pages, items = paginate(local_aws, "dynamodb", "paginate-json", "ListTables",
                            "ExclusiveStartTableName", "LastEvaluatedTableName", "TableNames",
                            '{"Limit": 2}')
    assert (pages, sorted(items)) == (3, names)


def test_json_pages_with_an_object_token(local_aws):
    # DynamoDB's Scan: the token is the last key, an object, passed back whole.
    ddb = local_aws.client("dynamodb")
    ddb.create_table(TableName="items", BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
    keys = ["item-%d" % i for i in range(5)]
    for key in keys:
        ddb.put_item(TableName="items", Item={"k": {"S": key}})
    pages, items = paginate(local_aws, "dynamodb", "paginate-json", "Scan", "ExclusiveStartKey",
                            "LastEvaluatedKey", "Items", '{"TableName": "items", "Limit": 2}')
    assert pages >= 3 and sorted(items) == keys, (pages, items)


def test_query_pages(local_aws):
    iam = local_aws.client("iam")
    names = ["role-%d" % i for i in range(5)]
    for name in names:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument="{}")
    pages, items = paginate(local_aws, "iam", "paginate-query", "ListRoles", "Marker", "Marker",
                            "RoleName", "MaxItems=2")
    assert (pages, sorted(items)) == (3, names)


def test_rest_xml_pages(local_aws):
    s3 = local_aws.client("s3")
    s3.create_bucket(Bucket="pages")
    keys = ["key-%d" % i for i in range(5)]
    for key in keys:
        s3.put_object(Bucket="pages", Key=key, Body=b"x")
    pages, items = paginate(local_aws, "s3", "paginate-rest-xml", "/pages", "continuation-token",
                            "NextContinuationToken", "Key", "list-type=2", "max-keys=2")
    assert (pages, sorted(items)) == (3, keys)


def test_rest_json_pages(local_aws):
    # Scheduler's ListSchedules: NextToken in the query and in the answer.
    scheduler = local_aws.client("scheduler")
    names = ["schedule-%d" % i for i in range(5)]
    for name in names:
        scheduler.create_schedule(Name=name, ScheduleExpression="rate(1 minute)",
                                  FlexibleTimeWindow={"Mode": "OFF"},
                                  Target={"Arn": "arn:aws:lambda:us-east-1:%s:function:f" % local_aws.account_id,
                                          "RoleArn": "arn:aws:iam::%s:role/r" % local_aws.account_id})
    pages, items = paginate(local_aws, "scheduler", "paginate-rest-json", "/schedules", "NextToken",
                            "NextToken", "Schedules", "MaxResults=2")
    assert (pages, sorted(items)) == (3, names)
