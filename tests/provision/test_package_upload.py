"""The package crosses the uplink once: `up` on a 10 Mbit/s uplink, counted at the endpoint.

The local AWS runs the real AWS profile (tests/README.md): latency, AWS's
request rates, slow states, and an uplink of 10 Mbit/s shared by every
connection. With the shipped scribble.ini, the first `up` completes and sends
at most 8 MB in all (the package once, to the artifacts bucket; the eight
functions are created from it); a second `up` sends no package, rebuilds
none (the package cache's entry is untouched) and changes nothing. A package
too large for one part, whose upload is cut by killing `up`, is continued by
the next `up`: only the parts S3 lacks are sent. On a terminal, the live
table shows the upload's progress.
"""
import os
import re
import shutil
import subprocess

from harness.local_aws import LocalAws
from harness.real_aws import RealAwsProfile

SCRIBBLECTL = os.environ["SCRIBBLECTL"]
SOURCE_DIR = os.environ["SCRIBBLE_SOURCE_DIR"]
UPLINK_10_MBIT = 10_000_000 / 8
MB = 1_000_000


def scribblectl(aws, cwd, cache, *args):
    env = aws.env(XDG_CACHE_HOME=str(cache))
    result = subprocess.run([SCRIBBLECTL, *args], capture_output=True, text=True, env=env, cwd=cwd,
                            timeout=900)
    assert "Sanitizer" not in result.stderr and "runtime error:" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def package_uploads(aws):
    return [r for r in aws.requests
            if r.service == "s3" and r.operation in ("PutObject", "UploadPart")
            and "/packages/" in r.path]


def cache_entries(cache):
    """(path, size, inode) of every file in the package cache: an entry written
    again (always to a new file, renamed into place) has a new inode. Using an
    entry may touch its time, which is how the cache keeps recent ones."""
    found = []
    for root, _, files in os.walk(cache):
        for name in files:
            st = os.stat(os.path.join(root, name))
            found.append((os.path.join(root, name), st.st_size, st.st_ino))
    return sorted(found)


def test_first_up_on_a_slow_uplink_sends_the_package_once(tmp_path):
    shutil.copy(os.path.join(SOURCE_DIR, "scribble.ini"), tmp_path / "scribble.ini")
    cache = tmp_path / "cache"
    profile = RealAwsProfile.default(uplink_bytes_per_s=UPLINK_10_MBIT)
    with LocalAws(profile=profile) as aws:
        first = scribblectl(aws, tmp_path, cache, "up")
        assert " created" in first.stdout
        sent = sum(r.bytes for r in aws.requests)
        uploads = package_uploads(aws)
        assert len(uploads) == 1 and uploads[0].status == 200, [str(r) for r in uploads]
        assert sent <= 8 * MB, f"the first up sent {sent / MB:.2f} MB"
        creates = aws.requests.select(service="lambda", operation="CreateFunction")
        assert len(creates) == 8 and max(r.bytes for r in creates) < 20_000, \
            [(str(r), r.bytes) for r in creates]
        print(f"first up: {sent / MB:.2f} MB sent in {len(aws.requests)} requests; "
              f"package {uploads[0].bytes / MB:.2f} MB")

        entries = cache_entries(cache)
        assert entries, "the package cache is empty after up"
        aws.requests.clear()
        second = scribblectl(aws, tmp_path, cache, "up")
        assert "nothing to do" in second.stdout, second.stdout
        assert package_uploads(aws) == []
        assert aws.requests.mutating() == [], [str(r) for r in aws.requests.mutating()]
        assert cache_entries(cache) == entries, "the second up rebuilt the package"
        resent = sum(r.bytes for r in aws.requests)
        assert resent < MB, f"the second up sent {resent / MB:.2f} MB"
        print(f"second up: {resent / MB:.3f} MB sent in {len(aws.requests)} requests")


def test_an_interrupted_upload_is_continued(tmp_path):
    """A package over one part (8 MiB) goes up in parts; `up` killed once the
    first part is in, then run again, sends only what S3 does not have."""
    built = os.path.join(os.path.dirname(SCRIBBLECTL), "scribble-handler-lambda")
    binary = tmp_path / "scribble-handler-lambda"
    shutil.copy(built, binary)
    with open(binary, "ab") as f:  # bytes that do not compress: a package of three parts
        f.write(os.urandom(14 * 1024 * 1024))
    cache = tmp_path / "cache"
    profile = RealAwsProfile.default(uplink_bytes_per_s=5_000_000)
    with LocalAws(profile=profile) as aws:
        env = aws.env(XDG_CACHE_HOME=str(cache), SCRIBBLE_HANDLER_BINARY=str(binary))
        first = subprocess.Popen([SCRIBBLECTL, "up"], cwd=tmp_path, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            part_in = aws.requests.wait_for(
                lambda records: any(r.operation == "UploadPart" and r.status == 200
                                    for r in records), timeout=300)
        finally:
            first.kill()
            first.wait()
        assert part_in, "no part of the package arrived"
        uploads = aws.client("s3").list_multipart_uploads(
            Bucket=f"scribble-artifacts-{aws.account_id}-{aws.region}").get("Uploads", [])
        assert len(uploads) == 1, uploads
        aws.requests.clear()
        result = subprocess.run([SCRIBBLECTL, "up"], cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=900)
        assert result.returncode == 0, result.stdout + result.stderr
        operations = aws.requests.by_operation()
        assert operations["s3:CreateMultipartUpload"] == 0, operations
        assert 1 <= operations["s3:UploadPart"] <= 2, operations
        assert operations["s3:CompleteMultipartUpload"] == 1, operations
        assert aws.requests.count(service="lambda", operation="CreateFunction") == 8


def test_a_long_upload_shows_its_progress_on_a_terminal(tmp_path):
    """On a terminal, the live table shows how far the package's upload is."""
    import pty
    import select

    cache = tmp_path / "cache"
    profile = RealAwsProfile.default(uplink_bytes_per_s=1_000_000)  # the package takes seconds
    with LocalAws(profile=profile) as aws:
        env = aws.env(XDG_CACHE_HOME=str(cache), TERM="xterm")
        controller, terminal = pty.openpty()
        process = subprocess.Popen([SCRIBBLECTL, "up"], cwd=tmp_path, env=env,
                                   stdout=subprocess.DEVNULL, stderr=terminal)
        os.close(terminal)
        shown = b""
        try:
            while True:  # until the process closes the terminal
                ready, _, _ = select.select([controller], [], [], 600)
                if not ready:
                    break
                try:
                    chunk = os.read(controller, 65536)
                except OSError:  # EIO: every writer has closed the terminal
                    break
                if not chunk:
                    break
                shown += chunk
        finally:
            os.close(controller)
            process.kill()
            process.wait()
    text = shown.decode(errors="replace")
    shown_progress = r"function-package +[0-9.]+s +uploading [0-9.]+ MB of [0-9.]+ MB \((\d+)%\)"
    percents = [int(p) for p in re.findall(shown_progress, text)]
    assert len(set(percents)) >= 2, text[-3000:]
    assert percents == sorted(percents), percents
