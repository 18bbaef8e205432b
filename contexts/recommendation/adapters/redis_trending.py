"""Trending scores in Redis sorted sets (settings.RECOMMENDATION_REDIS_URL, REDIS_URL by
default): one set per category, `<prefix>trending:<category id>` (0: store-wide), bumped with
ZINCRBY (atomic, so concurrent signals never lose an increment) and capped at
RECOMMENDATION_TRENDING_KEEP members each so a long tail does not grow the sets forever."""

from __future__ import annotations

from collections.abc import Iterable

import redis
from django.conf import settings

from contexts.recommendation.data import Scored


class RedisTrendingStore:
    def __init__(self, client: redis.Redis | None = None, *, prefix: str | None = None) -> None:
        self._client = client or redis.Redis.from_url(settings.RECOMMENDATION_REDIS_URL)
        self._prefix = prefix if prefix is not None else settings.RECOMMENDATION_REDIS_PREFIX
        self._keep = settings.RECOMMENDATION_TRENDING_KEEP

    def _key(self, category_id: int) -> str:
        return f"{self._prefix}trending:{int(category_id)}"

    def bump(self, *, category_ids: Iterable[int], spu_id: int, amount: float) -> None:
        pipe = self._client.pipeline(transaction=False)
        for category_id in sorted({0, *category_ids}):
            key = self._key(category_id)
            pipe.zincrby(key, amount, int(spu_id))
            # Keep the top members only: ranks 0..-(keep+1) are the lowest scores.
            pipe.zremrangebyrank(key, 0, -(self._keep + 1))
        pipe.execute()

    def top(self, *, category_id: int, limit: int) -> tuple[Scored, ...]:
        if limit <= 0:
            return ()
        # Ties by id: read a few more than asked and sort locally (Redis breaks ties by member
        # string, in reverse for ZREVRANGE).
        rows = self._client.zrevrange(self._key(category_id), 0, limit * 2 - 1, withscores=True)
        items = sorted(((int(m), float(s)) for m, s in rows), key=lambda x: (-x[1], x[0]))
        return tuple(Scored(spu_id, score) for spu_id, score in items[:limit])

    def remove(self, *, spu_ids: Iterable[int]) -> None:
        members = [int(i) for i in spu_ids]
        if not members:
            return
        for key in self._client.scan_iter(match=f"{self._prefix}trending:*", count=500):
            self._client.zrem(key, *members)

    def clear(self) -> None:
        keys = list(self._client.scan_iter(match=f"{self._prefix}trending:*", count=500))
        if keys:
            self._client.delete(*keys)
