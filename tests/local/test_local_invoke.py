"""Lambda's Invoke on scribblectl local's AWS endpoint (docs/local.md), driven by boto3.

Every function of the app answers Invoke by the name `up` gives it
(<stack>-<handler>-function), by its full ARN or a partial one, synchronously:
the function's answer as the Payload, or, when it fails, FunctionError
"Unhandled" and the error document it posted. What Lambda refuses is refused
in its rest-json error shape, as botocore reads it. A client that leaves
before its answer leaves the app serving. (Bad signatures: local_auth, with the other services.)

The schedules are an hour apart, and no page connects, so nothing but these
tests invokes a function and nothing loads the canvas behind their backs.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import urllib.parse

import botocore
import botocore.auth
import botocore.awsrequest
import botocore.credentials
import botocore.exceptions
import pytest

from local_app import LocalApp, make_config, proc_environ

ACCOUNT = "000000000000"  # the local account (local/local_app.c), as in every local ARN
MAX_REQUEST_PAYLOAD = 6 * 1024 * 1024  # Lambda's synchronous request limit, in bytes


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    config = make_config(tmp_path_factory.mktemp("invoke"))
    with LocalApp(config, schedule_interval=3600) as running:
        yield running


def function_name(app, handler: str) -> str:
    return f"{app.config.stack}-{handler}-function"


def function_arn(app, handler: str) -> str:
    return f"arn:aws:lambda:{app.config.region}:{ACCOUNT}:function:{function_name(app, handler)}"


def invoke(app, function: str, payload: bytes | None = None, **kwargs) -> tuple[dict, object]:
    """Invoke through boto3: (the response, its Payload decoded from JSON)."""
    if payload is not None:
        kwargs["Payload"] = payload
    response = app.client("lambda").invoke(FunctionName=function, **kwargs)
    return response, json.loads(response["Payload"].read())


def refusal(app, function: str, **kwargs) -> tuple[str, int, str]:
    """What Invoke refused with: (code, HTTP status, message)."""
    client = app.client("lambda", **kwargs.pop("client", {}))
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        client.invoke(FunctionName=function, **kwargs)
    response = excinfo.value.response
    return (response["Error"].get("Code"), response["ResponseMetadata"]["HTTPStatusCode"],
            response["Error"].get("Message", ""))


# -- invoking --------------------------------------------------------------------------------

def test_invoke_by_name_full_arn_and_partial_arn(app):
    """save, by name before the canvas is loaded, skips; snapshot, by its ARN, loads
    and answers its seq; save, by partial ARN, then saves. Each answer is the
    handler's own, so each invocation reached the function it named. (The first
    test of the module: nothing has loaded the canvas before it.)"""
    response, answer = invoke(app, function_name(app, "save"))  # no payload: the event is {}
    assert response["StatusCode"] == 200, response
    assert response["ExecutedVersion"] == "$LATEST", response
    assert "FunctionError" not in response, (response, answer)
    assert answer == {"skipped": "the canvas is not loaded yet"}, answer

    response, answer = invoke(app, function_arn(app, "snapshot"), b"{}")
    assert response["StatusCode"] == 200 and "FunctionError" not in response, (response, answer)
    assert isinstance(answer, dict) and isinstance(answer.get("seq"), int), answer

    partial = f"{ACCOUNT}:function:{function_name(app, 'save')}"
    response, answer = invoke(app, partial, b'{"source": "pytest"}', Qualifier="$LATEST")
    assert response["StatusCode"] == 200 and "FunctionError" not in response, (response, answer)
    assert isinstance(answer, dict) and isinstance(answer.get("placements"), int), answer


def test_a_failing_function_answers_its_error(app):
    """send, given an event that is not API Gateway's, fails: status 200 all the
    same, FunctionError Unhandled, and the error document the handler posted."""
    response, answer = invoke(app, function_name(app, "send"), b"{}")
    assert response["StatusCode"] == 200, response
    assert response["FunctionError"] == "Unhandled", response
    assert response["ExecutedVersion"] == "$LATEST", response
    assert answer["errorType"] == "InvalidEvent", answer
    assert answer["errorMessage"] == "the event has no valid requestContext.connectionId", answer


def test_every_function_is_reached(app):
    """Every handler the app runs (each handler process's _HANDLER) answers Invoke by
    the name `up` gives its function: given {} rather than the event its trigger
    sends, a route's or a queue's handler fails with its error document, and the
    scheduled ones answer."""
    handlers = sorted({proc_environ(p.pid).get("_HANDLER") for p in app.alive_of_it()} - {None})
    described = {"connect", "disconnect", "send", "broadcast", "catchup", "snapshot", "save",
                 "figures"}
    assert described <= set(handlers), handlers
    for handler in handlers:
        response, answer = invoke(app, function_name(app, handler), b"{}")
        assert response["StatusCode"] == 200, (handler, response)
        assert response["ExecutedVersion"] == "$LATEST", (handler, response)
        if handler in ("connect", "disconnect", "send", "broadcast", "catchup"):
            assert response.get("FunctionError") == "Unhandled", (handler, response)
            assert answer["errorType"] == "InvalidEvent", (handler, answer)
        elif handler in ("snapshot", "save"):  # a schedule's event carries nothing they read
            assert "FunctionError" not in response, (handler, answer)
        elif handler == "figures":  # what scribblectl status invokes: it reads no event
            assert "FunctionError" not in response and "connections" in answer, (handler, answer)
        else:
            raise AssertionError(f"a handler this test does not know: {handler}")


def invocations(app, handler: str) -> int:
    """How many invocations the handler has logged (one summary line, with its outcome, each)."""
    path = app.config.data_dir / "logs" / f"{handler}.log"
    lines = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return sum(1 for line in lines if line.get("handler") == handler and "outcome" in line)


def test_each_request_invokes_once(app):
    """A request without a payload (libwebsockets hands such a POST on twice) invokes
    the function once, as one with a payload does. A function runs one invocation at
    a time, in order, so when the second answer comes every earlier one has run."""
    before = invocations(app, "save")
    invoke(app, function_name(app, "save"))
    invoke(app, function_name(app, "save"), b"{}")
    ran = invocations(app, "save") - before
    assert ran == 2, f"two requests invoked save {ran} times"


# -- what Invoke refuses ---------------------------------------------------------------------

def test_an_unknown_function_is_not_found(app):
    for given, arn in [
        (function_name(app, "nosuch"), function_arn(app, "nosuch")),
        ("send", f"arn:aws:lambda:{app.config.region}:{ACCOUNT}:function:send"),  # not `up`'s name
        (function_arn(app, "send").replace(app.config.region, "us-west-1"),
         function_arn(app, "send").replace(app.config.region, "us-west-1")),
        (f"123456789012:function:{function_name(app, 'send')}",
         f"arn:aws:lambda:{app.config.region}:123456789012:function:{function_name(app, 'send')}"),
    ]:
        code, status, message = refusal(app, given)
        assert (code, status) == ("ResourceNotFoundException", 404), (given, code, status, message)
        assert message == f"Function not found: {arn}", (given, message)


def test_only_latest_is_served(app):
    code, status, message = refusal(app, function_name(app, "send"), Qualifier="1")
    assert (code, status) == ("ResourceNotFoundException", 404), (code, status, message)
    assert message == f"Function not found: {function_arn(app, 'send')}:1", message
    code, status, _ = refusal(app, function_name(app, "send") + ":live")
    assert (code, status) == ("ResourceNotFoundException", 404)
    code, status, _ = refusal(app, function_name(app, "send") + ":$LATEST", Qualifier="2")
    assert (code, status) == ("InvalidParameterValueException", 400)


def test_only_synchronous_invocations(app):
    for invocation_type in ("Event", "DryRun"):
        code, status, message = refusal(app, function_name(app, "send"),
                                        InvocationType=invocation_type)
        assert (code, status) == ("InvalidParameterValueException", 400), (invocation_type, message)
    code, status, message = refusal(app, function_name(app, "send"), InvocationType="Sometime")
    assert (code, status) == ("ValidationException", 400), message
    assert "Sometime" in message and "invocationType" in message, message
    response, _ = invoke(app, function_name(app, "send"), b"{}", InvocationType="RequestResponse")
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled", response


def test_payload_is_json_within_the_limit(app):
    code, status, message = refusal(app, function_name(app, "send"), Payload=b"not json")
    assert (code, status) == ("InvalidRequestContentException", 400), message
    code, status, message = refusal(app, function_name(app, "send"),
                                    Payload=b'"' + b"a" * MAX_REQUEST_PAYLOAD + b'"')
    assert (code, status) == ("RequestEntityTooLargeException", 413), message
    assert str(MAX_REQUEST_PAYLOAD) in message, message
    # Up to the limit is served (and refused by send itself, not being its event).
    response, answer = invoke(app, function_name(app, "send"),
                              b'"' + b"a" * (MAX_REQUEST_PAYLOAD - 2) + b'"')
    assert response["FunctionError"] == "Unhandled", response
    assert answer["errorType"] == "InvalidEvent", answer


def test_a_bad_name_is_invalid(app):
    code, status, message = refusal(app, "no spaces allowed")
    assert (code, status) == ("ValidationException", 400), message
    assert "functionName" in message, message


def test_a_signature_for_another_service_is_refused(app):
    """A request signed for S3's scope is not Lambda's, however good its signature."""
    head, body = signed_request(app, function_name(app, "save"), b"{}", service="s3")
    status, headers, answer = exchange(app, head + body)
    assert status == 403, (status, answer)
    assert headers.get("x-amzn-errortype") == "InvalidSignatureException", headers


# -- a client that leaves --------------------------------------------------------------------

def signed_request(app, function: str, payload: bytes,
                   service: str = "lambda") -> tuple[bytes, bytes]:
    """A whole Invoke request (head, body), signed with the run's credentials."""
    port = app.config.aws_port
    path = f"/2015-03-31/functions/{urllib.parse.quote(function, safe='')}/invocations"
    request = botocore.awsrequest.AWSRequest(method="POST", url=f"http://127.0.0.1:{port}{path}",
                                             data=payload)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(*app.credentials()), service,
                            app.config.region).add_auth(request)
    lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{name}: {value}" for name, value in request.headers.items()]
    lines += [f"Content-Length: {len(payload)}", "", ""]
    return "\r\n".join(lines).encode(), payload


def exchange(app, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Sends a raw request; (status, headers with lower-case names, body) of the answer."""
    with socket.create_connection(("127.0.0.1", app.config.aws_port), timeout=30) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = (line.partition(":") for line in lines[1:])
    headers = {name.strip().lower(): value.strip() for name, _, value in fields}
    return int(lines[0].split()[1]), headers, body


def handler_pid(app, handler: str) -> int:
    pids = [p.pid for p in app.alive_of_it() if proc_environ(p.pid).get("_HANDLER") == handler]
    assert len(pids) == 1, f"{handler}'s processes: {pids}\n{app.output_tail()}"
    return pids[0]


@contextlib.contextmanager
def stopped(pid: int):
    """The process stopped (SIGSTOP) for the block, and continued after it, whatever happens."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def test_an_abandoned_invocation_leaves_the_app_serving(app):
    """A client leaves while its invocation is held: send's process is stopped, so
    the invocation cannot end before the client has gone. The endpoint closes
    that connection without an answer; when send, continued, answers, the answer
    is dropped; the next invocation (queued behind it: one at a time) is served."""
    head, body = signed_request(app, function_name(app, "send"), b"{}")
    with stopped(handler_pid(app, "send")):
        with socket.create_connection(("127.0.0.1", app.config.aws_port), timeout=30) as s:
            s.sendall(head + body)
            s.shutdown(socket.SHUT_WR)  # the client is gone: nothing more comes from it
            got = s.recv(65536)
        assert got == b"", f"an answer came while send was stopped: {got[:300]!r}"
    assert app.running, app.output_tail()
    response, answer = invoke(app, function_name(app, "send"), b"{}")
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled", response
    assert answer["errorType"] == "InvalidEvent", answer
    response, answer = invoke(app, function_name(app, "save"))
    assert response["StatusCode"] == 200 and "FunctionError" not in response, (response, answer)
    assert app.running, app.output_tail()


def test_a_raw_request_is_answered_as_boto3_reads_it(app):
    status, headers, body = exchange(app, b"".join(signed_request(app, function_name(app, "send"),
                                                                  b"{}")))
    assert status == 200, (status, body)
    assert headers.get("x-amz-function-error") == "Unhandled", headers
    assert headers.get("x-amz-executed-version") == "$LATEST", headers
    assert headers.get("content-type", "").startswith("application/json"), headers
    assert json.loads(body)["errorType"] == "InvalidEvent", body
