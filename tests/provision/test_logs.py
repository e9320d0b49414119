"""scribblectl logs against the local AWS's CloudWatch Logs: the stack's log
groups (/aws/lambda/<stack>-<handler>-function) hold lines in the handlers'
JSON format and Lambda's own plain lines, written here with PutLogEvents as
Lambda would; `logs` reads them back interleaved by time with each option,
and --follow prints what arrives until SIGINT, then exits 0."""
import json
import os
import queue
import signal
import subprocess
import threading
import time

import jsonschema
import pytest

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
SOURCE = os.environ["SCRIBBLE_SOURCE_DIR"]
STACK = "lg"


def group(handler):
    return f"/aws/lambda/{STACK}-{handler}-function"


def now_ms():
    return int(time.time() * 1000)


def handler_line(ts_ms, level, message, **fields):
    iso = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts_ms / 1000)) + ".%03dZ" % (ts_ms % 1000)
    return json.dumps({"timestamp": iso, "level": level, "message": message, **fields})


def put(logs, handler, events):
    """events: [(timestamp_ms, message)]; the group and stream are made on first use."""
    name = group(handler)
    if not logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]:
        logs.create_log_group(logGroupName=name)
        logs.create_log_stream(logGroupName=name, logStreamName="2026/12/04/[$LATEST]a")
    logs.put_log_events(logGroupName=name, logStreamName="2026/12/04/[$LATEST]a",
                        logEvents=[{"timestamp": t, "message": m} for t, m in sorted(events)])


def logs_cmd(local_aws, tmp_path, *args, check=True):
    result = subprocess.run([SCRIBBLECTL, "logs", *args], capture_output=True, text=True,
                            env=local_aws.env(), cwd=tmp_path, timeout=60)
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.fixture
def stack_logs(local_aws, tmp_path):
    (tmp_path / "scribble.ini").write_text(f"[stack]\nname = {STACK}\n")
    logs = local_aws.client("logs")
    t = now_ms() - 120_000  # the lines below are 10 s apart, all within the last 10 minutes
    put(logs, "send", [(t + 10_000, handler_line(t + 10_000, "INFO", "placed 3 pixels, seq 1 to 3")),
                       (t + 30_000, handler_line(t + 30_000, "INFO", "send ok in 4 ms", handler="send",
                                                 durationMs=4, outcome="ok", counts={"pixels": 3})),
                       (t - 7_200_000, handler_line(t - 7_200_000, "INFO", "two hours ago"))])
    put(logs, "broadcast", [(t + 20_000, "START RequestId: 42 Version: $LATEST"),
                            (t + 40_000, handler_line(t + 40_000, "ERROR", "posting failed: GoneException",
                                                      errorType="GoneException"))])
    return logs, t


def test_interleaved_by_time_and_marked_by_handler(local_aws, tmp_path, stack_logs):
    lines = logs_cmd(local_aws, tmp_path).stdout.splitlines()
    assert [line.split()[1:] for line in lines] == [
        ["send", "INFO", "placed", "3", "pixels,", "seq", "1", "to", "3"],
        ["broadcast", "START", "RequestId:", "42", "Version:", "$LATEST"],
        ["send", "INFO", "send", "ok", "in", "4", "ms"],
        ["broadcast", "ERROR", "posting", "failed:", "GoneException"],
    ]
    _, t = stack_logs
    first = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((t + 10_000) // 1000)) + ".%03dZ" % (t % 1000)
    assert lines[0].split()[0] == first


def test_one_handler_since_and_filter(local_aws, tmp_path, stack_logs):
    send = logs_cmd(local_aws, tmp_path, "send").stdout.splitlines()
    assert [line.split(None, 2)[1] for line in send] == ["send", "send"]
    older = logs_cmd(local_aws, tmp_path, "send", "--since", "3h").stdout
    assert "two hours ago" in older and len(older.splitlines()) == 3
    _, t = stack_logs
    since_time = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime((t + 25_000) // 1000))
    later = logs_cmd(local_aws, tmp_path, "--since", since_time + "Z").stdout.splitlines()
    assert len(later) == 2 and "ok in 4 ms" in later[0], later  # from t + 25 s on
    filtered = logs_cmd(local_aws, tmp_path, "--filter", "GoneException").stdout.splitlines()
    assert len(filtered) == 1 and "broadcast" in filtered[0]


def test_json_lines_match_the_schema(local_aws, tmp_path, stack_logs):
    out = logs_cmd(local_aws, tmp_path, "--output", "json").stdout.splitlines()
    with open(os.path.join(SOURCE, "docs", "cli.schema.json")) as f:
        schema = {**json.load(f), "$ref": "#/$defs/logsEvent"}
    events = [json.loads(line) for line in out]
    for event in events:
        jsonschema.validate(event, schema, cls=jsonschema.Draft202012Validator)
    assert [e["handler"] for e in events] == ["send", "broadcast", "send", "broadcast"]
    assert events[1]["message"].startswith("START") and "fields" not in events[1]
    assert events[2]["fields"]["counts"] == {"pixels": 3} and events[2]["fields"]["outcome"] == "ok"
    assert events == sorted(events, key=lambda e: e["timestamp_ms"])


def test_refusals(local_aws, tmp_path, stack_logs):
    for args, named in ((["paint"], "'paint' is not a handler"),
                        (["--since", "yesterday"], "--since yesterday: allowed"),
                        (["--filter", 'say "hi"'], "--filter say \"hi\": allowed"),
                        (["--data-dir", "d"], "--data-dir: allowed only with --local")):
        result = logs_cmd(local_aws, tmp_path, *args, check=False)
        assert result.returncode == 2 and named in result.stderr, (args, result.stderr)
        assert result.stdout == ""


def test_no_group_yet_is_said(local_aws, tmp_path):
    (tmp_path / "scribble.ini").write_text("[stack]\nname = empty\n")
    result = logs_cmd(local_aws, tmp_path, "save")
    assert result.stdout == "" and "no log group yet for save" in result.stderr


def test_follow_prints_what_arrives_and_stops_on_sigint(local_aws, tmp_path, stack_logs):
    logs, _ = stack_logs
    process = subprocess.Popen([SCRIBBLECTL, "logs", "--follow", "send"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=local_aws.env(), cwd=tmp_path)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout] + [lines.put(None)],
                     daemon=True).start()

    def next_line():
        line = lines.get(timeout=30)  # --follow polls at most every 10 s
        assert line is not None, process.stderr.read()
        return line

    try:
        got = [next_line(), next_line()]  # the two lines already there
        t = now_ms()
        put(logs, "send", [(t, handler_line(t, "INFO", "arrived while following"))])
        got.append(next_line())
        assert "arrived while following" in got[-1], got
        assert sum("placed 3 pixels" in line for line in got) == 1, got
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0, process.stderr.read()
        assert lines.get(timeout=15) is None  # nothing more, and stdout closed
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_follow_outlives_an_endpoint_that_stops_answering(local_aws, tmp_path, stack_logs):
    """The local AWS goes away while following: the failed poll is said on
    stderr and following goes on (exit 0 on SIGINT), as after a throttle
    the client's retries could not absorb."""
    process = subprocess.Popen([SCRIBBLECTL, "logs", "--follow", "send"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=local_aws.env(), cwd=tmp_path)
    out, err = queue.Queue(), queue.Queue()
    threading.Thread(target=lambda: [out.put(x) for x in process.stdout] + [out.put(None)],
                     daemon=True).start()
    threading.Thread(target=lambda: [err.put(x) for x in process.stderr] + [err.put(None)],
                     daemon=True).start()
    try:
        assert out.get(timeout=30) is not None and out.get(timeout=30) is not None
        local_aws.__exit__()  # idempotent: the fixture's own exit finds it stopped
        said = err.get(timeout=60)  # the next poll, after the client's retries
        assert said is not None and said.startswith("scribblectl logs: "), said
        assert process.poll() is None, "logs --follow exited on a failed poll"
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
