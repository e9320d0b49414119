"""A local stand-in for Lambda's Runtime API (2018-06-01), for tests that run
the runtime binary: test_runtime_api.py here and the package's chroot test in
tests/provision/test_package.py.

It hands out the invocations it was given, one per GET .../invocation/next;
once they are used up, a further GET blocks (as Lambda's long poll does)
until the server stops. Every request is recorded, in order, and a test waits
for the one it expects with `wait_for` (a queue, no sleeps). Answers follow
the Runtime API: 200 with the Lambda-Runtime-* headers for next, 202 for
response, error and init/error.
"""

import json
import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"


class Invocation:
    def __init__(self, request_id, event, trace_id=None, deadline_ms=None, function_arn=None):
        self.request_id = request_id
        self.event = event
        self.trace_id = trace_id
        self.deadline_ms = deadline_ms
        self.function_arn = function_arn


class Request:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"{self.method} {self.path} {self.body[:200]!r}"


class RuntimeApiServer:
    def __init__(self, invocations=()):
        self._pending = list(invocations)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._requests = queue.Queue()
        self.seen = []  # every request wait_for has taken off the queue, in order
        self._server = None
        self._thread = None

    @property
    def address(self):
        """host:port, as Lambda sets AWS_LAMBDA_RUNTIME_API."""
        host, port = self._server.server_address[:2]
        return f"{host}:{port}"

    def __enter__(self):
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                api._requests.put(Request(self.command, self.path, dict(self.headers.items()), body))

            def _answer(self, status, body, headers=()):
                data = body.encode()
                self.send_response(status)
                for name, value in headers:
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._record()
                if self.path != f"{PREFIX}/invocation/next":
                    self._answer(404, '{"errorMessage":"no such path"}')
                    return
                with api._lock:
                    invocation = api._pending.pop(0) if api._pending else None
                if invocation is None:
                    api._stopping.wait()
                    return  # the server is stopping: drop the connection unanswered
                headers = [("Lambda-Runtime-Aws-Request-Id", invocation.request_id)]
                if invocation.trace_id is not None:
                    headers.append(("Lambda-Runtime-Trace-Id", invocation.trace_id))
                if invocation.deadline_ms is not None:
                    headers.append(("Lambda-Runtime-Deadline-Ms", str(invocation.deadline_ms)))
                if invocation.function_arn is not None:
                    headers.append(("Lambda-Runtime-Invoked-Function-Arn", invocation.function_arn))
                self._answer(200, invocation.event, headers)

            def do_POST(self):
                self._record()
                self._answer(202, '{"status":"OK"}')

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a client killed mid-exchange is expected at the end of each test

        self._server = Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def wait_for(self, method, path, timeout=30):
        """The next request with this method and path (earlier other requests are kept in
        `seen`); fails naming what did arrive if none comes within timeout seconds."""
        while True:
            try:
                request = self._requests.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no {method} {path} within {timeout}s; received {self.seen}") from None
            self.seen.append(request)
            if request.method == method and request.path == path:
                return request

    def received(self):
        """Everything received so far, without waiting."""
        while True:
            try:
                self.seen.append(self._requests.get_nowait())
            except queue.Empty:
                return list(self.seen)
