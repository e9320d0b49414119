"""Standard-mode retries of the AWS client, against a scripted local server.

Throttling errors, 5xx answers and dropped connections are retried with
exponential backoff and full jitter, up to max_attempts (3 by default);
a validation error is never retried.
"""
import json
import os
import subprocess

from scripted_server import DROP, ScriptedServer

PROBE = os.path.join(os.environ["SCRIBBLE_TEST_BIN"], "call_probe")

THROTTLED = (400, {"Content-Type": "application/x-amz-json-1.0"},
             json.dumps({"__type": "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                         "message": "Rate exceeded"}))
INTERNAL = (500, {"Content-Type": "application/x-amz-json-1.0"},
            json.dumps({"__type": "InternalServerError", "message": "boom"}))
UNAVAILABLE = (503, {}, "")
VALIDATION = (400, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "req-42"},
              json.dumps({"__type": "com.amazon.coral.validate#ValidationException",
                          "message": "1 validation error detected"}))
OK = (200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps({"TableNames": ["t"]}))


def probe_env(server, tmp_path, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=server.endpoint, AWS_REGION="us-east-1",
               AWS_ACCESS_KEY_ID="AKIDRETRYTEST", AWS_SECRET_ACCESS_KEY="retry-secret",
               AWS_CONFIG_FILE=str(tmp_path / "config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "credentials"))
    env.update(extra)
    return env


def list_tables(server, tmp_path, **extra):
    return subprocess.run([PROBE, "dynamodb", "json", "ListTables"], capture_output=True,
                          text=True, env=probe_env(server, tmp_path, **extra), timeout=60)


def attempt_headers(server):
    return [r["headers"].get("amz-sdk-request") for r in server.requests]


def test_throttling_is_retried_until_success(tmp_path):
    with ScriptedServer([THROTTLED, THROTTLED, OK]) as server:
        result = list_tables(server, tmp_path)
    assert result.returncode == 0, result.stdout
    assert '"TableNames":["t"]' in result.stdout
    assert attempt_headers(server) == ["attempt=1; max=3", "attempt=2; max=3", "attempt=3; max=3"]
    invocation_ids = {r["headers"]["amz-sdk-invocation-id"] for r in server.requests}
    assert len(invocation_ids) == 1, "every attempt of one call carries the same invocation id"
    dates = [r["headers"]["X-Amz-Date"] for r in server.requests]
    assert all(r["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDRETRYTEST/")
               for r in server.requests) and len(dates) == 3


def test_server_errors_exhaust_three_attempts(tmp_path):
    with ScriptedServer([INTERNAL] * 5) as server:
        result = list_tables(server, tmp_path)
    assert result.returncode == 1
    assert len(server.requests) == 3
    assert "status=500" in result.stdout and "retryable=1" in result.stdout
    assert "code=InternalServerError" in result.stdout
    assert "after 3 attempts" in result.stdout


def test_dropped_connections_are_retried(tmp_path):
    with ScriptedServer([DROP, DROP, OK]) as server:
        result = list_tables(server, tmp_path)
    assert result.returncode == 0, result.stdout
    assert len(server.requests) == 3


def test_dropped_connections_fail_as_transport_errors(tmp_path):
    with ScriptedServer([DROP] * 3) as server:
        result = list_tables(server, tmp_path)
    assert result.returncode == 1
    assert len(server.requests) == 3
    assert "kind=transport" in result.stdout and "status=0" in result.stdout


def test_validation_error_is_not_retried(tmp_path):
    with ScriptedServer([VALIDATION, OK]) as server:
        result = list_tables(server, tmp_path)
    assert result.returncode == 1
    assert len(server.requests) == 1
    assert "code=ValidationException" in result.stdout
    assert "retryable=0" in result.stdout and "status=400" in result.stdout
    assert "request_id=req-42" in result.stdout
    assert "1 validation error detected" in result.stdout


def test_max_attempts_from_environment(tmp_path):
    with ScriptedServer([UNAVAILABLE] * 6) as server:
        result = list_tables(server, tmp_path, AWS_MAX_ATTEMPTS="5")
    assert result.returncode == 1
    assert attempt_headers(server)[-1] == "attempt=5; max=5"
    assert len(server.requests) == 5


def test_max_attempts_from_profile(tmp_path):
    (tmp_path / "config").write_text("[default]\nmax_attempts = 2\n")
    with ScriptedServer([UNAVAILABLE] * 3) as server:
        result = list_tables(server, tmp_path)
    assert result.returncode == 1
    assert len(server.requests) == 2


def test_backoff_is_capped_exponential_with_jitter(tmp_path):
    # Full jitter: the wait before retry i is random in [0, 2^(i-1) s]. Only the
    # upper bounds can be asserted; slack covers process and signing time.
    with ScriptedServer([UNAVAILABLE] * 3) as server:
        list_tables(server, tmp_path)
    times = [r["time"] for r in server.requests]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(gaps) == 2
    assert gaps[0] <= 1.0 + 0.5, gaps
    assert gaps[1] <= 2.0 + 0.5, gaps


def test_s3_slow_down_is_retried(tmp_path):
    slow_down = (503, {"Content-Type": "application/xml"},
                 "<Error><Code>SlowDown</Code><Message>Reduce your request rate.</Message>"
                 "<RequestId>s3req</RequestId></Error>")
    with ScriptedServer([slow_down, (200, {"Content-Type": "application/xml"},
                                     "<ListAllMyBucketsResult/>")]) as server:
        result = subprocess.run([PROBE, "s3", "rest-xml", "GET", "/"], capture_output=True,
                                text=True, env=probe_env(server, tmp_path), timeout=60)
    assert result.returncode == 0, result.stdout
    assert len(server.requests) == 2
    sent = {k.lower(): v for k, v in server.requests[0]["headers"].items()}
    assert sent["x-amz-content-sha256"] == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
