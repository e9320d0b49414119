"""scribblectl logs --local on a running `scribblectl local`: the handlers'
own lines, each invocation's summary line with its counts, and --follow
printing a placement's lines as they are written, until SIGINT."""
from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading

from local_app import LocalApp, make_config, open_websocket, recv_until, scribblectl, wait_for

CANVAS = {"width": 16, "height": 16, "depth": 2, "cooldown": 0, "max_batch": 16}
NO_SCHEDULE = 3600


def logs(config, *args):
    result = subprocess.run([scribblectl(), "-c", str(config.ini), "logs", "--local", *args],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


def place(ws, pixels, ref):
    ws.send(json.dumps({"action": "sendMessage", "type": "place", "pixels": pixels, "ref": ref}))
    recv_until(ws, lambda m: m.get("ref") == ref)


def send_summaries(config):
    lines = [json.loads(line) for line in logs(config, "send", "--output", "json").splitlines()]
    return [e["fields"] for e in lines if e.get("fields", {}).get("outcome")]


def test_summary_lines_and_follow(tmp_path):
    config = make_config(tmp_path, canvas=CANVAS)
    with LocalApp(config, schedule_interval=NO_SCHEDULE) as app, open_websocket(app) as ws:
        recv_until(ws, lambda m: m.get("type") == "caughtup")
        place(ws, [[1, 1, 1], [2, 2, 2], [3, 3, 3]], "three")
        wait_for(lambda: any(s["counts"].get("pixels") == 3 for s in send_summaries(config)), 15,
                 lambda: f"no summary with 3 pixels in {logs(config, 'send')}", interval=0.2)
        summary = next(s for s in send_summaries(config) if s["counts"].get("pixels") == 3)
        assert summary["handler"] == "send" and summary["outcome"] == "ok", summary
        assert summary["message"] == f"send ok in {summary['durationMs']} ms"
        assert summary["requestId"]

        text = logs(config).splitlines()
        assert any(line.split()[1:3] == ["send", "INFO"] and "placed 3 pixels" in line for line in text)
        assert {line.split()[1] for line in text} >= {"connect", "send"}, text

        already = len(send_summaries(config))
        follow = subprocess.Popen([scribblectl(), "-c", str(config.ini), "logs", "--local", "--follow",
                                   "--filter", "ok in", "--output", "json", "send"],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in follow.stdout] + [lines.put(None)],
                         daemon=True).start()

        def next_summary():
            line = lines.get(timeout=30)  # --follow reads again at least every 10 s
            assert line is not None, follow.stderr.read()
            return json.loads(line)["fields"]

        try:
            assert [next_summary()["outcome"] for _ in range(already)] == ["ok"] * already
            place(ws, [[4, 4, 1]], "one")
            arrived = next_summary()
            assert arrived["counts"] == {"pixels": 1}, arrived
            follow.send_signal(signal.SIGINT)
            assert follow.wait(timeout=15) == 0, follow.stderr.read()
            assert lines.get(timeout=15) is None
        finally:
            if follow.poll() is None:
                follow.kill()
                follow.wait()
