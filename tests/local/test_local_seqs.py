"""Seqs through crashes and lost caches, with scribblectl local (docs/protocol.md, "Losing the
cache"; docs/local.md).

Each client here applies what it receives by the protocol's rules alone (tests/runtime's
ProtocolClient, written from docs/protocol.md), and is compared with the canvas the cache holds,
read from the app's own redis-server (its address and CA from a handler's environment). The app
runs with a schedule interval longer than the test, so no scheduled save or snapshot runs: what
the handlers do on the first request after a restart is all there is.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
from typing import Any

import pytest

from local_app import LocalApp, make_config, open_websocket, proc_environ, recv_json

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "runtime"))
from harness.local_redis import RedisConnection  # noqa: E402
from protocol_client import ProtocolClient, decode_canvas  # noqa: E402

NO_SCHEDULE = 3600
CANVAS = {"width": 16, "height": 16, "depth": 2, "cooldown": 0, "max_batch": 16}


class Client:
    """A WebSocket connection and the canvas it builds from what it receives."""

    def __init__(self, app: LocalApp, since: int | None = None, model: ProtocolClient | None = None):
        self.app = app
        self.ws = open_websocket(app, f"?since={since}" if since is not None else "")
        w, h, d = CANVAS["width"], CANVAS["height"], CANVAS["depth"]
        self.model = ProtocolClient("", w, h, d, self.fetch)
        if model is not None:  # a page reconnecting keeps what it drew
            self.model.colours, self.model.seqs = list(model.colours), list(model.seqs)
            self.model.known = model.known
        self.messages: list[dict[str, Any]] = []

    def fetch(self, url: str) -> bytes:
        with urllib.request.urlopen(self.app.url + url, timeout=10) as answer:
            return answer.read()

    def receive(self, until, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while not until():
            left = deadline - time.monotonic()
            assert left > 0, f"nothing awaited came within {timeout:g} s; got {self.messages[-5:]}"
            self.messages.append(recv_json(self.ws, timeout=left))
            self.model.apply(self.messages)

    def place(self, pixels: list[list[int]], ref: str) -> dict[str, Any]:
        self.ws.send(json.dumps(
            {"action": "sendMessage", "type": "place", "pixels": pixels, "ref": ref}))
        self.receive(lambda: any(a.get("ref") == ref for a in self.model.answers))
        return next(a for a in self.model.answers if a.get("ref") == ref)

    def close(self) -> None:
        self.ws.close()


def cache_of(app: LocalApp) -> RedisConnection:
    """A connection to the app's own cache, as its handlers reach it."""
    for p in app.alive_of_it():
        env = proc_environ(p.pid)
        if env.get("SCRIBBLE_CACHE_ENDPOINT"):
            host, port = env["SCRIBBLE_CACHE_ENDPOINT"].rsplit(":", 1)
            return RedisConnection(host, int(port), env["SCRIBBLE_CACHE_CA_FILE"],
                                   password=env.get("SCRIBBLE_CACHE_PASSWORD") or None)
    raise AssertionError(f"no handler of {app.command} names its cache")


def server_canvas(app: LocalApp) -> tuple[list[int], int]:
    with cache_of(app) as cache:
        bits = cache.command("GET", f"{{{app.config.stack}}}:canvas") or b""
        seq = int(cache.command("GET", f"{{{app.config.stack}}}:seq") or 0)
    return decode_canvas(bits, CANVAS["width"], CANVAS["height"], CANVAS["depth"]), seq


def pixels_for(round_: int, count: int) -> list[list[int]]:
    """count distinct pixels, coloured by round_, so a reused seq shows as a wrong colour."""
    return [[i % 16, (i // 16 + round_ * 3) % 16, 1 + (i + round_) % 3] for i in range(count)]


def place_many(client: Client, total: int, round_: int) -> list[int]:
    seqs = []
    for start in range(0, total, CANVAS["max_batch"]):
        batch = pixels_for(round_, total)[start:start + CANVAS["max_batch"]]
        answer = client.place(batch, ref=f"{round_}-{start}")
        assert answer["type"] == "placed", answer
        seqs.extend(range(answer["first"], answer["last"] + 1))
    return seqs


def assert_same(app: LocalApp, *clients: Client) -> None:
    server, seq = server_canvas(app)
    for c in clients:
        c.receive(lambda c=c: c.model.known >= seq)
        differing = [i for i in range(len(server)) if c.model.colours[i] != server[i]]
        assert not differing, f"{len(differing)} pixels differ from the server's at seq {seq}"


def test_a_crash_before_the_first_save_gives_no_seq_twice(tmp_path):
    """The issue's steps: A places 100 pixels, scribblectl is killed before any save, starts
    again on the same data, A reconnects with ?since= as the page does and B places 100: B's
    seqs are new, and A ends with the server's canvas."""
    config = make_config(tmp_path, canvas=CANVAS)
    first = LocalApp(config, schedule_interval=NO_SCHEDULE).start()
    try:
        a = Client(first)
        a.receive(lambda: a.model.caught_up is not None)
        before = place_many(a, 100, round_=1)
        a.receive(lambda: a.model.known >= before[-1])
        seen = a.model
        a.close()
    finally:
        first.kill()  # SIGKILL: no save, nothing flushed but what the store committed

    with LocalApp(config, schedule_interval=NO_SCHEDULE) as again:
        a = Client(again, since=seen.known, model=seen)
        b = Client(again)
        b.receive(lambda: b.model.caught_up is not None)
        after = place_many(b, 100, round_=2)
        assert min(after) > max(before), (before[-1], after[0])
        assert_same(again, a, b)
        snapshot = a.model.snapshots[-1]
        assert snapshot["seq"] > max(before), snapshot  # every older pixel gave way to it
        a.close()
        b.close()


def test_a_restart_on_existing_data_places_within_two_seconds(tmp_path):
    config = make_config(tmp_path, canvas=CANVAS)
    with LocalApp(config, schedule_interval=NO_SCHEDULE) as first:
        a = Client(first)
        a.receive(lambda: a.model.caught_up is not None)
        place_many(a, 40, round_=1)
        a.close()  # SIGTERM on leaving saves the canvas

    again = LocalApp(config, schedule_interval=NO_SCHEDULE)
    started = time.monotonic()
    with again:
        ready = time.monotonic()
        c = Client(again)
        answer = c.place([[3, 3, 3]], ref="first")
        placed = time.monotonic()
        assert answer["type"] == "placed", answer
        assert placed - ready < 2.0, f"placed {placed - ready:.2f} s after the restart was ready"
        c.receive(lambda: c.model.caught_up is not None)
        assert c.model.snapshots[0]["url"], c.model.snapshots  # the loaded canvas, published
        assert_same(again, c)
        c.close()
    print(f"ready {ready - started:.2f} s after launch; placed {placed - ready:.3f} s later")


@pytest.mark.parametrize("reconnect", [True, False], ids=["reconnects", "stays"])
def test_a_cache_wiped_while_running_gives_no_seq_twice(tmp_path, reconnect):
    """The cache is flushed under a running app, before any save. A reconnects with ?since=,
    or stays connected: then the cache has forgotten its connection, and asking for a
    catch-up (as the page does on a gap, or after its own placement shows one) registers it
    again. Either way B's seqs are new and A ends with the server's canvas, and then follows
    it live."""
    config = make_config(tmp_path, canvas=CANVAS)
    with LocalApp(config, schedule_interval=NO_SCHEDULE) as app:
        a = Client(app)
        a.receive(lambda: a.model.caught_up is not None)
        before = place_many(a, 50, round_=1)
        a.receive(lambda: a.model.known >= before[-1])
        with cache_of(app) as cache:
            assert cache.command("FLUSHALL") in (b"OK", "OK")
        if reconnect:
            a.close()
            a = Client(app, since=a.model.known, model=a.model)
        else:
            a.ws.send(json.dumps({"action": "sendMessage", "type": "catchup",
                                  "since": a.model.known}))
        a.receive(lambda: a.model.caught_up is not None and a.model.caught_up > max(before))
        b = Client(app)
        after = place_many(b, 50, round_=2)
        assert min(after) > max(before), (before[-1], after[0])
        assert_same(app, a, b)
        a.close()
        b.close()
