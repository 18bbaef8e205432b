"""Django's Redis cache backend, with one redis-py client per connection pool.

Django's backend builds a new `redis.Redis` for every cache operation. The connection is pooled,
but redis-py's constructor fills its table of response callbacks each time (hundreds of entries),
which costs more than the round trip itself on a local Redis: every throttle check, token and
cached read of a request paid it. A `redis.Redis` over a pool is safe to share between threads,
so each pool gets one, made on first use. Settings: CACHES["default"]["BACKEND"] =
"shared.redis_cache.RedisCache" (when REDIS_URL is set).
"""

from __future__ import annotations

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:  # two threads may both build one: either is fine to keep
            pool = self._get_connection_pool(write)
            client = self._clients.setdefault(index, self._client(connection_pool=pool))
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
