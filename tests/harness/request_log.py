"""The record of every request a LocalAws endpoint received.

Tests count calls "at the endpoint" (a second `scribblectl up` makes no
mutating call), so the record sits in front of moto as a WSGI wrapper and
sees exactly what arrived on the wire, from any process. For each request
it infers the AWS service (from the SigV4 credential scope) and the
operation (X-Amz-Target, the Action= parameter of query/ec2 requests, or
method and path matched against the botocore model for rest-json/rest-xml),
and whether it mutates. It must not change what moto receives: a body it
reads is handed on byte for byte.
"""

from __future__ import annotations

import collections
import io
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

# Operations that only read. Everything else mutates; a request whose
# operation cannot be inferred mutates unless its method is GET or HEAD.
READ_OPERATION_PREFIXES = ("Describe", "List", "Get", "Head", "BatchGet", "Query", "Scan")
READ_METHODS = ("GET", "HEAD", "OPTIONS")

# SigV4 signing names whose botocore service name differs, in matching order.
MODELS_BY_SIGNING_NAME = {
    "apigateway": ("apigatewayv2", "apigateway"),
    "execute-api": ("apigatewaymanagementapi",),
    "events": ("events",),
}

# Paths that drive moto itself rather than emulate AWS: not recorded.
UNRECORDED_PATH_PREFIXES = ("/moto-api",)

_CREDENTIAL_SCOPE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/]+/([^/]+)/aws4_request")
_QUERY_CREDENTIAL = re.compile(r"^[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request$")


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    service: str | None    # botocore service name ("sqs", "apigatewayv2"), None if unsigned and unknown
    operation: str | None  # "CreateQueue", None if it could not be inferred
    mutating: bool
    status: int            # HTTP status moto answered with

    def __str__(self) -> str:
        what = f"{self.service or '?'}:{self.operation or '?'}"
        return f"{self.method} {self.path} {what} -> {self.status}"


class RequestLog:
    """Thread-safe list of RecordedRequest, in the order responses were sent."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._records: list[RecordedRequest] = []

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
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return signing, target.rsplit(".", 1)[-1]
    action = (query.get("Action") or _read_form_body(environ).get("Action") or [None])[0]
    if action:
        return signing, action
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


def recording(app: Callable[..., Iterable[bytes]], log: RequestLog,
              environ_defaults: dict[str, str] | None = None) -> Callable[..., Iterable[bytes]]:
    """Wrap a WSGI app so each request is added to log when its response starts.

    environ_defaults are set in each request's environ unless already present
    (LocalAws uses it to give every request its instance's moto account).
    """
    defaults = dict(environ_defaults or {})

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        for key, value in defaults.items():
            environ.setdefault(key, value)
        path = environ.get("PATH_INFO", "")
        if path.startswith(UNRECORDED_PATH_PREFIXES):
            return app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "")
        service, operation = infer(environ)
        mutating = is_mutating(method, operation)
        recorded = False

        def record(status: int) -> None:
            nonlocal recorded
            if not recorded:
                recorded = True
                log.add(RecordedRequest(method, path, service, operation, mutating, status))

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            record(int(status.split(" ", 1)[0]))
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            return app(environ, start)
        except BaseException:
            record(500)  # the server answers 500 for an exception escaping the app
            raise

    return wrapped
