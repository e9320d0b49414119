"""Rates for the real AWS profile: a link of limited bandwidth, and a request rate limit.

Link is one network link shared by every connection: whoever moves bytes
through it waits until those bytes fit, so two uploads at once each get about
half of it. The local AWS reads request bodies (and writes responses) through
it, so a client really sees TCP backpressure. TokenBucket is a service's
request rate (AWS throttles per account, per service, with a bucket that
refills at a rate up to a burst).

Both use the monotonic clock and hold a lock only to book time: waiting
happens outside it.
"""

from __future__ import annotations

import threading
import time

# Bytes moved at once through a link; a link may run this far ahead of its rate.
CHUNK = 64 * 1024


class Link:
    """A link of `bytes_per_s` shared by every connection."""

    def __init__(self, bytes_per_s: float, burst_bytes: int = CHUNK):
        if bytes_per_s <= 0:
            raise ValueError(f"a link needs a positive rate, not {bytes_per_s}")
        self.bytes_per_s = float(bytes_per_s)
        self._burst_s = burst_bytes / self.bytes_per_s
        self._lock = threading.Lock()
        self._free_at = 0.0  # when everything booked so far has gone through

    def transfer(self, count: int) -> None:
        """Book `count` bytes on the link; returns when they have gone through."""
        if count <= 0:
            return
        with self._lock:
            now = time.monotonic()
            self._free_at = max(self._free_at, now) + count / self.bytes_per_s
            wake = self._free_at - self._burst_s
        if wake > now:
            time.sleep(wake - now)


class TokenBucket:
    """`rate` requests per second on average, up to `burst` at once."""

    def __init__(self, rate: float, burst: float):
        if rate <= 0 or burst < 1:
            raise ValueError(f"a request rate needs rate > 0 and burst >= 1, not ({rate}, {burst})")
        self.rate = float(rate)
        self.burst = float(burst)
        self._tokens = float(burst)
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Whether one more request may go now (it takes a token) or is throttled."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
            self._at = now
            if self._tokens < 1:
                return False
            self._tokens -= 1
            return True
