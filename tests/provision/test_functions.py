"""The Lambda functions and their queue triggers made by `scribblectl up`, as
boto3 sees them; `redeploy` changing the deployed code hash; `status`
reporting a function changed behind its back.

The local AWS's Lambda stores functions but runs no code. The package is
built from a copy of the Lambda build of the handler (scribble-handler-lambda
beside scribblectl) named by SCRIBBLE_HANDLER_BINARY; appending a byte to the
copy changes the package, and so its CodeSha256, without changing what the
binary does."""
import base64
import hashlib
import os
import shutil
import subprocess
import zipfile

import pytest

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
STACK = "fn"
HANDLERS = ("connect", "disconnect", "send", "broadcast", "catchup", "snapshot", "save", "figures")
WORKERS = ("broadcast", "catchup", "snapshot", "save")


@pytest.fixture
def handler_binary(tmp_path):
    built = os.path.join(os.path.dirname(SCRIBBLECTL), "scribble-handler-lambda")
    assert os.path.exists(built), f"{built} is not built: the package needs it"
    copy = tmp_path / "scribble-handler-lambda"
    shutil.copy(built, copy)
    return copy


def scribblectl(local_aws, tmp_path, binary, *args, check=True):
    result = subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True, cwd=tmp_path,
                            env=local_aws.env(SCRIBBLE_HANDLER_BINARY=str(binary)), timeout=600)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def write_config(tmp_path):
    (tmp_path / "scribble.ini").write_text(
        f"[stack]\nname = {STACK}\n"
        "[functions]\nmemory_mb = 512\nroute_timeout = 12\n"
        "[queues]\nbatch_size = 7\n"
        "[canvas]\nwidth = 300\nheight = 200\ncooldown = 4\n")


def function_name(handler):
    return f"{STACK}-{handler}-function"


def private_subnets(local_aws):
    ec2 = local_aws.client("ec2")
    subnets = ec2.describe_subnets(Filters=[{"Name": "tag:scribble:stack", "Values": [STACK]}])
    roles = {t["Value"]: s["SubnetId"] for s in subnets["Subnets"] for t in s.get("Tags", [])
             if t["Key"] == "scribble:role"}
    return sorted(v for k, v in roles.items() if k.startswith("subnet-private-"))


def functions_group(local_aws):
    groups = local_aws.client("ec2").describe_security_groups(
        Filters=[{"Name": "tag:scribble:role", "Values": ["functions-security-group"]},
                 {"Name": "tag:scribble:stack", "Values": [STACK]}])["SecurityGroups"]
    [group] = groups
    return group["GroupId"]


def package_sha(binary):
    """The CodeSha256 of the package scribblectl builds from binary (by the package probe)."""
    probe = os.path.join(os.environ["SCRIBBLE_TEST_BIN"], "package_probe")
    result = subprocess.run([probe, str(binary) + ".zip"], capture_output=True, text=True,
                            env={**os.environ, "SCRIBBLE_HANDLER_BINARY": str(binary)}, timeout=120)
    assert result.returncode == 0, result.stderr
    with open(str(binary) + ".zip", "rb") as f:
        zipped = f.read()
    assert "bootstrap" in zipfile.ZipFile(str(binary) + ".zip").namelist()
    return base64.b64encode(hashlib.sha256(zipped).digest()).decode()


def test_functions_and_triggers_have_their_settings(local_aws, tmp_path, handler_binary):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, handler_binary, "up")
    account, region = local_aws.account_id, local_aws.region
    lam, sqs = local_aws.client("lambda"), local_aws.client("sqs")
    subnets, group = private_subnets(local_aws), functions_group(local_aws)
    assert len(subnets) == 2
    queue_url = {q: sqs.get_queue_url(QueueName=f"{STACK}-{q}-queue")["QueueUrl"]
                 for q in ("catchup", "pixel")}
    sha = package_sha(handler_binary)
    machine = "arm64" if os.uname().machine in ("aarch64", "arm64") else "x86_64"
    for handler in HANDLERS:
        function = lam.get_function(FunctionName=function_name(handler))
        c = function["Configuration"]
        assert c["Runtime"] == "provided.al2023", handler
        assert c["Handler"] == handler
        assert c["Role"] == f"arn:aws:iam::{account}:role/{STACK}-functions-role"
        assert c["MemorySize"] == 512, handler
        assert c["Timeout"] == (60 if handler in WORKERS else 12), handler
        assert c["Architectures"] == [machine]
        assert sorted(c["VpcConfig"]["SubnetIds"]) == subnets, handler
        assert c["VpcConfig"]["SecurityGroupIds"] == [group], handler
        assert c["CodeSha256"] == sha, handler
        env = c["Environment"]["Variables"]
        assert env["SCRIBBLE_CATCHUP_QUEUE_URL"] == queue_url["catchup"], env
        assert env["SCRIBBLE_PIXEL_QUEUE_URL"] == queue_url["pixel"], env
        assert env["SCRIBBLE_PIXELS_TABLE"] == f"{STACK}-pixels", env
        assert env["SCRIBBLE_HISTORY_TABLE"] == f"{STACK}-history", env
        assert env["SCRIBBLE_BUCKET"] == f"{STACK}-site-{account}-{local_aws.region}", env
        assert (env["SCRIBBLE_CANVAS_WIDTH"], env["SCRIBBLE_CANVAS_HEIGHT"]) == ("300", "200"), env
        assert env["SCRIBBLE_COOLDOWN"] == "4" and "SCRIBBLE_CANVAS_DEPTH" in env, env
        assert "SCRIBBLE_MAX_BATCH" in env and env["SCRIBBLE_BROADCAST_RATE"] == "2", env
        assert env["SCRIBBLE_STACK"] == STACK, env
        assert function["Tags"]["scribble:stack"] == STACK
        assert function["Tags"]["scribble:role"] == f"{handler}-function"

    # The pixel queue's trigger coalesces (stack/description.h): batches of up to
    # 1,000 gathered for a second, two invocations at most; catchup's keeps
    # queues.batch_size and no window.
    batching = {"pixel": (1000, 1, {"MaximumConcurrency": 2}), "catchup": (7, 0, None)}
    for queue, handler in (("pixel", "broadcast"), ("catchup", "catchup")):
        queue_arn = f"arn:aws:sqs:{region}:{account}:{STACK}-{queue}-queue"
        [mapping] = lam.list_event_source_mappings(EventSourceArn=queue_arn)["EventSourceMappings"]
        assert mapping["FunctionArn"] == (
            f"arn:aws:lambda:{region}:{account}:function:{function_name(handler)}"), mapping
        size, window, scaling = batching[queue]
        assert mapping["BatchSize"] == size and mapping["State"] == "Enabled", mapping
        assert mapping.get("MaximumBatchingWindowInSeconds", 0) == window, mapping
        assert mapping.get("ScalingConfig") == scaling, mapping
        assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"], mapping
    assert len(lam.list_event_source_mappings()["EventSourceMappings"]) == 2

    # A second up finds everything as configured.
    again = scribblectl(local_aws, tmp_path, handler_binary, "up")
    assert "nothing to do" in again.stdout, again.stdout + again.stderr


def test_redeploy_changes_the_deployed_code(local_aws, tmp_path, handler_binary):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, handler_binary, "up")
    lam = local_aws.client("lambda")
    before = lam.get_function(FunctionName=function_name("send"))["Configuration"]["CodeSha256"]

    with open(handler_binary, "ab") as f:
        f.write(b"\0redeploy")
    sha = package_sha(handler_binary)
    assert sha != before
    local_aws.requests.clear()
    first = scribblectl(local_aws, tmp_path, handler_binary, "redeploy", "send")
    assert first.stdout == f"{function_name('send')}: code {sha} (updated)\n", first.stdout
    assert lam.get_function(FunctionName=function_name("send"))["Configuration"]["CodeSha256"] == sha
    # The new package went to the artifacts bucket once, under its SHA-256, and
    # the function took it from there; nothing else changed.
    key = "packages/" + base64.b64decode(sha).hex() + ".zip"
    mutating = [f"{r.service}:{r.operation} {r.path}" for r in local_aws.requests.mutating()]
    artifacts = f"{STACK}-artifacts-{local_aws.account_id}-{local_aws.region}"
    assert mutating == [f"s3:PutObject /{artifacts}/{key}",
                        f"lambda:UpdateFunctionCode /2015-03-31/functions/{function_name('send')}/code"], \
        mutating
    [update] = local_aws.requests.select(operation="UpdateFunctionCode")
    assert update.bytes < 10_000, "the code went inline, not from S3"
    # Only the function named was touched.
    assert lam.get_function(FunctionName=function_name("save"))["Configuration"]["CodeSha256"] == before

    local_aws.requests.clear()
    second = scribblectl(local_aws, tmp_path, handler_binary, "redeploy", "send")
    assert second.stdout == f"{function_name('send')}: code {sha} (already current)\n", second.stdout
    assert local_aws.requests.mutating() == [], [str(r) for r in local_aws.requests.mutating()]

    every = scribblectl(local_aws, tmp_path, handler_binary, "redeploy", "all")
    lines = every.stdout.splitlines()
    assert len(lines) == len(HANDLERS), every.stdout
    for handler in HANDLERS:
        state = "already current" if handler == "send" else "updated"
        assert f"{function_name(handler)}: code {sha} ({state})" in lines, every.stdout
        assert lam.get_function(FunctionName=function_name(handler))["Configuration"]["CodeSha256"] == sha


def test_redeploy_refuses_unknown_handlers_and_missing_functions(local_aws, tmp_path, handler_binary):
    write_config(tmp_path)
    unknown = scribblectl(local_aws, tmp_path, handler_binary, "redeploy", "paint", check=False)
    assert unknown.returncode == 2
    assert "'paint' is not a handler" in unknown.stderr
    assert "handlers: " + " ".join(HANDLERS) in unknown.stderr, unknown.stderr
    # Nothing up yet: redeploy makes nothing, not even the artifacts bucket.
    nothing = scribblectl(local_aws, tmp_path, handler_binary, "redeploy", "send", check=False)
    assert nothing.returncode == 1
    assert "does not exist; run scribblectl up first" in nothing.stderr, nothing.stderr
    assert local_aws.requests.mutating() == [], [str(r) for r in local_aws.requests.mutating()]
    # A function deleted behind the stack's back is named.
    scribblectl(local_aws, tmp_path, handler_binary, "up")
    local_aws.client("lambda").delete_function(FunctionName=function_name("send"))
    missing = scribblectl(local_aws, tmp_path, handler_binary, "redeploy", "send", check=False)
    assert missing.returncode == 1
    assert f"{function_name('send')} does not exist; run scribblectl up first" in missing.stderr, (
        missing.stderr)


def test_status_reports_a_function_changed_behind_its_back(local_aws, tmp_path, handler_binary):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, handler_binary, "up")
    lam = local_aws.client("lambda")
    lam.update_function_configuration(FunctionName=function_name("catchup"), MemorySize=1024)
    lam.update_event_source_mapping(
        UUID=lam.list_event_source_mappings(FunctionName=function_name("broadcast"))[
            "EventSourceMappings"][0]["UUID"], BatchSize=3, MaximumBatchingWindowInSeconds=1,
        ScalingConfig={"MaximumConcurrency": 5}, FunctionResponseTypes=[])
    status = scribblectl(local_aws, tmp_path, handler_binary, "status", check=False)
    report = status.stdout + status.stderr
    assert status.returncode == 3, report
    assert "function memory: is 1024, config says 512" in report, report
    assert "trigger batch size: is 3, config says 1000" in report, report
    assert "trigger maximum concurrency: is 5, config says 2" in report, report
    assert "trigger reports partial failures: is false, config says true" in report, report

    scribblectl(local_aws, tmp_path, handler_binary, "up")
    assert lam.get_function(FunctionName=function_name("catchup"))["Configuration"]["MemorySize"] == 512
    mapping = lam.list_event_source_mappings(FunctionName=function_name("broadcast"))
    assert mapping["EventSourceMappings"][0]["BatchSize"] == 1000
    assert mapping["EventSourceMappings"][0]["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert mapping["EventSourceMappings"][0]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]

    lam.delete_function(FunctionName=function_name("save"))
    status = scribblectl(local_aws, tmp_path, handler_binary, "status", check=False)
    assert status.returncode == 3
    [line] = [l for l in status.stdout.splitlines() if l.startswith("save-function ")]
    assert "absent" in line, status.stdout


def test_down_removes_functions_and_triggers(local_aws, tmp_path, handler_binary):
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, handler_binary, "up")
    scribblectl(local_aws, tmp_path, handler_binary, "down", "--yes")
    lam = local_aws.client("lambda")
    assert lam.list_functions()["Functions"] == []
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []


def test_reserved_concurrency_as_configured_and_refused_when_the_account_has_no_room(
        local_aws, tmp_path, handler_binary):
    write_config(tmp_path)
    with open(tmp_path / "scribble.ini", "a") as f:
        f.write("[limits]\nroute_concurrency = 30\nworker_concurrency = 5\n")
    scribblectl(local_aws, tmp_path, handler_binary, "up")
    lam = local_aws.client("lambda")
    for handler in HANDLERS:
        reserved = lam.get_function_concurrency(FunctionName=function_name(handler))
        # figures, which scribblectl status invokes, reserves nothing.
        want = None if handler == "figures" else 5 if handler in WORKERS else 30
        assert reserved.get("ReservedConcurrentExecutions") == want, (handler, reserved)
    settings = lam.get_account_settings()["AccountLimit"]
    assert settings["UnreservedConcurrentExecutions"] == 1000 - 3 * 30 - 4 * 5
    doctor = scribblectl(local_aws, tmp_path, handler_binary, "doctor")
    assert "OK concurrency limit 1000, 890 unreserved; this stack reserves 110" in doctor.stdout, \
        doctor.stdout

    # Changed behind its back: status names it; up puts it back.
    lam.delete_function_concurrency(FunctionName=function_name("send"))
    status = scribblectl(local_aws, tmp_path, handler_binary, "status", check=False)
    assert "function reserved concurrency: is (none), config says 30" in status.stdout + status.stderr
    scribblectl(local_aws, tmp_path, handler_binary, "up")
    assert lam.get_function_concurrency(
        FunctionName=function_name("send"))["ReservedConcurrentExecutions"] == 30

    # An account whose limit leaves no room: up and plan refuse before any change,
    # saying why; doctor's Lambda row fails with the same reason.
    local_aws.set_lambda_concurrency_limit(300)
    write_config(tmp_path)
    with open(tmp_path / "scribble.ini", "a") as f:
        f.write("[limits]\nroute_concurrency = 70\nworker_concurrency = 5\n")
    local_aws.requests.clear()
    for verb in ("up", "plan"):
        refused = scribblectl(local_aws, tmp_path, handler_binary, verb, check=False)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "ReservedConcurrencyTooHigh" in refused.stderr, refused.stderr
        assert "reserve 230 Lambda executions" in refused.stderr, refused.stderr
        assert "the account's limit in this region is 300" in refused.stderr, refused.stderr
        assert "AWS keeps 100 unreserved: at most 200 can be reserved here" in refused.stderr, \
            refused.stderr
    assert local_aws.requests.mutating() == [], [str(r) for r in local_aws.requests.mutating()]
    doctor = scribblectl(local_aws, tmp_path, handler_binary, "doctor", check=False)
    assert doctor.returncode == 1 and "at most 200 can be reserved here" in doctor.stdout, doctor.stdout

    # Back to none: up removes the reservations.
    write_config(tmp_path)
    scribblectl(local_aws, tmp_path, handler_binary, "up")
    for handler in HANDLERS:
        assert lam.get_function_concurrency(
            FunctionName=function_name(handler)).get("ReservedConcurrentExecutions") is None, handler
