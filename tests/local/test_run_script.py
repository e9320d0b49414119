"""The README's first command: scripts/run sets up, builds, and ends with
`scribblectl local` serving the page.

It runs the real script (setup and build find everything present and do
nothing more), with --port 0 and a data directory of the test's own, so it
neither needs port 8080 nor writes beside scribble.ini.
"""

from __future__ import annotations

import json
import os
import pathlib
import selectors
import signal
import subprocess
import time
import urllib.request

SOURCE = pathlib.Path(os.environ.get("SCRIBBLE_SOURCE_DIR", pathlib.Path(__file__).parents[2]))
READY = "Scribble is running at "
START_DEADLINE = 240.0  # setup and an up-to-date build, then start-up
STOP_DEADLINE = 60.0


def read_url(proc: subprocess.Popen[str], deadline: float) -> str:
    """The URL scribblectl local prints once ready; fails if the script ends first."""
    selector = selectors.DefaultSelector()
    assert proc.stdout is not None
    selector.register(proc.stdout, selectors.EVENT_READ)
    seen = []
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if line.startswith(READY):
            return line[len(READY):].strip()
    raise AssertionError(f"scripts/run never printed {READY!r}; stdout: {''.join(seen)[-2000:]}")


def test_run_script_serves_the_page(tmp_path: pathlib.Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["SCRIBBLE_STATIC_DIR"] = str(SOURCE / "static")
    proc = subprocess.Popen([str(SOURCE / "scripts" / "run"), "--port", "0", "--data-dir",
                             str(tmp_path / "data")], cwd=SOURCE, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        url = read_url(proc, time.monotonic() + START_DEADLINE)
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200
            assert "<canvas" in page.read().decode()
        with urllib.request.urlopen(url + "config.json", timeout=10) as response:
            config = json.load(response)
        assert config["websocketUrl"] == "ws" + url[len("http"):]
        assert config["canvas"]["width"] > 0
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=STOP_DEADLINE)
        assert proc.returncode == 0, stderr[-2000:]
        assert "scribblectl local: stopped" in stderr
        assert (tmp_path / "data" / "local.db").is_file()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
