"""runtime/cache_client against a TLS redis-server and against fake servers.

cache_client_probe (tests/runtime/cache_client_probe.c) takes one request per
stdin line and answers one JSON line; see its header. The real redis checks
binary safety, the bitfield commands the canvas uses, pipelining, AUTH, TLS
verification and reconnection. Fake servers (plain TCP, or TLS with the
harness's certificates) answer with malformed or hostile replies, which must
each be a clean PARSE or TRANSPORT error with the probe still alive and small.
"""

import json
import os
import pathlib
import socket
import ssl
import subprocess
import tempfile
import threading

import pytest

from harness.local_redis import LocalRedis
from harness.tls import make_server_certificate

PROBE = pathlib.Path(os.environ.get("SCRIBBLE_TEST_BIN", "")) / "cache_client_probe"


def escape(arg):
    data = arg if isinstance(arg, bytes) else str(arg).encode()
    return "".join(chr(b) if 0x21 <= b <= 0x7E and b != 0x25 else "%%%02X" % b for b in data)


class Probe:
    def __init__(self, *args):
        self.process = subprocess.Popen([str(PROBE), "--timeout", "3000", *map(str, args)],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.first = self._read()

    def _read(self):
        line = self.process.stdout.readline()
        if not line:
            self.process.wait(timeout=10)
            pytest.fail(f"probe died (exit {self.process.returncode}): {self.process.stderr.read()}")
        return json.loads(line)

    def ask(self, line):
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self._read()

    def run(self, *args, idempotent=False):
        return self.ask("run " + ("idem " if idempotent else "") + " ".join(map(escape, args)))

    def pipe(self, count, *args, idempotent=False):
        return self.ask(f"pipe {count} " + ("idem " if idempotent else "") + " ".join(map(escape, args)))

    def peak_rss_kib(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return 0

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.write("quit\n")
            self.process.stdin.flush()
        stdout, stderr = self.process.communicate(timeout=30)
        assert "Sanitizer" not in stderr and "runtime error:" not in stderr, stderr
        assert self.process.returncode == 0, (self.process.returncode, stderr)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()


def value(reply):
    """A reply as Python data: bytes, int, None, list; errors as ('error', text)."""
    kind = reply["t"]
    if kind in ("string", "bulk"):
        return bytes.fromhex(reply["hex"])
    if kind == "error":
        return ("error", bytes.fromhex(reply["hex"]).decode())
    if kind == "int":
        return reply["v"]
    if kind == "array":
        return [value(r) for r in reply["v"]]
    return None


def redis_probe(redis, *extra):
    return Probe("--host", redis.host, "--port", redis.port, "--ca", redis.ca_file, *extra)


@pytest.fixture(scope="module", autouse=True)
def probe_is_built():
    assert PROBE.exists(), f"{PROBE} not built (set SCRIBBLE_TEST_BIN)"


# -- against redis-server ------------------------------------------------------

def test_binary_values_round_trip(local_redis):
    data = bytes(range(256)) * 3 + b"\r\n\x00$5\r\n*1"
    with redis_probe(local_redis) as p:
        assert p.first == {"ready": True}
        assert value(p.run("SET", b"{s}:k\x00ey", data)["reply"]) == b"OK"
        assert value(p.run("GET", b"{s}:k\x00ey")["reply"]) == data
        assert p.run("GET", "{s}:missing")["reply"] == {"t": "nil"}
        assert value(p.run("STRLEN", b"{s}:k\x00ey")["reply"]) == len(data)
        assert local_redis.command("GET", b"{s}:k\x00ey") == data


def test_canvas_commands(local_redis):
    with redis_probe(local_redis) as p:
        assert value(p.run("SETRANGE", "{s}:canvas", 10, b"\x00\xff\x01")["reply"]) == 13
        assert value(p.run("GETRANGE", "{s}:canvas", 9, 12)["reply"]) == b"\x00\x00\xff\x01"
        reply = p.run("BITFIELD", "{s}:canvas", "SET", "u4", "#3", 9, "GET", "u4", "#3", "GET", "u8", 88)
        assert value(reply["reply"]) == [0, 9, 0xFF]  # byte 11 is 0xff
        assert p.run("LRANGE", "{s}:none", 0, -1)["reply"] == {"t": "array", "v": []}


def test_error_reply_carries_its_prefix(local_redis):
    with redis_probe(local_redis) as p:
        p.run("SET", "{s}:str", "x")
        error = p.run("LPUSH", "{s}:str", "y")["error"]
        assert error["kind"] == "service" and error["code"] == "WRONGTYPE", error
        error = p.run("NOSUCHCOMMAND")["error"]
        assert error["kind"] == "service" and error["code"] == "ERR", error
        # the connection is still usable after error replies
        assert value(p.run("PING")["reply"]) == b"PONG"


def test_pipelined_increments(local_redis):
    with redis_probe(local_redis) as p:
        replies = p.pipe(1000, "INCR", "{s}:counter")["replies"]
        assert [value(r) for r in replies] == list(range(1, 1001))
        # an error reply inside a pipeline stays in its place
        p.run("SET", "{s}:str", "x")
        replies = p.pipe(3, "INCR", "{s}:str")["replies"]
        assert [r["t"] for r in replies] == ["error"] * 3
        assert p.ask("connections") == {"connections": 1}
    assert local_redis.command("GET", "{s}:counter") == b"1000"


def test_reconnects_after_the_server_drops_the_connection(local_redis):
    with redis_probe(local_redis) as p, local_redis.connect() as admin:
        assert value(p.run("INCR", "{s}:n")["reply"]) == 1
        killed = admin.command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        assert killed == 1
        # not idempotent, yet safe: nothing had been sent on the dead connection
        assert value(p.run("INCR", "{s}:n")["reply"]) == 2
        assert p.ask("connections") == {"connections": 2}
        admin.command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
        assert value(p.pipe(5, "INCR", "{s}:n")["replies"][-1]) == 7
        assert p.ask("connections") == {"connections": 3}


def test_auth():
    with LocalRedis(password="s3cret pass") as redis:
        with redis_probe(redis) as p:  # no AUTH configured: commands are refused
            assert p.first == {"ready": True}
            error = p.run("GET", "{s}:k")["error"]
            assert (error["kind"], error["code"]) == ("service", "NOAUTH"), error
        p = redis_probe(redis, "--password", "wrong")
        assert p.first["error"]["code"] == "WRONGPASS", p.first
        assert p.process.wait(timeout=10) == 1
        with redis_probe(redis, "--password", "s3cret pass") as p:
            assert value(p.run("PING")["reply"]) == b"PONG"
        with redis_probe(redis, "--user", "default", "--password", "s3cret pass") as p:
            assert value(p.run("SET", "{s}:k", "v")["reply"]) == b"OK"
        with redis_probe(redis, "--password", "s3cret pass") as p, redis.connect() as admin:
            admin.command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes")
            assert value(p.run("GET", "{s}:k")["reply"]) == b"v"  # AUTH again on reconnect


def test_tls_verification_fails_with_the_wrong_ca(local_redis, tmp_path):
    other = make_server_certificate(str(tmp_path))
    p = Probe("--host", local_redis.host, "--port", local_redis.port, "--ca", other.ca_file)
    error = p.first["error"]
    assert (error["kind"], error["code"]) == ("transport", "CacheTlsVerify"), error
    assert p.process.wait(timeout=10) == 1
    # by name: the certificate also names localhost
    with Probe("--host", "localhost", "--port", local_redis.port, "--ca", local_redis.ca_file) as p:
        assert p.first == {"ready": True}, p.first


def test_refused_connection_is_a_transport_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = Probe("--host", "127.0.0.1", "--port", port, "--plain")
    assert p.first["error"]["kind"] == "transport", p.first
    assert p.process.wait(timeout=10) == 1


def test_key_helper_puts_every_key_in_one_slot():
    # the probe needs a connection before it takes requests: a fake server gives it one
    with FakeServer([b"+OK\r\n"]) as server, Probe("--host", "127.0.0.1", "--port", server.port, "--plain") as p:
        a, b = p.ask("key scribble-prod canvas"), p.ask("key scribble-prod history")
        assert a["key"] == "{scribble-prod}:canvas" and b["key"] == "{scribble-prod}:history"
        assert a["slot"] == b["slot"] == crc16(b"scribble-prod") % 16384
        assert p.ask("slot 123456789") == {"slot": 0x31C3}  # the CRC16 check value
        assert p.ask("key bad{stack name}") == {"key": None}
        assert p.ask("key " + "x" * 70 + " name") == {"key": None}


def crc16(data):
    crc = 0
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


# -- against fake servers --------------------------------------------------------

class FakeServer:
    """Answers the n-th connection's first request with answers[n]: bytes (sent,
    the connection then left open) or (bytes, "close") (sent, then closed)."""

    def __init__(self, answers, tls_files=None, host="127.0.0.1"):
        self.answers = list(answers)
        self.requests = []
        self.listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self.listener.bind((host, 0))
        self.listener.listen(8)
        self.port = self.listener.getsockname()[1]
        self.context = None
        if tls_files is not None:
            self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            self.context.load_cert_chain(tls_files.cert_file, tls_files.key_file)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.connections = []
        self.closed = 0  # connections this server has closed after answering
        self.changed = threading.Condition()

    def _serve(self):
        for answer in self.answers:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            try:
                if self.context is not None:
                    conn = self.context.wrap_socket(conn, server_side=True)
                self.connections.append(conn)
                conn.settimeout(5)
                self.requests.append(conn.recv(65536))
                data, close = (answer if isinstance(answer, tuple) else (answer, None))
                if data:
                    conn.sendall(data)
                if close == "close":
                    conn.close()
                    with self.changed:
                        self.closed += 1
                        self.changed.notify_all()
            except OSError:
                pass

    def wait_closed(self, count, timeout=10):
        """Until this server has closed `count` connections (its answers' "close")."""
        with self.changed:
            assert self.changed.wait_for(lambda: self.closed >= count, timeout), self.closed

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.listener.close()
        for conn in self.connections:
            try:
                conn.close()
            except OSError:
                pass
        self.thread.join(timeout=10)


HOSTILE = [
    (b"?garbage\r\n", "parse"),
    (b"$99999999999\r\n", "parse"),                 # a length beyond the cap
    (b"$-5\r\n", "parse"),
    (b"*2147483647\r\n", "parse"),                  # an array count beyond the cap
    (b"*1\r\n" * 100 + b":1\r\n", "parse"),          # nesting beyond the cap
    (b":12x\r\n", "parse"),
    (b":99999999999999999999999\r\n", "parse"),
    (b"$5\r\nabcdefg\r\n", "parse"),               # no CRLF after the data
    (b"\r\n", "parse"),
    (b"+" + b"a" * 100000, "parse"),               # a line that never ends
    ((b"$10\r\nabc", "close"), "transport"),        # cut off
    ((b"*3\r\n:1\r\n", "close"), "transport"),
    ((b"", "close"), "transport"),
    (b"$2000\r\n" + b"x" * 2000 + b"\r\n", "parse"),  # over --max-reply 1000
]


@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_hostile_replies_are_clean_errors(tls, tmp_path):
    tls_files = make_server_certificate(str(tmp_path)) if tls else None
    answers = [answer for answer, _ in HOSTILE] + [b"$2\r\nok\r\n"]
    with FakeServer(answers, tls_files) as server:
        args = ["--host", "127.0.0.1", "--port", server.port, "--max-reply", 1000]
        args += ["--ca", tls_files.ca_file] if tls else ["--plain"]
        with Probe(*args) as p:
            assert p.first == {"ready": True}, p.first
            for answer, kind in HOSTILE:
                got = p.run("GET", "{s}:k")
                assert "error" in got and got["error"]["kind"] == kind, (answer[:40], got)
            assert value(p.run("GET", "{s}:k")["reply"]) == b"ok"  # and it recovers
            assert p.ask("connections") == {"connections": len(HOSTILE) + 1}
            assert p.peak_rss_kib() < 512 * 1024
    # each GET was sent exactly once: none was resent after a cut-off reply
    assert len(server.requests) == len(HOSTILE) + 1


def test_only_idempotent_commands_are_resent():
    answers = [(b"", "close"), (b"+OK\r\n", "close"), (b"", "close"), b"+OK\r\n"]
    with FakeServer(answers) as server, Probe("--host", "127.0.0.1", "--port", server.port, "--plain") as p:
        # the first connection reads the command and drops: INCR may have applied
        error = p.run("INCR", "{s}:n")["error"]
        assert error["kind"] == "transport", error
        assert value(p.run("PING")["reply"]) == b"OK"   # the next command reconnects
        # That connection closes after its answer: once it has, the next command sees
        # it closed and reconnects before sending (else it could send into it first).
        server.wait_closed(2)
        assert value(p.run("GET", "{s}:k", idempotent=True)["reply"]) == b"OK"  # resent once
        assert len(server.requests) == 4
        assert server.requests[2] == server.requests[3] == b"*2\r\n$3\r\nGET\r\n$5\r\n{s}:k\r\n"


def test_tls_host_name_is_checked(tmp_path):
    """The certificate names 127.0.0.1 and localhost; ::1 is neither."""
    tls_files = make_server_certificate(str(tmp_path))
    try:
        server = FakeServer([b"+OK\r\n"], tls_files, host="::1")
    except OSError:
        pytest.skip("no IPv6 loopback")
    with server:
        p = Probe("--host", "::1", "--port", server.port, "--ca", tls_files.ca_file)
        error = p.first["error"]
        assert (error["kind"], error["code"]) == ("transport", "CacheTlsVerify"), error
        assert "mismatch" in error["message"], error
        assert p.process.wait(timeout=10) == 1


def test_silent_server_times_out():
    with FakeServer([b"$10\r\nabc"]) as server:
        with Probe("--host", "127.0.0.1", "--port", server.port, "--plain", "--timeout", 300) as p:
            error = p.run("GET", "{s}:k")["error"]
            assert error["kind"] == "transport" and "timed out" in error["message"], error
