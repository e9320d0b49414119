"""scribblectl away from the checkout (provision/install_paths.h): installed
with `cmake --install` into a fresh prefix, and as a build directory
somewhere else (this build's binaries copied into a folder of their own),
it finds its handler binaries and the page with no SCRIBBLE_* variable
naming them, runs `up` against the local AWS and serves the page with
`scribblectl local`. `--version` is the project's version from
CMakeLists.txt."""

from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
import urllib.error
import urllib.request

import pytest

from local_app import LocalApp, child_env, make_config, scribblectl, wait_for

BUILD = pathlib.Path(scribblectl()).parent
SOURCE = pathlib.Path(os.environ["SCRIBBLE_SOURCE_DIR"])
BINARIES = ("scribblectl", "scribble-handler", "scribble-handler-lambda")
HANDLERS = BINARIES[1:]
# What would otherwise name the page and the handler binaries outright.
NO_OVERRIDES = {"SCRIBBLE_STATIC_DIR": None, "SCRIBBLE_HANDLER": None,
                "SCRIBBLE_HANDLER_BINARY": None}
STACK = "inst"


def project_version() -> str:
    text = (SOURCE / "CMakeLists.txt").read_text()
    return re.search(r"project\(scribble VERSION (\S+)", text).group(1)


def page_files() -> dict[str, bytes]:
    static = SOURCE / "static"
    return {p.name: p.read_bytes() for p in static.iterdir() if p.is_file()}


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> pathlib.Path:
    prefix = tmp_path_factory.mktemp("prefix")
    result = subprocess.run(["cmake", "--install", str(BUILD), "--prefix", str(prefix)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return prefix


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory) -> pathlib.Path:
    folder = tmp_path_factory.mktemp("elsewhere") / "build"
    folder.mkdir()
    for name in BINARIES:
        shutil.copy2(BUILD / name, folder / name)
    return folder


def test_the_install_lays_out_what_scribblectl_looks_for(installed):
    scribblectl_path = installed / "bin" / "scribblectl"
    assert os.access(scribblectl_path, os.X_OK)
    for name in HANDLERS:
        assert os.access(installed / "libexec" / "scribble" / name, os.X_OK), name
    static = installed / "share" / "scribble" / "static"
    assert {p.name: p.read_bytes() for p in static.iterdir()} == page_files()
    version = subprocess.run([scribblectl_path, "--version"], capture_output=True, text=True,
                             timeout=30)
    assert version.stdout == f"scribblectl {project_version()}\n", version


def run(executable, local_aws, cwd, *args):
    return subprocess.run([str(executable), *args], capture_output=True, text=True, cwd=cwd,
                          env=local_aws.env(**NO_OVERRIDES), timeout=600)


def test_up_from_the_install_then_from_a_build_elsewhere(local_aws, tmp_path, installed, elsewhere):
    (tmp_path / "scribble.ini").write_text(f"[stack]\nname = {STACK}\n")
    first = run(installed / "bin" / "scribblectl", local_aws, tmp_path, "up")
    assert first.returncode == 0, first.stdout + first.stderr
    s3 = local_aws.client("s3")
    bucket = f"{STACK}-site-{local_aws.account_id}-{local_aws.region}"
    for name, body in page_files().items():
        assert s3.get_object(Bucket=bucket, Key=name)["Body"].read() == body, name
    # The build elsewhere packages the same handler and uploads the same page.
    second = run(elsewhere / "scribblectl", local_aws, tmp_path, "up")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "nothing to do" in second.stdout, second.stdout + second.stderr


@pytest.mark.parametrize("layout", ["installed", "elsewhere"])
def test_local_from_the_install_and_from_a_build_elsewhere(tmp_path, layout, request):
    root = request.getfixturevalue(layout)
    executable = root / "bin" / "scribblectl" if layout == "installed" else root / "scribblectl"
    handler = (root / "libexec" / "scribble" / "scribble-handler" if layout == "installed"
               else root / "scribble-handler")
    # A file only the installed page has: served by the install, not by the
    # build elsewhere (whose page is the checkout's).
    marker = installed_marker(request)
    config = make_config(tmp_path)
    env = child_env(**NO_OVERRIDES)
    with LocalApp(config, executable=str(executable), env=env, schedule_interval=3600) as app:
        for name, body in page_files().items():
            with urllib.request.urlopen(app.url + name, timeout=10) as answer:
                assert answer.read() == body, name
        served = fetch_status(app.url + marker.name)
        assert served == (200 if layout == "installed" else 404), served
        # A child forked a moment ago may not have exec'd yet (its exe is still
        # scribblectl): wait for one that runs the handler, against a deadline.
        def handlers_running():
            running = {exe_of(p.pid) for p in app.children()}
            return running if str(handler) in running else None
        wait_for(handlers_running, 15, lambda: f"no child runs {handler}: "
                                               f"{ {exe_of(p.pid) for p in app.children()} }")


def exe_of(pid: int) -> str:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:  # gone meanwhile
        return ""


def installed_marker(request) -> pathlib.Path:
    marker = request.getfixturevalue("installed") / "share" / "scribble" / "static" / "only-installed.txt"
    marker.write_text("installed\n")
    request.addfinalizer(marker.unlink)
    return marker


def fetch_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as error:
        return error.code
