"""The Lambda package (provision/package.c), through tests/provision/package_probe.c.

The probe builds the package from $SCRIBBLE_HANDLER_BINARY (here the build's
scribble-handler-lambda) and writes the zip to a file. The tests check that
the zip is deterministic and its code_sha256 is base64(SHA-256(zip)); that it
holds an executable bootstrap and, under lib/, the loader the bootstrap names
as its interpreter and the libraries it loads; and that the
unpacked package alone, as the whole root of a chroot, starts and asks a
local Runtime API for work (and answers the invocation it gets).
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
import zipfile

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "runtime"))
from runtime_api_server import PREFIX, Invocation, RuntimeApiServer  # noqa: E402
from harness.local_lambda import STARTUP_SETTINGS  # noqa: E402

PROBE = pathlib.Path(os.environ.get("SCRIBBLE_TEST_BIN", "")) / "package_probe"
BUILD_DIR = pathlib.Path(os.environ.get("SCRIBBLECTL", "")).parent
LAMBDA_BINARY = BUILD_DIR / "scribble-handler-lambda"
HOST_BINARY = BUILD_DIR / "scribble-handler"


def run_probe(out, binary=LAMBDA_BINARY):
    env = dict(os.environ, SCRIBBLE_HANDLER_BINARY=str(binary))
    result = subprocess.run([str(PROBE), str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert "Sanitizer" not in result.stderr and "runtime error:" not in result.stderr, result.stderr
    return result


def elf_interpreter(path):
    """PT_INTERP of a 64-bit little-endian ELF file."""
    data = pathlib.Path(path).read_bytes()
    assert data[:4] == b"\x7fELF" and data[4] == 2 and data[5] == 1, f"{path} is not ELF64 LE"
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    for i in range(phnum):
        p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + i * phentsize)
        if p_type == 3:  # PT_INTERP
            return data[p_offset:p_offset + p_filesz].rstrip(b"\0").decode()
    return None


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    """(zip path, code_sha256 printed by the probe) of one build."""
    assert LAMBDA_BINARY.is_file(), f"{LAMBDA_BINARY} is missing: cmake --build builds it"
    out = tmp_path_factory.mktemp("package") / "first.zip"
    result = run_probe(out)
    assert result.returncode == 0, result.stderr
    return out, result.stdout.strip().removeprefix("code_sha256=")


def test_two_builds_are_byte_identical(package, tmp_path):
    first, first_sha = package
    second = tmp_path / "second.zip"
    result = run_probe(second)
    assert result.returncode == 0, result.stderr
    second_sha = result.stdout.strip().removeprefix("code_sha256=")
    assert first.read_bytes() == second.read_bytes(), "two builds of the same binary differ"
    assert first_sha == second_sha
    expected = base64.b64encode(hashlib.sha256(first.read_bytes()).digest()).decode()
    assert first_sha == expected, f"code_sha256 {first_sha} is not base64(SHA-256(zip)) {expected}"


def test_zip_holds_bootstrap_loader_and_libraries(package):
    path, _ = package
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        names = [info.filename for info in infos]
        assert names == sorted(names), f"entries are not sorted: {names}"
        assert len(set(names)) == len(names), names
        assert names[0] == "bootstrap", names
        assert all(name == "bootstrap" or name.startswith("lib/") for name in names), names
        for info in infos:
            mode = info.external_attr >> 16
            assert info.create_system == 3, f"{info.filename}: not Unix attributes"
            assert stat.S_ISREG(mode) and mode & 0o111 == 0o111, f"{info.filename}: mode {oct(mode)}"
            assert info.date_time == (1980, 1, 1, 0, 0, 0), f"{info.filename}: {info.date_time}"
        assert zf.read("bootstrap") == LAMBDA_BINARY.read_bytes(), "bootstrap is not the Lambda build"
        interpreter = elf_interpreter(LAMBDA_BINARY)
        assert interpreter and interpreter.startswith("/var/task/lib/"), interpreter
        loader = "lib/" + interpreter.removeprefix("/var/task/lib/")
        assert loader in names, f"the loader {loader} is missing: {names}"
        host_loaders = [pathlib.Path(d, pathlib.Path(loader).name) for d in ("/lib64", "/lib")]
        host_loader = next(p for p in host_loaders if p.exists())
        assert zf.read(loader) == host_loader.read_bytes(), f"{loader} is not this machine's {host_loader}"
    libraries = {name.removeprefix("lib/").split(".so")[0] for name in names if name.startswith("lib/")}
    for wanted in ("libc", "libcurl", "libssl", "libcrypto"):
        assert wanted in libraries, f"{wanted} is missing: {sorted(libraries)}"


def test_host_build_is_refused(tmp_path):
    result = run_probe(tmp_path / "host.zip", HOST_BINARY)
    assert result.returncode == 1
    assert "not the Lambda build" in result.stderr, result.stderr
    assert not (tmp_path / "host.zip").exists()


def test_missing_binary_is_a_clear_error(tmp_path):
    result = run_probe(tmp_path / "none.zip", tmp_path / "no-such-binary")
    assert result.returncode == 1
    assert "HandlerBinaryMissing" in result.stderr, result.stderr
    assert "scribble-handler-lambda" in result.stderr, result.stderr


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
