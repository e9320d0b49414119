"""The canvas in `scribblectl status` against the local AWS: each figure read from where
it lives and shown beside the resources, in text and in `--output json` (checked
against docs/cli.schema.json); a figure that cannot be read says why and fails nothing.

What the handlers would have written is put in place with boto3: messages in the pixel
queue and in the catch-up dead-letter queue (SQS), snapshots/latest.json in the site
bucket (S3), and AWS/Lambda metrics (CloudWatch). The cache's figures come from the
figures function, which the local AWS cannot run (moto runs Lambda functions only in
Docker): status names the function and what went wrong instead. tests/local's
local_status test reads them from a running `scribblectl local`.
"""
import datetime
import json
import os
import subprocess
import time

import jsonschema

from walk_runs import explain, queue_urls

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
SOURCE = os.environ["SCRIBBLE_SOURCE_DIR"]
STACK = "fig"


def status(local_aws, tmp_path, *args):
    return subprocess.run([SCRIBBLECTL, "status", *args], capture_output=True, text=True,
                          env=local_aws.env(), cwd=tmp_path, timeout=300)


def schema():
    with open(os.path.join(SOURCE, "docs", "cli.schema.json")) as f:
        return {**json.load(f), "$ref": "#/$defs/status"}


def test_status_reads_each_figure_where_it_lives(local_aws, tmp_path):
    (tmp_path / "scribble.ini").write_text(f"[stack]\nname = {STACK}\n")
    up = subprocess.run([SCRIBBLECTL, "up"], capture_output=True, text=True, env=local_aws.env(),
                        cwd=tmp_path, timeout=600)
    assert up.returncode == 0, explain(up)

    sqs = local_aws.client("sqs")
    urls = {url.rsplit("/", 1)[1]: url for url in queue_urls(sqs)}
    # The dead-letter queues: moto hands what reaches a queue with a trigger to Lambda at once.
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=urls[f"{STACK}-pixel-dead-letter-queue"], MessageBody=body)
    sqs.send_message(QueueUrl=urls[f"{STACK}-catchup-dead-letter-queue"], MessageBody="c")
    bucket = next(b["Name"] for b in local_aws.client("s3").list_buckets()["Buckets"]
                  if b["Name"].startswith(f"{STACK}-site-"))
    created = int(time.time() * 1000) - 30_000
    local_aws.client("s3").put_object(
        Bucket=bucket, Key="snapshots/latest.json", ContentType="application/json",
        Body=json.dumps({"seq": 41, "url": "snapshots/41.png", "width": 1000, "height": 1000,
                         "depth": 1, "createdAt": created}))
    now = datetime.datetime.now(datetime.timezone.utc)
    local_aws.client("cloudwatch").put_metric_data(Namespace="AWS/Lambda", MetricData=[
        {"MetricName": name, "Value": value, "Timestamp": now - datetime.timedelta(minutes=minutes),
         "Dimensions": [{"Name": "FunctionName", "Value": f"{STACK}-{handler}-function"}]}
        for name, value, handler, minutes in [
            ("Invocations", 5, "send", 1), ("Invocations", 7, "send", 20), ("Errors", 1, "send", 2),
            ("Throttles", 3, "broadcast", 5),
            ("Invocations", 100, "send", 90),  # more than an hour ago: not counted
        ]])

    result = status(local_aws, tmp_path, "--output", "json")
    assert result.returncode == 0, explain(result)
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, schema(), cls=jsonschema.Draft202012Validator)
    canvas = doc["canvas"]

    depth = {q["queue"]: q for q in canvas["queues"]}
    assert set(depth) == {f"{STACK}-pixel-queue", f"{STACK}-pixel-dead-letter-queue",
                          f"{STACK}-catchup-queue", f"{STACK}-catchup-dead-letter-queue"}, depth
    assert depth[f"{STACK}-pixel-dead-letter-queue"]["messages"] == 2, depth
    assert depth[f"{STACK}-catchup-dead-letter-queue"] == {
        "queue": f"{STACK}-catchup-dead-letter-queue", "messages": 1, "inFlight": 0,
        "deadLetter": True}
    assert depth[f"{STACK}-catchup-queue"]["messages"] == 0
    assert "deadLetter" not in depth[f"{STACK}-catchup-queue"]

    snapshot = canvas["snapshot"]
    assert snapshot["exists"] and snapshot["seq"] == 41 and snapshot["url"] == "snapshots/41.png"
    assert snapshot["createdAt"] == created and 30 <= snapshot["ageSeconds"] < 300, snapshot

    functions = {f["handler"]: f for f in canvas["functions"]["handlers"]}
    assert canvas["functions"]["periodSeconds"] == 3600
    assert functions["send"] == {"handler": "send", "invocations": 12, "errors": 1, "throttles": 0}
    assert functions["broadcast"]["throttles"] == 3
    assert len(functions) == 8 and functions["figures"]["invocations"] == 0

    # The cache is out of reach here: the figure says which function failed and why.
    assert f"{STACK}-figures-function" in canvas["cache"]["error"], canvas["cache"]

    text = status(local_aws, tmp_path)
    assert text.returncode == 0, explain(text)
    assert "canvas (read " in text.stdout, text.stdout
    assert "latest snapshot   seq 41, " in text.stdout
    assert f"queue {STACK}-pixel-dead-letter-queue" in text.stdout, text.stdout
    assert "2 waiting, 0 in flight" in text.stdout
    assert "connections, seq, placed: unreadable: " in text.stdout


def test_a_snapshot_not_yet_made_and_figures_that_cannot_be_read(local_aws, tmp_path):
    (tmp_path / "scribble.ini").write_text(f"[stack]\nname = {STACK}\n")
    # Nothing exists: each figure says why it could not be read; resources say absent.
    result = status(local_aws, tmp_path, "--output", "json")
    assert result.returncode == 3, explain(result)
    doc = json.loads(result.stdout)
    jsonschema.validate(doc, schema(), cls=jsonschema.Draft202012Validator)
    canvas = doc["canvas"]
    assert "NoSuchBucket" in canvas["snapshot"]["error"], canvas["snapshot"]
    assert all("NonExistentQueue" in q["error"] or "QueueDoesNotExist" in q["error"]
               for q in canvas["queues"]), canvas["queues"]
    assert "error" in canvas["cache"]
