"""Rate limits with O(1) work per request, in one cache round trip per request.

DRF's stock throttles keep every request's timestamp in one cache entry and rewrite it on each
request, which grows with the rate and loses counts under concurrency. These count requests in
a fixed window with an atomic increment. On Redis every window a request counts in (a view with
a per-user and a per-IP limit counts in two) is incremented in one pipelined round trip: INCR,
and EXPIRE NX so the key's lifetime is set once, when the window opens (Redis 7+). Other caches
(the local-memory default without Redis) use add + incr per window. A burst of up to twice the
rate across a window boundary is the known trade-off of fixed windows. With the cache
unreachable, requests are let through (fail open, see shared.cache): a throttle protects
capacity, it is not worth an outage.

Views with several throttles of this module (`throttle_classes`) get the single round trip by
mixing in `BatchedThrottlesMixin`; without it each throttle still costs one round trip.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache import cache as default_cache
from django.core.cache.backends.redis import RedisCache
from rest_framework import throttling

from shared.cache import cache_or_default


def count_windows(windows: Sequence[tuple[str, int]], cache=default_cache) -> list[int]:
    """Add one request to each (key, lifetime in seconds) window and return the new counts, in
    one round trip on Redis."""
    if cache is default_cache:  # a proxy to this thread's backend: the backend's class counts
        cache = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(cache, RedisCache):
        keys = [cache.make_and_validate_key(key) for key, _ in windows]
        # Django's Redis backend has no pipelined increment; its client (redis-py) does. The
        # values stay plain integers, which the backend's get() reads back as int.
        pipe = cache._cache.get_client(write=True).pipeline(transaction=False)
        for key, (_, ttl) in zip(keys, windows, strict=True):
            pipe.incr(key)
            pipe.expire(key, ttl, nx=True)
        return [int(count) for count in pipe.execute()[::2]]
    return [_count_one(cache, key, ttl) for key, ttl in windows]


def _count_one(cache, key: str, ttl: int) -> int:
    cache.add(key, 0, timeout=ttl)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens a new window
        cache.add(key, 1, timeout=ttl)
        return 1


class FixedWindowMixin:
    cache = default_cache

    def window(self, request, view) -> tuple[str, int] | None:
        """The (key, lifetime) of the window this request counts in; None: not limited.
        Remembers when the window ends (for wait())."""
        if self.rate is None:
            return None
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return None
        now = time.time()
        window_start = int(now // self.duration) * self.duration
        self._wait = window_start + self.duration - now
        return f"{self.key}:{window_start}", self.duration + 1

    def allow_count(self, count: int) -> bool:
        return count <= self.num_requests

    def allow_request(self, request, view) -> bool:
        window = self.window(request, view)
        if window is None:
            return True
        (count,) = cache_or_default(
            "throttle", lambda: count_windows([window], self.cache), default=[0]
        )
        return self.allow_count(count)

    def wait(self) -> float | None:
        return max(getattr(self, "_wait", 0), 0)


class AnonRateThrottle(FixedWindowMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(FixedWindowMixin, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(FixedWindowMixin, throttling.ScopedRateThrottle):
    """Per-view scopes (`throttle_scope = "login"`); ScopedRateThrottle resolves the rate
    in allow_request, so do that before counting."""

    def window(self, request, view) -> tuple[str, int] | None:
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return None
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().window(request, view)


class ScopedIPRateThrottle(ScopedRateThrottle):
    """The view's `throttle_scope_ip` rate per client IP, signed in or not (next to a
    ScopedRateThrottle counting per user: one user on many IPs and many users on one IP are
    both limited)."""

    scope_attr = "throttle_scope_ip"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ScopedUserRateThrottle(ScopedRateThrottle):
    """The view's `throttle_scope_user` rate per signed-in user (per IP when anonymous), for a
    view that also has a ScopedIPRateThrottle."""

    scope_attr = "throttle_scope_user"


class BatchedThrottlesMixin:
    """For an APIView: every FixedWindowMixin throttle of the view counts in one cache round
    trip (DRF asks each throttle in turn, a round trip each). As DRF does, every throttle
    counts the request, and a refusal waits for the longest window to end (429 with
    Retry-After)."""

    def check_throttles(self, request) -> None:
        waits: list[float | None] = []
        batched: list[tuple[FixedWindowMixin, tuple[str, int]]] = []
        for throttle in self.get_throttles():
            if not isinstance(throttle, FixedWindowMixin):
                if not throttle.allow_request(request, self):
                    waits.append(throttle.wait())
                continue
            window = throttle.window(request, self)
            if window is not None:
                batched.append((throttle, window))
        if batched:
            counts = cache_or_default(
                "throttle",
                lambda: count_windows([w for _, w in batched], batched[0][0].cache),
                default=[0] * len(batched),
            )
            for (throttle, _), count in zip(batched, counts, strict=True):
                if not throttle.allow_count(count):
                    waits.append(throttle.wait())
        if waits:
            durations = [w for w in waits if w is not None]
            self.throttled(request, max(durations, default=None))
