"""Fixed-window throttles: exact counts under concurrency, against the Redis cache."""

from __future__ import annotations

import threading
import types

import pytest
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from shared.rest.throttling import AnonRateThrottle, ScopedRateThrottle


class FivePerMinute(AnonRateThrottle):
    rate = "5/min"
    scope = "tests-five"


def _request(ip: str) -> Request:
    return Request(APIRequestFactory().get("/", REMOTE_ADDR=ip), authenticators=())


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def test_concurrent_requests_never_exceed_the_rate():
    allowed = []
    lock = threading.Lock()
    start = threading.Barrier(20)

    def hit():
        start.wait()
        ok = FivePerMinute().allow_request(_request("10.0.0.1"), None)
        with lock:
            allowed.append(ok)

    threads = [threading.Thread(target=hit) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert allowed.count(True) == 5
    throttle = FivePerMinute()
    assert throttle.allow_request(_request("10.0.0.2"), None)  # another client is not affected
    assert not FivePerMinute().allow_request(_request("10.0.0.1"), None)
    blocked = FivePerMinute()
    blocked.allow_request(_request("10.0.0.1"), None)
    assert 0 < blocked.wait() <= 60


def test_scoped_throttle_uses_the_views_scope(monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min"})
    view = types.SimpleNamespace(throttle_scope="login")
    results = [ScopedRateThrottle().allow_request(_request("10.0.0.3"), view) for _ in range(3)]
    assert results == [True, True, False]
    unscoped = types.SimpleNamespace()
    assert ScopedRateThrottle().allow_request(_request("10.0.0.3"), unscoped)


def test_a_forged_forwarded_for_header_does_not_escape_the_limit():
    def forged(n: int) -> Request:
        return Request(
            APIRequestFactory().get("/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}"),
            authenticators=(),
        )

    results = [FivePerMinute().allow_request(forged(n), None) for n in range(8)]
    assert results.count(True) == 5
