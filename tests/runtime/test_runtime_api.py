"""The runtime binary (host build, scribble-handler) against a local Runtime API.

Each test starts runtime_api_server.RuntimeApiServer on an OS-assigned port,
runs the binary with AWS_LAMBDA_RUNTIME_API pointing at it and a chosen
_HANDLER, waits for the requests it expects, then stops the process (which
by then is blocked asking for its next invocation) and reads its log. The
settings point the cache at a closed port and the events here are not ones
the handlers accept, so every outcome is an error POST that needs no cache
or AWS; the handlers' real work is tested in test_scenario.py.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runtime_api_server import PREFIX, Invocation, RuntimeApiServer  # noqa: E402
from harness.local_lambda import STARTUP_SETTINGS  # noqa: E402

BINARY = pathlib.Path(os.environ.get("SCRIBBLECTL", "")).parent / "scribble-handler"
REQUEST_ID = "8f3a1c2e-5b7d-4e9f-a1b2-c3d4e5f60718"
TRACE_ID = "Root=1-6734a1b2-0a1b2c3d4e5f60718293a4b5;Parent=53995c3f42cd8ad8;Sampled=1"
FUNCTION_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:scribble-send"


SETTINGS = STARTUP_SETTINGS


def start(api_address, handler, extra_env=None, settings=None):
    env = {"AWS_LAMBDA_RUNTIME_API": api_address, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           **(SETTINGS if settings is None else settings)}
    if handler is not None:
        env["_HANDLER"] = handler
    env.update(extra_env or {})
    return subprocess.Popen([str(BINARY)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process):
    """Stops the process if it still runs; returns (exit code, JSON log lines, stderr)."""
    if process.poll() is None:
        process.terminate()
    stdout, stderr = process.communicate(timeout=30)
    assert "Sanitizer" not in stderr and "runtime error:" not in stderr, stderr
    lines = []
    for text in stdout.splitlines():
        try:
            lines.append(json.loads(text))
        except json.JSONDecodeError:
            pytest.fail(f"a log line is not JSON: {text!r}")
    return process.returncode, lines, stderr


def run_to_init_error(handler, settings=None):
    """Starts the binary, which must report an init error and exit: returns its
    exit code, the init/error request, its log lines and every request made."""
    with RuntimeApiServer([invocation()]) as api:
        process = start(api.address, handler, settings=settings)
        try:
            init_error = api.wait_for("POST", f"{PREFIX}/init/error")
            process.wait(timeout=30)
        finally:
            code, lines, _ = finish(process)
        return code, init_error, lines, api.received()


def invocation(request_id=REQUEST_ID, trace_id=TRACE_ID):
    # No requestContext: the route handlers refuse it before touching anything.
    return Invocation(request_id, json.dumps({"body": '{"action":"sendMessage"}'}), trace_id=trace_id,
                      deadline_ms=4102444800000, function_arn=FUNCTION_ARN)


def test_binary_is_built():
    assert BINARY.is_file(), f"{BINARY} is missing: cmake --build builds it"


def test_invocation_error_carries_request_id_and_loop_continues():
    with RuntimeApiServer([invocation()]) as api:
        process = start(api.address, "send")
        try:
            api.wait_for("GET", f"{PREFIX}/invocation/next")
            error = api.wait_for("POST", f"{PREFIX}/invocation/{REQUEST_ID}/error")
            # After posting the outcome the runtime asks for the next invocation.
            api.wait_for("GET", f"{PREFIX}/invocation/next")
        finally:
            _, lines, _ = finish(process)
    document = error.json()
    assert document["errorType"] == "InvalidEvent", document
    assert "connectionId" in document["errorMessage"], document
    assert error.headers.get("Lambda-Runtime-Function-Error-Type") == "InvalidEvent", error.headers
    posts = [r for r in api.received() if r.method == "POST"]
    assert [r.path for r in posts] == [f"{PREFIX}/invocation/{REQUEST_ID}/error"], posts

    invocation_lines = [line for line in lines if line.get("requestId") == REQUEST_ID]
    assert invocation_lines, f"no log line carries the request id: {lines}"
    errors = [line for line in invocation_lines if line["level"] == "ERROR"]
    assert any(line.get("errorType") == "InvalidEvent" for line in errors), lines
    for line in lines:
        assert {"timestamp", "level", "message"} <= line.keys(), line
        assert line["timestamp"].endswith("Z"), line
    # Lines outside the invocation (start-up) carry no request id.
    assert "requestId" not in lines[0], lines
    # The invocation ends with its summary line (docs/cli.md, "logs").
    [summary] = [line for line in invocation_lines if "outcome" in line]
    assert summary["handler"] == "send" and summary["outcome"] == "error", summary
    assert summary["errorType"] == "InvalidEvent" and summary["level"] == "ERROR", summary
    assert isinstance(summary["durationMs"], int) and summary["durationMs"] >= 0, summary
    assert summary["message"] == f"send failed in {summary['durationMs']} ms", summary
    assert summary["counts"] == {}, summary


def test_trace_id_reaches_environment_and_log():
    # The log's xrayTraceId is read from _X_AMZN_TRACE_ID, so it shows what the
    # environment held during each invocation: the header's value, and nothing
    # left over from the previous invocation when the next one has no trace id.
    second_id = "0c9d8e7f-6a5b-4c3d-2e1f-0a9b8c7d6e5f"
    with RuntimeApiServer([invocation(), invocation(second_id, trace_id=None)]) as api:
        process = start(api.address, "snapshot", {"_X_AMZN_TRACE_ID": "Root=stale-from-outside"})
        try:
            api.wait_for("POST", f"{PREFIX}/invocation/{REQUEST_ID}/error")
            api.wait_for("POST", f"{PREFIX}/invocation/{second_id}/error")
        finally:
            _, lines, _ = finish(process)
    first = [line for line in lines if line.get("requestId") == REQUEST_ID]
    second = [line for line in lines if line.get("requestId") == second_id]
    assert first and all(line.get("xrayTraceId") == TRACE_ID for line in first), lines
    assert second and all("xrayTraceId" not in line for line in second), lines


def test_request_id_is_escaped_in_the_path():
    odd_id = "id with/slash"
    with RuntimeApiServer([invocation(odd_id)]) as api:
        process = start(api.address, "save")
        try:
            api.wait_for("POST", f"{PREFIX}/invocation/id%20with%2Fslash/error")
        finally:
            finish(process)


@pytest.mark.parametrize("handler", ["nope", "", None])
def test_unknown_handler_is_an_init_error(handler):
    code, init_error, lines, received = run_to_init_error(handler)
    assert code == 1, code
    document = init_error.json()
    assert document["errorType"] == "Runtime.UnknownHandler", document
    assert f'no handler named "{handler or ""}"' in document["errorMessage"], document
    for name in ("connect", "disconnect", "send", "broadcast", "catchup", "snapshot", "save",
                 "figures"):
        assert name in document["errorMessage"], document
    assert init_error.headers.get("Lambda-Runtime-Function-Error-Type") == "Runtime.UnknownHandler"
    assert not [r for r in received if r.method == "GET"], f"asked for work with no handler: {received}"
    assert any(line["level"] == "ERROR" and "no handler named" in line["message"] for line in lines), lines


def test_every_handler_in_the_table_starts():
    names = ["connect", "disconnect", "send", "broadcast", "catchup", "snapshot", "save", "figures"]
    for name in names:
        with RuntimeApiServer([invocation()]) as api:
            process = start(api.address, name)
            try:
                error = api.wait_for("POST", f"{PREFIX}/invocation/{REQUEST_ID}/error")
            finally:
                finish(process)
        document = error.json()
        assert document["errorType"] not in ("Runtime.UnknownHandler", "NotImplemented"), document
        assert document["errorMessage"], document


@pytest.mark.parametrize("variable, value, expected", [
    ("SCRIBBLE_STACK", None, "SCRIBBLE_STACK is not set"),
    ("SCRIBBLE_CACHE_ENDPOINT", "no-port", 'SCRIBBLE_CACHE_ENDPOINT is "no-port"; allowed: host:port'),
    ("SCRIBBLE_CANVAS_DEPTH", "3", 'SCRIBBLE_CANVAS_DEPTH is "3"; allowed: 1, 2, 4, 8, 24'),
    ("SCRIBBLE_CANVAS_WIDTH", "wide", 'SCRIBBLE_CANVAS_WIDTH is "wide"; allowed: a whole number'),
    ("SCRIBBLE_COOLDOWN", "-1", 'SCRIBBLE_COOLDOWN is "-1"; allowed: a whole number from 0 to 86400'),
    ("SCRIBBLE_CACHE_TLS", "yes", 'SCRIBBLE_CACHE_TLS is "yes"; allowed: true, false'),
])
def test_bad_setting_is_an_init_error_naming_it(variable, value, expected):
    env = dict(SETTINGS)
    if value is None:
        del env[variable]
    else:
        env[variable] = value
    code, init_error, _, received = run_to_init_error("send", env)
    assert code == 1, code
    document = init_error.json()
    assert document["errorType"] == "Runtime.InvalidSetting", document
    assert expected in document["errorMessage"], document
    assert not [r for r in received if r.method == "GET"], f"asked for work while misconfigured: {received}"


def test_runtime_api_gone_exits_with_a_logged_error():
    with RuntimeApiServer() as api:
        address = api.address
    # The server is closed: nothing listens on that port any more.
    process = start(address, "send")
    try:
        process.wait(timeout=30)
    finally:
        code, lines, _ = finish(process)
    assert code == 1, code
    assert any(line["level"] == "ERROR" and "invocation/next" in line["message"] for line in lines), lines
