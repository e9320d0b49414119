"""The record of every request a LocalAws endpoint received, and its counters.

Tests count calls "at the endpoint" (a second `scribblectl up` makes no
mutating call), so the record sits in front of moto as a WSGI wrapper and
sees exactly what arrived on the wire, from any process. For each request
it infers the AWS service (from the SigV4 credential scope) and the
operation (X-Amz-Target, the Action= parameter of query/ec2 requests, or
method and path matched against the botocore model for rest-json/rest-xml),
whether it mutates, how many bytes arrived (header and body), and what the
real AWS profile did to it, if anything. It must not change what moto
receives: a body it reads is handed on byte for byte (paced through the
profile's uplink when there is one), and whatever the application left
unread is read before the answer, so every byte sent is counted.

Opt-in, a test can also keep whole requests of chosen services
(`RequestLog.capture`): method, request target as sent, headers and body
bytes, for checks of the wire form such as model_check.py (moto accepts
requests AWS would refuse). Off by default: no body is kept unless a capture
is active, and then only for its services (package uploads are megabytes).
Keeping is a copy of the bytes as the application reads them; what moto
receives does not change.
"""

from __future__ import annotations

import collections
import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote

from .pacing import CHUNK, Link

# Operations that only read. Everything else mutates; a request whose
# operation cannot be inferred mutates unless its method is GET or HEAD.
READ_OPERATION_PREFIXES = ("Describe", "List", "Get", "Head", "BatchGet", "Query", "Scan")
READ_METHODS = ("GET", "HEAD", "OPTIONS")

# SigV4 signing names whose botocore service name differs, in matching order.
MODELS_BY_SIGNING_NAME = {
    "apigateway": ("apigatewayv2", "apigateway"),
    "execute-api": ("apigatewaymanagementapi",),
    "events": ("events",),
    "tagging": ("resourcegroupstaggingapi",),
}

# Paths that drive moto itself rather than emulate AWS: not recorded.
UNRECORDED_PATH_PREFIXES = ("/moto-api",)

# What the wrapper leaves in each request's environ for the application it wraps
# (the real AWS profile's middleware) and what that application leaves for it.
REQUEST_KEY = "scribble.request"          # (service, operation), either None
BODY_KEY = "scribble.body"                # the RequestBody every body byte is read through
INJECTION_KEY = "scribble.injection"      # an Injection, set by the profile
DROPPED_STATUS_KEY = "scribble.dropped"   # the status recorded when no answer was completed

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_QUERY_CREDENTIAL = re.compile(r"^[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request$")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    service: str | None    # botocore service name ("sqs", "apigatewayv2"), None if unsigned and unknown
    operation: str | None  # "CreateQueue", None if it could not be inferred
    mutating: bool
    status: int            # HTTP status answered; 0 when the connection was reset instead
    bytes: int = 0         # request header and body bytes received
    injected: str | None = None  # what the real AWS profile did to it ("503", "throttled", ...)

    def __str__(self) -> str:
        what = f"{self.service or '?'}:{self.operation or '?'}"
        injected = f" ({self.injected})" if self.injected else ""
        return f"{self.method} {self.path} {what} -> {self.status}{injected}"


# Headers a capture leaves out: credentials and signatures, and what the
# harness itself adds (environ_defaults) rather than the client.
UNCAPTURED_HEADERS = frozenset({"authorization", "x-amz-security-token", "x-moto-account-id"})


@dataclass(frozen=True)
class CapturedRequest:
    """One request as it arrived, kept while a RequestLog.capture named its service."""

    method: str
    uri: str               # the request target as sent: raw (still %-escaped) path, "?" and query
    service: str | None    # as in RecordedRequest
    operation: str | None
    headers: dict[str, str] = field(default_factory=dict)  # "Content-Type", "X-Amz-Target", ...
    body: bytes = b""
    status: int = 0        # HTTP status answered (0: reset), as in RecordedRequest
    injected: str | None = None

    @property
    def raw_path(self) -> str:
        return self.uri.split("?", 1)[0]

    @property
    def path(self) -> str:
        """The path, %-decoded (as RecordedRequest.path)."""
        return unquote(self.raw_path)

    @property
    def query(self) -> str:
        """The raw query string, without "?"."""
        return self.uri.split("?", 1)[1] if "?" in self.uri else ""

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of name; None when absent."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    def __str__(self) -> str:
        return f"{self.method} {self.uri} {self.service or '?'}:{self.operation or '?'} -> {self.status}"


class Capture:
    """The requests kept for `services` from RequestLog.capture() until stop().

    A context manager (leaving the block stops it); the requests stay
    readable after it stops, in the order their answers started.
    """

    def __init__(self, log: RequestLog, services: frozenset[str]):
        self.services = services
        self._log = log
        self._lock = threading.Lock()
        self._requests: list[CapturedRequest] = []

    def __enter__(self) -> Capture:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> None:
        """Keep nothing more (requests already kept stay). Stopping twice is harmless."""
        self._log._stop_capture(self)

    def add(self, request: CapturedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def all(self) -> list[CapturedRequest]:
        with self._lock:
            return list(self._requests)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()

    def __iter__(self) -> Iterator[CapturedRequest]:
        return iter(self.all())

    def __len__(self) -> int:
        with self._lock:
            return len(self._requests)


@dataclass(frozen=True)
class Injection:
    """What the real AWS profile did to one request, and under which counter."""

    kind: str      # the record's `injected`: "500", "reset", "throttled", "not-found", ...
    category: str  # one of Stats.CATEGORIES


@dataclass
class Stats:
    """Counters over every request an endpoint received, kept across RequestLog.clear()."""

    CATEGORIES = ("fault", "always", "throttled", "consistency", "state")

    calls: int = 0
    bytes_received: int = 0  # request headers and bodies, every request, faulted or not
    faults: collections.Counter[str] = field(default_factory=collections.Counter)
    always_failed: collections.Counter[str] = field(default_factory=collections.Counter)
    throttled: int = 0
    refusals: collections.Counter[str] = field(default_factory=collections.Counter)
    slow_state_refusals: collections.Counter[str] = field(default_factory=collections.Counter)
    injected: collections.Counter[str] = field(default_factory=collections.Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, received: int, injection: Injection | None) -> None:
        with self._lock:
            self.calls += 1
            self.bytes_received += received
            if injection is None:
                return
            self.injected[injection.kind] += 1
            if injection.category == "fault":
                self.faults[injection.kind] += 1
            elif injection.category == "always":
                self.always_failed[injection.kind] += 1
            elif injection.category == "throttled":
                self.throttled += 1
            elif injection.category == "consistency":
                self.refusals[injection.kind] += 1
            else:
                self.slow_state_refusals[injection.kind] += 1

    def snapshot(self) -> dict[str, Any]:
        """The counters as plain values, taken together."""
        with self._lock:
            return {
                "calls": self.calls, "bytes_received": self.bytes_received,
                "faults": dict(self.faults), "always_failed": dict(self.always_failed),
                "throttled": self.throttled, "refusals": dict(self.refusals),
                "slow_state_refusals": dict(self.slow_state_refusals),
                "injected": dict(self.injected),
            }


class RequestBody(io.RawIOBase):
    """A request body as the application reads it: never past its Content-Length,
    counted, and paced through a Link when one is given."""

    def __init__(self, stream: Any, length: int | None, link: Link | None = None,
                 keep: bool = False):
        super().__init__()
        self._stream = stream
        self._remaining = length  # None: read until the stream ends (chunked)
        self._link = link
        self.received = 0
        # A copy of every byte read, for a capture; None (the default) keeps nothing.
        self.kept: bytearray | None = bytearray() if keep else None

    def stop_keeping(self) -> None:
        self.kept = None

    def readable(self) -> bool:
        return True

    def _take(self, size: int) -> bytes:
        if self._remaining is not None:
            size = min(size, self._remaining)
        if size <= 0:
            return b""
        data = self._stream.read(min(size, CHUNK))
        if self._remaining is not None:
            self._remaining -= len(data)
            if not data:
                self._remaining = 0  # the client went away
        self.received += len(data)
        if self.kept is not None:
            self.kept += data
        if self._link is not None:
            self._link.transfer(len(data))
        return data

    def readinto(self, buffer: Any) -> int:
        data = self._take(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` bytes (all that is left if negative), short only at the end."""
        parts = []
        wanted = -1 if size is None else size
        while wanted != 0:
            data = self._take(CHUNK if wanted < 0 else wanted)
            if not data:
                break
            parts.append(data)
            if wanted > 0:
                wanted -= len(data)
        return b"".join(parts)

    def readall(self) -> bytes:
        return self.read(-1)

    def readline(self, size: int | None = -1) -> bytes:
        limit = CHUNK if size is None or size < 0 else min(size, CHUNK)
        if self._remaining is not None:
            limit = min(limit, self._remaining)
        if limit <= 0:
            return b""
        line = self._stream.readline(limit)
        if self._remaining is not None:
            self._remaining = self._remaining - len(line) if line else 0
        self.received += len(line)
        if self.kept is not None:
            self.kept += line
        if self._link is not None:
            self._link.transfer(len(line))
        return bytes(line)

    def drain(self) -> None:
        """Read (and count) whatever the application left unread."""
        while self._take(CHUNK):
            pass


class RequestLog:
    """Thread-safe list of RecordedRequest, in the order responses were sent."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._records: list[RecordedRequest] = []
        self._captures: tuple[Capture, ...] = ()  # replaced whole, so read without the lock

    def capture(self, services: Iterable[str]) -> Capture:
        """Start keeping whole requests (CapturedRequest: method, target, headers,
        body) of the given botocore services ("acm", "route53", ...) as they arrive:

            with local_aws.requests.capture({"acm", "route53"}) as captured:
                ...
            assert model_check.problems(captured) == []

        Captures are independent of each other and of clear(); each keeps the
        requests that both arrive and are answered while it is active (a request
        is complete when its call returns: its body is read before the answer).
        """
        wanted = frozenset([] if isinstance(services, str) else services)
        if not wanted or not all(isinstance(s, str) for s in wanted):
            raise ValueError(f"capture needs botocore service names, not {services!r}")
        started = Capture(self, wanted)
        with self._lock:
            self._captures = self._captures + (started,)
        return started

    def _stop_capture(self, capture: Capture) -> None:
        with self._lock:
            self._captures = tuple(c for c in self._captures if c is not capture)

    def capturing(self, service: str | None = None) -> bool:
        """Whether a capture is active (for service, when one is given)."""
        return any(service is None or service in c.services for c in self._captures)

    def add_captured(self, request: CapturedRequest) -> None:
        for capture in self._captures:
            if request.service in capture.services:
                capture.add(request)

    def add(self, record: RecordedRequest) -> None:
        with self._lock:
            self._records.append(record)
            self._lock.notify_all()

    def wait_for(self, predicate: Callable[[list[RecordedRequest]], bool], timeout: float) -> bool:
        """Blocks until predicate(records) holds (checked at each new request), or the timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: predicate(self._records), timeout)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def all(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._records)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.all())

    def __len__(self) -> int:
        with self._lock:
            return len(self._records)

    def select(self, service: str | None = None, operation: str | None = None,
               mutating: bool | None = None) -> list[RecordedRequest]:
        """Records matching every criterion given."""
        return [
            r for r in self.all()
            if (service is None or r.service == service)
            and (operation is None or r.operation == operation)
            and (mutating is None or r.mutating == mutating)
        ]

    def count(self, service: str | None = None, operation: str | None = None,
              mutating: bool | None = None) -> int:
        return len(self.select(service, operation, mutating))

    def mutating(self) -> list[RecordedRequest]:
        return self.select(mutating=True)

    def by_operation(self) -> collections.Counter[str]:
        """Counter of "service:Operation" -> number of requests."""
        return collections.Counter(f"{r.service}:{r.operation}" for r in self.all())


def _signing_name(environ: dict[str, Any], query: dict[str, list[str]]) -> str | None:
    match = _CREDENTIAL_SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    if match:
        return match.group(1).lower()
    for credential in query.get("X-Amz-Credential", []):  # presigned URL
        match = _QUERY_CREDENTIAL.match(credential)
        if match:
            return match.group(1).lower()
    return None


def _read_form_body(environ: dict[str, Any]) -> dict[str, list[str]]:
    """Parse a form-encoded body (query and ec2 protocols) and put it back for moto."""
    if not environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return {}
    stream = environ["wsgi.input"]
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > 0:
        body = stream.read(length)
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        return {}
    environ["wsgi.input"] = io.BytesIO(body)
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True)
    except UnicodeDecodeError:
        return {}


def _match_rest_operation(environ: dict[str, Any], model_name: str) -> str | None:
    """The operation of model_name whose method and URI match, via moto's own router."""
    from moto.core.request import Request
    from moto.core.routing import get_service_router

    probe = dict(environ)
    probe["wsgi.input"] = io.BytesIO(b"")
    probe["CONTENT_LENGTH"] = "0"
    try:
        operation, _ = get_service_router(model_name).match(Request(probe))
        return str(operation.name)
    except Exception:  # not this service, unknown protocol, no model: no match
        return None


def infer(environ: dict[str, Any]) -> tuple[str | None, str | None]:
    """(service, operation) of a request, either None when not inferable."""
    query = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
    signing = _signing_name(environ, query)
    if signing is None:
        service = None
    else:
        service = MODELS_BY_SIGNING_NAME.get(signing, (signing,))[0]
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return service, target.rsplit(".", 1)[-1]
    action = (query.get("Action") or _read_form_body(environ).get("Action") or [None])[0]
    if action:
        return service, action
    if signing is None:
        return None, None
    for model_name in MODELS_BY_SIGNING_NAME.get(signing, (signing,)):
        operation = _match_rest_operation(environ, model_name)
        if operation:
            return model_name, operation
    return signing, None


def is_mutating(method: str, operation: str | None) -> bool:
    if operation:
        return not operation.startswith(READ_OPERATION_PREFIXES)
    return method.upper() not in READ_METHODS


def header_bytes(environ: dict[str, Any]) -> int:
    """Bytes of the request line and headers as sent ("Name: value" lines), from the
    environ the server built (names keep their length through HTTP_NAME_FORM)."""
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
    line = f"{environ.get('REQUEST_METHOD', '')} {target} {environ.get('SERVER_PROTOCOL', '')}\r\n"
    count = len(line.encode("latin-1", "replace")) + 2  # the empty line that ends the headers
    for name, value in environ_headers(environ):
        count += len(name) + 2 + len(str(value).encode("latin-1", "replace")) + 2
    return count


def environ_headers(environ: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The request's headers in the environ the server built, each as
    (HTTP_NAME_FORM without "HTTP_", value)."""
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            yield key[len("HTTP_"):], value
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
            yield key, value


def sent_headers(environ: dict[str, Any]) -> dict[str, str]:
    """The request's headers as "Content-Type"-style names, from the environ the
    server built, less UNCAPTURED_HEADERS."""
    headers = {}
    for name, value in environ_headers(environ):
        name = "-".join(part.capitalize() for part in name.split("_"))
        if name.lower() not in UNCAPTURED_HEADERS:
            headers[name] = str(value)
    return headers


def request_target(environ: dict[str, Any]) -> str:
    """The request target as sent (raw path and query string)."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        return str(raw)
    query = environ.get("QUERY_STRING", "")
    path = quote(environ.get("PATH_INFO", ""), safe="/~!$&'()*+,;=:@")
    return f"{path}?{query}" if query else path


def _content_length(environ: dict[str, Any]) -> int | None:
    """The body's length; None when the server ends the stream itself (chunked)."""
    if environ.get("wsgi.input_terminated"):
        return None
    try:
        return max(0, int(environ.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0


def recording(app: Callable[..., Iterable[bytes]], log: RequestLog,
              environ_defaults: dict[str, str] | None = None, stats: Stats | None = None,
              uplink: Link | None = None) -> Callable[..., Iterable[bytes]]:
    """Wrap a WSGI app so each request is added to log (and counted in stats)
    when its response starts.

    environ_defaults are set in each request's environ unless already present
    (LocalAws uses it to give every request its instance's moto account). Request
    bodies are read through uplink when one is given. The app finds the inferred
    (service, operation) in environ[REQUEST_KEY] and may leave an Injection in
    environ[INJECTION_KEY] before it starts its answer. While log.capture() is
    active for a request's service, the request is also kept whole
    (log.add_captured).
    """
    defaults = dict(environ_defaults or {})

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        sent_header_bytes = header_bytes(environ)  # before the defaults, which were not sent
        # Whether to keep the request whole is known only once its service is
        # inferred, which may read a form body: keep from the start, drop after.
        capturing = log.capturing()
        captured_headers = sent_headers(environ) if capturing else None
        for key, value in defaults.items():
            environ.setdefault(key, value)
        path = environ.get("PATH_INFO", "")
        if path.startswith(UNRECORDED_PATH_PREFIXES):
            return app(environ, start_response)
        body = RequestBody(environ["wsgi.input"], _content_length(environ), uplink, keep=capturing)
        environ["wsgi.input"] = environ[BODY_KEY] = body
        method = environ.get("REQUEST_METHOD", "")
        service, operation = infer(environ)
        if capturing and not log.capturing(service):
            body.stop_keeping()
        environ[REQUEST_KEY] = (service, operation)
        mutating = is_mutating(method, operation)
        recorded = False

        def record(status: int) -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                body.drain()
                injection = environ.get(INJECTION_KEY)
                received = sent_header_bytes + body.received
                if body.kept is not None and captured_headers is not None:
                    log.add_captured(CapturedRequest(
                        method, request_target(environ), service, operation, captured_headers,
                        bytes(body.kept), status, injection.kind if injection else None))
                log.add(RecordedRequest(method, path, service, operation, mutating, status,
                                        received, injection.kind if injection else None))
                if stats is not None:
                    stats.count(received, injection)

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            record(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return app(environ, start)
        except BaseException:
            # The server answers 500 for an exception escaping the app, unless the
            # app dropped the connection on purpose.
            record(environ.get(DROPPED_STATUS_KEY, 500))
            raise

    return wrapped
