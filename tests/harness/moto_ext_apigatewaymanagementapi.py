"""API Gateway WebSocket connections for moto's management API, added in-process.

moto 5.2.5's management API (PostToConnection, GetConnection,
DeleteConnection) keeps its connections in a defaultdict: any id "exists"
the moment it is named, posting to it always succeeds, and posted data is
concatenated into one byte string. A handler that must cope with a client
that left could never be tested against it. install() replaces those three
actions on moto's own ApiGatewayManagementApiResponse with ones that follow
API Gateway:

- a connection exists only once a test opens it (open_connection, as a
  client connecting); PostToConnection, GetConnection and DeleteConnection
  on an id that is not open answer GoneException (410);
- each PostToConnection is kept as its own message, in arrival order, and
  stays readable after the connection closes;
- DeleteConnection closes the connection, as API Gateway does when the
  server disconnects a client (204, as the model says);
- data over the model's 128 KiB limit answers PayloadTooLargeException (413);
- fail_posts makes the next posts to one connection fail with a chosen
  status, so callers' retry paths can be tested.

State lives on moto's own backend objects (so accounts, regions and reset
apply) behind one lock: moto's server answers each request on its own
thread. Errors are the model's error shapes, serialised by moto; a status
the model has no shape for (500, 503) gets AWS's common error code for it.

moto's other behaviour is unchanged; its stage-prefixed path
(/<stage>/@connections/<id>) reaches the same three actions.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from moto.apigatewaymanagementapi import urls as apigatewaymanagementapi_urls
from moto.apigatewaymanagementapi.models import (
    ApiGatewayManagementApiBackend,
    apigatewaymanagementapi_backends,
)
from moto.apigatewaymanagementapi.responses import ApiGatewayManagementApiResponse
from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult, EmptyResult

# botocore's model: Data is a blob of at most 131072 bytes.
MAX_DATA_BYTES = 131072

# The model's error shapes by HTTP status, and AWS's common errors for the
# statuses the model has no shape for.
MODEL_ERRORS = {403: "ForbiddenException", 410: "GoneException", 413: "PayloadTooLargeException",
                429: "LimitExceededException"}
COMMON_ERRORS = {500: "InternalFailure", 503: "ServiceUnavailable"}


class GoneException(ServiceException):
    code = "GoneException"


class PayloadTooLargeException(ServiceException):
    code = "PayloadTooLargeException"


class InjectedError(ServiceException):
    """A failure fail_posts asked for; moto finds its shape in the model by its code.

    Defined here, not raised as moto's own ServiceException: moto looks up the
    service model of an exception raised from a moto.* module by that module's name.
    """


@dataclass
class Connection:
    connection_id: str
    source_ip: str
    user_agent: str
    connected_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    last_active_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    open: bool = True


@dataclass
class Failure:
    status: int
    code: str
    remaining: int


@dataclass
class Connections:
    """One account and region's connections; only touched under _lock."""

    by_id: dict[str, Connection] = field(default_factory=dict)
    messages: dict[str, list[bytes]] = field(default_factory=dict)
    failures: dict[str, deque[Failure]] = field(default_factory=dict)


_lock = threading.Lock()


def _connections(backend: ApiGatewayManagementApiBackend) -> Connections:
    # Kept beside moto's own state, so a reset (new backend objects) clears it too.
    return backend.__dict__.setdefault("scribble_connections", Connections())


def backend_for(account_id: str, region: str) -> ApiGatewayManagementApiBackend:
    return apigatewaymanagementapi_backends[account_id][region]


# -- what a test does (the client's side of the WebSocket) -------------------------------
def open_connection(backend: ApiGatewayManagementApiBackend, connection_id: str,
                    source_ip: str = "127.0.0.1", user_agent: str = "scribble-tests") -> None:
    """A client connects: the id becomes postable. Reopening a closed id keeps its messages."""
    with _lock:
        state = _connections(backend)
        existing = state.by_id.get(connection_id)
        if existing is not None and existing.open:
            raise ValueError(f"connection {connection_id!r} is already open")
        state.by_id[connection_id] = Connection(connection_id, source_ip, user_agent)
        state.messages.setdefault(connection_id, [])


def close_connection(backend: ApiGatewayManagementApiBackend, connection_id: str) -> None:
    """The client disconnects; later posts answer GoneException. Closing twice is harmless."""
    with _lock:
        _known(_connections(backend), connection_id).open = False


def is_open(backend: ApiGatewayManagementApiBackend, connection_id: str) -> bool:
    with _lock:
        connection = _connections(backend).by_id.get(connection_id)
        return connection is not None and connection.open


def messages(backend: ApiGatewayManagementApiBackend, connection_id: str) -> list[bytes]:
    """Every message posted to the connection while open, in arrival order."""
    with _lock:
        state = _connections(backend)
        _known(state, connection_id)
        return list(state.messages[connection_id])


def fail_posts(backend: ApiGatewayManagementApiBackend, connection_id: str, count: int,
               status: int, code: str | None = None) -> None:
    """The next `count` PostToConnection calls to this id answer `status` and record nothing.

    The id need not be open (a refused post is refused before the connection
    is looked up, as throttling is). `code` defaults to the model's error shape
    for the status, or AWS's common error for 500 and 503.
    """
    if count < 1:
        raise ValueError(f"count must be at least 1, not {count}")
    if not 400 <= status <= 599:
        raise ValueError(f"status must be an HTTP error status, not {status}")
    code = code or MODEL_ERRORS.get(status) or COMMON_ERRORS.get(status)
    if code is None:
        raise ValueError(f"no AWS error code is known for status {status}: pass code=")
    with _lock:
        queue = _connections(backend).failures.setdefault(connection_id, deque())
        queue.append(Failure(status, code, count))


def _known(state: Connections, connection_id: str) -> Connection:
    connection = state.by_id.get(connection_id)
    if connection is None:
        opened = ", ".join(sorted(state.by_id)) or "none"
        raise KeyError(f"connection {connection_id!r} was never opened (opened: {opened})")
    return connection


# -- actions (methods of moto's ApiGatewayManagementApiResponse) --------------------------
def _connection_id(response: ApiGatewayManagementApiResponse) -> str:
    return urllib.parse.unquote(response.path.split("/@connections/")[-1])


def _gone(connection_id: str) -> GoneException:
    return GoneException(f"Connection {connection_id} is gone")


def _open_connection(state: Connections, connection_id: str) -> Connection:
    connection = state.by_id.get(connection_id)
    if connection is None or not connection.open:
        raise _gone(connection_id)
    return connection


def _injected_failure(state: Connections, connection_id: str) -> Failure | None:
    queue = state.failures.get(connection_id)
    if not queue:
        return None
    failure = queue[0]
    failure.remaining -= 1
    if failure.remaining == 0:
        queue.popleft()
    return failure


def _failure_response(failure: Failure, connection_id: str) -> Any:
    message = f"injected {failure.code} for connection {connection_id}"
    if MODEL_ERRORS.get(failure.status) == failure.code:
        raise InjectedError(failure.code, message)
    # No model shape carries this status and code: answer as AWS's rest-json
    # front end does. moto takes the status from the headers of a (body, headers) answer.
    return json.dumps({"message": message}), {
        "status": failure.status, "Content-Type": "application/json",
        "x-amzn-ErrorType": failure.code}


def post_to_connection(self: ApiGatewayManagementApiResponse) -> Any:
    connection_id = _connection_id(self)
    data = self.body if isinstance(self.body, bytes) else (self.body or "").encode()
    with _lock:
        state = _connections(self.apigatewaymanagementapi_backend)
        failure = _injected_failure(state, connection_id)
        if failure is None:
            if len(data) > MAX_DATA_BYTES:
                raise PayloadTooLargeException(
                    f"Message of {len(data)} bytes is over the {MAX_DATA_BYTES}-byte limit")
            connection = _open_connection(state, connection_id)
            connection.last_active_at = datetime.now(timezone.utc)
            state.messages[connection_id].append(bytes(data))
            return EmptyResult()
    return _failure_response(failure, connection_id)


def get_connection(self: ApiGatewayManagementApiResponse) -> ActionResult:
    connection_id = _connection_id(self)
    with _lock:
        connection = _open_connection(_connections(self.apigatewaymanagementapi_backend),
                                      connection_id)
        return ActionResult({
            "ConnectedAt": connection.connected_at,
            "LastActiveAt": connection.last_active_at,
            "Identity": {"SourceIp": connection.source_ip, "UserAgent": connection.user_agent},
        })


def delete_connection(self: ApiGatewayManagementApiResponse) -> EmptyResult:
    connection_id = _connection_id(self)
    with _lock:
        _open_connection(_connections(self.apigatewaymanagementapi_backend),
                         connection_id).open = False
    return EmptyResult()


# The model routes only /@connections/{connectionId}; moto sends the stage-prefixed
# form (reached by an execute-api host name) here. It names the operation by the
# method and lets moto's call_action run and serialise the action as for the other form.
OPERATION_BY_METHOD = {"GET": "GetConnection", "DELETE": "DeleteConnection",
                       "POST": "PostToConnection"}


def connect_to_apigateway(request: Any, full_url: str, headers: Any) -> Any:
    response = ApiGatewayManagementApiResponse()
    response.setup_class(request, full_url, headers)
    operation = OPERATION_BY_METHOD.get(request.method)
    if operation is None:
        return 405, {}, ""
    response._get_action = lambda: operation  # type: ignore[method-assign]
    return response.call_action()


# -- installation -----------------------------------------------------------------
ACTIONS = (post_to_connection, get_connection, delete_connection)

_original_connect_to_apigateway = ApiGatewayManagementApiResponse.connect_to_apigateway
_installed = False


def install() -> None:
    """Replace moto's three connection actions; idempotent, before any server starts."""
    global _installed
    if _installed:
        return
    for action in ACTIONS:
        if not hasattr(ApiGatewayManagementApiResponse, action.__name__):
            raise RuntimeError(f"moto no longer has ApiGatewayManagementApi {action.__name__}: "
                               "check what it does now before replacing it")
        setattr(ApiGatewayManagementApiResponse, action.__name__, action)
    setattr(ApiGatewayManagementApiResponse, "connect_to_apigateway",
            staticmethod(connect_to_apigateway))
    apigatewaymanagementapi_urls.url_paths.update(
        (pattern, ApiGatewayManagementApiResponse.connect_to_apigateway)
        for pattern, view in apigatewaymanagementapi_urls.url_paths.items()
        if view is _original_connect_to_apigateway)
    _installed = True
