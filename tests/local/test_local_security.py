"""What scribblectl local refuses to strangers (docs/local.md, "Who may connect").

The WebSocket: an upgrade whose Origin is neither the page's own
(http://127.0.0.1:<port>, as the ready line prints it) nor one of
`[local] allowed_origins` gets 403 and never 101, as does one naming Origin
twice; an upgrade without Origin (a non-browser client, such as the tests'
websockets client) is served, and so is plain HTTP with any Origin.

Upgrades go over raw sockets, so the Origin sent is exactly the test's;
the app is the real scribblectl local with its real redis-server.

The cache: the redis-server started here refuses a client without the
password made for this run (NOAUTH) and one with a wrong password; the
handlers have it as SCRIBBLE_CACHE_PASSWORD; it shows on no command line,
in no file of the data directory (the tables aside) and in neither output
of `scribblectl --debug local`. With [local] cache_url the handlers get
that cache's own password instead.

The folders: <data_dir>/cache (the password's file) and its tls/ (the key)
are made 0700, the key 0600; a cache folder that is a symlink, is
writable by its group or by everyone, or is another user's makes
scribblectl local refuse to start, naming the folder.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import subprocess
import time

import pytest

from harness.local_redis import RedisConnection, RedisError
from local_app import (LocalApp, catch_up, failed_run, free_port, handler_environment, make_config,
                       open_websocket, recv_until)

ALLOWED = "https://canvas.example http://192.168.7.9:8080"


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    config = make_config(tmp_path_factory.mktemp("security"),
                         local={"allowed_origins": ALLOWED})
    app = LocalApp(config, schedule_interval=3600)
    app.argv.insert(1, "--debug")  # whatever it shows, the cache's password is not among it
    with app as running:
        yield running


def page_port(app) -> int:
    return int(app.url.rstrip("/").rsplit(":", 1)[1])


def own_origin(app) -> str:
    return app.url.rstrip("/")


def upgrade(app, origin_lines: str) -> tuple[int, bytes]:
    """Sends a valid WebSocket upgrade with the given Origin lines; (status, answer head)."""
    port = page_port(app)
    key = base64.b64encode(bytes(range(16))).decode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                  f"Sec-WebSocket-Key: {key}\r\n{origin_lines}\r\n".encode())
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = s.recv(4096)
            assert chunk, f"closed before an answer: {got!r}"
            got += chunk
        if not got.startswith(b"HTTP/1.1 101 "):
            while chunk:  # the body, up to the server's close
                chunk = s.recv(4096)
                got += chunk
    line = got.split(b"\r\n", 1)[0]
    assert line.startswith(b"HTTP/1.1 "), got[:200]
    return int(line.split()[1]), got


# Placing first: the raw upgrades below leave connections that are gone before their
# catch-up, which the catch-up handler then spends a while on.

def test_the_python_client_sends_no_origin_and_places(app):
    """The tests' client (websockets) sends no Origin unless told: it is let in, and places."""
    from websockets.sync.client import connect
    with connect(app.ws_url + "?since=0", open_timeout=10, close_timeout=5, proxy=None,
                 compression=None, ping_interval=None) as ws:
        sent = {k.lower() for k in ws.request.headers.keys()}
        assert "origin" not in sent, sent
        catch_up(ws)
        ws.send(json.dumps({"action": "sendMessage", "type": "place",
                            "pixels": [[1, 2, 1]], "ref": 3}))
        got = recv_until(ws, lambda m: m.get("ref") == 3, timeout=20)
        assert got[-1]["type"] == "placed", got


def test_a_browser_from_the_page_places(app):
    """With the page's own Origin (as a browser on the printed URL sends it), placing works."""
    from websockets.sync.client import connect
    with connect(app.ws_url + "?since=0", open_timeout=10, close_timeout=5, proxy=None,
                 compression=None, ping_interval=None, origin=own_origin(app)) as ws:
        catch_up(ws)
        ws.send(json.dumps({"action": "sendMessage", "type": "place",
                            "pixels": [[2, 2, 1]], "ref": 4}))
        got = recv_until(ws, lambda m: m.get("ref") == 4, timeout=20)
        assert got[-1]["type"] == "placed", got


@pytest.mark.parametrize("origin", [
    "http://evil.example",
    "null",
    "http://localhost:{port}",           # not the printed origin: see docs/local.md
    "http://127.0.0.1:{other}",          # another port is another origin
    "https://127.0.0.1:{port}",          # another scheme too
    "http://127.0.0.1:{port}/",          # not an origin as browsers send it
    "https://canvas.example.evil.example",
])
def test_foreign_origin_gets_403(app, origin):
    port = page_port(app)
    status, answer = upgrade(app, f"Origin: {origin.format(port=port, other=port + 1)}\r\n")
    assert status == 403, answer
    assert b"101" not in answer.split(b"\r\n", 1)[0]
    assert b"allowed_origins" in answer, answer


def test_origin_twice_gets_403(app):
    own = own_origin(app)
    status, answer = upgrade(app, f"Origin: {own}\r\nOrigin: {own}\r\n")
    assert status == 403, answer
    assert b"more than once" in answer, answer


@pytest.mark.parametrize("origin", ["{own}", "{own_upper}", "https://canvas.example",
                                    "http://192.168.7.9:8080"])
def test_own_and_allowed_origins_get_101(app, origin):
    own = own_origin(app)
    status, answer = upgrade(app, "Origin: " + origin.format(own=own, own_upper=own.upper())
                             + "\r\n")
    assert status == 101, answer


def test_no_origin_gets_101(app):
    status, answer = upgrade(app, "")
    assert status == 101, answer


def test_plain_http_with_a_foreign_origin_is_served(app):
    port = page_port(app)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(f"GET /config.json HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                  f"Origin: http://evil.example\r\n\r\n".encode())
        got = b""
        while chunk := s.recv(4096):
            got += chunk
    assert got.startswith(b"HTTP/1.1 200 "), got[:200]


# -- the cache's password ------------------------------------------------------------------

def test_redis_refuses_a_client_without_the_password(app):
    env = handler_environment(app)
    password = env["SCRIBBLE_CACHE_PASSWORD"]
    assert re.fullmatch(r"[0-9a-f]{64}", password), "the handlers get no generated password"
    host, port = env["SCRIBBLE_CACHE_ENDPOINT"].rsplit(":", 1)
    with RedisConnection(host, int(port), env["SCRIBBLE_CACHE_CA_FILE"]) as anonymous:
        with pytest.raises(RedisError, match="NOAUTH"):
            anonymous.command("GET", "anything")
    with pytest.raises(RedisError):
        RedisConnection(host, int(port), env["SCRIBBLE_CACHE_CA_FILE"],
                        password="0" * 64).close()
    with RedisConnection(host, int(port), env["SCRIBBLE_CACHE_CA_FILE"],
                         password=password) as cache:
        assert cache.command("PING") == b"PONG"


def test_the_password_is_not_shown(app):
    """Not on any process's command line, in a file left behind, in a log or in the output."""
    password = handler_environment(app)["SCRIBBLE_CACHE_PASSWORD"]
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    assert password.encode() not in f.read(), f"process {name} shows it"
            except OSError:
                pass  # gone meanwhile, or not ours to read
    for path in app.config.data_dir.rglob("*"):
        if path.is_file() and path.suffix != ".db":
            assert password.encode() not in path.read_bytes(), f"{path} holds it"
    assert not (app.config.data_dir / "cache" / "redis.conf").exists()
    assert password not in app.stdout and password not in app.stderr


def test_a_users_own_cache_keeps_its_own_password(tmp_path):
    """[local] cache_url: the handlers get that cache's password, not one made here, and place."""
    port, user_password = free_port(), "users-own-secret"
    folder = tmp_path / "users-redis"
    folder.mkdir()
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--requirepass", user_password, "--save", "", "--appendonly", "no",
                               "--dir", str(folder)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while subprocess.run(["redis-cli", "-p", str(port), "--no-auth-warning", "-a", user_password,
                              "PING"], capture_output=True, text=True,
                             timeout=10).stdout.strip() != "PONG":
            assert time.monotonic() < deadline, "redis-server never answered PING"
            assert server.poll() is None, "redis-server exited"
        config = make_config(tmp_path / "app", local={
            "cache_url": f"redis://:{user_password}@127.0.0.1:{port}"})
        with LocalApp(config, schedule_interval=3600) as running:
            env = handler_environment(running)
            assert env["SCRIBBLE_CACHE_ENDPOINT"] == f"127.0.0.1:{port}"
            assert env["SCRIBBLE_CACHE_PASSWORD"] == user_password
            with open_websocket(running, "?since=0") as ws:
                catch_up(ws)
                ws.send(json.dumps({"action": "sendMessage", "type": "place",
                                    "pixels": [[1, 1, 1]], "ref": 5}))
                got = recv_until(ws, lambda m: m.get("ref") == 5, timeout=20)
                assert got[-1]["type"] == "placed", got
    finally:
        server.terminate()
        server.wait(timeout=10)


# -- the folders that hold secrets ---------------------------------------------------------

def unsafe_cache_folder(kind, config, elsewhere):
    """Makes <data_dir>/cache unsafe in one way; what the refusal must say."""
    cache = config.data_dir / "cache"
    config.data_dir.mkdir(parents=True, exist_ok=True)
    if kind == "symlink":
        elsewhere.mkdir(mode=0o700)
        cache.symlink_to(elsewhere)
        return "is a symbolic link"
    cache.mkdir(mode=0o700)
    if kind == "group-writable":
        cache.chmod(0o770)
        return "writable by its group"
    if kind == "world-writable":
        cache.chmod(0o777)
        return "writable by every user"
    if os.geteuid() != 0:
        pytest.skip("making a folder another user's needs root")
    os.chown(cache, 65534, 65534)
    return "belongs to user 65534"


@pytest.mark.parametrize("kind", ["symlink", "group-writable", "world-writable", "someone else's"])
def test_an_unsafe_cache_folder_is_refused(tmp_path, kind):
    config = make_config(tmp_path / "app")
    words = unsafe_cache_folder(kind, config, tmp_path / "elsewhere")
    app, status = failed_run(config)
    assert status == 1, app.output_tail()
    assert str(config.data_dir / "cache") in app.stderr, app.stderr
    assert words in app.stderr, app.stderr
    assert "Scribble is running" not in app.stdout
    assert not [p for p in app.recorded() if "redis-server" in p.command], app.recorded()
    assert not (tmp_path / "elsewhere" / "tls").exists()


def test_the_folders_are_made_private(app):
    cache = app.config.data_dir / "cache"
    assert (cache.stat().st_mode & 0o777) == 0o700
    assert ((cache / "tls").stat().st_mode & 0o777) == 0o700
    assert ((cache / "tls" / "server.key").stat().st_mode & 0o777) == 0o600
