"""up then down converge under AWS's faults, throttling and slow states.

A seeded series of runs, each against its own local AWS with the real AWS
profile: faults on 10 % of calls (500, 503, connection reset, and answers cut
short after the call was applied), AWS-like request rates (EC2 at 20 per
second, bursts of 40), slow states and eventual consistency as the profile
has them by default. On every run `up` succeeds, `down` succeeds, and nothing
tagged with the stack (or named after it) is left. Runs go four at a time,
each in a process of its own (moto, in-process, holds its process's GIL);
the seeds make a failing run replayable (RealAwsProfile(seed=...)).

The walk's waits are scaled by 0.25 (SCRIBBLE_TIME_SCALE); the profile's
delays and request rates are not, nor the client's waits between attempts.
"""
import collections
import concurrent.futures
import multiprocessing
import time

from harness.local_aws import LocalAws
from harness.real_aws import DEFAULT_THROTTLE, RealAwsProfile
from walk_runs import leftovers, scribblectl, write_config

SEEDS = range(1, 11)
PARALLEL = 4
STACK = "series"


def profile_of(seed):
    return RealAwsProfile.default(
        seed=seed, fault_rate=0.1,
        fault_kinds={"500": 1, "503": 1, "reset": 1, "truncate": 1},
        throttle={**DEFAULT_THROTTLE, "ec2": (20.0, 40)})


def walk_retries(result):
    """The walk's own retries after a fault (the client's are not on screen)."""
    return sum("retrying in" in line for line in result.stderr.splitlines())


def outputs(result):
    if result is None:
        return None
    return {"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr}


def one_run(seed, directory):
    """One seeded up and down, in a process of its own: plain data back."""
    directory.mkdir()
    write_config(directory, STACK)
    start = time.monotonic()
    with LocalAws(profile=profile_of(seed)) as aws:
        env = aws.env(SCRIBBLE_TIME_SCALE="0.25")
        up = scribblectl(env, directory, "up")
        down = scribblectl(env, directory, "down", "--yes") if up.returncode == 0 else None
        left = leftovers(aws, STACK) if down and down.returncode == 0 else None
        stats = aws.stats
        return {
            "seed": seed, "up": outputs(up), "down": outputs(down), "left": left,
            "seconds": time.monotonic() - start, "calls": stats.calls,
            "faults": dict(stats.faults), "throttled": stats.throttled,
            "refusals": sum(stats.refusals.values()) + sum(stats.slow_state_refusals.values()),
            "walk_retries": walk_retries(up) + (walk_retries(down) if down else 0),
        }


def describe(run):
    return (f"seed {run['seed']}: {run['seconds']:.0f} s, {run['calls']} calls, "
            f"{sum(run['faults'].values())} faults {run['faults']}, "
            f"{run['throttled']} throttled, {run['refusals']} refusals, "
            f"{run['walk_retries']} walk retries")


def explained(outcome):
    return (f"exit {outcome['returncode']}\n--- stdout\n{outcome['stdout']}\n"
            f"--- stderr\n{outcome['stderr']}")


def test_up_then_down_converge_on_every_run_of_a_seeded_series(tmp_path):
    start = time.monotonic()
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(PARALLEL, mp_context=context) as pool:
        runs = list(pool.map(one_run, SEEDS, [tmp_path / f"run-{seed}" for seed in SEEDS]))
    wall = time.monotonic() - start
    report = [describe(run) for run in runs]
    faults = sum((collections.Counter(run["faults"]) for run in runs), collections.Counter())
    report.append(f"{len(runs)} runs in {wall:.0f} s: {sum(r['calls'] for r in runs)} calls, "
                  f"{sum(faults.values())} faults injected {dict(faults)}, "
                  f"{sum(r['throttled'] for r in runs)} throttled, "
                  f"{sum(r['refusals'] for r in runs)} refusals, "
                  f"{sum(r['walk_retries'] for r in runs)} walk retries")
    print("\n".join(report))
    for run in runs:
        assert run["up"]["returncode"] == 0, f"{describe(run)}: up\n{explained(run['up'])}"
        assert run["down"]["returncode"] == 0, f"{describe(run)}: down\n{explained(run['down'])}"
        assert run["left"] == [], f"{describe(run)}: left behind {run['left']}"
    assert sum(faults.values()) >= len(runs) * 20, "\n".join(report)  # the faults did happen
