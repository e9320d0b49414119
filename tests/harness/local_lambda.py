"""A local Lambda for the handler binary: the tests' stand-in for the Lambda service.

LocalFunction runs `processes` copies of the runtime binary (scribble-handler)
as Lambda runs execution environments, each with the environment Lambda gives
a provided.al2023 function and its own Runtime API (2018-06-01) on a loopback
port the OS gives. All of them take invocations from one shared queue, so
concurrent invoke() calls are served concurrently, as Lambda scales out; an
environment's own port tells which process took which invocation.

invoke() never hangs on a broken function: an init error, a process exiting
(during an invocation, or all of them) or the timeout raises FunctionError
with the processes' log and stderr tails. Each process's stdout is its log,
one JSON object per line; stdout and stderr are read continuously so their
pipes never fill. On exit the processes are stopped (SIGTERM, then SIGKILL),
and a sanitizer report on stderr or a stdout line that is not JSON fails the
test.

Event builders give the events Lambda's sources send (API Gateway WebSocket,
SQS, EventBridge Scheduler); pump_queue plays an SQS event source mapping.
"""

from __future__ import annotations

import base64
import json
import os
import pathlib
import secrets
import signal
import subprocess
import threading
import time
import urllib.parse
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol

RUNTIME_API_PREFIX = "/2018-06-01/runtime"
STOP_DEADLINE_SECONDS = 5.0
TAIL_LINES = 20
TAIL_CHARS = 4000
# What ASan and UBSan print; either on a process's stderr fails the test.
SANITIZER_MARKERS = ("Sanitizer", "runtime error:")
# Variables from the test's own environment that reach the processes even
# when the caller's env omits them: the sanitizers' settings.
PASSED_THROUGH = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")

# The least every handler needs to start (runtime/settings.h): a stack, a cache
# endpoint (nothing listens on port 1; handlers connect only when invoked) and
# a canvas. For tests of the runtime's start-up and its Runtime API use.
STARTUP_SETTINGS = {
    "SCRIBBLE_STACK": "test",
    "SCRIBBLE_CACHE_ENDPOINT": "127.0.0.1:1",
    "SCRIBBLE_CANVAS_WIDTH": "8",
    "SCRIBBLE_CANVAS_HEIGHT": "8",
    "SCRIBBLE_CANVAS_DEPTH": "1",
}


class FunctionError(RuntimeError):
    """The function could not answer an invocation: init error, exit or timeout."""


class InvocationTimeout(FunctionError):
    """No process answered the invocation in time."""


class BatchFailed(RuntimeError):
    """pump_queue: the function failed a batch; none of its messages were deleted."""

    def __init__(self, message: str, result: Any):
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class Result:
    """The outcome of one invocation, as the Runtime API received it."""

    ok: bool                   # posted to .../response (False: .../error)
    payload: Any               # the body parsed as JSON; None if empty or not JSON
    raw: str                   # the body as posted
    error_type: str | None     # errorType of an error (or its Lambda-Runtime-Function-Error-Type)
    error_message: str | None  # errorMessage of an error
    request_id: str
    pid: int                   # the process that answered


def default_binary() -> pathlib.Path:
    """The host build of the runtime, beside the scribblectl that ctest names."""
    scribblectl = os.environ.get("SCRIBBLECTL")
    if not scribblectl:
        raise RuntimeError("SCRIBBLECTL is not set: run under ctest, or set it to the built "
                           "scribblectl (the handler binary is beside it)")
    return pathlib.Path(scribblectl).parent / "scribble-handler"


# -- the function ---------------------------------------------------------------------
@dataclass
class _Invocation:
    request_id: str
    body: str
    deadline_ms: int
    trace_id: str
    pid: int | None = None         # the process that took it
    result: Result | None = None
    failure: str | None = None     # why it can never get a result


@dataclass
class FunctionProcess:
    """One execution environment: the process and its own Runtime API server."""

    index: int
    server: ThreadingHTTPServer
    popen: subprocess.Popen[bytes] | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)  # its parsed stdout lines
    bad_lines: list[str] = field(default_factory=list)        # stdout lines that are not JSON
    stderr_chunks: list[str] = field(default_factory=list)
    asked: bool = False     # it has asked for an invocation at least once
    exited: bool = False    # it exited and both its pipes are drained
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    @property
    def address(self) -> str:
        host, port = self.server.server_address[:2]
        return f"{host}:{port}"

    @property
    def stderr(self) -> str:
        return "".join(self.stderr_chunks)

    @property
    def returncode(self) -> int | None:
        return None if self.popen is None else self.popen.poll()


class LocalFunction:
    """`processes` copies of the handler binary behind one invocation queue; a context manager.

    handler is _HANDLER (None leaves it unset); env is the whole environment
    the processes get (local_aws.env(...) gives one), to which Lambda's own
    variables are added.
    """

    def __init__(self, handler: str | None, env: dict[str, str],
                 binary: str | os.PathLike[str] | None = None, processes: int = 1,
                 name: str | None = None, stop_timeout: float = STOP_DEADLINE_SECONDS):
        if processes < 1:
            raise ValueError(f"processes must be at least 1, not {processes}")
        self.handler = handler
        self.name = name or f"scribble-{handler or 'function'}"
        self.binary = pathlib.Path(binary) if binary is not None else default_binary()
        self.region = env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
        self.function_arn = f"arn:aws:lambda:{self.region}:123456789012:function:{self.name}"
        self._env = dict(env)
        self._count = processes
        self._stop_timeout = stop_timeout
        self._cond = threading.Condition()
        self._pending: deque[_Invocation] = deque()
        self._by_id: dict[str, _Invocation] = {}
        self._init_error: tuple[int, str] | None = None  # (pid, the posted document)
        self._stopping = False
        self._log: list[dict[str, Any]] = []  # every process's log lines, in arrival order
        self.processes: list[FunctionProcess] = []

    # -- lifecycle --------------------------------------------------------------------
    def __enter__(self) -> LocalFunction:
        if not self.binary.is_file():
            raise FileNotFoundError(f"{self.binary} is missing: cmake --build builds it")
        try:
            for index in range(self._count):
                process = FunctionProcess(index, self._make_server())
                process.server.function_process = process  # type: ignore[attr-defined]
                thread = threading.Thread(target=process.server.serve_forever, args=(0.05,),
                                          name=f"runtime-api-{index}", daemon=True)
                thread.start()
                process.threads.append(thread)
                self.processes.append(process)
            for process in self.processes:
                self._start(process)
            return self
        except BaseException:
            self._stop()
            raise

    def __exit__(self, *_: Any) -> None:
        self._stop()
        problems = []
        for process in self.processes:
            stderr = process.stderr
            if any(marker in stderr for marker in SANITIZER_MARKERS):
                problems.append(f"process {process.pid} reported a sanitizer error:\n{stderr}")
            if process.bad_lines:
                problems.append(f"process {process.pid} wrote stdout lines that are not JSON: "
                                f"{process.bad_lines[:TAIL_LINES]}")
        if problems:
            raise AssertionError("\n".join(problems))

    def _start(self, process: FunctionProcess) -> None:
        env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
        env["PATH"] = os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin")
        env.update(self._env)
        # What Lambda sets in a provided.al2023 execution environment (it sets
        # no AWS_EXECUTION_ENV for OS-only runtimes).
        today = datetime.now(timezone.utc).strftime("%Y/%m/%d")
        env.setdefault("AWS_REGION", self.region)
        env.setdefault("AWS_DEFAULT_REGION", self.region)
        env.update(
            AWS_LAMBDA_RUNTIME_API=process.address,
            AWS_LAMBDA_FUNCTION_NAME=self.name,
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE="128",
            AWS_LAMBDA_LOG_GROUP_NAME=f"/aws/lambda/{self.name}",
            AWS_LAMBDA_LOG_STREAM_NAME=f"{today}/[$LATEST]{secrets.token_hex(16)}",
            AWS_LAMBDA_INITIALIZATION_TYPE="on-demand",
            LAMBDA_TASK_ROOT=str(self.binary.parent),
            TZ=":UTC",
        )
        if self.handler is not None:
            env["_HANDLER"] = self.handler
        else:
            env.pop("_HANDLER", None)
        process.popen = subprocess.Popen([str(self.binary)], env=env, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        stderr_reader = threading.Thread(target=self._read_stderr, args=(process,),
                                         name=f"stderr-{process.pid}", daemon=True)
        stdout_reader = threading.Thread(target=self._read_stdout, args=(process, stderr_reader),
                                         name=f"stdout-{process.pid}", daemon=True)
        process.threads += [stderr_reader, stdout_reader]
        stderr_reader.start()
        stdout_reader.start()

    def _stop(self) -> None:
        running = [p for p in self.processes if p.popen is not None and p.popen.poll() is None]
        for process in running:
            process.popen.send_signal(signal.SIGTERM)  # type: ignore[union-attr]
        deadline = time.monotonic() + self._stop_timeout
        for process in running:
            try:
                process.popen.wait(max(0.0, deadline - time.monotonic()))  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                process.popen.kill()  # type: ignore[union-attr]
                process.popen.wait()  # type: ignore[union-attr]
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for process in self.processes:
            process.server.shutdown()
            process.server.server_close()
        for process in self.processes:
            for thread in process.threads:
                thread.join(timeout=10)
            for pipe in (process.popen.stdout, process.popen.stderr) if process.popen else ():
                if pipe is not None:
                    pipe.close()

    # -- reading the processes' output -----------------------------------------------
    def _read_stderr(self, process: FunctionProcess) -> None:
        assert process.popen is not None and process.popen.stderr is not None
        for line in iter(process.popen.stderr.readline, b""):
            process.stderr_chunks.append(line.decode(errors="replace"))

    def _read_stdout(self, process: FunctionProcess, stderr_reader: threading.Thread) -> None:
        assert process.popen is not None and process.popen.stdout is not None
        for raw in iter(process.popen.stdout.readline, b""):
            text = raw.decode(errors="replace").rstrip("\n")
            try:
                line = json.loads(text)
                if not isinstance(line, dict):
                    raise ValueError("not an object")
            except ValueError:
                with self._cond:
                    process.bad_lines.append(text)
                continue
            with self._cond:
                process.logs.append(line)
                self._log.append(line)
                self._cond.notify_all()
        # stdout is closed: the process is ending. Once stderr is drained too,
        # whatever it was doing can never be answered.
        stderr_reader.join()
        code = process.popen.wait()
        with self._cond:
            process.exited = True
            for invocation in self._by_id.values():
                if invocation.pid == process.pid and invocation.result is None:
                    invocation.failure = (f"process {process.pid} exited ({_exit_status(code)}) "
                                          f"during invocation {invocation.request_id}")
            self._cond.notify_all()

    # -- the Runtime API --------------------------------------------------------------
    def _make_server(self) -> ThreadingHTTPServer:
        function = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            @property
            def process(self) -> FunctionProcess:
                return self.server.function_process  # type: ignore[attr-defined,no-any-return]

            def _body(self) -> str:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length).decode(errors="replace") if length else ""

            def _answer(self, status: int, document: Any,
                        headers: tuple[tuple[str, str], ...] = (), raw: str | None = None) -> None:
                data = (raw if raw is not None else json.dumps(document)).encode()
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path != f"{RUNTIME_API_PREFIX}/invocation/next":
                    self._answer(404, {"errorMessage": f"no such path: {self.path}",
                                       "errorType": "NotFound"})
                    return
                invocation = function._next_invocation(self.process)
                if invocation is None:
                    self.close_connection = True  # stopping: drop the long poll unanswered
                    return
                self._answer(200, None, raw=invocation.body, headers=(
                    ("Lambda-Runtime-Aws-Request-Id", invocation.request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms)),
                    ("Lambda-Runtime-Invoked-Function-Arn", function.function_arn),
                    ("Lambda-Runtime-Trace-Id", invocation.trace_id),
                ))

            def do_POST(self) -> None:
                body = self._body()
                path = self.path
                if path == f"{RUNTIME_API_PREFIX}/init/error":
                    function._init_failed(self.process, body)
                    self._answer(202, {"status": "OK"})
                    return
                prefix = f"{RUNTIME_API_PREFIX}/invocation/"
                request_id, _, outcome = path[len(prefix):].rpartition("/")
                if not path.startswith(prefix) or outcome not in ("response", "error"):
                    self._answer(404, {"errorMessage": f"no such path: {path}",
                                       "errorType": "NotFound"})
                    return
                error_type = self.headers.get("Lambda-Runtime-Function-Error-Type")
                refusal = function._complete(self.process, urllib.parse.unquote(request_id),
                                             outcome == "response", body, error_type)
                if refusal is not None:
                    self._answer(400, {"errorMessage": refusal, "errorType": "InvalidRequestID"})
                    return
                self._answer(202, {"status": "OK"})

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # a process killed mid-exchange is expected when the function stops

        return Server(("127.0.0.1", 0), Handler)

    def _next_invocation(self, process: FunctionProcess) -> _Invocation | None:
        with self._cond:
            process.asked = True
            self._cond.notify_all()
            while not self._pending and not self._stopping:
                self._cond.wait()
            if self._stopping:
                return None
            invocation = self._pending.popleft()
            invocation.pid = process.pid
            self._by_id[invocation.request_id] = invocation
            return invocation

    def _init_failed(self, process: FunctionProcess, body: str) -> None:
        with self._cond:
            if self._init_error is None:
                self._init_error = (process.pid, body)
            self._cond.notify_all()

    def _complete(self, process: FunctionProcess, request_id: str, ok: bool, body: str,
                  error_type_header: str | None) -> str | None:
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = None
        error_type = error_message = None
        if not ok:
            document = payload if isinstance(payload, dict) else {}
            error_type = document.get("errorType") or error_type_header
            error_message = document.get("errorMessage")
        with self._cond:
            invocation = self._by_id.get(request_id)
            if invocation is None or invocation.pid != process.pid:
                return f"no invocation {request_id} was given to this process"
            if invocation.result is not None:
                return f"invocation {request_id} already has an outcome"
            invocation.result = Result(ok, payload, body, error_type, error_message,
                                       request_id, process.pid)
            self._cond.notify_all()
        return None

    # -- use --------------------------------------------------------------------------
    def invoke(self, event: dict[str, Any] | list[Any] | str, timeout: float = 30) -> Result:
        """Invoke the function (RequestResponse) and wait for its outcome; thread-safe.

        Raises FunctionError when it can never answer (an init error, the
        process exited, every process exited) and InvocationTimeout after
        `timeout` seconds, each with the processes' log and stderr tails.
        """
        body = event if isinstance(event, str) else json.dumps(event)
        invocation = _Invocation(
            request_id=str(uuid.uuid4()), body=body,
            deadline_ms=int(time.time() * 1000 + timeout * 1000), trace_id=_trace_id())
        deadline = time.monotonic() + timeout
        with self._cond:
            if not self.processes:
                raise RuntimeError("use LocalFunction as a context manager")
            self._pending.append(invocation)
            self._cond.notify_all()
            while True:
                if invocation.result is not None:
                    return invocation.result
                problem = invocation.failure or self._unusable()
                if problem is None and time.monotonic() >= deadline:
                    problem = f"no answer to invocation {invocation.request_id} within {timeout} s"
                if problem is not None:
                    if invocation in self._pending:
                        self._pending.remove(invocation)
                    break
                self._cond.wait(max(0.0, deadline - time.monotonic()))
        error = InvocationTimeout if problem.startswith("no answer") else FunctionError
        raise error(f"{self.name}: {problem}\n{self.describe()}")

    def _unusable(self) -> str | None:
        """Why no invocation can be answered any more, or None. Called under the lock."""
        if self._init_error is not None:
            pid, document = self._init_error
            return f"process {pid} reported an initialisation error: {document}"
        if self._stopping:
            return "the function is stopping"
        if all(p.exited for p in self.processes):
            return "every process has exited"
        return None

    def wait_ready(self, timeout: float = 30) -> None:
        """Wait until every process has initialised and asked for an invocation."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not all(p.asked for p in self.processes):
                problem = self._unusable()
                if problem is None and time.monotonic() >= deadline:
                    problem = f"not every process asked for an invocation within {timeout} s"
                if problem is not None:
                    break
                self._cond.wait(max(0.0, deadline - time.monotonic()))
            else:
                return
        raise FunctionError(f"{self.name}: {problem}\n{self.describe()}")

    def alive(self) -> bool:
        """True while every process still runs."""
        return bool(self.processes) and all(p.returncode is None for p in self.processes)

    def wait_for_log(self, predicate: Any, timeout: float = 30) -> dict[str, Any]:
        """The first log line (of any process) for which predicate(line) is true, waiting for it.

        Lines are read from the pipes as they come, so one written just before
        an invocation's answer may be read just after invoke() returns.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self._log:
                    if predicate(line):
                        return line
                remaining = deadline - time.monotonic()
                if remaining <= 0 or all(p.exited for p in self.processes):
                    break
                self._cond.wait(remaining)
        raise AssertionError(f"{self.name}: no such log line within {timeout} s\n{self.describe()}")

    @property
    def logs(self) -> list[dict[str, Any]]:
        """Every process's log lines (stdout, one JSON object a line), in arrival order.

        Lines are read as they come (see wait_for_log); once the function has
        exited, every line is here. A stdout line that is not a JSON object
        fails here (and on exit).
        """
        with self._cond:
            bad = [(p.pid, line) for p in self.processes for line in p.bad_lines]
            if bad:
                raise AssertionError(f"stdout lines that are not JSON objects: {bad[:TAIL_LINES]}")
            return list(self._log)

    @property
    def stderr(self) -> str:
        """Every process's stderr; with several processes, each under a header naming it."""
        if len(self.processes) == 1:
            return self.processes[0].stderr
        return "".join(f"--- process {p.pid} ---\n{p.stderr}" for p in self.processes)

    def describe(self) -> str:
        """Each process's state and the tails of its log and stderr, for failure messages."""
        parts = []
        for p in self.processes:
            state = "running" if p.returncode is None else _exit_status(p.returncode)
            lines = [json.dumps(line) for line in p.logs[-TAIL_LINES:]]
            lines += [f"(not JSON) {line}" for line in p.bad_lines[-TAIL_LINES:]]
            parts.append(f"--- process {p.pid if p.popen else '(not started)'}: {state}\n"
                         f"log tail:\n" + "\n".join(lines) +
                         f"\nstderr tail:\n{p.stderr[-TAIL_CHARS:]}")
        return "\n".join(parts)


def _exit_status(code: int) -> str:
    if code < 0:
        return f"killed by {signal.Signals(-code).name}"
    return f"exit code {code}"


def _trace_id() -> str:
    # X-Ray's header: a Root of version, epoch seconds in hex and 96 random bits.
    return (f"Root=1-{int(time.time()):08x}-{secrets.token_hex(12)};"
            f"Parent={secrets.token_hex(8)};Sampled=0")


# -- events ---------------------------------------------------------------------------
WEBSOCKET_EVENT_TYPES = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}


def _api_gateway_id() -> str:
    # API Gateway's connection, request and message ids: 12 random bytes, base64.
    return base64.b64encode(secrets.token_bytes(12)).decode()


def websocket_event(route_key: str, connection_id: str, body: Any = None,
                    query: dict[str, str | list[str]] | None = None, stage: str = "prod",
                    domain: str = "example.execute-api.us-east-1.amazonaws.com",
                    source_ip: str = "127.0.0.1", connected_at: int | None = None
                    ) -> dict[str, Any]:
    """What API Gateway sends a WebSocket route's Lambda proxy integration.

    route_key "$connect" and "$disconnect" give those events; any other is a
    MESSAGE on that route, whose body (a string, or anything JSON-encodable)
    is sent as the frame's text. query is the $connect URL's query string; a
    list value is a repeated parameter (the single-value map keeps the last).
    """
    now = datetime.now(timezone.utc)
    now_ms = int(now.timestamp() * 1000)
    event_type = WEBSOCKET_EVENT_TYPES.get(route_key, "MESSAGE")
    request_id = _api_gateway_id()
    context: dict[str, Any] = {"routeKey": route_key, "eventType": event_type}
    if event_type == "MESSAGE":
        context["messageId"] = _api_gateway_id()
    context.update({
        "extendedRequestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "messageDirection": "IN",
        "stage": stage,
        "connectedAt": connected_at if connected_at is not None else now_ms,
        "requestTimeEpoch": now_ms,
        "identity": {"sourceIp": source_ip},
        "requestId": request_id,
        "domainName": domain,
        "connectionId": connection_id,
        "apiId": domain.split(".", 1)[0],
    })
    event: dict[str, Any] = {}
    if event_type == "CONNECT":
        context["identity"]["userAgent"] = "scribble-tests"
        headers = {
            "Host": domain,
            "Sec-WebSocket-Extensions": "permessage-deflate; client_max_window_bits",
            "Sec-WebSocket-Key": base64.b64encode(secrets.token_bytes(16)).decode(),
            "Sec-WebSocket-Version": "13",
            "User-Agent": "scribble-tests",
            "X-Amzn-Trace-Id": _trace_id().split(";", 1)[0],
            "X-Forwarded-For": source_ip,
            "X-Forwarded-Port": "443",
            "X-Forwarded-Proto": "https",
        }
        event["headers"] = headers
        event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
        if query:
            multi = {k: (list(v) if isinstance(v, (list, tuple)) else [v]) for k, v in query.items()}
            event["queryStringParameters"] = {k: v[-1] for k, v in multi.items()}
            event["multiValueQueryStringParameters"] = multi
    elif event_type == "DISCONNECT":
        headers = {"Host": domain, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
        event["headers"] = headers
        event["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
        context["disconnectStatusCode"] = 1000
        context["disconnectReason"] = ""
    event["requestContext"] = context
    if event_type == "MESSAGE":
        event["body"] = body if isinstance(body, str) else ("" if body is None else json.dumps(body))
    event["isBase64Encoded"] = False
    return event


# The system attributes Lambda copies into each record; the FIFO and tracing
# ones only when the message has them.
SQS_RECORD_ATTRIBUTES = ("ApproximateReceiveCount", "SentTimestamp", "SenderId",
                         "ApproximateFirstReceiveTimestamp")
SQS_OPTIONAL_ATTRIBUTES = ("SequenceNumber", "MessageGroupId", "MessageDeduplicationId",
                           "AWSTraceHeader", "DeadLetterQueueSourceArn")


def _lambda_message_attribute(value: dict[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
    attribute["stringListValues"] = list(value.get("StringListValues", []))
    attribute["binaryListValues"] = [base64.b64encode(v).decode()
                                     for v in value.get("BinaryListValues", [])]
    attribute["dataType"] = value["DataType"]
    return attribute


def sqs_event(messages: list[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """What an SQS event source mapping sends: one record per message of a boto3
    ReceiveMessage answer (received with all system and message attributes)."""
    records = []
    for message in messages:
        received = message.get("Attributes", {})
        missing = [name for name in SQS_RECORD_ATTRIBUTES if name not in received]
        if missing:
            raise ValueError(f"message {message.get('MessageId')} lacks {missing}: receive with "
                             "MessageSystemAttributeNames=['All']")
        attributes = {name: received[name] for name in SQS_RECORD_ATTRIBUTES}
        attributes.update((name, received[name]) for name in SQS_OPTIONAL_ATTRIBUTES
                          if name in received)
        record: dict[str, Any] = {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": attributes,
            "messageAttributes": {name: _lambda_message_attribute(value)
                                  for name, value in message.get("MessageAttributes", {}).items()},
            "md5OfBody": message["MD5OfBody"],
        }
        if "MD5OfMessageAttributes" in message:
            record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
        record.update(eventSource="aws:sqs", eventSourceARN=queue_arn, awsRegion=region)
        records.append(record)
    return {"Records": records}


def schedule_event() -> dict[str, Any]:
    """What EventBridge Scheduler sends a Lambda target that has no Input.

    AWS documents only that Scheduler then "delivers a default notification";
    its exact content is not documented. {} is what the console's default
    payload sends and what the handlers must accept; nothing should read it.
    """
    return {}


# -- the SQS event source mapping --------------------------------------------------------
class Invocable(Protocol):
    def invoke(self, event: dict[str, Any]) -> Any: ...


# Long enough that a message handed to the function cannot come back within
# one pump_queue call; failed messages are made visible again when it ends.
PUMP_VISIBILITY_TIMEOUT = 900


def pump_queue(sqs_client: Any, queue_url: str, function: Invocable, batch_size: int = 10) -> int:
    """Deliver the queue's messages to the function as Lambda's SQS event source mapping does.

    Receives up to batch_size messages at a time until the queue returns none,
    invokes the function with each batch, and deletes the batch's messages
    when the invocation succeeded, except those its answer names in
    {"batchItemFailures": [{"itemIdentifier": messageId}]} (ReportBatchItemFailures).
    A failed invocation, or an answer naming a message not in the batch, fails
    the whole batch: none of it is deleted and BatchFailed is raised. Each
    message is delivered at most once per call; messages not deleted are made
    visible again before returning or raising, so a later call redelivers them
    (with a higher ApproximateReceiveCount). Returns how many messages were
    handled (delivered and deleted).
    """
    if not 1 <= batch_size <= 10:
        raise ValueError(f"batch_size must be 1 to 10 (ReceiveMessage's limit), not {batch_size}")
    queue_arn = sqs_client.get_queue_attributes(
        QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    region = sqs_client.meta.region_name
    handled = 0
    kept: list[str] = []  # receipt handles of messages delivered but not deleted
    try:
        while True:
            messages = sqs_client.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=batch_size, WaitTimeSeconds=0,
                VisibilityTimeout=PUMP_VISIBILITY_TIMEOUT, MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"]).get("Messages", [])
            if not messages:
                return handled
            # Until deleted, a message is kept: made visible again at the end,
            # whether the function fails the batch, raises or reports it.
            kept += [m["ReceiptHandle"] for m in messages]
            result = function.invoke(sqs_event(messages, queue_arn, region))
            ids = {m["MessageId"] for m in messages}
            if not result.ok:
                raise BatchFailed(f"the function failed a batch of {len(messages)}: "
                                  f"{result.error_type}: {result.error_message}", result)
            failed = _batch_item_failures(result.payload)
            if failed is None or not failed <= ids:
                raise BatchFailed("the function's batchItemFailures name messages not in the "
                                  f"batch {sorted(ids)}: {result.raw}", result)
            done = [m for m in messages if m["MessageId"] not in failed]
            if done:
                answer = sqs_client.delete_message_batch(QueueUrl=queue_url, Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)])
                if answer.get("Failed"):
                    raise RuntimeError(f"DeleteMessageBatch failed: {answer['Failed']}")
                deleted = {m["ReceiptHandle"] for m in done}
                kept = [handle for handle in kept if handle not in deleted]
            handled += len(done)
    finally:
        for handle in kept:
            sqs_client.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle,
                                                 VisibilityTimeout=0)


def _batch_item_failures(payload: Any) -> set[str] | None:
    """The message ids an answer reports as failed; None if the report is malformed.

    As Lambda reads it: no answer, no batchItemFailures or an empty list is
    success; an entry without a non-empty itemIdentifier fails the batch.
    """
    if not isinstance(payload, dict) or payload.get("batchItemFailures") is None:
        return set()
    entries = payload["batchItemFailures"]
    if not isinstance(entries, list):
        return None
    failed = set()
    for entry in entries:
        identifier = entry.get("itemIdentifier") if isinstance(entry, dict) else None
        if not isinstance(identifier, str) or not identifier:
            return None
        failed.add(identifier)
    return failed
