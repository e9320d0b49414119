"""The real AWS profile in front of moto: a WSGI middleware deciding each request's fate.

It sits between the request record (request_log.recording, which reads
bodies through the uplink and counts them) and moto's application, and for
each AWS request, in this order:

1. waits the call's latency;
2. answers an always-failing call with its failure, a call over its
   service's request rate with that service's throttling error, and a
   seeded 500 or 503, or resets the connection (RST) — all before moto, so
   nothing is applied;
3. refuses what AWS's eventual consistency refuses: an EC2 id created less
   than not_found_after_create_s ago, named in a request (never as a filter
   value, so finding resources by tag always works), answers EC2's
   NotFound; a role created less than role_propagation_s ago, given to
   Lambda or EventBridge Scheduler, is refused with their own errors;
4. lets moto answer; a truncate (seeded or always) then sends moto's headers (with the
   full Content-Length) and only part of the body before closing — the
   request was applied, the client cannot know;
5. writes the answer through the downlink.

Every error is written by aws_errors from botocore's models, in the protocol
the request came in. What moto's backends refuse because of a slow state
(real_aws_moto.py) is noted on the request's thread and recorded too.
"""

from __future__ import annotations

import collections
import io
import json
import re
import socket
import struct
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs

from . import aws_errors, real_aws
from .pacing import CHUNK, Link, TokenBucket
from .real_aws import FAULTS_BEFORE_MOTO, RealAwsProfile
from .request_log import BODY_KEY, DROPPED_STATUS_KEY, INJECTION_KEY, REQUEST_KEY, Injection

# EC2 creations whose id is briefly unknown: operation -> (id prefix, NotFound code, noun).
EC2_CREATIONS = {
    "CreateVpc": ("vpc", "InvalidVpcID.NotFound", "vpc ID"),
    "CreateSubnet": ("subnet", "InvalidSubnetID.NotFound", "subnet ID"),
    "CreateSecurityGroup": ("sg", "InvalidGroup.NotFound", "security group"),
    "CreateInternetGateway": ("igw", "InvalidInternetGatewayID.NotFound", "internetGateway ID"),
    "CreateRouteTable": ("rtb", "InvalidRouteTableID.NotFound", "routeTable ID"),
    "CreateNatGateway": ("nat", "NatGatewayNotFound", "nat gateway ID"),
    "AllocateAddress": ("eipalloc", "InvalidAllocationID.NotFound", "allocation ID"),
    "CreateNetworkInterface": ("eni", "InvalidNetworkInterfaceID.NotFound", "networkInterface ID"),
    "CreateVpcEndpoint": ("vpce", "InvalidVpcEndpointId.NotFound", "VpcEndpoint ID"),
}
# EC2 parameters whose values are not ids named by the caller.
EC2_UNCHECKED_PARAMETERS = ("Action", "Version", "Filter.", "TagSpecification.", "Tag.")

# Calls that hand a role to a service, where the role is in the JSON body, and
# the error the service answers while the role has not propagated.
ROLE_USERS = {
    ("lambda", "CreateFunction"): ("Role",),
    ("lambda", "UpdateFunctionConfiguration"): ("Role",),
    ("scheduler", "CreateSchedule"): ("Target", "RoleArn"),
    ("scheduler", "UpdateSchedule"): ("Target", "RoleArn"),
}
ROLE_NOT_READY = {
    "lambda": ("InvalidParameterValueException",
               "The role defined for the function cannot be assumed by Lambda."),
    "scheduler": ("ValidationException",
                  "The execution role you provide must allow AWS EventBridge Scheduler "
                  "to assume the role."),
}
_ROLE_ARN = re.compile(rb"<Arn>(arn:[^<]+:role/[^<]+)</Arn>")

MESSAGES = {
    "throttled": "Rate exceeded",
    "500": "We encountered an internal error. Please try again.",
    "503": "The service is unavailable. Please try again shortly.",
}

# Sockets to close with an RST: the server's shutdown_request (see prepare_server)
# closes them without sending a FIN first.
_resets: weakref.WeakSet[socket.socket] = weakref.WeakSet()

StartResponse = Callable[..., Any]


@dataclass(frozen=True)
class Created:
    """Something a call just created, which AWS does not know everywhere yet."""

    at: float         # on the profile's clock
    code: str = ""    # the error naming it answers meanwhile
    noun: str = ""    # how that error's message names it


@dataclass(frozen=True)
class Refusal:
    injection: Injection
    code: str = ""
    message: str = ""


def prepare_server(wsgi_server: Any, profile: RealAwsProfile) -> None:
    """Make werkzeug's server able to reset connections, and give it a small
    receive buffer when the uplink is limited, so backpressure reaches the client."""
    original = wsgi_server.shutdown_request

    def shutdown_request(request: socket.socket) -> None:
        if request in _resets:
            _resets.discard(request)
            request.close()  # SO_LINGER 0 is set: the kernel answers with an RST
            return
        original(request)

    wsgi_server.shutdown_request = shutdown_request
    if profile.uplink_bytes_per_s is not None:
        buffer = max(16 * 1024, min(256 * 1024, int(profile.uplink_bytes_per_s / 8)))
        wsgi_server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer)


def wire_protocol(environ: dict[str, Any], service: str) -> str:
    """The protocol this request came in, so the error goes back in the same one."""
    model = aws_errors.model_protocol(service)
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    if model == "ec2":
        return model
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded") \
            or "Action=" in environ.get("QUERY_STRING", ""):
        return "query"
    return model


def _read_body(environ: dict[str, Any]) -> bytes:
    """The whole request body, left readable again for moto."""
    body = environ["wsgi.input"].read()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated", None)
    return bytes(body)


def _json_at(body: bytes, path: tuple[str, ...]) -> str | None:
    try:
        value: Any = json.loads(body or b"{}")
    except ValueError:
        return None
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value if isinstance(value, str) else None


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Error"


def _drop_connection(environ: dict[str, Any], reset: bool, status: int) -> None:
    """End the connection without (more of) an answer: with an RST if `reset`,
    else with a FIN. Raises the ConnectionResetError werkzeug treats as a dropped client."""
    environ[DROPPED_STATUS_KEY] = status
    sock = environ.get("werkzeug.socket")
    if sock is not None:
        try:
            # werkzeug reads EOF instead of waiting for a next request on this connection.
            sock.shutdown(socket.SHUT_RD)
            if reset:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                _resets.add(sock)
        except OSError:
            pass
    raise ConnectionResetError("connection dropped by the real AWS profile")


class RealAwsMiddleware:
    """moto's WSGI application behind one RealAwsProfile."""

    def __init__(self, app: Callable[..., Iterable[bytes]], profile: RealAwsProfile):
        self._app = app
        self._profile = profile
        self._downlink = Link(profile.downlink_bytes_per_s) if profile.downlink_bytes_per_s else None
        self._throttles = {service: TokenBucket(rate, burst)
                           for service, (rate, burst) in profile.throttle.items()}
        self._always_fail = {call: str(kind) for call, kind in profile.always_fail.items()}
        self._lock = threading.Lock()
        self._seen: collections.Counter[tuple[str, str | None, str]] = collections.Counter()
        self._new_ids: dict[str, Created] = {}    # by EC2 id
        self._new_roles: dict[str, Created] = {}  # by role ARN

    # -- the request's way through --------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        service, operation = environ.get(REQUEST_KEY, (None, None))
        if service is None:  # not an AWS request (or not one we can tell): as moto answers
            return self._app(environ, start_response)
        path = environ.get("PATH_INFO", "")
        with self._lock:
            n = self._seen[(service, operation, path)]
            self._seen[(service, operation, path)] += 1
        fate = self._profile.fate(service, operation, path, n)
        time.sleep(fate.latency)
        always = self._always_fail.get((service, operation or ""))
        refusal = (self._before_moto(service, always, "always")
                   or self._throttled(service)
                   or (None if always else self._before_moto(service, fate.fault, "fault"))
                   or self._not_yet_consistent(environ, service, operation))
        if refusal is not None:
            return self._refuse(environ, start_response, service, refusal)
        if always == "truncate" or (not always and fate.fault == "truncate"):
            return self._truncated(environ, start_response, service, operation, fate.cut,
                                   Injection("truncate", "always" if always else "fault"))
        return self._answered(environ, start_response, service, operation)

    def _before_moto(self, service: str, kind: str | None, category: str) -> Refusal | None:
        """The refusal for an always-failing or seeded fault that moto never sees."""
        if kind not in FAULTS_BEFORE_MOTO + ("throttled",):
            return None
        return self._refusal_of(service, kind or "", category)

    def _throttled(self, service: str) -> Refusal | None:
        bucket = self._throttles.get(service)
        if bucket is None or bucket.take():
            return None
        return self._refusal_of(service, "throttled", "throttled")

    def _refusal_of(self, service: str, kind: str, category: str) -> Refusal:
        errors = aws_errors.errors_of(service)
        code = {"throttled": errors.throttling, "500": errors.internal,
                "503": errors.unavailable}.get(kind, "")
        return Refusal(Injection(kind, category), code, MESSAGES.get(kind, ""))

    # -- eventual consistency ---------------------------------------------------------------------
    def _not_yet_consistent(self, environ: dict[str, Any], service: str,
                            operation: str | None) -> Refusal | None:
        if service == "ec2" and self._recent(self._new_ids, self._profile.not_found_after_create_s):
            return self._unknown_ec2_id(environ)
        role_path = ROLE_USERS.get((service, operation or ""))
        if role_path and self._recent(self._new_roles, self._profile.role_propagation_s):
            role = _json_at(_read_body(environ), role_path)
            with self._lock:
                created = self._new_roles.get(role or "")
            if created is not None and self._profile.clock() - created.at < self._profile.role_propagation_s:
                code, message = ROLE_NOT_READY[service]
                return Refusal(Injection("role-not-ready", "consistency"), code, message)
        return None

    def _recent(self, created: dict[str, Created], window: float) -> bool:
        """Whether anything in `created` is younger than `window` (forgetting the rest)."""
        now = self._profile.clock()
        with self._lock:
            for key, value in list(created.items()):
                if now - value.at >= window:
                    del created[key]
            return bool(created)

    def _unknown_ec2_id(self, environ: dict[str, Any]) -> Refusal | None:
        parameters = parse_qs(_read_body(environ).decode("utf-8", "replace"), keep_blank_values=True)
        parameters.update(parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        with self._lock:
            for name, values in parameters.items():
                if name.startswith(EC2_UNCHECKED_PARAMETERS):
                    continue
                for value in values:
                    created = self._new_ids.get(value)
                    if created is not None:
                        return Refusal(Injection("not-found", "consistency"), created.code,
                                       f"The {created.noun} '{value}' does not exist")
        return None

    def _learn(self, service: str, operation: str | None, status: str, body: bytes) -> None:
        """Note the ids and roles a successful create just made."""
        if not status.startswith("2"):
            return
        now = self._profile.clock()
        creation = EC2_CREATIONS.get(operation or "") if service == "ec2" else None
        if creation is not None:
            prefix, code, noun = creation
            match = re.search(rb"\b" + prefix.encode() + rb"-[0-9a-f]+\b", body)
            if match:
                with self._lock:
                    self._new_ids[match.group(0).decode()] = Created(now, code, noun)
        if (service, operation) == ("iam", "CreateRole"):
            match = _ROLE_ARN.search(body)
            if match:
                with self._lock:
                    self._new_roles[match.group(1).decode()] = Created(now)

    def _needs_answer_body(self, service: str, operation: str | None) -> bool:
        return ((service == "ec2" and (operation or "") in EC2_CREATIONS)
                or (service, operation) == ("iam", "CreateRole"))

    # -- answers ----------------------------------------------------------------------------------
    def _refuse(self, environ: dict[str, Any], start_response: StartResponse, service: str,
                refusal: Refusal) -> Iterable[bytes]:
        environ[BODY_KEY].drain()  # the client sent it all the same
        environ[INJECTION_KEY] = refusal.injection
        if refusal.injection.kind == "reset":
            _drop_connection(environ, reset=True, status=0)
        error = aws_errors.error_response(
            service, refusal.code, refusal.message, protocol=wire_protocol(environ, service),
            head=environ.get("REQUEST_METHOD") == "HEAD")
        start_response(_status_line(error.status), error.headers)
        return self._paced([error.body])

    def _moto(self, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        """moto's whole answer: (status, headers, body)."""
        answer: list[Any] = []

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer[:] = [status, headers]
            return lambda data: None

        real_aws.take_note()
        iterable = self._app(environ, start)
        try:
            body = b"".join(iterable)
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
        environ[BODY_KEY].drain()
        return answer[0], answer[1], body

    def _noted(self, environ: dict[str, Any]) -> None:
        kind = real_aws.take_note()
        if kind is not None:
            environ[INJECTION_KEY] = Injection(kind, "state")

    def _answered(self, environ: dict[str, Any], start_response: StartResponse, service: str,
                  operation: str | None) -> Iterable[bytes]:
        if self._needs_answer_body(service, operation):
            status, headers, body = self._moto(environ)
            self._noted(environ)
            self._learn(service, operation, status, body)
            start_response(status, headers)
            return self._paced([body])

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            environ[BODY_KEY].drain()
            self._noted(environ)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        real_aws.take_note()
        return self._paced(self._app(environ, start))

    def _truncated(self, environ: dict[str, Any], start_response: StartResponse, service: str,
                   operation: str | None, cut: float, injection: Injection) -> Iterable[bytes]:
        status, headers, body = self._moto(environ)
        self._learn(service, operation, status, body)
        environ[INJECTION_KEY] = injection
        if not body or environ.get("REQUEST_METHOD") == "HEAD":
            _drop_connection(environ, reset=False, status=int(status.split(" ", 1)[0]))
        headers = [(k, v) for k, v in headers if k.lower() not in ("content-length", "transfer-encoding")]
        headers.append(("Content-Length", str(len(body))))
        start_response(status, headers)
        kept = min(len(body) - 1, max(1, int(len(body) * cut))) if len(body) > 1 else 0

        def cut_short() -> Iterator[bytes]:
            yield body[:kept]
            _drop_connection(environ, reset=False, status=int(status.split(" ", 1)[0]))

        return cut_short()

    def _paced(self, iterable: Iterable[bytes]) -> Iterable[bytes]:
        if self._downlink is None:
            return iterable
        return self._through_downlink(iterable)

    def _through_downlink(self, iterable: Iterable[bytes]) -> Iterator[bytes]:
        assert self._downlink is not None
        try:
            for data in iterable:
                for start in range(0, len(data), CHUNK):
                    piece = data[start:start + CHUNK]
                    self._downlink.transfer(len(piece))
                    yield piece
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()
