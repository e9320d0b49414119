"""How fast `scribblectl local` is where a person notices: how long from the
command to "Scribble is running at", how long SIGTERM takes (the last save
included), how long a placement takes to come back to the placer
("placed") and to reach another page ("pixels"), and, while a page draws
steadily, how late its pixels reach another page and in how many messages a
second, for several limits.broadcast_rate values side by side; all on loopback.

    .venv/bin/python bench/local_bench.py [--starts 5] [--placements 20]
        [--rates 1,2,5] [--draw-seconds 10] [--draw-rate 40]

It runs build/scribblectl (or $SCRIBBLECTL) with a scribble.ini of its own
(64x64, depth 4, no cooldown) in a temporary directory, with the test
virtualenv's `websockets`. Medians and 95th percentiles are printed; the
last column puts each figure beside the fastest row of its table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pathlib
import re
import signal
import statistics
import subprocess
import tempfile
import time

import websockets

ROOT = pathlib.Path(__file__).resolve().parents[1]
READY = re.compile(r"^Scribble is running at (http://\S+)$")


def write_ini(directory: pathlib.Path, broadcast_rate: int = 2) -> pathlib.Path:
    text = (ROOT / "scribble.ini").read_text()
    for section, key, value in [("canvas", "width", "64"), ("canvas", "height", "64"),
                                ("canvas", "depth", "4"), ("canvas", "cooldown", "0"),
                                ("limits", "broadcast_rate", str(broadcast_rate)),
                                ("local", "port", "0"), ("local", "schedule_interval", "60")]:
        pattern = re.compile(rf"(\[{section}\][^\[]*?^){key} = .*?$", re.M | re.S)
        text, n = pattern.subn(rf"\g<1>{key} = {value}", text)
        assert n == 1, (section, key)
    ini = directory / "scribble.ini"
    ini.write_text(text)
    return ini


def start(ini: pathlib.Path, data: pathlib.Path) -> tuple[subprocess.Popen[str], str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["SCRIBBLE_STATIC_DIR"] = str(ROOT / "static")
    scribblectl = os.environ.get("SCRIBBLECTL", str(ROOT / "build" / "scribblectl"))
    began = time.perf_counter()
    proc = subprocess.Popen([scribblectl, "-c", str(ini), "local", "--data-dir", str(data)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    for line in proc.stdout:
        match = READY.match(line.strip())
        if match:
            return proc, match.group(1), time.perf_counter() - began
    raise SystemExit(f"scribblectl local exited with {proc.wait()} before it was ready")


def stop(proc: subprocess.Popen[str]) -> float:
    began = time.perf_counter()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)
    return time.perf_counter() - began


async def until(socket, predicate):
    while True:
        message = json.loads(await socket.recv())
        if predicate(message):
            return message


async def placements(url: str, count: int) -> tuple[list[float], list[float]]:
    ws_url = "ws" + url[len("http"):]
    placed, seen = [], []
    async with websockets.connect(ws_url) as placer, websockets.connect(ws_url) as watcher:
        for socket in (placer, watcher):
            await until(socket, lambda m: m.get("type") == "caughtup")
        for i in range(count):
            began = time.perf_counter()
            await placer.send(json.dumps({"action": "sendMessage", "type": "place",
                                          "pixels": [[i % 64, (i // 64) % 64, 1 + i % 15]],
                                          "ref": i}))
            answer = await until(placer, lambda m: m.get("type") in ("placed", "error"))
            assert answer["type"] == "placed", answer
            placed.append(time.perf_counter() - began)
            await until(watcher, lambda m: m.get("type") == "pixels" and any(
                p[0] == answer["last"] for p in m["pixels"]))
            seen.append(time.perf_counter() - began)
    return placed, seen


async def drawing(url: str, seconds: float, per_second: float) -> tuple[list[float], float]:
    """One page places a pixel every 1/per_second s for `seconds`; another records when
    each arrives. Each pixel's delay from its `placed`, and pixel messages a second."""
    ws_url = "ws" + url[len("http"):]
    answered: dict[int, float] = {}
    arrived: dict[int, float] = {}
    messages: list[float] = []
    async with websockets.connect(ws_url) as placer, websockets.connect(ws_url) as watcher:
        for socket in (placer, watcher):
            await until(socket, lambda m: m.get("type") == "caughtup")

        async def watch() -> None:
            while True:
                message = json.loads(await watcher.recv())
                if message.get("type") == "pixels":
                    now = time.perf_counter()
                    messages.append(now)
                    for p in message["pixels"]:
                        arrived.setdefault(p[0], now)

        watching = asyncio.ensure_future(watch())
        began = time.perf_counter()
        count = int(seconds * per_second)
        for i in range(count):
            await asyncio.sleep(max(0.0, began + i / per_second - time.perf_counter()))
            await placer.send(json.dumps({"action": "sendMessage", "type": "place",
                                          "pixels": [[i % 64, (i // 64) % 64, 1 + i % 15]],
                                          "ref": i}))
            answer = await until(placer, lambda m: m.get("type") in ("placed", "error"))
            assert answer["type"] == "placed", answer
            answered[answer["first"]] = time.perf_counter()
        deadline = time.perf_counter() + 30
        while not answered.keys() <= arrived.keys() and time.perf_counter() < deadline:
            await asyncio.sleep(0.05)
        watching.cancel()
    missing = answered.keys() - arrived.keys()
    assert not missing, f"{len(missing)} pixels never arrived"
    delays = [arrived[seq] - at for seq, at in answered.items()]
    span = messages[-1] - messages[0] if len(messages) > 1 else 1.0
    return delays, (len(messages) - 1) / span


def row(name: str, samples: list[float], fastest: float) -> str:
    ms = sorted(s * 1000 for s in samples)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    median = statistics.median(ms)
    return f"{name:<34} {median:>10.1f} {p95:>10.1f} {len(ms):>6} {median / (fastest * 1000):>8.1f}x"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=5)
    parser.add_argument("--placements", type=int, default=20)
    parser.add_argument("--rates", default="1,2,5")
    parser.add_argument("--draw-seconds", type=float, default=10.0)
    parser.add_argument("--draw-rate", type=float, default=40.0)
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        directory = pathlib.Path(tmp)
        ini = write_ini(directory)
        ready, stops = [], []
        for n in range(args.starts):
            proc, url, took = start(ini, directory / "data")
            ready.append(took)
            if n == args.starts - 1:
                placed, seen = asyncio.run(placements(url, args.placements))
            stops.append(stop(proc))
        drawn = {}
        for rate in rates:
            rate_dir = directory / f"rate-{rate}"
            rate_dir.mkdir()
            proc, url, _ = start(write_ini(rate_dir, rate), rate_dir / "data")
            drawn[rate] = asyncio.run(drawing(url, args.draw_seconds, args.draw_rate))
            stop(proc)
    header = f"{'':<34} {'median ms':>10} {'p95 ms':>10} {'runs':>6} {'ratio':>9}"
    print(header)
    fastest = min(statistics.median(ready), statistics.median(stops))
    print(row("start to 'Scribble is running'", ready, fastest))
    print(row("SIGTERM to exit (last save)", stops, fastest))
    print()
    print(header)
    fastest = statistics.median(placed)
    print(row("place -> placed (placer)", placed, fastest))
    print(row("place -> pixels (another page)", seen, fastest))
    print()
    print(f"drawing {args.draw_rate:g} pixels a second for {args.draw_seconds:g} s: placed -> "
          f"pixels on another page")
    print(header + f" {'msgs/s':>7}")
    fastest = min(statistics.median(d) for d, _ in drawn.values())
    for rate, (delays, per_second) in drawn.items():
        print(row(f"broadcast_rate = {rate}", delays, fastest) + f" {per_second:>7.2f}")


if __name__ == "__main__":
    main()
