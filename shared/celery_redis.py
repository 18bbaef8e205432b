"""kombu's Redis transport, with one redis-py client per connection pool for publishing.

kombu builds a new `redis.Redis` for every message it publishes (the pool is shared, but
redis-py's constructor fills its table of response callbacks each time), about a fifth of the
cost of queueing a task from a request. A `redis.Redis` over a pool is safe to share between
threads; the client is rebuilt when the channel's pool is (after a fork kombu drops its pools).
The consumer's asynchronous client is kombu's own. Settings: CELERY_BROKER_TRANSPORT names
`shared.celery_redis:Transport` when the broker is Redis.
"""

from __future__ import annotations

from kombu.transport import redis


class Channel(redis.Channel):
    _publish_client: tuple[object, object] | None = None  # (pool, client)

    def _create_client(self, asynchronous=False):
        if asynchronous:
            return super()._create_client(asynchronous=True)
        pool = self.pool
        cached = self._publish_client
        if cached is None or cached[0] is not pool:
            cached = (pool, super()._create_client())
            self._publish_client = cached
        return cached[1]


class Transport(redis.Transport):
    Channel = Channel
