"""The API Gateway management API extension, through boto3 and as the runtime calls it.

Connections exist only once opened; unknown, closed and deleted ones answer
GoneException (410); every post is its own message, in order; fail_posts
makes posts fail and then recover. The clients here make one attempt each
(the harness's default client retries once), so every status is seen as sent.
"""

import http.client
import json
import os
import pathlib
import subprocess
import threading
import urllib.parse

import botocore.config
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from harness import moto_ext_apigatewaymanagementapi as extension
from harness.local_aws import ACCESS_KEY_ID, SECRET_ACCESS_KEY, LocalAws

ONE_ATTEMPT = botocore.config.Config(retries={"total_max_attempts": 1})


def client(aws):
    return aws.client("apigatewaymanagementapi", config=ONE_ATTEMPT)


def error_of(call, **kwargs):
    """(code, HTTP status) of the ClientError the call raises."""
    with pytest.raises(ClientError) as raised:
        call(**kwargs)
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_each_post_to_an_open_connection_is_its_own_message(local_aws):
    api = client(local_aws)
    local_aws.open_connection("c1")
    assert local_aws.connection_open("c1")
    api.post_to_connection(ConnectionId="c1", Data=b'{"type":"pixels","pixels":[[1,0,0,1]]}')
    api.post_to_connection(ConnectionId="c1", Data=b'{"type":"caughtup","seq":1}')
    assert local_aws.connection_messages("c1") == [
        {"type": "pixels", "pixels": [[1, 0, 0, 1]]}, {"type": "caughtup", "seq": 1}]
    assert extension.messages(extension.backend_for(local_aws.account_id, local_aws.region),
                              "c1") == [b'{"type":"pixels","pixels":[[1,0,0,1]]}',
                                        b'{"type":"caughtup","seq":1}']
    answer = api.get_connection(ConnectionId="c1")
    assert answer["Identity"]["SourceIp"] == "127.0.0.1", answer
    assert answer["ConnectedAt"] <= answer["LastActiveAt"], answer


def test_unknown_and_closed_connections_are_gone(local_aws):
    api = client(local_aws)
    for call, kwargs in [(api.post_to_connection, {"Data": b"{}"}), (api.get_connection, {}),
                         (api.delete_connection, {})]:
        assert error_of(call, ConnectionId="never-opened", **kwargs) == ("GoneException", 410)
    local_aws.open_connection("c1")
    api.post_to_connection(ConnectionId="c1", Data=b'{"n":1}')
    local_aws.close_connection("c1")
    assert not local_aws.connection_open("c1")
    assert error_of(api.post_to_connection, ConnectionId="c1", Data=b'{"n":2}') == (
        "GoneException", 410)
    assert error_of(api.get_connection, ConnectionId="c1") == ("GoneException", 410)
    # What arrived while it was open stays readable.
    assert local_aws.connection_messages("c1") == [{"n": 1}]
    assert not local_aws.connection_open("never-opened")
    with pytest.raises(KeyError, match="never opened"):
        local_aws.connection_messages("never-opened")


def test_delete_connection_closes_it(local_aws):
    api = client(local_aws)
    local_aws.open_connection("c1")
    answer = api.delete_connection(ConnectionId="c1")
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 204, answer
    assert not local_aws.connection_open("c1")
    assert error_of(api.post_to_connection, ConnectionId="c1", Data=b"{}") == ("GoneException", 410)
    assert error_of(api.delete_connection, ConnectionId="c1") == ("GoneException", 410)
    assert local_aws.connection_messages("c1") == []
    # The client connects again (API Gateway would give a new id; a test may reuse one).
    local_aws.open_connection("c1")
    api.post_to_connection(ConnectionId="c1", Data=b'{"again":true}')
    assert local_aws.connection_messages("c1") == [{"again": True}]


def test_fail_posts_injects_statuses_then_recovers(local_aws):
    api = client(local_aws)
    local_aws.open_connection("c1")
    local_aws.fail_posts("c1", 2, 429)
    local_aws.fail_posts("c1", 1, 500)
    outcomes = []
    for n in range(4):
        try:
            api.post_to_connection(ConnectionId="c1", Data=json.dumps({"n": n}).encode())
            outcomes.append("ok")
        except ClientError as error:
            outcomes.append((error.response["Error"]["Code"],
                             error.response["ResponseMetadata"]["HTTPStatusCode"]))
    assert outcomes == [("LimitExceededException", 429), ("LimitExceededException", 429),
                        ("InternalFailure", 500), "ok"]
    assert local_aws.connection_messages("c1") == [{"n": 3}], "a refused post delivered something"
    # Only posts fail, and only for the connection named.
    local_aws.open_connection("c2")
    local_aws.fail_posts("c1", 1, 503)
    api.get_connection(ConnectionId="c1")
    api.post_to_connection(ConnectionId="c2", Data=b"{}")
    assert error_of(api.post_to_connection, ConnectionId="c1", Data=b"{}") == (
        "ServiceUnavailable", 503)
    # An injected failure comes before the connection is looked up (a throttle does).
    local_aws.fail_posts("not-open-yet", 1, 429)
    assert error_of(api.post_to_connection, ConnectionId="not-open-yet", Data=b"{}") == (
        "LimitExceededException", 429)
    assert error_of(api.post_to_connection, ConnectionId="not-open-yet", Data=b"{}") == (
        "GoneException", 410)


def test_data_over_the_model_limit_is_refused(local_aws):
    api = client(local_aws)
    local_aws.open_connection("c1")
    api.post_to_connection(ConnectionId="c1", Data=b"x" * extension.MAX_DATA_BYTES)
    assert error_of(api.post_to_connection, ConnectionId="c1",
                    Data=b"x" * (extension.MAX_DATA_BYTES + 1)) == ("PayloadTooLargeException", 413)
    assert len(extension.messages(extension.backend_for(local_aws.account_id, local_aws.region),
                                  "c1")) == 1


def test_a_message_that_is_not_json_is_named(local_aws):
    local_aws.open_connection("c1")
    client(local_aws).post_to_connection(ConnectionId="c1", Data=b"{}")
    client(local_aws).post_to_connection(ConnectionId="c1", Data=b"not json")
    with pytest.raises(ValueError, match=r"message 1 of 2 posted to 'c1' is not JSON.*not json"):
        local_aws.connection_messages("c1")


def signed_post(aws, path, data):
    """POST as the runtime sends it: signed for execute-api, no Content-Type."""
    request = AWSRequest(method="POST", url=aws.endpoint + path, data=data)
    SigV4Auth(Credentials(ACCESS_KEY_ID, SECRET_ACCESS_KEY), "execute-api",
              aws.region).add_auth(request)
    connection = http.client.HTTPConnection("127.0.0.1", aws.port, timeout=30)
    try:
        connection.request("POST", path, body=data, headers=dict(request.headers.items()))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_the_runtime_path_layout_at_the_endpoint_root(local_aws):
    # API Gateway's ids end in "=", which the runtime percent-encodes in the path.
    connection_id = "L0SM9cOFvHcCIhw="
    local_aws.open_connection(connection_id)
    path = "/@connections/" + urllib.parse.quote(connection_id, safe="")
    status, _, body = signed_post(local_aws, path, b'{"type":"caughtup","seq":0}')
    assert status == 200, body
    assert local_aws.connection_messages(connection_id) == [{"type": "caughtup", "seq": 0}]
    status, headers, body = signed_post(local_aws, "/@connections/gone%3D", b"{}")
    assert status == 410, body
    assert {k.lower(): v for k, v in headers.items()}["x-amzn-errortype"] == "GoneException"
    recorded = local_aws.requests.select(service="apigatewaymanagementapi")
    assert [(r.method, r.operation, r.status) for r in recorded] == [
        ("POST", "PostToConnection", 200), ("POST", "PostToConnection", 410)], recorded


def call_probe():
    """tests/aws/call_probe: one call through the runtime's own AWS client (aws/)."""
    directory = os.environ.get("SCRIBBLE_TEST_BIN") or pathlib.Path(
        os.environ["SCRIBBLECTL"]).parent / "tests"
    return pathlib.Path(directory) / "call_probe"


def test_the_runtimes_aws_client_posts_and_reads_gone(local_aws):
    connection_id = "L0SM9cOFvHcCIhw="
    local_aws.open_connection(connection_id)
    runs = {}
    for name, path in [("open", "/@connections/L0SM9cOFvHcCIhw%3D"), ("gone", "/@connections/x")]:
        runs[name] = subprocess.run(
            [str(call_probe()), "apigatewaymanagementapi", "rest-json", "POST", path,
             '{"type":"caughtup","seq":3}'],
            env=local_aws.env(), capture_output=True, text=True, timeout=60)
    assert runs["open"].returncode == 0, runs["open"]
    assert local_aws.connection_messages(connection_id) == [{"type": "caughtup", "seq": 3}]
    assert runs["gone"].returncode == 1, runs["gone"]
    assert "status=410 code=GoneException" in runs["gone"].stdout, runs["gone"]


def test_concurrent_posts_are_all_kept_in_order(local_aws):
    local_aws.open_connection("c1")
    barrier = threading.Barrier(8)
    errors = []

    def poster(thread):
        api = client(local_aws)
        barrier.wait()
        try:
            for n in range(20):
                api.post_to_connection(ConnectionId="c1",
                                       Data=json.dumps({"thread": thread, "n": n}).encode())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=poster, args=(t,)) for t in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    received = local_aws.connection_messages("c1")
    assert len(received) == 160
    for thread in range(8):
        assert [m["n"] for m in received if m["thread"] == thread] == list(range(20))


def test_each_local_aws_has_its_own_connections(local_aws):
    local_aws.open_connection("shared-id")
    with LocalAws() as other:
        assert not other.connection_open("shared-id")
        assert error_of(client(other).post_to_connection, ConnectionId="shared-id",
                        Data=b"{}") == ("GoneException", 410)
        other.open_connection("shared-id")
        client(other).post_to_connection(ConnectionId="shared-id", Data=b'{"from":"other"}')
    assert local_aws.connection_messages("shared-id") == []


def test_misuse_is_refused(local_aws):
    local_aws.open_connection("c1")
    with pytest.raises(ValueError, match="already open"):
        local_aws.open_connection("c1")
    with pytest.raises(KeyError, match="never opened"):
        local_aws.close_connection("c2")
    with pytest.raises(ValueError, match="no AWS error code"):
        local_aws.fail_posts("c1", 1, 418)
    with pytest.raises(ValueError, match="at least 1"):
        local_aws.fail_posts("c1", 0, 429)


def test_install_is_idempotent_and_keeps_the_stage_prefixed_form():
    import moto
    from moto.apigatewaymanagementapi.responses import ApiGatewayManagementApiResponse

    extension.install()
    before = dict(vars(ApiGatewayManagementApiResponse))
    extension.install()
    assert dict(vars(ApiGatewayManagementApiResponse)) == before
    # moto's in-process mock routes https://<api>.execute-api.<region>.amazonaws.com/<stage>
    # to the same actions (its server only routes the root form).
    with moto.mock_aws():
        backend = extension.backend_for("123456789012", "us-east-1")
        extension.open_connection(backend, "c1")
        import boto3
        api = boto3.client("apigatewaymanagementapi", region_name="us-east-1",
                           aws_access_key_id=ACCESS_KEY_ID,
                           aws_secret_access_key=SECRET_ACCESS_KEY, config=ONE_ATTEMPT,
                           endpoint_url="https://abc123.execute-api.us-east-1.amazonaws.com/prod")
        api.post_to_connection(ConnectionId="c1", Data=b'{"staged":1}')
        api.delete_connection(ConnectionId="c1")
        assert error_of(api.post_to_connection, ConnectionId="c1", Data=b"{}") == (
            "GoneException", 410)
        assert extension.messages(backend, "c1") == [b'{"staged":1}']
