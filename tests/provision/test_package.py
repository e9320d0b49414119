"""The Lambda package (provision/package.c, package_cache.c), through tests/provision/package_probe.c.

The probe builds the package from $SCRIBBLE_HANDLER_BINARY (here the build's
scribble-handler-lambda) with the local cache under $XDG_CACHE_HOME (a
temporary directory in every test), writes the zip to a file and prints
code_sha256, sha256_hex and reused. The tests check that the zip holds only
what the handler needs (the bootstrap, the loader it names and the libraries
it names, which are glibc's alone), stripped, within 5 MB; that it is
deterministic and its digests are those of its bytes; that the unpacked
package alone, as the whole root of a chroot, starts and asks a local Runtime
API for work (and answers the invocation it gets); and that the cache gives
back an entry built from the same files without writing it again, builds a
new one for changed files, rebuilds one that was damaged, keeps only the
most recent few, and is only an optimisation: without it the package is
still built.
"""

import base64
import hashlib
import os
import pathlib
import shutil
import stat
import struct
import subprocess
import sys
import time
import zipfile

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "runtime"))
from runtime_api_server import PREFIX, Invocation, RuntimeApiServer  # noqa: E402
from harness.local_lambda import STARTUP_SETTINGS  # noqa: E402

PROBE = pathlib.Path(os.environ.get("SCRIBBLE_TEST_BIN", "")) / "package_probe"
BUILD_DIR = pathlib.Path(os.environ.get("SCRIBBLECTL", "")).parent
LAMBDA_BINARY = BUILD_DIR / "scribble-handler-lambda"
HOST_BINARY = BUILD_DIR / "scribble-handler"
MAX_ZIP_BYTES = 5_000_000
# Everything but glibc is linked into the bootstrap.
SHIPPED_LIBRARIES = {"libc.so.6", "libm.so.6"}
CACHE_KEEP = 4  # PACKAGE_CACHE_KEEP


def run_probe(out, cache_home, binary=LAMBDA_BINARY):
    """Runs the probe; returns (result, {name: value} of what it printed)."""
    env = dict(os.environ, SCRIBBLE_HANDLER_BINARY=str(binary), XDG_CACHE_HOME=str(cache_home))
    result = subprocess.run([str(PROBE), str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert "Sanitizer" not in result.stderr and "runtime error:" not in result.stderr, result.stderr
    printed = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    return result, printed


def build(out, cache_home, binary=LAMBDA_BINARY):
    result, printed = run_probe(out, cache_home, binary)
    assert result.returncode == 0, result.stderr
    assert set(printed) == {"code_sha256", "sha256_hex", "reused"}, result.stdout
    return printed


class Elf:
    """The parts of a 64-bit little-endian ELF file the package depends on."""

    def __init__(self, data):
        assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, "not ELF64 LE"
        self.data = data
        shoff, = struct.unpack_from("<Q", data, 0x28)
        shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
        headers = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
        names = headers[shstrndx][4]
        self.sections = {self._string(names, h[0]): h for h in headers}

    def _string(self, offset, index):
        end = self.data.index(b"\0", offset + index)
        return self.data[offset + index:end].decode()

    def interpreter(self):
        phoff, = struct.unpack_from("<Q", self.data, 0x20)
        phentsize, phnum = struct.unpack_from("<HH", self.data, 0x36)
        for i in range(phnum):
            p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", self.data, phoff + i * phentsize)
            if p_type == 3:  # PT_INTERP
                return self.data[p_offset:p_offset + p_filesz].rstrip(b"\0").decode()
        return None

    def dynamic(self, tag):
        """The strings of every .dynamic entry with this tag (DT_NEEDED 1, DT_SONAME 14, DT_RPATH 15)."""
        dynamic, dynstr = self.sections[".dynamic"], self.sections[".dynstr"]
        values = []
        for offset in range(dynamic[4], dynamic[4] + dynamic[5], 16):
            d_tag, d_val = struct.unpack_from("<qQ", self.data, offset)
            if d_tag == 0:
                break
            if d_tag == tag:
                values.append(self._string(dynstr[4], d_val))
        return values


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """(zip path, what the probe printed, the cache home it was built with) of one build."""
    assert LAMBDA_BINARY.is_file(), f"{LAMBDA_BINARY} is missing: cmake --build builds it"
    out = tmp_path_factory.mktemp("package") / "first.zip"
    cache_home = tmp_path_factory.mktemp("cache")
    return out, build(out, cache_home), cache_home


def seeded_cache(package, tmp_path):
    """A copy of the cache the module's package was built with: holding that one entry."""
    cache_home = tmp_path / "cache"
    shutil.copytree(package[2], cache_home)
    return cache_home


def test_two_builds_are_byte_identical(package, tmp_path):
    first, printed, _ = package
    second = tmp_path / "second.zip"
    second_printed = build(second, tmp_path / "cache")  # a cache of its own: built, not taken
    assert printed["reused"] == "0" and second_printed["reused"] == "0"
    assert first.read_bytes() == second.read_bytes(), "two builds of the same binary differ"
    digest = hashlib.sha256(first.read_bytes()).digest()
    assert printed["code_sha256"] == second_printed["code_sha256"] == base64.b64encode(digest).decode()
    assert printed["sha256_hex"] == second_printed["sha256_hex"] == digest.hex()


def test_zip_holds_only_the_bootstrap_and_glibc(package):
    path = package[0]
    size = path.stat().st_size
    assert size <= MAX_ZIP_BYTES, f"the package is {size} bytes, over {MAX_ZIP_BYTES}"
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        names = [info.filename for info in infos]
        for info in infos:
            mode = info.external_attr >> 16
            assert info.create_system == 3, f"{info.filename}: not Unix attributes"
            assert stat.S_ISREG(mode) and mode & 0o111 == 0o111, f"{info.filename}: mode {oct(mode)}"
            assert info.date_time == (1980, 1, 1, 0, 0, 0), f"{info.filename}: {info.date_time}"
        bootstrap = Elf(zf.read("bootstrap"))
        libraries = {name: Elf(zf.read(name)) for name in names if name != "bootstrap"}
    assert bootstrap.data == LAMBDA_BINARY.read_bytes(), "bootstrap is not the Lambda build"
    interpreter = bootstrap.interpreter()
    assert interpreter and interpreter.startswith("/var/task/lib/"), interpreter
    loader = interpreter.removeprefix("/var/task/lib/")
    assert bootstrap.dynamic(15) == ["/var/task/lib"], f"RPATH {bootstrap.dynamic(15)}"
    needed = set(bootstrap.dynamic(1))
    assert needed == SHIPPED_LIBRARIES, f"the bootstrap needs {sorted(needed)}, not {sorted(SHIPPED_LIBRARIES)}"
    expected = ["bootstrap"] + sorted(f"lib/{name}" for name in needed | {loader})
    assert names == expected, f"the package holds {names}, not {expected}"
    for name, elf in libraries.items():
        if name != f"lib/{loader}":
            assert elf.dynamic(14) == [name.removeprefix("lib/")], f"{name} has SONAME {elf.dynamic(14)}"
    host_loader = next(p for p in (pathlib.Path(d, loader) for d in ("/lib64", "/lib")) if p.exists())
    assert libraries[f"lib/{loader}"].data == host_loader.read_bytes(), f"lib/{loader} is not {host_loader}"


def test_bootstrap_carries_no_symbols_or_debug_information(package):
    with zipfile.ZipFile(package[0]) as zf:
        sections = set(Elf(zf.read("bootstrap")).sections)
    shipped = sorted(s for s in sections if s == ".symtab" or s.startswith(".debug"))
    assert not shipped, f"the bootstrap ships {shipped}"
    assert ".note.gnu.build-id" in sections, sorted(sections)


def test_host_build_is_refused(tmp_path):
    result, _ = run_probe(tmp_path / "host.zip", tmp_path / "cache", HOST_BINARY)
    assert result.returncode == 1
    assert "not the Lambda build" in result.stderr, result.stderr
    assert not (tmp_path / "host.zip").exists()


def test_missing_binary_is_a_clear_error(tmp_path):
    result, _ = run_probe(tmp_path / "none.zip", tmp_path / "cache", tmp_path / "no-such-binary")
    assert result.returncode == 1
    assert "HandlerBinaryMissing" in result.stderr, result.stderr
    assert "scribble-handler-lambda" in result.stderr, result.stderr


def cache_entries(cache_home):
    return sorted((cache_home / "scribble" / "packages").iterdir())


def test_second_build_takes_the_cached_zip(tmp_path):
    cache_home = tmp_path / "cache"
    first = build(tmp_path / "first.zip", cache_home)
    assert first["reused"] == "0"
    packages = cache_home / "scribble" / "packages"
    for directory in (cache_home / "scribble", packages):
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700, f"{directory}: {oct(directory.stat().st_mode)}"
    [entry] = cache_entries(cache_home)
    assert entry.name.endswith(f"-{first['sha256_hex']}.zip"), entry.name
    assert entry.read_bytes() == (tmp_path / "first.zip").read_bytes()
    written = entry.stat()

    second = build(tmp_path / "second.zip", cache_home)
    assert second["reused"] == "1"
    assert second == {**first, "reused": "1"}
    assert (tmp_path / "second.zip").read_bytes() == (tmp_path / "first.zip").read_bytes()
    assert cache_entries(cache_home) == [entry], "the cache holds more than the one entry"
    assert entry.stat().st_ino == written.st_ino, "the entry was written again"


def test_changed_input_gives_a_new_entry(package, tmp_path):
    cache_home = seeded_cache(package, tmp_path)
    first = {**package[1], "reused": "1"}
    changed = tmp_path / "scribble-handler-lambda"
    changed.write_bytes(LAMBDA_BINARY.read_bytes() + b"\0")  # trailing bytes: still the same ELF
    changed.chmod(0o755)
    second = build(tmp_path / "second.zip", cache_home, changed)
    assert second["reused"] == "0"
    assert second["sha256_hex"] != first["sha256_hex"]
    with zipfile.ZipFile(tmp_path / "second.zip") as zf:
        assert zf.read("bootstrap") == changed.read_bytes()
    assert len(cache_entries(cache_home)) == 2
    # The first entry is still the one for the unchanged binary.
    assert build(tmp_path / "third.zip", cache_home) == first


@pytest.mark.parametrize("damage", ["flipped byte", "cut short", "emptied"])
def test_damaged_entry_is_rebuilt(package, tmp_path, damage):
    cache_home = seeded_cache(package, tmp_path)
    [entry] = cache_entries(cache_home)
    good = entry.read_bytes()
    middle = len(good) // 2
    damaged = {"flipped byte": good[:middle] + bytes([good[middle] ^ 1]) + good[middle + 1:],
               "cut short": good[:-100], "emptied": b""}[damage]
    entry.write_bytes(damaged)
    printed = build(tmp_path / "again.zip", cache_home)
    assert printed == package[1], "a damaged entry was taken, not rebuilt"
    assert (tmp_path / "again.zip").read_bytes() == good
    assert cache_entries(cache_home) == [entry] and entry.read_bytes() == good


def test_cache_keeps_the_most_recent_entries(package, tmp_path):
    cache_home = seeded_cache(package, tmp_path)
    packages = cache_home / "scribble" / "packages"
    [seed] = cache_entries(cache_home)
    # Older entries of other inputs, one a minute back each, the seed's the oldest.
    now = time.time()
    older = []
    for i in range(CACHE_KEEP):
        entry = packages / f"{i:064x}-{hashlib.sha256(bytes([i])).hexdigest()}.zip"
        entry.write_bytes(bytes([i]))
        os.utime(entry, (now - 60 * (i + 1), now - 60 * (i + 1)))
        older.append(entry)
    os.utime(seed, (now - 3600, now - 3600))
    stale_temp = packages / ".tmp-crashed"
    stale_temp.write_bytes(b"half a zip")
    os.utime(stale_temp, (now - 2 * 3600, now - 2 * 3600))
    fresh_temp = packages / ".tmp-running"  # another run's, being written now
    fresh_temp.write_bytes(b"part of a zip")

    changed = tmp_path / "scribble-handler-lambda"
    changed.write_bytes(LAMBDA_BINARY.read_bytes() + b"\0")
    changed.chmod(0o755)
    new = build(tmp_path / "new.zip", cache_home, changed)
    kept = {p.name for p in cache_entries(cache_home) if not p.name.startswith(".")}
    expected = {p.name for p in older[:CACHE_KEEP - 1]}
    assert len(kept) == CACHE_KEEP and expected < kept, f"kept {sorted(kept)}"
    assert any(name.endswith(f"-{new['sha256_hex']}.zip") for name in kept), "the new entry went"
    assert not stale_temp.exists(), "a temporary file two hours old was left"
    assert fresh_temp.exists(), "a temporary file being written was removed"


def test_without_a_usable_cache_the_package_is_still_built(tmp_path):
    not_a_directory = tmp_path / "file"
    not_a_directory.write_text("")
    printed = build(tmp_path / "out.zip", not_a_directory)
    assert printed["reused"] == "0"
    assert hashlib.sha256((tmp_path / "out.zip").read_bytes()).hexdigest() == printed["sha256_hex"]


def unpack(zip_path, task_dir):
    """Extracts like Lambda does, keeping each entry's Unix mode (zipfile drops it)."""
    with zipfile.ZipFile(zip_path) as zf:
        for info in zf.infolist():
            target = task_dir / info.filename
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(zf.read(info))
            os.chmod(target, (info.external_attr >> 16) & 0o7777)


def test_bootstrap_runs_in_an_empty_root(package, tmp_path):
    chroot = shutil.which("chroot") or "/usr/sbin/chroot"
    if os.geteuid() != 0:
        pytest.skip("chroot needs root, and this test runs as an ordinary user")
    root = tmp_path / "root"
    unpack(package[0], root / "var" / "task")
    # Nothing else in the root: no /etc, /lib, /usr, /proc, /dev, /tmp.
    assert sorted(p.name for p in root.iterdir()) == ["var"]
    # Without AWS_LAMBDA_RUNTIME_API the bootstrap starts, says so in its log and exits 2.
    started = subprocess.run([chroot, str(root), "/var/task/bootstrap"], env={}, capture_output=True,
                             text=True, timeout=60)
    if started.returncode != 2 and "Operation not permitted" in started.stderr:
        pytest.skip(f"chroot is not permitted here: {started.stderr.strip()}")
    assert started.returncode == 2 and "AWS_LAMBDA_RUNTIME_API is not set" in started.stdout, (
        f"the bootstrap did not start in the empty root (exit {started.returncode}): {started.stderr}")

    request_id = "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b"
    invocation = Invocation(request_id, '{"body":"{}"}', trace_id="Root=1-00000000-000000000000000000000000")
    with RuntimeApiServer([invocation]) as api:
        env = {"_HANDLER": "send", "AWS_LAMBDA_RUNTIME_API": api.address, **STARTUP_SETTINGS}
        process = subprocess.Popen([chroot, str(root), "/var/task/bootstrap"], env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            api.wait_for("GET", f"{PREFIX}/invocation/next")
            # It gets as far as answering its invocation from inside the empty root.
            error = api.wait_for("POST", f"{PREFIX}/invocation/{request_id}/error")
            assert error.json()["errorType"] == "InvalidEvent", error.body
        finally:
            if process.poll() is None:
                process.terminate()
            stdout, stderr = process.communicate(timeout=30)
    logged = [line for line in stdout.splitlines() if request_id in line]
    assert logged, f"no log line with the request id: {stdout}"
