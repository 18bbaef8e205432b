"""Rate limits with O(1) work per request.

DRF's stock throttles keep every request's timestamp in one cache entry and rewrite it on each
request, which grows with the rate and loses counts under concurrency. These count requests in
a fixed window with an atomic `incr` (Redis INCR when the cache is Redis), so a check costs two
cache round trips at any rate. A burst of up to twice the rate across a window boundary is the
known trade-off of fixed windows. With the cache unreachable, requests are let through (fail
open, see shared.cache): a throttle protects capacity, it is not worth an outage.
"""

from __future__ import annotations

import time

from django.core.cache import cache as default_cache
from rest_framework import throttling

from shared.cache import cache_or_default


class FixedWindowMixin:
    cache = default_cache

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = time.time()
        window_start = int(now // self.duration) * self.duration
        key = f"{self.key}:{window_start}"
        count = cache_or_default("throttle", lambda: self._count(key), default=0)
        self._wait = window_start + self.duration - now
        return count <= self.num_requests

    def _count(self, key: str) -> int:
        self.cache.add(key, 0, timeout=self.duration + 1)
        try:
            return self.cache.incr(key)
        except ValueError:  # expired between add and incr: this request opens a new window
            self.cache.add(key, 1, timeout=self.duration + 1)
            return 1

    def wait(self) -> float | None:
        return max(getattr(self, "_wait", 0), 0)


class AnonRateThrottle(FixedWindowMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FixedWindowMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(FixedWindowMixin, throttling.ScopedRateThrottle):
    """Per-view scopes (`throttle_scope = "login"`); ScopedRateThrottle resolves the rate
    in allow_request, so do that before counting."""

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class ScopedIPRateThrottle(ScopedRateThrottle):
    """The view's `throttle_scope_ip` rate per client IP, signed in or not (next to a
    ScopedRateThrottle counting per user: one user on many IPs and many users on one IP are
    both limited)."""

    scope_attr = "throttle_scope_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
