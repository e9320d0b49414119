"""scribblectl status --local on a running `scribblectl local`: pixels placed through the
app show in the canvas's figures (docs/cli.md, "status"), read where they live: the cache
through the figures handler (invoked on the local AWS endpoint), the latest snapshot from
the local bucket, the queues from the local SQS; the dead-letter queues and CloudWatch say
why they cannot be read. Each document is checked against docs/cli.schema.json.
`status --watch --local --output json` writes a line per read and ends on SIGINT with 0.
"""
from __future__ import annotations

import json
import os
import pathlib
import signal
import subprocess
import threading

import jsonschema

from local_app import LocalApp, make_config, open_websocket, recv_until, scribblectl, wait_for

SOURCE = pathlib.Path(os.environ["SCRIBBLE_SOURCE_DIR"])
PIXELS = [[1, 1, 1], [2, 1, 1], [3, 2, 1]]


def validate(doc):
    schema = {**json.loads((SOURCE / "docs" / "cli.schema.json").read_text()),
              "$ref": "#/$defs/status"}
    jsonschema.validate(doc, schema, cls=jsonschema.Draft202012Validator)
    return doc


def status(config, *args):
    result = subprocess.run([scribblectl(), "-c", str(config.ini), "status", "--local", *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def place(ws, pixels, ref):
    ws.send(json.dumps({"action": "sendMessage", "type": "place", "pixels": pixels, "ref": ref}))
    answer = recv_until(ws, lambda m: m.get("ref") == ref)[-1]
    assert answer["type"] == "placed", answer
    return answer


def test_placed_pixels_show_in_status(tmp_path):
    config = make_config(tmp_path)
    with LocalApp(config, schedule_interval=1) as app, open_websocket(app) as ws:
        recv_until(ws, lambda m: m.get("type") == "caughtup")
        placed = place(ws, PIXELS, "a")
        doc = validate(json.loads(status(config, "--output", "json").stdout))
        assert doc["stack"] == config.stack and doc["local"] is True
        canvas = doc["canvas"]
        assert canvas["cache"] == {"connections": 1, "seq": placed["last"], "placedLastMinute": 3,
                                   "placedLastHour": 3}, canvas["cache"]
        queues = {q["queue"]: q for q in canvas["queues"]}
        assert queues[f"{config.stack}-pixel-queue"].keys() >= {"messages", "inFlight"}, queues
        assert "no dead-letter queues" in queues[f"{config.stack}-pixel-dead-letter-queue"]["error"]
        assert "CloudWatch" in canvas["functions"]["error"], canvas["functions"]

        # The snapshot handler runs every second here: status shows its seq once it has.
        def snapshot():
            got = json.loads(status(config, "--output", "json").stdout)["canvas"]["snapshot"]
            return got if got.get("seq") == placed["last"] else None
        shot = wait_for(snapshot, 20, "no snapshot at the last seq", interval=0.5)
        assert shot["exists"] and shot["url"] == f"snapshots/{placed['last']}.png", shot
        assert 0 <= shot["ageSeconds"] < 60, shot

        text = status(config).stdout
        assert f"stack {config.stack} in scribblectl local at http://" in text, text
        assert "  connections       1\n" in text and "3 in the last minute, 3 in the last hour" in text


def test_watch_writes_a_line_per_read_and_ends_on_sigint(tmp_path):
    config = make_config(tmp_path)
    with LocalApp(config, schedule_interval=3600) as app, open_websocket(app) as ws:
        recv_until(ws, lambda m: m.get("type") == "caughtup")
        watch = subprocess.Popen([scribblectl(), "-c", str(config.ini), "status", "--local",
                                  "--watch", "--interval", "2", "--output", "json"],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: list[dict] = []
        seen = threading.Event()

        def read():
            for line in watch.stdout:
                lines.append(validate(json.loads(line)))
                if lines[-1]["canvas"]["cache"].get("seq") == 3:
                    seen.set()

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        try:
            wait_for(lambda: lines, 20, "status --watch wrote nothing", interval=0.1)
            assert lines[0]["canvas"]["cache"]["seq"] == 0, lines[0]
            place(ws, PIXELS, "b")
            assert seen.wait(20), lines[-1]
        finally:
            watch.send_signal(signal.SIGINT)
            code = watch.wait(20)
            reader.join(5)
        assert code == 0, watch.stderr.read()
        assert len(lines) >= 2 and all(line["local"] for line in lines)
