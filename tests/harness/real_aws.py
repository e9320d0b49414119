"""The real AWS profile: what a test turns on so the local AWS behaves like AWS.

moto on loopback takes 200 MB in a second, never throttles, never fails and
makes every resource ready at once. A RealAwsProfile describes, each part
configurable, what AWS does instead: latency per call, a shared uplink (and
downlink) of limited bandwidth, resources that take time to become ready or
to go away, eventual consistency, per-service throttling, seeded random
faults and calls that always fail. `LocalAws(profile=...)` applies it:
real_aws_wsgi.py in front of moto (everything decided per request), and
real_aws_moto.py plus the moto extensions on moto's backends (slow states,
computed from timestamps when read, with no thread of their own).

This module holds the profile itself, the fate of each request (a function of
the seed and of the request's place in its own sequence, never of thread
timing, so a failing run replays), and the registry through which moto's
backends find the profile of their account. It does not touch moto.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# The kinds of random fault: 500, 503 and reset happen before the request
# reaches moto (nothing applied); truncate after moto applied it.
FAULT_KINDS = ("500", "503", "reset", "truncate")
FAULTS_BEFORE_MOTO = ("500", "503", "reset")
# What an always-failing call may answer: a fault kind, or a throttling error.
ALWAYS_FAIL_KINDS = FAULT_KINDS + ("throttled",)

# Request rates of the order of AWS's published control-plane limits (requests
# per second, burst), used by RealAwsProfile.default().
DEFAULT_THROTTLE = {
    "ec2": (20.0, 100),
    "iam": (10.0, 20),
    "sts": (50.0, 100),
    "elasticache": (10.0, 20),
    "cloudfront": (5.0, 10),
    "lambda": (15.0, 30),
    "apigatewayv2": (10.0, 40),
    "scheduler": (50.0, 100),
    "logs": (5.0, 10),
    "dynamodb": (10.0, 20),
    "resourcegroupstaggingapi": (5.0, 10),
}


@dataclass(frozen=True)
class RealAwsProfile:
    """How far from loopback moto the local AWS behaves; every field has a default
    (slow states of a few seconds at most, faults and throttling off)."""

    seed: int = 1
    latency: tuple[float, float] = (0.005, 0.03)  # added to every call, uniform in range
    uplink_bytes_per_s: float | None = None        # shared by every connection
    downlink_bytes_per_s: float | None = None
    nat_gateway_pending_s: float = 2.0
    nat_gateway_deleting_s: float = 2.0
    cache_creating_s: float = 2.0
    cache_modifying_s: float = 1.0
    cache_deleting_s: float = 1.0
    distribution_deploy_s: float = 2.0             # InProgress -> Deployed after create/update
    lambda_pending_s: float = 1.0                  # State Pending after CreateFunction
    lambda_update_s: float = 1.0                   # LastUpdateStatus InProgress after an update
    eni_release_s: float = 3.0                     # after the last VPC function using the ENI
    role_propagation_s: float = 1.0                # a new role is refused by Lambda and Scheduler
    not_found_after_create_s: float = 0.5          # a new EC2 id answers NotFound when named
    throttle: dict[str, tuple[float, float]] = field(default_factory=dict)
    fault_rate: float = 0.0
    fault_kinds: dict[str, float] = field(
        default_factory=lambda: {kind: 1.0 for kind in FAULT_KINDS})
    always_fail: dict[tuple[str, str], int | str] = field(default_factory=dict)
    # The clock slow states and consistency windows are measured on; a test may
    # give its own to step time instead of waiting. Latency, bandwidth and
    # request rates always use real time.
    clock: Callable[[], float] = field(default=time.monotonic, repr=False, compare=False)

    def __post_init__(self) -> None:
        low, high = self.latency
        if not 0 <= low <= high:
            raise ValueError(f"latency must be (low, high) with 0 <= low <= high, not {self.latency}")
        for name in ("uplink_bytes_per_s", "downlink_bytes_per_s"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive or None, not {value}")
        for item in dataclasses.fields(self):
            if item.name.endswith("_s") and not item.name.endswith("_per_s") \
                    and getattr(self, item.name) < 0:
                raise ValueError(f"{item.name} must not be negative")
        for service, (rate, burst) in self.throttle.items():
            if rate <= 0 or burst < 1:
                raise ValueError(f"throttle[{service!r}] must be (rate > 0, burst >= 1)")
        if not 0 <= self.fault_rate <= 1:
            raise ValueError(f"fault_rate must be within [0, 1], not {self.fault_rate}")
        unknown = set(self.fault_kinds) - set(FAULT_KINDS)
        if unknown or any(weight < 0 for weight in self.fault_kinds.values()):
            raise ValueError(f"fault_kinds takes non-negative weights for {FAULT_KINDS}")
        if self.fault_rate > 0 and not any(self.fault_kinds.values()):
            raise ValueError("fault_rate is set but every fault kind weighs 0")
        for call, kind in self.always_fail.items():
            if str(kind) not in ALWAYS_FAIL_KINDS:
                raise ValueError(f"always_fail[{call}] must be one of {ALWAYS_FAIL_KINDS}")

    @classmethod
    def default(cls, **changes: object) -> RealAwsProfile:
        """Realistic but fast: latency, slow states of a few seconds, AWS-like
        request rates; no fault and no bandwidth limit unless `changes` say so."""
        changes.setdefault("throttle", dict(DEFAULT_THROTTLE))
        return cls(**changes)  # type: ignore[arg-type]

    def replace(self, **changes: object) -> RealAwsProfile:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]

    def fate(self, service: str | None, operation: str | None, path: str, n: int) -> Fate:
        """What happens to the n-th request (from 0) with this service, operation and path."""
        digest = hashlib.blake2b(
            f"{self.seed}\0{service}\0{operation}\0{path}\0{n}".encode(), digest_size=16).digest()
        u = [int.from_bytes(digest[i:i + 4], "big") / 2**32 for i in range(0, 16, 4)]
        low, high = self.latency
        fault = None
        if u[1] < self.fault_rate:
            fault = _weighted(self.fault_kinds, u[2])
        return Fate(latency=low + (high - low) * u[0], fault=fault, cut=0.1 + 0.8 * u[3])


@dataclass(frozen=True)
class Fate:
    latency: float          # seconds added before the call goes on
    fault: str | None       # one of FAULT_KINDS, or None
    cut: float              # where a truncated body stops, as a fraction of it


def _weighted(weights: dict[str, float], u: float) -> str:
    kinds = [kind for kind in FAULT_KINDS if weights.get(kind, 0) > 0]
    total = sum(weights[kind] for kind in kinds)
    point = u * total
    for kind in kinds:
        point -= weights[kind]
        if point < 0:
            return kind
    return kinds[-1]


# -- the profile of each live account, for moto's backends --------------------------------
_registry_lock = threading.Lock()
_profiles: dict[str, RealAwsProfile] = {}


def activate(account_id: str, profile: RealAwsProfile) -> None:
    with _registry_lock:
        _profiles[account_id] = profile


def deactivate(account_id: str) -> None:
    with _registry_lock:
        _profiles.pop(account_id, None)


def active(account_id: str | None) -> RealAwsProfile | None:
    """The profile of the LocalAws owning this account, None when it has none."""
    with _registry_lock:
        return _profiles.get(account_id or "")


# -- what moto's backends refused because of a profile, for the request's record -----------
_notes = threading.local()


def note(kind: str) -> None:
    """Called on a request's thread when a slow state refuses it ("dependency-violation", ...)."""
    _notes.kind = kind


def take_note() -> str | None:
    kind = getattr(_notes, "kind", None)
    _notes.kind = None
    return kind


class ManualClock:
    """A clock that moves only when told: RealAwsProfile(clock=ManualClock()) lets a
    test step through slow states and consistency windows without waiting."""

    def __init__(self, start: float = 1000.0):
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds
