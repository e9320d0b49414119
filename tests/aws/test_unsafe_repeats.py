"""Creates that AWS may have applied although their answer was lost are not
repeated by the client; every other call is, and every failure names its call.

A create without an idempotency token (EC2 CreateVpc, API Gateway CreateApi,
Lambda CreateFunction, ...) makes a second resource, or is refused, when
repeated: after a dropped connection or a 5xx the client hands the failure
back (retryable) for the caller to look before creating again. A throttling
answer means AWS refused the request, and a connection that never carried
it cannot have applied it, so both are retried as usual.
"""
import json
import os
import socket
import subprocess

from scripted_server import DROP, ScriptedServer
from test_retry import probe_env

PROBE = os.path.join(os.environ["SCRIBBLE_TEST_BIN"], "call_probe")

EC2_INTERNAL = (500, {"Content-Type": "text/xml"},
                "<Response><Errors><Error><Code>InternalError</Code><Message>An internal error"
                "</Message></Error></Errors><RequestID>ec2-500</RequestID></Response>")
EC2_THROTTLED = (503, {"Content-Type": "text/xml"},
                 "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit"
                 " exceeded.</Message></Error></Errors><RequestID>ec2-503</RequestID></Response>")
EC2_VPC = (200, {"Content-Type": "text/xml"},
           "<CreateVpcResponse><vpc><vpcId>vpc-1</vpcId></vpc></CreateVpcResponse>")
JSON_INTERNAL = (500, {"Content-Type": "application/json", "x-amzn-RequestId": "apigw-500"},
                 json.dumps({"message": "Internal server error"}))
JSON_OK = (201, {"Content-Type": "application/json"}, json.dumps({"apiId": "a1"}))


def probe(server, tmp_path, *args):
    return subprocess.run([PROBE, *args], capture_output=True, text=True,
                          env=probe_env(server, tmp_path), timeout=60)


def field(result, name):
    """A field of the probe's error: kind, status, code, ... on the first line;
    message and call on lines of their own."""
    lines = result.stdout.splitlines()
    for line in lines[1:]:
        if line.startswith(name + "="):
            return line[len(name) + 1:]
    pairs = dict(part.split("=", 1) for part in lines[0].split()[1:])
    return pairs.get(name)


def call_of(result):
    return field(result, "call")


def test_dropped_create_vpc_is_not_repeated(tmp_path):
    with ScriptedServer([DROP, EC2_VPC]) as server:
        result = probe(server, tmp_path, "ec2", "query", "CreateVpc", "CidrBlock=10.0.0.0/16")
    assert result.returncode == 1, result.stdout
    assert len(server.requests) == 1, "CreateVpc must not be repeated after a dropped connection"
    assert field(result, "kind") == "transport" and field(result, "retryable") == "1"
    assert call_of(result) == "EC2 CreateVpc"


def test_create_vpc_answered_500_is_not_repeated(tmp_path):
    with ScriptedServer([EC2_INTERNAL, EC2_VPC]) as server:
        result = probe(server, tmp_path, "ec2", "query", "CreateVpc", "CidrBlock=10.0.0.0/16")
    assert result.returncode == 1 and len(server.requests) == 1
    assert field(result, "code") == "InternalError" and field(result, "request_id") == "ec2-500"
    assert call_of(result) == "EC2 CreateVpc"


def test_throttled_create_is_retried(tmp_path):
    with ScriptedServer([EC2_THROTTLED, EC2_VPC]) as server:
        result = probe(server, tmp_path, "ec2", "query", "CreateVpc", "CidrBlock=10.0.0.0/16")
    assert result.returncode == 0, result.stdout
    assert len(server.requests) == 2


def test_calls_that_may_be_repeated_are_retried(tmp_path):
    # A describe, and a modification that is the same when repeated.
    for action in ("DescribeVpcs", "ModifyVpcAttribute"):
        with ScriptedServer([DROP, EC2_INTERNAL, EC2_VPC]) as server:
            result = probe(server, tmp_path, "ec2", "query", action)
        assert result.returncode == 0, (action, result.stdout)
        assert len(server.requests) == 3, action


def test_rest_create_is_named_and_not_repeated(tmp_path):
    with ScriptedServer([JSON_INTERNAL, JSON_OK]) as server:
        result = probe(server, tmp_path, "apigatewayv2", "rest-json", "POST", "/v2/apis",
                       json.dumps({"name": "x", "protocolType": "WEBSOCKET"}))
    assert result.returncode == 1 and len(server.requests) == 1
    assert call_of(result) == "ApiGatewayV2 CreateApi"
    assert field(result, "status") == "500" and field(result, "request_id") == "apigw-500"


def test_other_rest_calls_are_named_by_method_and_path(tmp_path):
    with ScriptedServer([JSON_INTERNAL] * 3) as server:
        result = probe(server, tmp_path, "lambda", "rest-json", "GET",
                       "/2015-03-31/functions/scribble-send-function")
    assert result.returncode == 1 and len(server.requests) == 3
    assert call_of(result) == "Lambda GET /2015-03-31/functions/scribble-send-function"
    assert "after 3 attempts" in field(result, "message")


def test_a_response_cut_short_names_its_call(tmp_path):
    cut = (200, {"Content-Type": "text/xml"}, "<DescribeVpcsResponse><vpcSet><item>")
    with ScriptedServer([cut]) as server:
        result = probe(server, tmp_path, "iam", "query", "ListRoles")
    assert result.returncode == 1
    assert field(result, "kind") == "parse" and field(result, "code") == "MalformedResponse"
    assert call_of(result) == "IAM ListRoles"


def test_create_that_never_left_is_retried(tmp_path):
    # Nothing listens: the request never left, so AWS cannot have applied it.
    class Nowhere:
        with socket.socket() as s:  # a port the OS just gave out and nobody listens on
            s.bind(("127.0.0.1", 0))
            endpoint = "http://127.0.0.1:%d" % s.getsockname()[1]
    env = dict(probe_env(Nowhere, tmp_path), CALL_PROBE_DEBUG="1")
    result = subprocess.run([PROBE, "ec2", "query", "CreateVpc", "CidrBlock=10.0.0.0/16"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 1, result.stdout
    assert field(result, "code") == "ConnectError", result.stdout
    assert result.stderr.count("ConnectError: retrying in") == 2, result.stderr
    assert "may have been applied" not in result.stderr, result.stderr
