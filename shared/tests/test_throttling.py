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


def test_windows_are_counted_in_one_pipeline_with_their_lifetime(monkeypatch):
    from django.core.cache import caches

    from shared.rest import throttling

    if not isinstance(caches["default"], throttling.RedisCache):
        pytest.skip("the pipelined count is Redis's")

    def one_by_one(*args, **kwargs):
        raise AssertionError("counted one window at a time")

    monkeypatch.setattr(throttling, "_count_one", one_by_one)
    windows = [("tests-batch:a", 61), ("tests-batch:b", 5)]
    assert throttling.count_windows(windows) == [1, 1]
    assert throttling.count_windows(windows) == [2, 2]
    assert cache.get("tests-batch:a") == 2  # the cache reads the counter as it reads any int
    client = caches["default"]._cache.get_client()
    assert 55 < client.ttl(cache.make_key("tests-batch:a")) <= 61
    assert 0 < client.ttl(cache.make_key("tests-batch:b")) <= 5


def test_the_cache_reuses_its_redis_client():
    from django.core.cache import caches

    backend = caches["default"]
    if not hasattr(backend._cache, "_clients"):
        pytest.skip("Redis cache only")
    assert backend._cache.get_client() is backend._cache.get_client(write=True)
