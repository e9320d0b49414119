"""Who may use scribblectl local's endpoints (docs/local.md).

The local AWS endpoint serves only requests signed with the run's own
credentials (handed to the handlers, and written to <data_dir>/credentials),
refusing others in each service's own error shape; a handler's Runtime API
serves only that handler's process; a bind address other than loopback is
said out loud; the data directory and what it holds are the user's alone.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import re
import socket
import stat
from unittest import mock

import botocore
import botocore.config
import botocore.exceptions
import pytest

from local_app import (LocalApp, catch_up, failed_run, handler_environment, make_config,
                       open_websocket, recv_until)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    config = make_config(tmp_path_factory.mktemp("auth"))
    app = LocalApp(config, schedule_interval=3600)
    app.argv.insert(1, "--debug")  # whatever it shows, the secret is not among it
    with app as running:
        yield running


# -- the local AWS endpoint's signatures ---------------------------------------------------

def call(app, service: str, **client_kwargs):
    """One harmless call of service; what it answered."""
    client = app.client(service, **client_kwargs)
    stack = app.config.stack
    if service == "sqs":
        return client.get_queue_url(QueueName=f"{stack}-pixel-queue")
    if service == "dynamodb":
        return client.scan(TableName=f"{stack}-pixels", Limit=1)
    if service == "s3":
        return client.put_object(Bucket=f"{stack}-site-bucket", Key="pytest/auth.txt", Body=b"x")
    if service == "lambda":  # the canvas is not loaded: save skips, changing nothing
        return client.invoke(FunctionName=f"{stack}-save-function", Payload=b"{}")
    return client.get_connection(ConnectionId="AAAAAAAAAAAAAAA=")


SERVICES = ["sqs", "dynamodb", "s3", "apigatewaymanagementapi", "lambda"]

# What each service answers, as botocore reads it: (code, HTTP status).
REFUSALS = {
    "unsigned": {"sqs": ("MissingAuthenticationToken", 403),
                 "dynamodb": ("MissingAuthenticationTokenException", 400),
                 "s3": ("AccessDenied", 403),
                 "apigatewaymanagementapi": ("MissingAuthenticationTokenException", 403),
                 "lambda": ("MissingAuthenticationTokenException", 403)},
    "unknown key": {"sqs": ("InvalidClientTokenId", 403),
                    "dynamodb": ("UnrecognizedClientException", 400),
                    "s3": ("InvalidAccessKeyId", 403),
                    "apigatewaymanagementapi": ("UnrecognizedClientException", 403),
                    "lambda": ("UnrecognizedClientException", 403)},
    "wrong secret": {"sqs": ("SignatureDoesNotMatch", 403),
                     "dynamodb": ("InvalidSignatureException", 400),
                     "s3": ("SignatureDoesNotMatch", 403),
                     "apigatewaymanagementapi": ("InvalidSignatureException", 403),
                     "lambda": ("InvalidSignatureException", 403)},
    "stale date": {"sqs": ("SignatureDoesNotMatch", 403),
                   "dynamodb": ("InvalidSignatureException", 400),
                   "s3": ("RequestTimeTooSkewed", 403),
                   "apigatewaymanagementapi": ("InvalidSignatureException", 403),
                   "lambda": ("InvalidSignatureException", 403)},
}


def refused_call(app, service: str, how: str):
    key_id, secret = app.credentials()
    kwargs = {}
    if how == "unsigned":
        kwargs["config"] = botocore.config.Config(signature_version=botocore.UNSIGNED,
                                                  retries={"total_max_attempts": 1})
    elif how == "unknown key":
        kwargs["aws_access_key_id"] = "AKIAOTHERKEY00000000"
    elif how == "wrong secret":
        kwargs["aws_secret_access_key"] = secret[:-1] + ("0" if secret[-1] != "0" else "1")
    stale = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    clock = mock.patch("botocore.auth.get_current_datetime",
                       return_value=stale.replace(tzinfo=None))
    with clock if how == "stale date" else contextlib.nullcontext():
        with pytest.raises(botocore.exceptions.ClientError) as excinfo:
            call(app, service, **kwargs)
    return excinfo.value.response


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("how", list(REFUSALS))
def test_the_endpoint_refuses(app, service, how):
    response = refused_call(app, service, how)
    got = (response["Error"].get("Code"), response["ResponseMetadata"]["HTTPStatusCode"])
    assert got == REFUSALS[how][service], f"{service}, {how}: {response}"
    if how == "stale date":
        message = response["Error"].get("Message", "")
        assert "expired" in message or service == "s3", message


@pytest.mark.parametrize("service", SERVICES)
def test_the_endpoint_serves_the_runs_credentials(app, service):
    if service == "apigatewaymanagementapi":
        gw = app.client(service)
        with pytest.raises(gw.exceptions.GoneException):  # served: no such connection
            call(app, service)
        return
    assert call(app, service)["ResponseMetadata"]["HTTPStatusCode"] == 200


def test_a_body_changed_after_signing_is_refused(app):
    ddb = app.client("dynamodb")

    def tamper(request, **_):
        request.body = request.body.replace(b'"Limit": 1', b'"Limit": 2')
    ddb.meta.events.register_last("before-send.dynamodb.Scan", tamper)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        ddb.scan(TableName=f"{app.config.stack}-pixels", Limit=1)
    assert excinfo.value.response["Error"]["Code"] == "InvalidSignatureException"


def test_the_handlers_get_the_credentials_file(app):
    key_id, secret = app.credentials()
    env = handler_environment(app)
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == (key_id, secret)
    assert re.fullmatch(r"[A-Z0-9]{16,128}", key_id) and re.fullmatch(r"[0-9a-f]{64}", secret)
    path = app.config.data_dir / "credentials"
    assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600
    assert secret not in app.stdout and secret not in app.stderr
    for log in app.config.data_dir.glob("logs/*.log"):
        assert secret.encode() not in log.read_bytes(), f"{log} holds the secret"


def test_the_page_places_with_signed_handlers(app):
    with open_websocket(app, "?since=0") as ws:
        catch_up(ws)
        ws.send(json.dumps({"action": "sendMessage", "type": "place", "pixels": [[2, 3, 1]],
                            "ref": 7}))
        got = recv_until(ws, lambda m: m.get("ref") == 7, timeout=20)
        assert got[-1]["type"] == "placed", got


# -- the Runtime API -----------------------------------------------------------------------

def test_a_foreign_process_cannot_use_a_runtime_api(app):
    address = handler_environment(app)["AWS_LAMBDA_RUNTIME_API"]
    host, port = address.rsplit(":", 1)
    assert host == "127.0.0.1"
    with socket.create_connection((host, int(port)), timeout=10) as s:
        s.sendall(f"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: {address}\r\n\r\n"
                  .encode())
        try:
            answer = s.recv(4096)
        except ConnectionResetError:
            answer = b""
    assert answer == b"", f"the Runtime API answered a foreign process: {answer[:200]!r}"
    app.wait_for_stderr(r"refused a connection to its Runtime API from a process other than "
                        r"its own")
    assert len(re.findall("refused a connection to its Runtime API", app.stderr)) == 1, app.stderr
    test_the_page_places_with_signed_handlers(app)  # the handlers still get their invocations


# -- the folders and files -----------------------------------------------------------------

def test_the_data_directory_is_private(app):
    data = app.config.data_dir
    for folder in (data, data / "logs", data / "cache"):
        assert stat.S_IMODE(os.lstat(folder).st_mode) == 0o700, folder
    files = [data / "local.db", data / "credentials", *data.glob("logs/*.log")]
    assert len(files) > 2
    for path in files:
        assert stat.S_IMODE(os.lstat(path).st_mode) == 0o600, path


@pytest.mark.parametrize("what", ["data directory", "local.db", "logs"])
def test_a_symlink_in_the_data_directory_is_refused(tmp_path, what):
    config = make_config(tmp_path / "app")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    (elsewhere / "local.db").write_bytes(b"")
    if what == "data directory":
        config.data_dir.symlink_to(elsewhere)
    else:
        config.data_dir.mkdir(mode=0o700)
        (config.data_dir / what).symlink_to(elsewhere / ("local.db" if what == "local.db" else ""))
    app, status = failed_run(config)
    assert status == 1, app.output_tail()
    assert "symbolic link" in app.stderr, app.stderr
    assert "Scribble is running" not in app.stdout
    assert (elsewhere / "local.db").read_bytes() == b""
    assert not (elsewhere / "credentials").exists()


def test_an_old_database_others_may_read_is_narrowed(tmp_path):
    config = make_config(tmp_path / "app")
    config.data_dir.mkdir(mode=0o755)
    (config.data_dir / "local.db").write_bytes(b"")
    (config.data_dir / "local.db").chmod(0o644)
    with LocalApp(config, schedule_interval=3600):
        assert stat.S_IMODE(os.lstat(config.data_dir / "local.db").st_mode) == 0o600


# -- binding to another address ------------------------------------------------------------

def test_binding_beyond_loopback_says_what_it_exposes(tmp_path):
    config = make_config(tmp_path / "app", local={"bind": "0.0.0.0"})
    with LocalApp(config, schedule_interval=3600) as running:
        running.wait_for_stderr(r"Runtime APIs stay on 127\.0\.0\.1")
        stderr = running.stderr
        assert "[local] bind is 0.0.0.0, not a loopback address" in stderr, stderr
        assert re.search(r"the page and its WebSocket, port \d+", stderr), stderr
        assert f"the local AWS endpoint, port {config.aws_port}: only requests signed" in stderr
        assert re.search(r"redis-server, port \d+: TLS, and this run's password", stderr), stderr
        assert "Runtime APIs stay on 127.0.0.1" in stderr, stderr
        address = handler_environment(running)["AWS_LAMBDA_RUNTIME_API"]
        assert address.startswith("127.0.0.1:"), address
        port = int(address.rsplit(":", 1)[1])
        listening = [line.split()[1] for line in open("/proc/net/tcp").read().splitlines()[1:]
                     if line.split()[3] == "0A"]
        assert f"0100007F:{port:04X}" in listening and f"00000000:{port:04X}" not in listening


def test_loopback_says_nothing_of_exposure(app):
    assert "not a loopback address" not in app.stderr
