"""`scribblectl local` as a command: its flags, its failures before it is ready,
how it stops, and what it does with the processes it starts.

Every test that runs it checks, through /proc, that nothing it started (the
redis-server, every handler, anything in their process groups, anything
working in the test's directory or carrying the test's stack name) outlives
it. Each waits on conditions with deadlines, never on sleeps.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess

import pytest

from local_app import (SOURCE_DIR, LocalApp, catch_up, child_env, free_port, make_config,
                       open_websocket, proc_environ, recv_until, scribblectl, wait_for)

ALLOWED = "allowed: --port 0-65535, --data-dir DIR, --schedule-interval 1-3600"


def run(args, env=None, cwd=None, timeout=30):
    return subprocess.run([scribblectl(), *args], env=env or child_env(), cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)


def failed_run(config, env=None, args=None, timeout=30):
    """Runs local until it exits by itself; returns (app, status). Nothing of it may remain."""
    app = LocalApp(config, env=env, args=args).launch()
    try:
        status = app.wait(timeout)
    except BaseException:
        app.kill()
        raise
    leftovers = app.reap()
    assert leftovers == [], f"left running after it failed: {leftovers}\n{app.output_tail()}"
    app.check_sanitizers()
    return app, status


def placed_pixels(placed):
    """The pixels [seq, x, y, colour] the place message of test_crashed_handler got."""
    return [[placed["first"], 3, 4, 1], [placed["last"], 5, 6, 1]]


def described_handlers() -> list[str]:
    """The handlers of stack/description.h's STACK_HANDLERS."""
    text = (SOURCE_DIR / "stack" / "description.h").read_text()
    listed = re.search(r"#define STACK_HANDLERS\(X\)((?:.*\\\n)*.*)", text).group(1)
    return re.findall(r"X\((\w+)\)", listed)


def started_children(app):
    """Its children (redis-server and one per handler) once all of them have exec'd."""
    want = 1 + len(described_handlers())

    def settled():
        children = app.children()
        if len(children) == want and all(p.command != "scribblectl" for p in children):
            return children
        return None
    return wait_for(settled, 15, lambda: f"not {want} started children: "
                                         f"{[str(p) for p in app.children()]}\n{app.output_tail()}")


def handler_pid(app, name, other_than=None):
    """The pid of the running `name` handler (a child whose environment has _HANDLER=name)."""
    def find():
        for p in app.children():
            if p.pid != other_than and proc_environ(p.pid).get("_HANDLER") == name:
                return p.pid
        return None
    return wait_for(find, 15, lambda: f"no {name} handler among {[str(p) for p in app.children()]}"
                                      f"\n{app.output_tail()}")


# -- flags -------------------------------------------------------------------------------

def test_help(tmp_path):
    config = make_config(tmp_path)
    result = run(["-c", str(config.ini), "local", "--help"])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: scribblectl"), result.stdout
    for flag in ("--port", "--data-dir", "--schedule-interval"):
        assert flag in result.stdout
    assert result.stderr == ""
    assert not config.data_dir.exists()


BAD_FLAGS = [
    (["--port", "abc"], "--port abc"),
    (["--port", "70000"], "--port 70000"),
    (["--port", "-1"], "--port -1"),
    (["--port"], "--port"),
    (["--schedule-interval", "0"], "--schedule-interval 0"),
    (["--schedule-interval", "3601"], "--schedule-interval 3601"),
    (["--data-dir", ""], "--data-dir"),
    (["--frobnicate"], "--frobnicate"),
]


@pytest.mark.parametrize("flags, named", BAD_FLAGS, ids=[named for _, named in BAD_FLAGS])
def test_bad_flags(tmp_path, flags, named):
    config = make_config(tmp_path)
    result = run(["-c", str(config.ini), "local", *flags])
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert f"scribblectl local: {named}" in result.stderr, result.stderr
    assert ALLOWED in result.stderr, result.stderr
    assert "usage: scribblectl" in result.stderr
    assert result.stdout == ""
    assert not config.data_dir.exists()


def test_config_error_is_reported_as_validate_does(tmp_path):
    config = make_config(tmp_path, settings={"canvas": {"depth": 3}}, validate=False)
    lines = config.ini.read_text().split("\n")
    line = next(i + 1 for i, text in enumerate(lines) if text.strip() == "depth = 3")
    validate = run(["-c", str(config.ini), "validate"])
    assert validate.returncode == 2
    expected = f"{config.ini}:{line}: canvas.depth: got \"3\""
    assert expected in validate.stderr, validate.stderr

    app, status = failed_run(config)
    assert status == 2, app.output_tail()
    assert expected in app.stderr, app.stderr
    # Every line validate reports, local reports too.
    for reported in filter(None, validate.stderr.split("\n")):
        assert reported in app.stderr, (reported, app.stderr)
    assert app.stdout == ""
    assert not config.data_dir.exists(), "the data directory was made for a config that is wrong"
    assert app.recorded() == [], f"it started processes: {app.recorded()}"


# -- failing to start ------------------------------------------------------------------------

def test_port_in_use(tmp_path):
    config = make_config(tmp_path)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        app, status = failed_run(config, args=["--port", str(port), "--data-dir",
                                               str(config.data_dir)])
    assert status == 1, app.output_tail()
    assert app.stderr.startswith("scribblectl local: "), app.stderr
    assert f"port {port}" in app.stderr and "in use" in app.stderr, app.stderr
    assert "Scribble is running" not in app.stdout


def test_redis_server_missing(tmp_path):
    config = make_config(tmp_path)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    app, status = failed_run(config, env=child_env(PATH=str(empty)))
    assert status == 1, app.output_tail()
    assert app.stderr.startswith("scribblectl local: "), app.stderr
    assert "redis-server" in app.stderr, app.stderr
    assert "apt-get install redis-server" in app.stderr, app.stderr
    assert "cache_url" in app.stderr, app.stderr
    assert "Scribble is running" not in app.stdout
    assert not [p for p in app.recorded() if "scribble-handle" in p.command], \
        f"handlers were started without a cache: {app.recorded()}"


def test_handler_binary_missing(tmp_path):
    config = make_config(tmp_path)
    missing = "/nonexistent/scribble-handler"
    app, status = failed_run(config, env=child_env(SCRIBBLE_HANDLER=missing))
    assert status == 1, app.output_tail()
    assert app.stderr.startswith("scribblectl local: "), app.stderr
    assert missing in app.stderr, app.stderr
    assert "SCRIBBLE_HANDLER" in app.stderr, app.stderr
    assert app.recorded() == [], f"it started processes: {app.recorded()}"


# -- running and stopping ------------------------------------------------------------------------

@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_clean_stop(tmp_path, stop_signal):
    canvas = {"width": 24, "height": 12, "depth": 4, "cooldown": 3, "max_batch": 5}
    config = make_config(tmp_path, canvas=canvas)
    app = LocalApp(config).start()
    try:
        status, headers, body = app.get("/")
        assert status == 200
        assert headers["content-type"].startswith("text/html"), headers
        assert body == (SOURCE_DIR / "static" / "scribble.html").read_bytes()
        assert b"<html" in body.lower()

        settings = app.get_json("/config.json")
        assert settings["websocketUrl"] == f"ws://127.0.0.1:{app.port}/", settings
        assert settings["canvas"] == {"width": 24, "height": 12, "depth": 4, "cooldown": 3,
                                      "maxBatch": 5}, settings

        children = started_children(app)
        commands = sorted(p.command for p in children)
        assert commands == ["redis-server"] + ["scribble-handle"] * len(described_handlers()), commands
        for p in children:
            assert p.pgid == p.pid, f"{p} is in process group {p.pgid}, not its own"
    except BaseException:
        app.kill()
        raise
    result = app.stop(stop_signal)
    assert result.returncode == 0, app.output_tail()
    assert result.leftovers == [], result.leftovers
    assert "scribblectl local: stopped" in app.stderr.splitlines(), app.stderr
    assert app.stderr.splitlines()[-1] == "scribblectl local: stopped", app.stderr


def test_killed_outright_takes_its_children(tmp_path):
    config = make_config(tmp_path)
    app = LocalApp(config).start()
    try:
        started_children(app)
        started = app.recorded()
        os.kill(app.pid, signal.SIGKILL)
        assert app.wait(10) == -signal.SIGKILL
        wait_for(lambda: not app.alive_of_it(), 5,
                 lambda: f"outlived scribblectl's SIGKILL: {[str(p) for p in app.alive_of_it()]}")
        assert any(p.command == "redis-server" for p in started)
    finally:
        app.kill()


def test_crashed_handler_is_restarted(tmp_path):
    config = make_config(tmp_path)
    with LocalApp(config) as app:
        old = handler_pid(app, "send")
        os.kill(old, signal.SIGKILL)
        app.wait_for_stderr(r"scribblectl local: send: the process was killed by signal 9")
        new = handler_pid(app, "send", other_than=old)
        assert new != old

        with open_websocket(app) as ws:
            catch_up(ws)
            ws.send(json.dumps({"action": "sendMessage", "type": "place",
                                "pixels": [[3, 4, 1], [5, 6, 1]], "ref": "after-crash"}))
            seen, answer = [], {}

            def placed_and_broadcast(message):
                if message.get("type") == "pixels":
                    seen.extend(message["pixels"])
                if message.get("ref") == "after-crash":
                    answer.update(message)
                return bool(answer) and (answer.get("type") != "placed" or all(
                    px in seen for px in placed_pixels(answer)))

            got = recv_until(ws, placed_and_broadcast, timeout=20)
            assert answer.get("type") == "placed", got
            assert answer["last"] == answer["first"] + 1, answer
        status, headers, _ = app.get("/_local/canvas.png")
        assert status == 200
        assert int(headers["x-scribble-seq"]) >= answer["last"]
        assert handler_pid(app, "send") == new, "the restarted send handler did not stay up"


def test_aws_port_in_use(tmp_path):
    """The local AWS endpoint's port ([local] aws_port) taken: the advice must name
    aws_port, as --port and [local] port are not the port that is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        held.listen(1)
        port = held.getsockname()[1]
        config = make_config(tmp_path, local={"aws_port": port})
        app, status = failed_run(config)
    assert status == 1, app.output_tail()
    assert app.stderr.startswith("scribblectl local: "), app.stderr
    assert f"port {port}" in app.stderr and "in use" in app.stderr, app.stderr
    assert "aws_port" in app.stderr, (
        "the port taken is [local] aws_port, but the message advises only --port or "
        f"[local] port: {app.stderr}")


def test_port_equal_to_aws_port_is_a_usage_error(tmp_path):
    config = make_config(tmp_path)
    assert config.aws_port
    result = run(["-c", str(config.ini), "local", "--port", str(config.aws_port)])
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert f"--port {config.aws_port}" in result.stderr and "aws_port" in result.stderr, result.stderr
    assert not config.data_dir.exists()


def test_stop_saves_the_canvas(tmp_path):
    """SIGTERM saves before stopping: with no scheduled save in the test's time, the
    pixels placed are in the pixels table when the app runs again on its data."""
    config = make_config(tmp_path)
    width = config.canvas["width"]
    app = LocalApp(config, schedule_interval=3600).start()
    try:
        with open_websocket(app) as ws:
            catch_up(ws)
            ws.send(json.dumps({"action": "sendMessage", "type": "place",
                                "pixels": [[7, 2, 1], [0, 9, 1]], "ref": 1}))
            got = recv_until(ws, lambda m: m.get("ref") == 1, timeout=20)
            assert got[-1]["type"] == "placed", got
    except BaseException:
        app.kill()
        raise
    result = app.stop()
    assert result.returncode == 0 and result.leftovers == [], app.output_tail()
    placed = got[-1]

    with LocalApp(config, schedule_interval=3600) as again:
        items = again.client("dynamodb").scan(TableName=f"{config.stack}-pixels")["Items"]
        stored = {int(i["idx"]["N"]): (int(i["colour"]["N"]), int(i["seq"]["N"])) for i in items
                  if "colour" in i}  # not the seq mark (docs/protocol.md, "Persistence")
        want = {2 * width + 7: (1, placed["first"]), 9 * width + 0: (1, placed["last"])}
        assert stored == want, (stored, placed)


def test_second_signal_stops_without_waiting_for_the_save(tmp_path):
    """With the cache frozen (SIGSTOP), the last save cannot finish: a second SIGTERM
    stops at once, exit 1, saying the placements since the previous save stay unsaved."""
    config = make_config(tmp_path)
    app = LocalApp(config, schedule_interval=3600).start()
    try:
        redis = next(p for p in app.children() if "redis-server" in p.command)
        with open_websocket(app) as ws:
            catch_up(ws)
        os.kill(redis.pid, signal.SIGSTOP)
        app.send_signal(signal.SIGTERM)
        app.wait_for_stderr(r"stopping: saving the canvas")
        app.send_signal(signal.SIGTERM)
        status = app.wait(timeout=30)
    except BaseException:
        app.kill()
        raise
    assert status == 1, app.output_tail()
    assert "stopped before the last save finished" in app.stderr, app.stderr
    assert app.reap() == [], app.output_tail()


# -- a cache of the user's own ([local] cache_url) ---------------------------------------------

@pytest.fixture
def plain_redis(tmp_path_factory):
    """A redis-server without TLS on a free port, as a user's own cache; stopped at the end.
    It works in a folder of its own: what works in the test's folder counts as the app's."""
    port = free_port()
    folder = tmp_path_factory.mktemp("users-redis")
    server = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1",
                               "--save", "", "--appendonly", "no", "--dir", str(folder)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def cli(*args):
        return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True,
                              text=True, timeout=10)

    try:
        wait_for(lambda: cli("PING").stdout.strip() == "PONG", 10, "redis-server never answered PING")
        yield port, cli
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_cache_url_is_used_instead_of_starting_one(tmp_path, plain_redis):
    port, cli = plain_redis
    config = make_config(tmp_path, local={"cache_url": f"redis://127.0.0.1:{port}"})
    with LocalApp(config) as app:
        assert not [p for p in app.children() if "redis-server" in p.command], \
            f"it started a cache of its own: {[str(p) for p in app.children()]}"
        send = proc_environ(handler_pid(app, "send"))
        assert send["SCRIBBLE_CACHE_ENDPOINT"] == f"127.0.0.1:{port}"
        assert send["SCRIBBLE_CACHE_TLS"] == "false"
        with open_websocket(app) as ws:
            catch_up(ws)
            ws.send(json.dumps({"action": "sendMessage", "type": "place",
                                "pixels": [[1, 1, 1]], "ref": "mine"}))
            got = recv_until(ws, lambda m: m.get("ref") == "mine", timeout=20)
            assert got[-1]["type"] == "placed", got
    keys = cli("--scan").stdout.split()
    assert any(key.startswith(f"{{{config.stack}}}:") for key in keys), keys


def test_cache_url_that_does_not_answer(tmp_path):
    # A port bound but never listened on: a connection to it is refused, and
    # no other process can take it while the test holds it (a port that was
    # merely free a moment ago may be a cache of another test's by now, which
    # answers, and then local goes on to start its handlers).
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        config = make_config(tmp_path, local={"cache_url": f"redis://127.0.0.1:{port}"})
        app, status = failed_run(config)
    assert status == 1, app.output_tail()
    assert app.stderr.startswith("scribblectl local: "), app.stderr
    assert f"127.0.0.1:{port}" in app.stderr, app.stderr
    assert "Scribble is running" not in app.stdout
    assert app.recorded() == [], f"it started processes: {app.recorded()}"
