"""A call that keeps failing ends its resource within the call's budget.

The local AWS (with the real AWS profile) answers ElastiCache's
ModifyServerlessCache with HTTP 500 every time. An `up` that must change the
cache gives that call 6 tries (each of the client's 3 attempts), the last
starting within 2 minutes of its first failure, scaled here by
SCRIBBLE_TIME_SCALE (the client's waits between attempts are not: at this
scale the budget may end the call after 4 or 5 tries), then fails the cache with an error naming the
resource, the call and AWS's last answer; what does not depend on the cache
is still brought up to date, and the summary lists what failed and what was
skipped because of it.
"""
import re
import time

from harness.local_aws import LocalAws
from harness.real_aws import RealAwsProfile
from walk_runs import PATIENT, explain, scribblectl, write_config

STACK = "budget"
SCALE = 0.1
FAULT_TRIES = 6         # provision/graph.h: WALK_FAULT_TRIES
FAULT_BUDGET_S = 120    # WALK_FAULT_BUDGET_S
CLIENT_ATTEMPTS = 3     # the AWS client's max_attempts
CLIENT_WAITS_S = 3      # its waits between them: at most 1 s, then 2 s


def progress_times(stderr, role):
    """Seconds since the walk began of each progress line of one resource."""
    times = []
    for line in stderr.splitlines():
        match = re.match(r"\s+\[\s*([0-9.]+)s\] (\S+)\s", line)
        if match and match.group(2) == role:
            times.append(float(match.group(1)))
    return times


def test_a_call_that_always_fails_ends_its_resource_within_its_budget(tmp_path):
    profile = RealAwsProfile(always_fail={("elasticache", "ModifyServerlessCache"): 500})
    with LocalAws(profile=profile) as aws:
        env = aws.env(SCRIBBLE_TIME_SCALE=str(SCALE))
        write_config(tmp_path, STACK)
        first = scribblectl(env, tmp_path, "up")
        assert first.returncode == 0, explain(first)

        # A cache setting that only ModifyServerlessCache can change, and one
        # that does not depend on the cache at all.
        write_config(tmp_path, STACK, "[cache]\nmax_storage_gb = 5\n"
                                      "[functions]\nlog_retention_days = 30\n")
        aws.requests.clear()
        result = scribblectl(env, tmp_path, "up")
        assert result.returncode == 1, explain(result)

        lines = result.stdout.splitlines()
        [failed] = [line for line in lines if line.startswith(f"  cache {STACK}-cache: ")]
        match = re.match(rf"  cache {STACK}-cache: ElastiCache ModifyServerlessCache failed after "
                         r"(\d) tries in (\d+) s: InternalFailure: .+ \(HTTP 500, request id "
                         r"[0-9a-f-]{8,}\)$", failed)
        assert match, failed
        tries, seconds = int(match.group(1)), int(match.group(2))
        assert 4 <= tries <= FAULT_TRIES, failed
        assert seconds <= FAULT_BUDGET_S * SCALE + CLIENT_WAITS_S + 1, failed
        modifies = aws.requests.count(service="elasticache", operation="ModifyServerlessCache")
        assert modifies == tries * CLIENT_ATTEMPTS, explain(result)
        assert re.match(r"up: 1 resource failed, \d+ skipped because of it:$", lines[0]), lines[0]
        [skipped] = [line for line in lines if "skipped because of it:" in line
                     and not line.startswith("up:")]
        skipped_roles = skipped.split(":", 1)[1].replace(",", " ").split()
        assert {"connect-function", "send-function", "websocket-routes"} <= set(skipped_roles)
        assert "connect-logs" not in skipped_roles
        assert "again" in lines[-1]

        # The cache ended within the budget: from its first progress line to its last.
        times = progress_times(result.stderr, "cache")
        assert times and "FAILED" in [l for l in result.stderr.splitlines() if " cache " in l][-1]
        # The budget bounds when the last try starts, counted from the first
        # failure: add the first try (before that failure) and the last try
        # (after it starts), each up to the client's waits between attempts.
        assert times[-1] - times[0] <= FAULT_BUDGET_S * SCALE + 2 * CLIENT_WAITS_S + 1, \
            (times, result.stderr)

        # The branches that do not need the cache went on.
        logs = aws.client("logs", config=PATIENT)
        groups = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{STACK}-")["logGroups"]
        assert len(groups) == 8 and {g.get("retentionInDays") for g in groups} == {30}, groups
        cache = aws.client("elasticache", config=PATIENT).describe_serverless_caches(
            ServerlessCacheName=f"{STACK}-cache")["ServerlessCaches"][0]
        assert cache["CacheUsageLimits"]["DataStorage"]["Maximum"] == 1

        # status reads what up could not change, without failing itself.
        status = scribblectl(env, tmp_path, "status")
        assert status.returncode == 3, explain(status)
        assert "cache data storage maximum: is 1 GB, config says 5 GB" in status.stdout, status.stdout


def test_a_state_that_does_not_come_ends_its_resource_at_the_kinds_allowance(tmp_path):
    # A NAT gateway is allowed 15 minutes to become available: 9 s at 0.01.
    scale = 0.01
    profile = RealAwsProfile(nat_gateway_pending_s=600)
    with LocalAws(profile=profile) as aws:
        write_config(tmp_path, "pending")
        result = scribblectl(aws.env(SCRIBBLE_TIME_SCALE=str(scale)), tmp_path, "up")
        assert result.returncode == 1, explain(result)
        [failed] = [l for l in result.stdout.splitlines() if l.startswith("  nat-gateway-1 ")]
        match = re.match(r"  nat-gateway-1 pending-nat-gateway-1: still pending after waiting "
                         r"(\d+) s \(NAT gateway: 9 s allowed to become ready\)$", failed)
        assert match and 900 * scale - 2 <= int(match.group(1)) <= 900 * scale, failed
        assert "skipped because of it: route-table-private" in result.stdout, result.stdout
        assert "  [" in result.stderr and "nat-gateway-1                waiting until ready" in \
            result.stderr, result.stderr


def test_a_time_scale_that_is_not_a_positive_number_is_refused(tmp_path):
    with LocalAws() as aws:
        write_config(tmp_path, "scale")
        for scale in ("fast", "0", "-1"):
            result = scribblectl(aws.env(SCRIBBLE_TIME_SCALE=scale), tmp_path, "up")
            assert result.returncode == 1, explain(result)
            assert f'SCRIBBLE_TIME_SCALE must be a number greater than 0, not "{scale}"' in \
                result.stderr, result.stderr
        assert aws.requests.mutating() == [], "up changed something before refusing the scale"
