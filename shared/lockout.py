"""Failure counters with a lockout window, in the cache (guessing codes, passwords ...).

`FailureLockout(name, max_failures, window_seconds, lockout_seconds)`: `record(scope, value)`
counts one failure of `value` (a user id, an IP) within the window and locks it for the lockout
once `max_failures` is reached; `locked_seconds(scope, value)` answers the seconds left, or
None. Values are hashed into the keys. The counters are the rule, not an optimisation: with the
cache unreachable the calls answer 503 service_unavailable (shared.cache.cache_required)
rather than allowing unlimited guesses.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

from shared.cache import cache_required


@dataclass(frozen=True)
class FailureLockout:
    name: str  # e.g. "coupons:redeem"
    max_failures: int
    window_seconds: int
    lockout_seconds: int

    def _key(self, kind: str, scope: str, value: str) -> str:
        digest = hashlib.sha256(value.encode()).hexdigest()[:40]
        return f"{self.name}:{kind}:{scope}:{digest}"

    def locked_seconds(self, scope: str, value: str) -> int | None:
        until = cache_required(self.name, lambda: cache.get(self._key("lock", scope, value)))
        return None if until is None else max(1, int(until - time.time()))

    def record(self, scope: str, value: str) -> bool:
        """Count one failure; True when this one locked `value`."""
        return cache_required(self.name, lambda: self._count(scope, value))

    def _count(self, scope: str, value: str) -> bool:
        key = self._key("fail", scope, value)
        cache.add(key, 0, timeout=self.window_seconds)
        try:
            failures = cache.incr(key)
        except ValueError:  # the window expired between add() and incr()
            cache.add(key, 1, timeout=self.window_seconds)
            failures = 1
        if failures < self.max_failures:
            return False
        until = time.time() + self.lockout_seconds
        cache.set(self._key("lock", scope, value), until, timeout=self.lockout_seconds)
        cache.delete(key)  # after the lock the count starts again from zero
        return True
