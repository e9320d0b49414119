"""The cap on fan-out through scribblectl local (docs/protocol.md, "Latency and the
broadcast rate"): however fast pixels are placed, each connection is sent at most
limits.broadcast_rate pixel messages a second, and every pixel still arrives, once.

One connection places one pixel per message as fast as its answers come back; another
only watches, timing each pixel message it receives. Two ways in:
- a standard queue, whose trigger gathers for a second and batches up to 1,000 messages
  (stack/description.h), as Lambda's does;
- a FIFO queue, whose trigger has no window and hands over 10 messages at most, so
  broadcasts follow one another as fast as the function runs and only the broadcast
  clock in the cache keeps them apart.
"""

from __future__ import annotations

import json
import threading
import time

import pytest

from local_app import LocalApp, make_config, open_websocket, recv_json, recv_until

# Placing goes on for this long and this many placements at least (and this many at most),
# so it outlasts the trigger's one-second window however fast the machine is.
PLACING_SECONDS = 3.0
PLACEMENTS = 150
MOST_PLACEMENTS = 300


def place_fast(placer) -> tuple[list[int], float]:
    """Places one pixel a message, each as soon as the last is answered: the seqs given,
    and how long it took."""
    seqs: list[int] = []
    began = time.monotonic()
    n = 0
    while n < MOST_PLACEMENTS and (n < PLACEMENTS or time.monotonic() - began < PLACING_SECONDS):
        ref = f"p{n}"
        placer.send(json.dumps({"action": "sendMessage", "type": "place",
                                "pixels": [[n % 16, (n // 16) % 16, n % 2]], "ref": ref}))
        answer = recv_until(placer, lambda m, ref=ref: m.get("ref") == ref)[-1]
        assert answer["type"] == "placed", answer
        seqs.append(answer["first"])
        n += 1
    return seqs, time.monotonic() - began


class Watcher:
    """Times each pixel message a connection receives, on a thread of its own, from
    its catch-up's end (`caughtup`: the pixels a catch-up sends may repeat live ones)
    to the moment every wanted seq has come."""

    def __init__(self, ws):
        self.ws = ws
        self.got: list[tuple[float, list[int]]] = []
        self.seen: set[int] = set()
        self.failure: BaseException | None = None
        self.want: set[int] | None = None
        self.done = threading.Event()
        self.caught_up = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            while not self.done.is_set():
                try:
                    message = recv_json(self.ws, timeout=0.5)
                except TimeoutError:
                    continue
                if message.get("type") == "caughtup":
                    self.caught_up.set()
                if message.get("type") != "pixels" or not self.caught_up.is_set():
                    continue
                seqs = [p[0] for p in message["pixels"]]
                self.got.append((time.monotonic(), seqs))
                self.seen.update(seqs)
                if self.want is not None and self.want <= self.seen:
                    self.done.set()
        except BaseException as e:  # reported by wait()
            self.failure = e
            self.done.set()

    def wait(self, want: set[int], timeout: float) -> list[tuple[float, list[int]]]:
        self.want = want
        if want <= self.seen:
            self.done.set()
        finished = self.done.wait(timeout)
        self.done.set()
        self.thread.join(5)
        assert self.failure is None, self.failure
        assert finished, f"seqs never broadcast: {sorted(want - self.seen)[:10]}"
        return self.got


@pytest.mark.parametrize("queue_type, rate", [("standard", 2), ("fifo", 3)])
def test_each_connection_gets_at_most_the_rate(tmp_path, queue_type, rate):
    config = make_config(tmp_path, settings={"queues": {"type": queue_type},
                                             "limits": {"broadcast_rate": rate}})
    with LocalApp(config, schedule_interval=3600) as app, \
            open_websocket(app) as watcher, open_websocket(app) as placer:
        watching = Watcher(watcher)
        assert watching.caught_up.wait(20), "the watching connection was never caught up"
        seqs, took = place_fast(placer)
        # More placements a second than the rate, on however busy a machine (under the
        # sanitizers on two busy cores, 13 a second).
        assert len(seqs) / took >= 2 * rate, (len(seqs), took)
        got = watching.wait(set(seqs), timeout=30 + len(seqs) / rate)

    received = [s for _, seqs_of in got for s in seqs_of]
    assert sorted(received) == sorted(set(received)), "a seq came twice"
    assert set(seqs) <= set(received)
    times = [t for t, _ in got]
    step = 1.0 / rate
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert len(got) >= 2, got
    # Arrival times are the watcher's: a stall of the machine may hold messages back and
    # deliver them together, so what is asserted allows a stall of up to a second. No
    # more messages than the rate allows over the time they took, ...
    span = times[-1] - times[0]
    assert len(got) <= rate * (span + 1) + 1, (len(got), span, gaps)
    # ... and most of them a step apart (with no clock they follow each other within
    # milliseconds).
    assert sorted(gaps)[len(gaps) // 2] >= step * 0.8, (step, gaps)
    # Placements were coalesced: fewer messages than placements.
    assert len(got) < len(seqs), (len(got), len(seqs))
