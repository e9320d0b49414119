"""The local Lambda: the runtime binary behind LocalFunction, the event builders and pump_queue.

With the real binary, only what every handler does is relied on: a known
handler answers each invocation (ok or with an error), an unknown one
reports an init error and exits. What a broken runtime does (crash, hang,
sanitizer report, stray stdout) is played by a small Python runtime written
here, so the harness's own answers to it are what is tested.
"""

import base64
import hashlib
import json
import os
import signal
import socket
import sys
import threading

import pytest

from harness.local_lambda import (
    STARTUP_SETTINGS,
    BatchFailed,
    FunctionError,
    InvocationTimeout,
    LocalFunction,
    Result,
    default_binary,
    pump_queue,
    schedule_event,
    sqs_event,
    websocket_event,
)

SETTINGS = STARTUP_SETTINGS

PLACE = {"action": "sendMessage", "type": "place", "pixels": [[1, 1, 1]]}

# A runtime in Python, its behaviour chosen by FAKE_MODE:
#   echo            answers each invocation with what it received
#   error           answers each invocation with an error
#   ignore-sigterm  echo, but SIGTERM does nothing
#   sanitizer       echo, after printing a sanitizer report on stderr
#   not-json        echo, after printing a line that is not JSON on stdout
#   exit-in-invocation  exits (code 3) once it has an invocation
#   hang            takes an invocation and never answers
#   exit-at-start   prints to stderr and exits (code 2) before asking for work
FAKE_RUNTIME = r'''
import json, os, signal, sys, threading, urllib.request

api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime"
mode = os.environ.get("FAKE_MODE", "echo")


def log(message, **fields):
    print(json.dumps({"level": "INFO", "message": message, **fields}), flush=True)


if mode == "exit-at-start":
    sys.stderr.write("cannot start: no frobnicator\n")
    sys.exit(2)
if mode == "ignore-sigterm":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
if mode == "sanitizer":
    sys.stderr.write("==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n")
    sys.stderr.flush()
if mode == "not-json":
    print("hello, not JSON", flush=True)
log("started", pid=os.getpid())
while True:
    with urllib.request.urlopen(api + "/invocation/next") as answer:
        headers = dict(answer.headers.items())
        event = answer.read().decode()
    request_id = headers["Lambda-Runtime-Aws-Request-Id"]
    log("invoked", requestId=request_id)
    if mode == "exit-in-invocation":
        sys.exit(3)
    if mode == "hang":
        threading.Event().wait()
    names = ["AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_REGION", "_HANDLER",
             "AWS_LAMBDA_LOG_GROUP_NAME", "SCRIBBLE_STACK", "TZ"]
    if mode == "error":
        outcome, body = "error", {"errorType": "Fake.Failure", "errorMessage": "it failed",
                                   "stackTrace": []}
    else:
        outcome, body = "response", {"event": event, "headers": headers,
                                     "env": {name: os.environ.get(name) for name in names}}
    request = urllib.request.Request(f"{api}/invocation/{request_id}/{outcome}",
                                     data=json.dumps(body).encode(), method="POST",
                                     headers={"Lambda-Runtime-Function-Error-Type": "Fake.Failure"}
                                     if outcome == "error" else {})
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 202, answer.status
'''


@pytest.fixture
def fake_runtime(tmp_path):
    path = tmp_path / "fake-runtime"
    path.write_text(f"#!{sys.executable}\n{FAKE_RUNTIME}")
    path.chmod(0o755)
    return path


def fake(binary, mode, **kwargs):
    return LocalFunction("fake", {**SETTINGS, "FAKE_MODE": mode}, binary=binary, **kwargs)


def pid_gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# -- the real binary ------------------------------------------------------------------------
def test_binary_is_the_one_beside_scribblectl():
    assert default_binary().is_file(), f"{default_binary()} is missing: cmake --build builds it"


def test_unknown_handler_makes_invoke_raise_with_the_init_error():
    with LocalFunction("nosuch", SETTINGS) as function:
        with pytest.raises(FunctionError) as raised:
            function.invoke({})
        assert "Runtime.UnknownHandler" in str(raised.value), raised.value
        assert 'no handler named \\"nosuch\\"' in str(raised.value), raised.value
        # It exits after reporting; nothing is left to answer.
        function.processes[0].popen.wait(timeout=30)
        assert not function.alive()
        with pytest.raises(FunctionError, match="initialisation error"):
            function.invoke({})


def test_known_handler_answers_each_invocation_with_its_outcome():
    with LocalFunction("send", SETTINGS) as function:
        results = [function.invoke(websocket_event("sendMessage", "conn-1", body=PLACE)),
                   function.invoke(json.dumps({"not": "an event the handler takes"}))]
        assert function.alive()
        function.wait_for_log(lambda line: line.get("requestId") == results[1].request_id)
    # Every line is in once the function has exited.
    lines = function.logs
    pid = function.processes[0].pid
    for result in results:
        assert isinstance(result, Result)
        assert result.pid == pid
        assert json.loads(result.raw) == result.payload, result
        if result.ok:
            assert result.error_type is None, result
        else:
            assert result.error_type and result.error_type == result.payload["errorType"], result
            assert result.error_message == result.payload["errorMessage"], result
        # The runtime logged the invocation under the request id it was given.
        assert any(line.get("requestId") == result.request_id for line in lines), (result, lines)
    assert results[0].request_id != results[1].request_id


def test_two_processes_serve_concurrent_invocations():
    invocations = 16
    with LocalFunction("send", SETTINGS, processes=2) as function:
        function.wait_ready()
        pids = {p.pid for p in function.processes}
        assert len(pids) == 2
        barrier = threading.Barrier(invocations)
        results, errors = [], []

        def invoke(n):
            barrier.wait()
            try:
                results.append(function.invoke(
                    websocket_event("sendMessage", f"conn-{n}", body=PLACE)))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=invoke, args=(n,)) for n in range(invocations)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len({r.request_id for r in results}) == invocations
        assert {r.pid for r in results} == pids, [r.pid for r in results]
    # Each process's own stdout (complete once the function has exited) names
    # exactly the invocations the Runtime API says it was handed.
    for process in function.processes:
        served = {r.request_id for r in results if r.pid == process.pid}
        logged = {line["requestId"] for line in process.logs if "requestId" in line}
        assert logged == served, (process.pid, logged, served)


def test_exit_stops_every_process_and_runtime_api():
    with LocalFunction("send", SETTINGS, processes=2) as function:
        function.wait_ready()
        assert function.alive()
        pids = [p.pid for p in function.processes]
        addresses = [p.address for p in function.processes]
    assert all(pid_gone(pid) for pid in pids), pids
    assert not function.alive()
    for address in addresses:
        host, port = address.split(":")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, int(port)), timeout=5).close()


# -- the harness's protocol, against the Python runtime ---------------------------------------
def test_runtime_api_hands_out_lambdas_headers_and_environment(fake_runtime):
    with fake(fake_runtime, "echo") as function:
        result = function.invoke({"hello": "world"})
        address = function.processes[0].address
    assert result.ok and result.error_type is None, result
    answer = result.payload
    assert json.loads(answer["event"]) == {"hello": "world"}
    headers = answer["headers"]
    assert headers["Lambda-Runtime-Aws-Request-Id"] == result.request_id
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == function.function_arn
    assert function.function_arn.endswith(":function:scribble-fake")
    assert int(headers["Lambda-Runtime-Deadline-Ms"]) > 0
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-"), headers
    assert answer["env"] == {
        "AWS_LAMBDA_FUNCTION_NAME": "scribble-fake", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_REGION": "us-east-1", "_HANDLER": "fake",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/scribble-fake", "SCRIBBLE_STACK": "test",
        "TZ": ":UTC"}
    assert address.startswith("127.0.0.1:")


def test_an_error_outcome_is_a_result(fake_runtime):
    with fake(fake_runtime, "error") as function:
        result = function.invoke("{}")
    assert not result.ok
    assert (result.error_type, result.error_message) == ("Fake.Failure", "it failed"), result


def test_process_exiting_mid_invocation_raises_with_its_output(fake_runtime):
    with fake(fake_runtime, "exit-in-invocation") as function:
        with pytest.raises(FunctionError, match=r"exited \(exit code 3\) during invocation"):
            function.invoke({})


def test_every_process_exited_raises_with_stderr(fake_runtime):
    with fake(fake_runtime, "exit-at-start", processes=2) as function:
        with pytest.raises(FunctionError) as raised:
            function.invoke({})
    message = str(raised.value)
    assert "every process has exited" in message, message
    assert "cannot start: no frobnicator" in message, message


def test_no_answer_within_the_timeout_raises(fake_runtime):
    with fake(fake_runtime, "hang") as function:
        with pytest.raises(InvocationTimeout, match="no answer to invocation"):
            function.invoke({}, timeout=1)
        assert function.alive()


def test_process_ignoring_sigterm_is_killed(fake_runtime):
    with fake(fake_runtime, "ignore-sigterm", stop_timeout=1) as function:
        function.wait_ready()
        process = function.processes[0]
    assert process.popen.returncode == -signal.SIGKILL
    assert pid_gone(process.pid)


def test_sanitizer_report_fails_on_exit(fake_runtime):
    with pytest.raises(AssertionError, match="AddressSanitizer: heap-use-after-free"):
        with fake(fake_runtime, "sanitizer") as function:
            assert function.invoke({}).ok


def test_stdout_line_that_is_not_json_is_an_error(fake_runtime):
    with pytest.raises(AssertionError, match="hello, not JSON"):
        with fake(fake_runtime, "not-json") as function:
            # The stray line comes before this one, on the same pipe.
            function.wait_for_log(lambda line: line["message"] == "started")
            with pytest.raises(AssertionError, match="hello, not JSON"):
                function.logs  # noqa: B018 - the property is what is tested


def test_wait_for_log_fails_naming_the_processes(fake_runtime):
    with fake(fake_runtime, "echo") as function:
        assert function.wait_for_log(lambda line: line["message"] == "started")["pid"] == \
            function.processes[0].pid
        with pytest.raises(AssertionError, match=r"no such log line within 0.2 s(.|\n)*started"):
            function.wait_for_log(lambda line: line["message"] == "never", timeout=0.2)


# -- events ---------------------------------------------------------------------------------
CONTEXT_FIELDS = {"routeKey", "eventType", "extendedRequestId", "requestTime", "messageDirection",
                  "stage", "connectedAt", "requestTimeEpoch", "identity", "requestId",
                  "domainName", "connectionId", "apiId"}


def test_websocket_events_are_shaped_as_api_gateway_sends_them():
    connect = websocket_event("$connect", "AbC=", query={"since": "41"})
    context = connect["requestContext"]
    assert CONTEXT_FIELDS <= context.keys() and "messageId" not in context, connect
    assert (context["routeKey"], context["eventType"], context["messageDirection"]) == (
        "$connect", "CONNECT", "IN")
    assert (context["stage"], context["connectionId"], context["apiId"], context["domainName"]) == (
        "prod", "AbC=", "example", "example.execute-api.us-east-1.amazonaws.com")
    assert context["identity"]["sourceIp"]
    assert connect["queryStringParameters"] == {"since": "41"}
    assert connect["multiValueQueryStringParameters"] == {"since": ["41"]}
    assert connect["headers"]["Host"] == context["domainName"]
    assert connect["isBase64Encoded"] is False and "body" not in connect

    assert "queryStringParameters" not in websocket_event("$connect", "AbC=")

    disconnect = websocket_event("$disconnect", "AbC=", stage="dev")
    assert disconnect["requestContext"]["eventType"] == "DISCONNECT"
    assert disconnect["requestContext"]["stage"] == "dev"
    assert "body" not in disconnect

    message = websocket_event("sendMessage", "AbC=", body=PLACE)
    context = message["requestContext"]
    assert CONTEXT_FIELDS | {"messageId"} <= context.keys(), message
    assert (context["routeKey"], context["eventType"]) == ("sendMessage", "MESSAGE")
    assert json.loads(message["body"]) == PLACE and message["isBase64Encoded"] is False
    assert websocket_event("$default", "AbC=", body="raw text")["body"] == "raw text"
    assert isinstance(context["connectedAt"], int) and isinstance(context["requestTimeEpoch"], int)


def test_sqs_event_is_shaped_as_the_event_source_mapping_sends_it(local_aws):
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName="pixels")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.send_message(QueueUrl=url, MessageBody='{"seq":1}', MessageAttributes={
        "kind": {"DataType": "String", "StringValue": "pixels"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    received = sqs.receive_message(QueueUrl=url, MessageSystemAttributeNames=["All"],
                                   MessageAttributeNames=["All"])["Messages"]
    event = sqs_event(received, arn, local_aws.region)
    [record] = event["Records"]
    assert record["messageId"] == received[0]["MessageId"]
    assert record["receiptHandle"] == received[0]["ReceiptHandle"]
    assert record["body"] == '{"seq":1}'
    assert record["md5OfBody"] == hashlib.md5(b'{"seq":1}').hexdigest()
    assert set(record["attributes"]) == {"ApproximateReceiveCount", "SentTimestamp", "SenderId",
                                         "ApproximateFirstReceiveTimestamp"}, record
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"] == {
        "kind": {"stringValue": "pixels", "stringListValues": [], "binaryListValues": [],
                 "dataType": "String"},
        "blob": {"binaryValue": base64.b64encode(b"\x00\x01").decode(), "stringListValues": [],
                 "binaryListValues": [], "dataType": "Binary"}}
    assert (record["eventSource"], record["eventSourceARN"], record["awsRegion"]) == (
        "aws:sqs", arn, "us-east-1")
    json.dumps(event)  # what invoke sends


def test_schedule_event_is_json():
    assert json.loads(json.dumps(schedule_event())) == {}


# -- pump_queue -------------------------------------------------------------------------------
class StandIn:
    """Plays a function for pump_queue: records each event, answers as told."""

    def __init__(self, answer=lambda event: Result(True, None, "", None, None, "r", 0)):
        self.events = []
        self.answer = answer

    def invoke(self, event):
        self.events.append(event)
        return self.answer(event)


def make_queue(local_aws, count):
    sqs = local_aws.client("sqs")
    url = sqs.create_queue(QueueName="work")["QueueUrl"]
    for n in range(count):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"n": n}))
    return sqs, url


def queue_bodies(sqs, url):
    """Every body still in the queue (each received once, then made visible again)."""
    bodies, handles = [], []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10,
                                       VisibilityTimeout=60).get("Messages", [])
        if not messages:
            break
        bodies += [json.loads(m["Body"])["n"] for m in messages]
        handles += [m["ReceiptHandle"] for m in messages]
    for handle in handles:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    return sorted(bodies)


def test_pump_queue_delivers_in_batches_and_deletes_what_succeeded(local_aws):
    sqs, url = make_queue(local_aws, 25)
    function = StandIn()
    assert pump_queue(sqs, url, function, batch_size=10) == 25
    sizes = [len(event["Records"]) for event in function.events]
    assert sum(sizes) == 25 and max(sizes) <= 10, sizes
    delivered = sorted(json.loads(r["body"])["n"] for e in function.events for r in e["Records"])
    assert delivered == list(range(25))
    assert all(r["eventSource"] == "aws:sqs" for e in function.events for r in e["Records"])
    assert queue_bodies(sqs, url) == []
    assert pump_queue(sqs, url, StandIn()) == 0


def test_pump_queue_keeps_reported_batch_item_failures(local_aws):
    sqs, url = make_queue(local_aws, 6)

    def fail_odd(event):
        failures = [{"itemIdentifier": r["messageId"]} for r in event["Records"]
                    if json.loads(r["body"])["n"] % 2]
        payload = {"batchItemFailures": failures}
        return Result(True, payload, json.dumps(payload), None, None, "r", 0)

    function = StandIn(fail_odd)
    assert pump_queue(sqs, url, function) == 3
    assert len([r for e in function.events for r in e["Records"]]) == 6, "a message came twice"
    assert queue_bodies(sqs, url) == [1, 3, 5]
    # Visible again at once: the next pump redelivers them, received a second time.
    again = StandIn()
    assert pump_queue(sqs, url, again) == 3
    counts = [r["attributes"]["ApproximateReceiveCount"] for e in again.events for r in e["Records"]]
    assert counts and all(int(c) >= 2 for c in counts), counts


def test_pump_queue_raises_and_deletes_nothing_when_the_batch_fails(local_aws):
    sqs, url = make_queue(local_aws, 4)
    failing = StandIn(lambda event: Result(False, {"errorType": "Boom", "errorMessage": "no"},
                                           "{}", "Boom", "no", "r", 0))
    with pytest.raises(BatchFailed, match="Boom: no"):
        pump_queue(sqs, url, failing)
    assert queue_bodies(sqs, url) == [0, 1, 2, 3]

    def unknown_id(event):
        payload = {"batchItemFailures": [{"itemIdentifier": "not-in-the-batch"}]}
        return Result(True, payload, json.dumps(payload), None, None, "r", 0)

    with pytest.raises(BatchFailed, match="not in the batch"):
        pump_queue(sqs, url, StandIn(unknown_id))
    assert queue_bodies(sqs, url) == [0, 1, 2, 3]

    def raises(event):
        raise FunctionError("the function crashed")

    with pytest.raises(FunctionError):
        pump_queue(sqs, url, StandIn(raises))
    assert queue_bodies(sqs, url) == [0, 1, 2, 3]
