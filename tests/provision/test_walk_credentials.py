"""Credentials that expire during a walk are refreshed, once for all workers.

The profile's credential_process hands out credentials that expire 302 s
after it runs; the client's cache refreshes them 300 s before they expire, so
they need refreshing every 2 s or so. The walk's workers share one cache: an
`up` of several seconds runs the process a few more times, one run at a
time, instead of never (credentials resolved once) or once per worker. The
NAT gateway stays pending for 6 s (the real AWS profile), so the walk lasts
long enough for several refreshes whatever the machine's speed.
"""
import time

from harness.local_aws import LocalAws
from harness.real_aws import RealAwsProfile
from walk_runs import explain, leftovers, scribblectl, write_config

PROCESS = """#!/bin/sh
# Counts its runs, notes any run that overlaps another, prints credentials
# that expire in 302 s.
dir=$(dirname "$0")
if ! mkdir "$dir/running" 2>/dev/null; then echo overlap >> "$dir/overlaps"; fi
echo run >> "$dir/runs"
sleep 0.1
expires=$(date -u -d "+302 seconds" +%Y-%m-%dT%H:%M:%SZ)
rmdir "$dir/running" 2>/dev/null
printf '{"Version": 1, "AccessKeyId": "AKIDREFRESH", "SecretAccessKey": "refresh-secret",'
printf ' "SessionToken": "refresh-token", "Expiration": "%s"}\\n' "$expires"
"""


def test_credentials_are_refreshed_during_a_walk_one_run_at_a_time(tmp_path):
    process_dir = tmp_path / "process"
    process_dir.mkdir()
    script = process_dir / "credentials.sh"
    script.write_text(PROCESS)
    script.chmod(0o755)
    work = tmp_path / "work"
    work.mkdir()
    write_config(work, "refresh")
    with LocalAws(profile=RealAwsProfile(nat_gateway_pending_s=6)) as aws:
        config = tmp_path / "config"
        config.write_text(f"[default]\nregion = {aws.region}\ncredential_process = {script}\n")
        env = aws.env(AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None,
                      AWS_CONFIG_FILE=str(config))
        start = time.monotonic()
        up = scribblectl(env, work, "up")
        took = time.monotonic() - start
        assert up.returncode == 0, explain(up)
        runs = len((process_dir / "runs").read_text().split())
        print(f"credential_process ran {runs} times in an up of {took:.1f} s")
        assert not (process_dir / "overlaps").exists(), "two runs of credential_process overlapped"
        # One run to plan the stack, one as the walk starts, then one each
        # time the shared credentials near their expiry (every 1 to 2 s).
        assert runs >= 4, f"{runs} runs in {took:.1f} s: credentials were not refreshed"
        assert runs <= took + 4, f"{runs} runs in {took:.1f} s: refreshed by every worker"
        assert "refresh-secret" not in up.stdout + up.stderr

        down = scribblectl(env, work, "down", "--yes")
        assert down.returncode == 0, explain(down)
        assert leftovers(aws, "refresh") == []
        assert not (process_dir / "overlaps").exists()
