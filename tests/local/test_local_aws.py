"""scribblectl local's AWS endpoint, driven by boto3.

The handlers reach SQS, DynamoDB, S3 and the API Gateway management API at
[local] aws_port; here boto3 calls the same endpoint, so botocore parses
every answer against its service models (a member under a wrong name is
simply missing from the result). The test's ini sets aws_port to a port the
OS gave, its own stack name and region, and a visibility timeout that is not
the default, so the answers can be checked against it.

Names are the stack's (provision/stack.c: "<stack>-<role>"; scribblectl
local builds the plan without an AWS account, so the site bucket keeps its
role name): queues <stack>-catchup-queue and <stack>-pixel-queue, tables
[tables] pixels / history (empty: <stack>-pixels, <stack>-history), bucket
<stack>-site-bucket.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
import time

import botocore.exceptions
import pytest
from websockets.exceptions import ConnectionClosed

from local_app import (LocalApp, catch_up, connection_id, make_config, open_websocket, recv_json,
                       recv_until, wait_for)

VISIBILITY_TIMEOUT = 75  # not the default (360): the queues must take it from the ini


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    config = make_config(tmp_path_factory.mktemp("local-aws"),
                         settings={"queues": {"visibility_timeout": VISIBILITY_TIMEOUT}})
    with LocalApp(config) as running:
        yield running


def names(app):
    s = app.config.stack
    return {"catchup": f"{s}-catchup-queue", "pixel": f"{s}-pixel-queue",
            "pixels": f"{s}-pixels", "history": f"{s}-history", "bucket": f"{s}-site-bucket"}


def error_code(excinfo) -> str:
    return excinfo.value.response["Error"]["Code"]


# -- SQS -----------------------------------------------------------------------------------

def test_sqs_queues_by_name(app):
    sqs = app.client("sqs")
    for role in ("catchup", "pixel"):
        name = names(app)[role]
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        assert url.endswith(f"/{name}"), url
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attributes["QueueArn"].startswith(f"arn:aws:sqs:{app.config.region}:"), attributes
        assert attributes["QueueArn"].endswith(f":{name}"), attributes
        assert attributes["VisibilityTimeout"] == str(VISIBILITY_TIMEOUT), attributes
        assert "FifoQueue" not in attributes, attributes  # [queues] type = standard
        one = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
        assert one["Attributes"] == {"VisibilityTimeout": str(VISIBILITY_TIMEOUT)}


def test_sqs_unknown_queue(app):
    sqs = app.client("sqs")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName=f"{app.config.stack}-no-such-queue")
    url = sqs.get_queue_url(QueueName=names(app)["pixel"])["QueueUrl"]
    unknown = url.rsplit("/", 1)[0] + "/no-such-queue"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=unknown, MessageBody="{}")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_attributes(QueueUrl=unknown, AttributeNames=["All"])


def test_sqs_send_to_the_pixel_queue(app):
    """Messages are accepted with their MD5s, then taken by the broadcast function
    (its event source mapping) and deleted: the queue ends empty."""
    sqs = app.client("sqs")
    url = sqs.get_queue_url(QueueName=names(app)["pixel"])["QueueUrl"]
    body = json.dumps({"pixels": [[5, 1, 1, 1]]})
    sent = sqs.send_message(QueueUrl=url, MessageBody=body)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MessageId"]

    bodies = {f"m{i}": json.dumps({"pixels": [[10 + i, i, 2, 1]]}) for i in range(3)}
    batch = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": k, "MessageBody": v} for k, v in bodies.items()])
    assert not batch.get("Failed"), batch
    assert sorted(e["Id"] for e in batch["Successful"]) == sorted(bodies)
    for entry in batch["Successful"]:
        assert entry["MD5OfMessageBody"] == hashlib.md5(bodies[entry["Id"]].encode()).hexdigest()
    assert len({e["MessageId"] for e in batch["Successful"]} | {sent["MessageId"]}) == 4

    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "same", "MessageBody": "a"},
                                                      {"Id": "same", "MessageBody": "b"}])
    assert "BatchEntryIdsNotDistinct" in error_code(excinfo)

    counts = ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible",
              "ApproximateNumberOfMessagesDelayed")
    last = {}

    def drained():
        answer = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(counts))
        last.update(answer["Attributes"])
        return all(last[c] == "0" for c in counts)

    wait_for(drained, 15, lambda: f"the pixel queue kept messages: {last}\n{app.output_tail()}")


# -- DynamoDB ------------------------------------------------------------------------------

def test_dynamodb_describe_tables(app):
    ddb = app.client("dynamodb")
    pixels = ddb.describe_table(TableName=names(app)["pixels"])["Table"]
    assert pixels["TableName"] == names(app)["pixels"]
    assert pixels["TableStatus"] == "ACTIVE"
    assert pixels["KeySchema"] == [{"AttributeName": "idx", "KeyType": "HASH"}]
    assert pixels["AttributeDefinitions"] == [{"AttributeName": "idx", "AttributeType": "N"}]
    history = ddb.describe_table(TableName=names(app)["history"])["Table"]
    assert history["TableName"] == names(app)["history"]
    assert history["KeySchema"] == [{"AttributeName": "minute", "KeyType": "HASH"},
                                    {"AttributeName": "seq", "KeyType": "RANGE"}]
    assert sorted(d["AttributeName"] for d in history["AttributeDefinitions"]) == ["minute", "seq"]
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.describe_table(TableName=f"{app.config.stack}-no-such-table")


def test_dynamodb_write_scan_get(app):
    ddb = app.client("dynamodb")
    table = names(app)["history"]
    # Minutes no save of this app uses (it places nothing), 30 items: two batches.
    items = [{"minute": {"N": str(900 + m)}, "seq": {"N": str(s)}, "x": {"N": str(s % 16)},
              "note": {"S": f"{m}/{s}"}} for m in range(3) for s in range(10)]
    for start in (0, 25):
        answer = ddb.batch_write_item(RequestItems={
            table: [{"PutRequest": {"Item": item}} for item in items[start:start + 25]]})
        assert answer["UnprocessedItems"] == {}, answer
    assert ddb.describe_table(TableName=table)["Table"]["ItemCount"] == 30

    pages, kwargs = [], {}
    while True:
        page = ddb.scan(TableName=table, Limit=7, **kwargs)
        assert page["Count"] == len(page["Items"])
        pages.append(page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        assert set(page["LastEvaluatedKey"]) == {"minute", "seq"}, page["LastEvaluatedKey"]
        kwargs = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
        assert len(pages) <= 10, "the scan does not end"
    assert [len(p) for p in pages] == [7, 7, 7, 7, 2]
    scanned = [item for page in pages for item in page]
    assert sorted(i["note"]["S"] for i in scanned) == sorted(i["note"]["S"] for i in items)

    got = ddb.get_item(TableName=table, Key={"minute": {"N": "902"}, "seq": {"N": "5"}})
    assert got["Item"] == items[25]
    absent = ddb.get_item(TableName=table, Key={"minute": {"N": "902"}, "seq": {"N": "99"}})
    assert "Item" not in absent

    pixels = names(app)["pixels"]
    ddb.batch_write_item(RequestItems={pixels: [{"PutRequest": {"Item": {
        "idx": {"N": "17"}, "colour": {"N": "1"}, "seq": {"N": "3"}}}}]})
    assert ddb.get_item(TableName=pixels, Key={"idx": {"N": "17"}})["Item"] == {
        "idx": {"N": "17"}, "colour": {"N": "1"}, "seq": {"N": "3"}}


def test_dynamodb_errors(app):
    ddb = app.client("dynamodb")
    table = names(app)["history"]
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.get_item(TableName="no-such-table", Key={"minute": {"N": "1"}, "seq": {"N": "1"}})
    with pytest.raises(ddb.exceptions.ResourceNotFoundException):
        ddb.scan(TableName="no-such-table")
    bad_keys = [
        {"minute": {"S": "1"}, "seq": {"N": "1"}},                 # a string for a number key
        {"minute": {"N": "1"}},                                    # the sort key missing
        {"minute": {"N": "1"}, "seq": {"N": "1"}, "x": {"N": "1"}},  # not only the key
    ]
    for key in bad_keys:
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            ddb.get_item(TableName=table, Key=key)
        assert error_code(excinfo) == "ValidationException", key
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ddb.batch_write_item(RequestItems={
            table: [{"PutRequest": {"Item": {"minute": {"N": "1"}}}}]})
    assert error_code(excinfo) == "ValidationException"


def test_dynamodb_update_item_adds(app):
    """UpdateItem's one supported form, ADD on a whole number, as the handlers raise the seq
    mark (runtime/seq_mark.c); anything else is refused, never half-applied."""
    ddb = app.client("dynamodb")
    table = names(app)["history"]
    key = {"minute": {"N": "777"}, "seq": {"N": "1"}}

    def add(amount, returns="UPDATED_NEW", **extra):
        return ddb.update_item(TableName=table, Key=key, UpdateExpression="ADD #r :n",
                               ExpressionAttributeNames={"#r": "reserved"},
                               ExpressionAttributeValues={":n": {"N": str(amount)}},
                               ReturnValues=returns, **extra)

    assert "Attributes" not in add(5, "UPDATED_OLD")  # created at 0: nothing old
    assert add(100000)["Attributes"] == {"reserved": {"N": "100005"}}
    assert add(-5, "ALL_NEW")["Attributes"] == {**key, "reserved": {"N": "100000"}}
    assert add(1, "NONE").get("Attributes") is None
    plain = ddb.update_item(TableName=table, Key=key, UpdateExpression="add reserved :n",
                            ExpressionAttributeValues={":n": {"N": "9"}}, ReturnValues="ALL_OLD")
    assert plain["Attributes"]["reserved"] == {"N": "100001"}
    assert ddb.get_item(TableName=table, Key=key)["Item"]["reserved"] == {"N": "100010"}

    refused = [
        dict(UpdateExpression="SET #r = :n"),                                   # not ADD
        dict(UpdateExpression="ADD #r :n, #q :n",
             ExpressionAttributeNames={"#r": "reserved", "#q": "other"}),         # two actions
        dict(ExpressionAttributeNames={"#r": "reserved", "#unused": "x"}),       # unused name
        dict(ExpressionAttributeValues={":n": {"N": "1"}, ":m": {"N": "2"}}),    # unused value
        dict(ExpressionAttributeValues={":n": {"S": "1"}}),                      # not a number
        dict(ExpressionAttributeValues={":n": {"N": "1.5"}}),                    # not whole
        dict(ExpressionAttributeNames={"#r": "seq"}),                            # a key attribute
        dict(ExpressionAttributeNames={"#r": "note"}),                           # holds a string
        dict(UpdateExpression="ADD #missing :n"),                                # undefined name
        dict(ExpressionAttributeValues={":n": {"N": str(2**63 - 1)}}),           # overflows
    ]
    ddb.put_item(TableName=table, Item={**key, "reserved": {"N": "100010"}, "note": {"S": "x"}})
    for change in refused:
        request = dict(TableName=table, Key=key, UpdateExpression="ADD #r :n",
                       ExpressionAttributeNames={"#r": "reserved"},
                       ExpressionAttributeValues={":n": {"N": "1"}})
        request.update(change)
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            ddb.update_item(**request)
        assert error_code(excinfo) == "ValidationException", (change, excinfo.value)
    assert ddb.get_item(TableName=table, Key=key)["Item"] == {
        **key, "reserved": {"N": "100010"}, "note": {"S": "x"}}


# -- S3 ------------------------------------------------------------------------------------

def test_s3_objects(app):
    s3 = app.client("s3")
    bucket = names(app)["bucket"]
    key = f"pytest/{secrets.token_hex(4)}.txt"
    body = b"scribble local " + secrets.token_bytes(16)
    put = s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="text/plain")
    etag = f'"{hashlib.md5(body).hexdigest()}"'
    assert put["ETag"] == etag

    got = s3.get_object(Bucket=bucket, Key=key)
    assert got["Body"].read() == body
    assert got["ContentType"] == "text/plain"
    assert got["ETag"] == etag
    assert got["ContentLength"] == len(body)

    head = s3.head_object(Bucket=bucket, Key=key)
    assert head["ContentLength"] == len(body)
    assert head["ETag"] == etag
    assert head["ContentType"] == "text/plain"
    assert abs(head["LastModified"] - datetime.datetime.now(datetime.timezone.utc)) < \
        datetime.timedelta(minutes=5)

    s3.delete_object(Bucket=bucket, Key=key)
    with pytest.raises(s3.exceptions.NoSuchKey):
        s3.get_object(Bucket=bucket, Key=key)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        s3.head_object(Bucket=bucket, Key=key)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(s3.exceptions.NoSuchBucket):
        s3.get_object(Bucket=f"{app.config.stack}-no-such-bucket", Key="x")
    with pytest.raises(s3.exceptions.NoSuchBucket):
        s3.put_object(Bucket=f"{app.config.stack}-no-such-bucket", Key="x", Body=b"x")


def test_s3_snapshots_are_served_on_the_page_port(app):
    s3 = app.client("s3")
    bucket = names(app)["bucket"]
    name = f"pytest-{secrets.token_hex(4)}.png"
    body = b"\x89PNG\r\n\x1a\n" + secrets.token_bytes(64)  # served as stored, not decoded
    s3.put_object(Bucket=bucket, Key=f"snapshots/{name}", Body=body, ContentType="image/png")
    status, headers, served = app.get(f"/snapshots/{name}")
    assert status == 200, served[:200]
    assert served == body
    assert headers.get("content-type") == "image/png"
    s3.delete_object(Bucket=bucket, Key=f"snapshots/{name}")
    status, _, _ = app.get(f"/snapshots/{name}")
    assert status == 404


# -- the API Gateway management API ----------------------------------------------------------

def test_management_api_unknown_connection(app):
    gw = app.client("apigatewaymanagementapi")
    unknown = "AAAAAAAAAAAAAAA="
    with pytest.raises(gw.exceptions.GoneException):
        gw.post_to_connection(ConnectionId=unknown, Data=b"{}")
    with pytest.raises(gw.exceptions.GoneException):
        gw.get_connection(ConnectionId=unknown)
    with pytest.raises(gw.exceptions.GoneException):
        gw.delete_connection(ConnectionId=unknown)


def test_management_api_get_connection(app):
    """GetConnection's answer, as botocore reads it: the model's wire names are
    connectedAt, identity.sourceIp, identity.userAgent and lastActiveAt."""
    gw = app.client("apigatewaymanagementapi")
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    with open_websocket(app) as ws:
        catch_up(ws)
        cid = connection_id(ws)
        answer = gw.get_connection(ConnectionId=cid)
        after = datetime.datetime.now(datetime.timezone.utc)
        fields = {k: v for k, v in answer.items() if k != "ResponseMetadata"}
        assert "ConnectedAt" in fields, (
            f"GetConnection parsed by botocore lacks ConnectedAt: {fields}; the local answer "
            "names its members ConnectedAt/Identity/SourceIp/LastActiveAt, but the "
            "apigatewaymanagementapi model's wire names are connectedAt/identity/sourceIp/"
            "lastActiveAt")
        assert before - datetime.timedelta(seconds=1) <= fields["ConnectedAt"] <= after
        assert fields["Identity"]["SourceIp"] == "127.0.0.1"
        assert fields["Identity"]["UserAgent"].startswith("Python/"), fields
        assert fields["ConnectedAt"] <= fields["LastActiveAt"] <= after


def test_management_api_post_and_delete(app):
    gw = app.client("apigatewaymanagementapi")
    with open_websocket(app) as ws:
        messages = catch_up(ws)
        snapshot = next(m for m in messages if m.get("type") == "snapshot")
        canvas = app.config.canvas
        assert (snapshot["width"], snapshot["height"], snapshot["depth"]) == (
            canvas["width"], canvas["height"], canvas["depth"]), messages
        assert messages[-1]["seq"] >= snapshot["seq"], messages
        cid = connection_id(ws)

        data = "not JSON, not ASCII: \u00e9\u2603 ".encode() + secrets.token_hex(8).encode()
        gw.post_to_connection(ConnectionId=cid, Data=data)
        assert ws.recv(timeout=10, decode=False) == data

        # The pixel queue feeds broadcast, which posts to every connection, this one too.
        sqs = app.client("sqs")
        url = sqs.get_queue_url(QueueName=names(app)["pixel"])["QueueUrl"]
        pixel = [4_000_000_000, 3, 4, 1]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"pixels": [pixel]}))
        recv_until(ws, lambda m: m.get("type") == "pixels" and pixel in m.get("pixels", []))

        gw.delete_connection(ConnectionId=cid)
        deadline = time.monotonic() + 10
        extra = []
        with pytest.raises(ConnectionClosed):
            while time.monotonic() < deadline:
                extra.append(recv_json(ws, timeout=max(0.1, deadline - time.monotonic())))
        assert not any(m.get("type") == "error" for m in extra if isinstance(m, dict)), extra

    with pytest.raises(gw.exceptions.GoneException):
        gw.post_to_connection(ConnectionId=cid, Data=b"{}")
    with pytest.raises(gw.exceptions.GoneException):
        gw.get_connection(ConnectionId=cid)
