"""What scribblectl local's listeners answer to requests they refuse (docs/local.md,
"Request limits"): 414 for a request target over 8192 bytes (or over 32 parts),
431 for header fields over 16384 bytes (or over 64 of them), 400 for a bad
%-escape (%00 included) and for a WebSocket upgrade whose Sec-WebSocket-Key is
not the base64 of 16 bytes. Each is an answer, never a dropped connection, even
far beyond libwebsockets' own header buffer; and the app keeps serving the page,
placing pixels and answering as AWS afterwards.

Requests go over raw sockets, so the bytes sent are exactly the test's.
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket

import pytest

from local_app import LocalApp, catch_up, make_config, open_websocket, recv_until

TARGET_LIMIT = 8192
HEADERS_LIMIT = 16384
FAR = 1 << 20  # far beyond libwebsockets' 32 KiB header buffer
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    config = make_config(tmp_path_factory.mktemp("page-limits"))
    with LocalApp(config, schedule_interval=3600) as running:
        yield running


def page_port(app) -> int:
    return int(app.url.rstrip("/").rsplit(":", 1)[1])


def exchange(port: int, data: bytes, timeout: float = 20.0) -> bytes:
    """Sends data, then reads until the server closes; what came back."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # what it answered is still read below
        got = []
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            got.append(chunk)
    return b"".join(got)


def status_of(response: bytes) -> int:
    line = response.split(b"\r\n", 1)[0]
    assert line.startswith(b"HTTP/1.1 "), f"not an HTTP answer: {response[:200]!r}"
    return int(line.split()[1])


def body_of(response: bytes) -> str:
    return response.split(b"\r\n\r\n", 1)[1].decode("utf-8", "replace")


def get(port: int, target: str, headers: str = "") -> bytes:
    return exchange(port, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{headers}\r\n"
                          .encode("latin-1"))


def upgrade(port: int, key_lines: str) -> bytes:
    return get(port, "/", "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          f"Sec-WebSocket-Version: 13\r\n{key_lines}")


def assert_refused(response: bytes, status: int, words: str) -> None:
    assert status_of(response) == status, response[:300]
    assert words in body_of(response), body_of(response)
    assert b"\r\nConnection: close\r\n" in response, response[:300]


# -- the request target ------------------------------------------------------------------

def test_target_at_the_limit_is_served(app):
    target = "/" + "a" * (TARGET_LIMIT - 1)
    assert status_of(get(page_port(app), target)) == 404  # read and looked for: no such file


def test_target_over_the_limit_gets_414(app):
    response = get(page_port(app), "/" + "a" * TARGET_LIMIT)
    assert_refused(response, 414, "longer than 8192 bytes")


def test_query_over_the_limit_gets_414(app):
    response = get(page_port(app), "/?since=1&pad=" + "b" * TARGET_LIMIT)
    assert_refused(response, 414, "longer than 8192 bytes")


def test_target_far_beyond_the_buffer_gets_414(app):
    response = get(page_port(app), "/" + "a" * FAR)
    assert_refused(response, 414, "longer than 8192 bytes")


def test_too_many_query_parts_get_414(app):
    response = get(page_port(app), "/?" + "&".join(f"p{i}=1" for i in range(40)))
    assert_refused(response, 414, "more than 32 parts")


# -- the header fields -------------------------------------------------------------------

def test_headers_at_the_limit_are_served(app):
    port = page_port(app)
    host = f"Host: 127.0.0.1:{port}\r\n"
    filler = "X-Filler: "
    # the header fields, blank line included, are exactly the limit
    pad = HEADERS_LIMIT - len(host) - len(filler) - 2 - 2
    response = exchange(port, f"GET /config.json HTTP/1.1\r\n{host}{filler}{'c' * pad}\r\n\r\n"
                              .encode())
    assert status_of(response) == 200, response[:300]
    assert json.loads(body_of(response))["websocketUrl"].startswith("ws://"), body_of(response)


def test_headers_over_the_limit_get_431(app):
    response = get(page_port(app), "/config.json", f"X-Filler: {'c' * HEADERS_LIMIT}\r\n")
    assert_refused(response, 431, "longer than 16384 bytes")


def test_headers_far_beyond_the_buffer_get_431(app):
    response = get(page_port(app), "/config.json", f"X-Filler: {'c' * FAR}\r\n")
    assert_refused(response, 431, "longer than 16384 bytes")


def test_too_many_header_fields_get_431(app):
    lines = "".join(f"X-Field-{i}: {i}\r\n" for i in range(70))
    assert_refused(get(page_port(app), "/config.json", lines), 431, "more than 64 header fields")


def test_nul_in_a_header_gets_400(app):
    response = get(page_port(app), "/config.json", "X-Nul: a\0b\r\n")
    assert_refused(response, 400, "control character")


# -- %-escapes ---------------------------------------------------------------------------

@pytest.mark.parametrize("target", ["/%00", "/index.html%00", "/%00index.html", "/?since=%00",
                                    "/?since=1%00"])
def test_percent_00_gets_400(app, target):
    assert_refused(get(page_port(app), target), 400, "%00")


@pytest.mark.parametrize("target", ["/index.html%", "/%zz", "/%4", "/?since=%4g", "/?since=1%"])
def test_malformed_escapes_get_400(app, target):
    assert_refused(get(page_port(app), target), 400, "not followed by two hex digits")


def test_valid_escapes_still_decode(app):
    response = get(page_port(app), "/%73cribble.html")  # s
    assert status_of(response) == 200, response[:300]
    assert b"<html" in response.lower()


# -- WebSocket upgrades ------------------------------------------------------------------

@pytest.mark.parametrize("key_lines", [
    "Sec-WebSocket-Key: not base64 at all!!\r\n",
    f"Sec-WebSocket-Key: {base64.b64encode(b'x' * 15).decode()}\r\n",
    f"Sec-WebSocket-Key: {base64.b64encode(b'x' * 17).decode()}\r\n",
    f"Sec-WebSocket-Key: {base64.b64encode(b'x' * 16).decode().rstrip('=')}\r\n",
    "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAB==\r\n",  # not canonical: 2 bits beyond 16 bytes
    "",
    f"Sec-WebSocket-Key: {base64.b64encode(b'x' * 16).decode()}\r\n" * 2,
], ids=["not-base64", "15-bytes", "17-bytes", "unpadded", "non-canonical", "missing", "twice"])
def test_bad_websocket_key_gets_400(app, key_lines):
    response = upgrade(page_port(app), key_lines)
    assert_refused(response, 400, "Sec-WebSocket-Key")
    assert b" 101 " not in response and b"Sec-WebSocket-Accept" not in response


def test_valid_websocket_key_gets_101(app):
    key = base64.b64encode(bytes(range(16))).decode()
    port = page_port(app)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                  f"Sec-WebSocket-Key: {key}\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = s.recv(4096)
            assert chunk, f"closed before the upgrade's answer: {head!r}"
            head += chunk
    accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
    assert status_of(head) == 101, head
    lines = head.decode("latin-1").split("\r\n\r\n", 1)[0].split("\r\n")[1:]
    headers = {name.lower(): value.strip() for name, value in (l.split(":", 1) for l in lines)}
    assert headers.get("sec-websocket-accept") == accept, head


# -- one request per connection ----------------------------------------------------------

def test_a_second_request_on_the_connection_is_not_read(app):
    """Only a connection's first head is checked, so the connection closes after its answer:
    a bad request pipelined behind a good one never reaches libwebsockets' parser."""
    port = page_port(app)
    good = f"GET /config.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    bad = f"GET /%00 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    response = exchange(port, (good + bad).encode())
    assert status_of(response) == 200, response[:300]
    assert response.count(b"HTTP/1.1 ") == 1, response
    assert b"\r\nconnection: close\r\n" in response.lower(), response[:300]


# -- the local AWS endpoint ----------------------------------------------------------------

def test_the_aws_endpoint_has_the_same_limits(app):
    port = app.config.aws_port
    assert_refused(get(port, "/" + "a" * TARGET_LIMIT), 414, "longer than 8192 bytes")
    assert_refused(get(port, "/" + "a" * FAR), 414, "longer than 8192 bytes")
    assert_refused(get(port, "/", f"X-Filler: {'c' * HEADERS_LIMIT}\r\n"), 431,
                   "longer than 16384 bytes")
    assert_refused(get(port, "/", f"X-Filler: {'c' * FAR}\r\n"), 431, "longer than 16384 bytes")
    assert_refused(get(port, "/bucket/key%00"), 400, "%00")
    name = f"{app.config.stack}-pixel-queue"
    url = app.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    assert url.endswith(f"/{name}"), url


# -- and afterwards ----------------------------------------------------------------------

def test_still_serves_and_places_afterwards(app):
    """Runs last: after every refusal above, the page is served and a pixel is placed."""
    status, _, body = app.get("/")
    assert status == 200 and b"<html" in body.lower(), (status, body[:200])
    with open_websocket(app, "?since=0") as ws:
        catch_up(ws)
        ws.send(json.dumps({"action": "sendMessage", "type": "place",
                            "pixels": [[3, 4, 1]], "ref": 7}))
        got = recv_until(ws, lambda m: m.get("ref") == 7, timeout=20)
        assert got[-1]["type"] == "placed", got
