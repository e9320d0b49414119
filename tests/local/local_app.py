"""`scribblectl local` for the Python tests (the pytest side of local_app.js).

make_config() writes a scribble.ini of the test's own into a directory (the
repository's, with the stack name, the canvas and [local] settings changed)
and checks it with `scribblectl validate`. LocalApp starts
`$SCRIBBLECTL -c <ini> local --port P --data-dir D --schedule-interval S`
with SCRIBBLE_STATIC_DIR pointing at the repository's static/ and without
any AWS_* variable of the caller's, reads its stdout until the "Scribble is
running at URL" line against a deadline, and keeps its stderr for failure
messages.

Every process it starts is recorded while it runs (its descendants, found in
/proc by a watcher thread, with their start times and process groups), and
so are the processes that carry the test's marks (the handlers' environment
names the test's unique stack; redis-server works in the test's data
directory). stop() sends SIGTERM (or another signal), waits for the exit, and
reports what outlived it; kill() ends it and all of it with SIGKILL; leaving
the `with` block always ends it and fails if anything of it survived.

No sleep stands in for synchronisation: every wait polls a condition, or
reads a line, against a deadline.
"""

from __future__ import annotations

import configparser
import json
import os
import pathlib
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from harness.local_aws import isolated_env

SOURCE_DIR = pathlib.Path(os.environ.get("SCRIBBLE_SOURCE_DIR")
                          or pathlib.Path(__file__).resolve().parents[2])
READY_LINE = re.compile(r"^Scribble is running at (http://[^\s/]+/)\s*$")
START_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0      # SIGTERM saves first: the final save may take a moment
REAP_TIMEOUT = 5.0       # how long what it started may take to go after it exited
WATCH_INTERVAL = 0.05    # how often the watcher records its descendants
STDERR_KEPT = 256 * 1024
PORT_ATTEMPTS = 3
# What ASan and UBSan print (the sanitizer build runs these tests too): on
# scribblectl's stderr or in a handler's log, it fails the test.
SANITIZER_MARKERS = ("Sanitizer", "runtime error:")
DEFAULT_CANVAS = {"width": 16, "height": 16, "depth": 1, "cooldown": 0, "max_batch": 16}


def scribblectl() -> str:
    path = os.environ.get("SCRIBBLECTL")
    if not path:
        raise RuntimeError("SCRIBBLECTL is not set: run this test through ctest "
                           "(tests/CMakeLists.txt sets it)")
    return os.path.abspath(path)


def handler_binary() -> str:
    """The scribble-handler scribblectl local runs by default: the one beside it."""
    return str(pathlib.Path(scribblectl()).parent / "scribble-handler")


# -- scribble.ini ------------------------------------------------------------------------

def edit_ini(text: str, settings: dict[str, dict[str, Any]]) -> str:
    """The ini text with settings ({section: {key: value}}) applied.

    A key's line in its section is replaced (a commented-out "#key =" line
    too); a key the section lacks is added at the section's end, and a
    section the file lacks at the file's end.
    """
    left = {section: dict(keys) for section, keys in settings.items()}
    out: list[str] = []
    section: str | None = None

    def flush() -> None:
        if section is not None and left.get(section):
            while out and not out[-1].strip():
                out.pop()
            out.extend(f"{key} = {value}" for key, value in left[section].items())
            out.append("")
            left[section].clear()

    for line in text.split("\n"):
        header = re.match(r"^\s*\[([^\]]+)\]\s*$", line)
        if header:
            flush()
            section = header.group(1).strip()
            out.append(line)
            continue
        setting = re.match(r"^\s*#?\s*([A-Za-z0-9_]+)\s*=", line)
        if section is not None and setting and setting.group(1) in left.get(section, {}):
            key = setting.group(1)
            out.append(f"{key} = {left[section].pop(key)}")
            continue
        out.append(line)
    flush()
    for name, keys in left.items():
        if keys:
            out.append(f"[{name}]")
            out.extend(f"{key} = {value}" for key, value in keys.items())
            out.append("")
    return "\n".join(out)


@dataclass
class Config:
    """A test's scribble.ini and the directories beside it."""

    dir: pathlib.Path
    ini: pathlib.Path
    data_dir: pathlib.Path
    stack: str
    region: str
    canvas: dict[str, int]
    aws_port: int                 # 0: scribblectl local picks one (the test cannot know it)
    aws_port_picked: bool = False  # picked by make_config: another may be picked if it is taken

    def repick_aws_port(self) -> None:
        """Writes another free aws_port into the ini (the one picked was taken meanwhile)."""
        old, self.aws_port = self.aws_port, free_port()
        text = self.ini.read_text(encoding="utf-8")
        new = re.sub(rf"(?m)^aws_port = {old}$", f"aws_port = {self.aws_port}", text)
        assert new != text, f"no aws_port = {old} line in {self.ini}"
        self.ini.write_text(new, encoding="utf-8")

    @property
    def aws_endpoint(self) -> str:
        if not self.aws_port:
            raise RuntimeError("the test's ini has aws_port = 0: give make_config an aws_port")
        return f"http://127.0.0.1:{self.aws_port}"


def make_config(directory: os.PathLike[str] | str, *, canvas: dict[str, int] | None = None,
                local: dict[str, Any] | None = None, aws: dict[str, Any] | None = None,
                stack: str | None = None, settings: dict[str, dict[str, Any]] | None = None,
                validate: bool = True) -> Config:
    """directory/scribble.ini for a small canvas, checked with `scribblectl validate`.

    The stack gets a unique name (it marks the handlers' environment, see
    LocalApp.leftovers); [local] gets port 0, a free aws_port, schedule
    interval 1 and data_dir directory/data unless `local` says otherwise.
    `settings` is applied last, as given (validate=False for a broken ini).
    """
    directory = pathlib.Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    data_dir = directory / "data"
    ini = directory / "scribble.ini"
    stack = stack or f"pyt{secrets.token_hex(4)}"
    canvas = {**DEFAULT_CANVAS, **(canvas or {})}
    local_settings = {"bind": "127.0.0.1", "port": 0, "aws_port": free_port(),
                      "schedule_interval": 1, "data_dir": str(data_dir), **(local or {})}
    picked = "aws_port" not in (local or {}) and "aws_port" not in (settings or {}).get("local", {})
    aws_settings = {"region": "eu-west-2", **(aws or {})}
    edits: dict[str, dict[str, Any]] = {
        "stack": {"name": stack},
        "aws": aws_settings,
        "canvas": canvas,
        "local": local_settings,
    }
    for section, keys in (settings or {}).items():
        edits.setdefault(section, {}).update(keys)
    text = (SOURCE_DIR / "scribble.ini").read_text(encoding="utf-8")
    ini.write_text(edit_ini(text, edits), encoding="utf-8")
    if validate:
        result = subprocess.run([scribblectl(), "-c", str(ini), "validate"], env=child_env(),
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"scribblectl validate refused the test's {ini}:\n"
                               f"{result.stdout}{result.stderr}")
    return Config(dir=directory, ini=ini, data_dir=data_dir, stack=stack,
                  region=str(aws_settings["region"]) or "us-east-1", canvas=canvas,
                  aws_port=int(local_settings["aws_port"]), aws_port_picked=picked)


def child_env(**extra: str | None) -> dict[str, str]:
    """scribblectl's environment: no AWS_* of the caller's, the page from this repository.

    `extra` is applied last; None removes a variable.
    """
    return isolated_env({"AWS_EC2_METADATA_DISABLED": "true",
                         "SCRIBBLE_STATIC_DIR": str(SOURCE_DIR / "static")}, extra)


def free_port() -> int:
    """A port that was free a moment ago: bound on 127.0.0.1 port 0, read, closed."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], Any], timeout: float, message: str | Callable[[], str],
             interval: float = 0.05) -> Any:
    """Polls condition() until it is truthy (returned) or timeout seconds pass (AssertionError)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise AssertionError(f"timed out after {timeout:g} s: {text}")
        time.sleep(interval)


# -- processes, from /proc ---------------------------------------------------------------

@dataclass(frozen=True)
class Proc:
    """One process as /proc/<pid>/stat shows it; start tells a reused pid apart.

    exit_signal is what its parent is told when it ends: SIGCHLD for every
    process made by fork, vfork or posix_spawn; 0 for a task cloned without
    one, such as LeakSanitizer's tracer, which a sanitized scribblectl clones
    (sharing its memory) to stop its threads for the leak check at exit.
    """

    pid: int
    ppid: int
    pgid: int
    start: int
    state: str
    command: str
    exit_signal: int = signal.SIGCHLD

    @property
    def is_process(self) -> bool:
        """Not a task sharing its parent's memory without an exit signal (the tracer)."""
        return self.exit_signal != 0

    @property
    def key(self) -> tuple[int, int]:
        return (self.pid, self.start)

    def __str__(self) -> str:
        return f"{self.pid} {self.command}"


def read_proc(pid: int) -> Proc | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
            stat = f.read()
    except OSError:
        return None
    close = stat.rfind(")")
    fields = stat[close + 2:].split()
    return Proc(pid=pid, ppid=int(fields[1]), pgid=int(fields[2]), start=int(fields[19]),
                state=fields[0], command=stat[stat.find("(") + 1:close],
                exit_signal=int(fields[35]))


def all_processes() -> list[Proc]:
    out = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            p = read_proc(int(name))
            if p is not None:
                out.append(p)
    return out


def descendants(pid: int, processes: Iterable[Proc] | None = None) -> list[Proc]:
    """Every live descendant of pid that is a process (Proc.is_process)."""
    processes = [p for p in (all_processes() if processes is None else processes) if p.is_process]
    out: list[Proc] = []
    parents = [pid]
    while parents:
        parent = parents.pop()
        for p in processes:
            if p.ppid == parent:
                out.append(p)
                parents.append(p.pid)
    return out


def is_alive(p: Proc) -> bool:
    """Whether that very process (same start time) still runs; a zombie does not."""
    now = read_proc(p.pid)
    return now is not None and now.start == p.start and now.state not in ("Z", "X")


def proc_environ(pid: int) -> dict[str, str]:
    try:
        with open(f"/proc/{pid}/environ", "rb") as f:
            raw = f.read()
    except OSError:
        return {}
    env = {}
    for item in raw.split(b"\0"):
        if b"=" in item:
            k, v = item.split(b"=", 1)
            env[k.decode(errors="replace")] = v.decode(errors="replace")
    return env


def proc_cwd(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/cwd")
    except OSError:
        return ""


def signal_pid(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# -- the app -----------------------------------------------------------------------------

class AppFailed(AssertionError):
    """scribblectl local did not get ready, or did not stop as it should."""


@dataclass
class StopResult:
    returncode: int | None
    leftovers: list[str] = field(default_factory=list)   # "pid command" of what outlived it


class LocalApp:
    """scribblectl local for one test; use as a context manager, or call stop()/kill().

    args: the arguments after `local` (default: --port, --data-dir and
    --schedule-interval from port, the config and schedule_interval).
    env: the environment (default child_env()). executable: what to run
    (default $SCRIBBLECTL).
    """

    def __init__(self, config: Config, *, port: int = 0, schedule_interval: int = 1,
                 args: list[str] | None = None, env: dict[str, str] | None = None,
                 executable: str | None = None):
        self.config = config
        if args is None:
            args = ["--port", str(port), "--data-dir", str(config.data_dir),
                    "--schedule-interval", str(schedule_interval)]
        self.argv = [executable or scribblectl(), "-c", str(config.ini), "local", *args]
        self.env = env if env is not None else child_env()
        self.process: subprocess.Popen[bytes] | None = None
        self.url: str | None = None
        self.port = 0
        self._lock = threading.Condition()
        self._stdout_lines: list[str] = []
        self._stderr = ""
        self._stdout_done = False
        self._stderr_done = False
        self._seen: dict[tuple[int, int], Proc] = {}   # every descendant ever recorded
        self._watching = False
        self._threads: list[threading.Thread] = []

    # -- starting ------------------------------------------------------------------------
    def launch(self) -> LocalApp:
        """Starts the process (its own session and process group) and its readers."""
        self.process = subprocess.Popen(
            self.argv, cwd=str(self.config.dir), env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        self._watching = True
        for target in (self._read_stdout, self._read_stderr, self._watch):
            t = threading.Thread(target=target, args=(self.process,), daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def start(self, timeout: float = START_TIMEOUT) -> LocalApp:
        """launch() and wait_ready(); on failure it is killed and AppFailed raised.

        When the aws_port make_config picked was taken meanwhile (tests run in
        parallel), another is picked and it is started again, a few times.
        """
        for attempt in range(PORT_ATTEMPTS):
            self.launch()
            try:
                self.wait_ready(timeout)
                return self
            except AppFailed:
                self.kill()
                taken = f"port {self.config.aws_port} on 127.0.0.1 is in use"
                if (not self.config.aws_port_picked or taken not in self.stderr
                        or attempt == PORT_ATTEMPTS - 1):
                    raise
                self.config.repick_aws_port()
                self._reset()
            except BaseException:
                self.kill()
                raise
        raise AssertionError("unreachable")

    def _reset(self) -> None:
        """Forgets a start that failed (it was killed), before another."""
        for t in self._threads:
            t.join(timeout=REAP_TIMEOUT)
        self.process = None
        self.url = None
        self.port = 0
        self._stdout_lines, self._stderr = [], ""
        self._stdout_done = self._stderr_done = False
        self._threads = []

    def wait_ready(self, timeout: float = START_TIMEOUT) -> str:
        """The URL once the ready line is printed; AppFailed if it exits or times out first."""
        assert self.process is not None
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                for line in self._stdout_lines:
                    match = READY_LINE.match(line)
                    if match:
                        self.url = match.group(1)
                        self.port = int(self.url.rsplit(":", 1)[1].rstrip("/"))
                        return self.url
                if self._stdout_done:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._lock.wait(min(left, 0.5))
        why = ("exited with status %s" % self.wait(5.0)) if self._stdout_done \
            else f"printed no ready line within {timeout:g} s"
        raise AppFailed(f"{self.command} {why} before \"Scribble is running at ...\"\n"
                        f"{self.output_tail()}")

    def __enter__(self) -> LocalApp:
        if self.process is None:
            self.start()
        return self

    def __exit__(self, exc_type: Any, *_: Any) -> None:
        if self.process is None:
            return
        if self.running:
            try:
                result = self.stop()
            except AppFailed:
                if exc_type is None:
                    raise
                return
        else:
            result = StopResult(self.process.returncode, self.reap())
            if exc_type is None:
                self.check_sanitizers()
        if result.leftovers and exc_type is None:
            raise AppFailed(f"processes of {self.command} outlived it (now killed): "
                            f"{result.leftovers}\n{self.output_tail()}")

    # -- readers -------------------------------------------------------------------------
    def _read_stdout(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            with self._lock:
                self._stdout_lines.append(raw.decode(errors="replace").rstrip("\n"))
                self._lock.notify_all()
        with self._lock:
            self._stdout_done = True
            self._lock.notify_all()

    def _read_stderr(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stderr is not None
        while True:
            chunk = process.stderr.read1(65536)  # type: ignore[attr-defined]
            if not chunk:
                break
            with self._lock:
                self._stderr = (self._stderr + chunk.decode(errors="replace"))[-STDERR_KEPT:]
                self._lock.notify_all()
        with self._lock:
            self._stderr_done = True
            self._lock.notify_all()

    def _watch(self, process: subprocess.Popen[bytes]) -> None:
        """Records its descendants while it runs (a handler restarted is a new one)."""
        while self._watching and process is self.process and process.poll() is None:
            self.record()
            time.sleep(WATCH_INTERVAL)

    def record(self) -> list[Proc]:
        """Its live descendants now, added to those recorded.

        A process seen again replaces its earlier record: one recorded between
        its fork and its exec still bore its parent's command.
        """
        assert self.process is not None
        found = descendants(self.process.pid) if self.process.poll() is None else []
        with self._lock:
            for p in found:
                self._seen[p.key] = p
        return found

    # -- what it says --------------------------------------------------------------------
    @property
    def command(self) -> str:
        return " ".join(self.argv)

    @property
    def stdout(self) -> str:
        with self._lock:
            return "\n".join(self._stdout_lines)

    @property
    def stderr(self) -> str:
        with self._lock:
            return self._stderr

    def output_tail(self, chars: int = 6000) -> str:
        err = self.stderr
        if len(err) > chars:
            err = "..." + err[-chars:]
        return f"stdout:\n{self.stdout}\nstderr (last {chars} characters):\n{err}"

    def wait_for_stderr(self, pattern: str, timeout: float = 20.0) -> re.Match[str]:
        """The first match of the regular expression in its stderr, waited for."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                match = regex.search(self._stderr)
                if match:
                    return match
                left = deadline - time.monotonic()
                if left <= 0 or self._stderr_done:
                    break
                self._lock.wait(min(left, 0.5))
        raise AssertionError(f"no /{pattern}/ on the stderr of {self.command} within "
                             f"{timeout:g} s\n{self.output_tail()}")

    # -- the process ---------------------------------------------------------------------
    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait(self, timeout: float) -> int:
        """Its exit status (negative: the signal) once it exits; AppFailed after timeout."""
        assert self.process is not None
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AppFailed(f"{self.command} still runs after {timeout:g} s\n"
                            f"{self.output_tail()}") from None
        for t in self._threads:  # the pipes end with it (children write to log files)
            t.join(timeout=REAP_TIMEOUT)
        return code

    def children(self) -> list[Proc]:
        """Its live children now (direct ones)."""
        return [p for p in self.record() if p.ppid == self.pid]

    def recorded(self) -> list[Proc]:
        with self._lock:
            return list(self._seen.values())

    def marked(self) -> list[Proc]:
        """Live processes, other than scribblectl itself, that carry this test's marks.

        A handler's environment names the test's unique stack; redis-server
        works in the test's data directory. So these are found even when
        they were started and orphaned between two looks of the watcher.
        """
        own = self.process.pid if self.process else -1
        me = os.getpid()
        home = str(self.config.dir)
        out = []
        for p in all_processes():
            if p.pid in (own, me) or p.state in ("Z", "X") or not p.is_process:
                continue
            cwd = proc_cwd(p.pid)
            if cwd == home or cwd.startswith(home + "/"):
                out.append(p)
                continue
            if proc_environ(p.pid).get("SCRIBBLE_STACK") == self.config.stack:
                out.append(p)
        return out

    def alive_of_it(self) -> list[Proc]:
        """What it started that still lives: recorded descendants, anyone in their
        process groups, and the marked processes."""
        recorded = self.recorded()
        groups = {p.pgid for p in recorded} | {p.pid for p in recorded}
        if self.process is not None and not self.running:
            groups.add(self.process.pid)
        alive: dict[tuple[int, int], Proc] = {}
        for p in recorded:
            if is_alive(p):
                alive[p.key] = p
        own = self.process.pid if self.process else -1
        for p in all_processes():
            if p.pgid in groups and p.pid not in (own, os.getpid()) and p.state not in ("Z", "X"):
                alive.setdefault(p.key, p)
        for p in self.marked():
            alive.setdefault(p.key, p)
        return list(alive.values())

    def reap(self, timeout: float = REAP_TIMEOUT) -> list[str]:
        """After it exited: waits up to timeout for what it started to go; kills what
        stays. Returns what had to be killed, as "pid command"."""
        deadline = time.monotonic() + timeout
        while True:
            left = self.alive_of_it()
            if not left or time.monotonic() >= deadline:
                break
            time.sleep(WATCH_INTERVAL)
        for p in left:
            signal_pid(p.pid, signal.SIGKILL)
        return [str(p) for p in left]

    def send_signal(self, sig: int) -> None:
        if self.running:
            self.record()
            self.process.send_signal(sig)  # type: ignore[union-attr]

    def stop(self, sig: int = signal.SIGTERM, timeout: float = STOP_TIMEOUT) -> StopResult:
        """sig (SIGTERM) and its exit within timeout; then what outlived it is reported
        (and killed). If it does not exit in time, it is killed and AppFailed raised."""
        assert self.process is not None
        if self.running:
            self.send_signal(sig)
        try:
            code = self.wait(timeout)
        except AppFailed as e:
            self.kill()
            raise AppFailed(f"{self.command} did not exit within {timeout:g} s of "
                            f"{signal.Signals(sig).name}\n{self.output_tail()}") from e
        finally:
            self._watching = False
        result = StopResult(code, self.reap())
        self.check_sanitizers()
        return result

    def sanitizer_reports(self) -> list[str]:
        """Sanitizer reports on its stderr or in the handlers' and redis-server's logs."""
        sources = {"scribblectl's stderr": self.stderr}
        for log in sorted(self.config.data_dir.glob("logs/*.log")):
            sources[str(log)] = log.read_text(encoding="utf-8", errors="replace")
        found = []
        for where, text in sources.items():
            at = min((i for i in (text.find(m) for m in SANITIZER_MARKERS) if i >= 0), default=-1)
            if at >= 0:
                found.append(f"{where}:\n{text[max(0, at - 200):at + 3000]}")
        return found

    def check_sanitizers(self) -> None:
        reports = self.sanitizer_reports()
        if reports:
            raise AppFailed("sanitizer reports from scribblectl local:\n" + "\n".join(reports))

    def kill(self) -> None:
        """Ends it now, and everything it started, with SIGKILL; never raises."""
        if self.process is None:
            return
        if self.running:
            signal_pid(self.process.pid, signal.SIGSTOP)  # it starts nothing more meanwhile
            self.record()
            for p in self.alive_of_it():
                signal_pid(p.pid, signal.SIGKILL)
            signal_pid(self.process.pid, signal.SIGKILL)
        self._watching = False
        try:
            self.process.wait(timeout=REAP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        self.reap(timeout=1.0)

    # -- what it serves ------------------------------------------------------------------
    def get(self, path: str, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
        """GET path on the page's port: (status, headers with lower-case names, body)."""
        assert self.url is not None, "not ready"
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(self.url.rstrip("/") + path, timeout=timeout) as r:
                return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def get_json(self, path: str) -> Any:
        status, _, body = self.get(path)
        assert status == 200, f"GET {path}: HTTP {status}: {body[:300]!r}"
        return json.loads(body)

    @property
    def ws_url(self) -> str:
        assert self.url is not None, "not ready"
        return "ws://" + self.url.split("://", 1)[1]

    def credentials(self) -> tuple[str, str]:
        """This run's access key id and secret, from <data_dir>/credentials."""
        parser = configparser.ConfigParser()
        parser.read_string((self.config.data_dir / "credentials").read_text(encoding="utf-8"))
        return (parser["default"]["aws_access_key_id"], parser["default"]["aws_secret_access_key"])

    def client(self, service: str, **kwargs: Any) -> Any:
        """A boto3 client for the local AWS endpoint (the ini's aws_port), the ini's region,
        signing with this run's credentials unless kwargs give others."""
        from harness.local_aws import make_client
        key_id, secret = self.credentials()
        kwargs.setdefault("aws_access_key_id", key_id)
        kwargs.setdefault("aws_secret_access_key", secret)
        return make_client(service, self.config.aws_endpoint, self.config.region, **kwargs)


def handler_environment(app: LocalApp) -> dict[str, str]:
    """The environment of one of the app's running handlers."""
    for p in app.alive_of_it():
        env = proc_environ(p.pid)
        if env.get("AWS_LAMBDA_RUNTIME_API"):
            return env
    raise AssertionError(f"no handler of {app.command} is running")


def failed_run(config: Config, timeout: float = 30) -> tuple[LocalApp, int]:
    """Runs local until it exits by itself; (app, status). Nothing of it may remain."""
    app = LocalApp(config).launch()
    try:
        status = app.wait(timeout)
    except BaseException:
        app.kill()
        raise
    assert app.reap() == [], app.output_tail()
    app.check_sanitizers()
    return app, status


# -- a WebSocket client of the page's port -----------------------------------------------

def open_websocket(app: LocalApp, query: str = "", timeout: float = 10.0,
                   source_address: str | None = None) -> Any:
    """A websockets (sync) connection to the app's WebSocket endpoint; use with `with`.

    Its User-Agent ("Python/..." as websockets' own) ends with a token of its
    own, by which connection_id() finds it. source_address: the local address
    to connect from (any of 127.0.0.0/8 reaches a loopback listener).
    """
    from websockets.sync.client import connect
    agent = (f"Python/{sys.version_info.major}.{sys.version_info.minor} "
             f"scribble-test/{secrets.token_hex(8)}")
    extra = {"source_address": (source_address, 0)} if source_address else {}
    ws = connect(app.ws_url + query, open_timeout=timeout, close_timeout=5, proxy=None,
                 compression=None, ping_interval=None, user_agent_header=agent, **extra)
    ws.scribble_app, ws.scribble_agent = app, agent
    return ws


def recv_json(ws: Any, timeout: float = 10.0) -> Any:
    """The next message, JSON-decoded (TimeoutError when none comes in time)."""
    return json.loads(ws.recv(timeout=timeout))


def recv_until(ws: Any, predicate: Callable[[Any], bool], timeout: float = 15.0) -> list[Any]:
    """Messages (JSON-decoded) up to and including the first that satisfies predicate.

    AssertionError, listing what came, when none does within timeout.
    """
    deadline = time.monotonic() + timeout
    got: list[Any] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no awaited message within {timeout:g} s; got {got}")
        try:
            message = recv_json(ws, timeout=left)
        except TimeoutError:
            raise AssertionError(f"no awaited message within {timeout:g} s; got {got}") from None
        got.append(message)
        if predicate(message):
            return got


def catch_up(ws: Any, timeout: float = 15.0) -> list[Any]:
    """The connection's catch-up: every message up to its `caughtup`."""
    return recv_until(ws, lambda m: isinstance(m, dict) and m.get("type") == "caughtup", timeout)


def connection_id(ws: Any, timeout: float = 10.0) -> str:
    """The connection's id (a socket from open_websocket, its $connect done).

    With a $default route nothing answers a client with its id, as on AWS:
    it is the one of the connections the cache holds whose GetConnection
    names this socket's own User-Agent. The cache is the one the handlers'
    environment names.
    """
    from harness.local_redis import RedisConnection
    app = ws.scribble_app
    env = next((e for e in (proc_environ(p.pid) for p in app.children())
                if e.get("SCRIBBLE_CACHE_ENDPOINT")), None)
    assert env, f"no handler names the cache\n{app.output_tail()}"
    host, port = env["SCRIBBLE_CACHE_ENDPOINT"].rsplit(":", 1)
    gw = app.client("apigatewaymanagementapi")

    def find() -> str | None:
        with RedisConnection(host, int(port), env.get("SCRIBBLE_CACHE_CA_FILE") or None) as cache:
            if env.get("SCRIBBLE_CACHE_PASSWORD"):
                user = [env["SCRIBBLE_CACHE_USERNAME"]] if env.get("SCRIBBLE_CACHE_USERNAME") else []
                cache.command("AUTH", *user, env["SCRIBBLE_CACHE_PASSWORD"])
            ids = cache.command("ZRANGE", f"{{{app.config.stack}}}:connections", 0, -1)
        for cid in (i.decode() for i in ids):
            try:
                if gw.get_connection(ConnectionId=cid)["Identity"]["UserAgent"] == ws.scribble_agent:
                    return cid
            except gw.exceptions.GoneException:
                pass
        return None
    return wait_for(find, timeout, lambda: f"no connection with User-Agent {ws.scribble_agent}")


