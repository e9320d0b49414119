"""scribblectl timelapse --local on a running `scribblectl local`: the
history its save handler writes, read through its local AWS endpoint with
the run's credentials, drawn into a WebP whose last frame shows what was
placed."""
from __future__ import annotations

import json
import subprocess

from PIL import Image, ImageSequence

from local_app import LocalApp, make_config, open_websocket, recv_until, scribblectl, wait_for

CANVAS = {"width": 8, "height": 4, "depth": 2, "cooldown": 0, "max_batch": 16}
GREYS = [(0xFF, 0xFF, 0xFF), (0xAA, 0xAA, 0xAA), (0x55, 0x55, 0x55), (0, 0, 0)]
PIXELS = [[1, 1, 3], [2, 1, 2], [6, 3, 1]]


def timelapse(config, out):
    return subprocess.run([scribblectl(), "-c", str(config.ini), "timelapse", "--local", "-o", str(out),
                           "--frames", "1"], capture_output=True, text=True, timeout=60)


def test_timelapse_of_a_local_run(tmp_path):
    config = make_config(tmp_path, canvas=CANVAS)
    out = tmp_path / "run.webp"
    with LocalApp(config, schedule_interval=1) as app, open_websocket(app) as ws:
        recv_until(ws, lambda m: m.get("type") == "caughtup")
        ws.send(json.dumps({"action": "sendMessage", "type": "place", "pixels": PIXELS, "ref": "a"}))
        recv_until(ws, lambda m: m.get("ref") == "a")
        # The save handler writes the history every second (schedule_interval 1).
        result = wait_for(lambda: (r := timelapse(config, out)).returncode == 0
                          and "3 placements" in r.stdout and r, 20,
                          lambda: timelapse(config, out).stdout + timelapse(config, out).stderr,
                          interval=0.5)
    assert result.stdout.startswith(f"{out}: 2 frames of 8x4"), result.stdout
    with Image.open(out) as image:
        first, last = [f.convert("RGB").copy() for f in ImageSequence.Iterator(image)]
    assert set(first.getdata()) == {GREYS[0]}
    expected = {(x, y): GREYS[c] for x, y, c in PIXELS}
    for y in range(4):
        for x in range(8):
            assert last.getpixel((x, y)) == expected.get((x, y), GREYS[0]), (x, y)
