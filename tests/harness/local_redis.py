"""A real redis-server for tests, speaking TLS only, as ElastiCache serverless does.

LocalRedis starts Debian's /usr/bin/redis-server on a loopback port the OS
gives, with a throwaway CA and server certificate, optional AUTH
(requirepass), and no persistence; everything it writes lives in a temporary
directory removed on exit. Readiness is a TLS PING polled against a deadline,
never a fixed sleep. RedisConnection is a minimal RESP2 client so tests can
look inside the cache without another dependency.

It must not leave a redis-server running: every exit path stops the process.
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from typing import Any

from .tls import make_server_certificate

REDIS_SERVER = "/usr/bin/redis-server"
START_DEADLINE_SECONDS = 10.0
STOP_DEADLINE_SECONDS = 5.0
PORT_ATTEMPTS = 5


class RedisError(Exception):
    """An error reply (-ERR ...) from redis."""


class RedisConnection:
    """One TLS connection to redis; command() sends a command and returns its reply.

    Replies: simple strings and bulk strings as bytes, integers as int,
    arrays as lists, nil as None; an error reply raises RedisError.
    """

    def __init__(self, host: str, port: int, ca_file: str, password: str | None = None,
                 timeout: float = 5.0):
        context = ssl.create_default_context(cafile=ca_file)
        raw = socket.create_connection((host, port), timeout=timeout)
        try:
            self._sock = context.wrap_socket(raw, server_hostname=host)
        except BaseException:
            raw.close()
            raise
        self._buffer = b""
        if password is not None:
            self.command("AUTH", password)

    def close(self) -> None:
        self._sock.close()

    def __enter__(self) -> RedisConnection:
        return self

    def __exit__(self, *_: Any) -> None:
        self.close()

    def command(self, *args: str | bytes | int) -> Any:
        parts = [b"*%d\r\n" % len(args)]
        for arg in args:
            data = arg if isinstance(arg, bytes) else str(arg).encode()
            parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self._sock.sendall(b"".join(parts))
        return self._read_reply()

    def _read_line(self) -> bytes:
        while b"\r\n" not in self._buffer:
            self._fill()
        line, self._buffer = self._buffer.split(b"\r\n", 1)
        return line

    def _read_exact(self, n: int) -> bytes:
        while len(self._buffer) < n:
            self._fill()
        data, self._buffer = self._buffer[:n], self._buffer[n:]
        return data

    def _fill(self) -> None:
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionError("redis closed the connection")
        self._buffer += chunk

    def _read_reply(self) -> Any:
        line = self._read_line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest
        if kind == b"-":
            raise RedisError(rest.decode(errors="replace"))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            length = int(rest)
            if length < 0:
                return None
            data = self._read_exact(length + 2)
            return data[:-2]
        if kind == b"*":
            count = int(rest)
            if count < 0:
                return None
            return [self._read_reply() for _ in range(count)]
        raise ConnectionError(f"unexpected RESP reply {line[:40]!r}")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalRedis:
    """redis-server with TLS on 127.0.0.1; use as a context manager.

    Exposes host, port, ca_file (the CA to verify the server with) and
    password (None when AUTH is off).
    """

    host = "127.0.0.1"

    def __init__(self, password: str | None = None):
        self.password = password
        self.port = 0
        self.ca_file = ""
        self._dir: str | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # -- lifecycle ------------------------------------------------------------
    def __enter__(self) -> LocalRedis:
        if not os.access(REDIS_SERVER, os.X_OK):
            raise RuntimeError(f"{REDIS_SERVER} not found: install Debian's redis-server")
        self._dir = tempfile.mkdtemp(prefix="scribble-redis-")
        try:
            tls = make_server_certificate(self._dir)
            self.ca_file = tls.ca_file
            for _ in range(PORT_ATTEMPTS):
                self.port = _free_port()
                if self._start(tls):
                    return self
            raise RuntimeError(f"redis-server found no free port in {PORT_ATTEMPTS} attempts")
        except BaseException:
            self._cleanup()
            raise

    def __exit__(self, *_: Any) -> None:
        self._cleanup()

    def _config(self, tls: Any) -> str:
        lines = [
            "bind 127.0.0.1",
            "port 0",  # no plaintext listener at all
            f"tls-port {self.port}",
            f"tls-cert-file {tls.cert_file}",
            f"tls-key-file {tls.key_file}",
            f"tls-ca-cert-file {tls.ca_file}",
            "tls-auth-clients no",  # like ElastiCache: server certificate only
            'save ""',
            "appendonly no",
            f"dir {self._dir}",
            'logfile ""',  # stdout, which _start sends to the log file
            "daemonize no",
        ]
        if self.password is not None:
            quoted = self.password.replace("\\", "\\\\").replace('"', '\\"')
            lines.append(f'requirepass "{quoted}"')
        return "\n".join(lines) + "\n"

    @property
    def _log_path(self) -> str:
        assert self._dir is not None
        return os.path.join(self._dir, "redis.log")

    def _start(self, tls: Any) -> bool:
        """Start redis on self.port; False if the port was taken meanwhile."""
        assert self._dir is not None
        config_path = os.path.join(self._dir, "redis.conf")
        fd = os.open(config_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self._config(tls))
        if os.path.exists(self._log_path):
            os.unlink(self._log_path)
        with open(self._log_path, "wb") as early_output:
            self._process = subprocess.Popen(
                [REDIS_SERVER, config_path],
                stdin=subprocess.DEVNULL, stdout=early_output, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                # Doubles as the poll interval and as the exit check.
                self._process.wait(timeout=0.02)
            except subprocess.TimeoutExpired:
                pass
            else:
                log = self.log()
                self._process = None
                if "Address already in use" in log:
                    return False
                raise RuntimeError(f"redis-server exited during start-up:\n{log[-2000:]}")
            try:
                with self.connect(timeout=1.0) as conn:
                    if conn.command("PING") == b"PONG":
                        return True
            except (OSError, ConnectionError, RedisError) as e:
                last_error = e
        self._stop_process()
        raise RuntimeError(
            f"redis-server not answering a TLS PING on port {self.port} within "
            f"{START_DEADLINE_SECONDS:.0f} s (last error: {last_error}):\n{self.log()[-2000:]}"
        )

    def _stop_process(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _cleanup(self) -> None:
        self._stop_process()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    # -- use ------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def log(self) -> str:
        """redis-server's log so far (for failure messages)."""
        try:
            with open(self._log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def connect(self, timeout: float = 5.0) -> RedisConnection:
        """A TLS connection verified against ca_file, authenticated when a password is set."""
        return RedisConnection(self.host, self.port, self.ca_file, self.password, timeout)

    def command(self, *args: str | bytes | int) -> Any:
        """Run one command on a fresh connection."""
        with self.connect() as conn:
            return conn.command(*args)
