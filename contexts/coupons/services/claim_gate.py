"""A sold-out gate in Redis in front of the claim's database path (COUPONS_CLAIM_REDIS_GATE,
on when the cache is Redis).

The database stays the rule (claims.py): the gate only spares the database the claims that
cannot succeed. Per template, Redis holds how many coupons are left to hand out, loaded from the
database (total - issued) when missing, with a TTL (COUPONS_CLAIM_GATE_TTL_SECONDS) so it
re-syncs; one Lua script (the counter passed as KEYS[1]) takes one atomically and answers 0 once
none is left, so after a sell-out the many late claims are refused (409 coupons_exhausted)
without queueing on the template's row lock. A claim the database then refuses gives its slot
back. A slot lost by a crash between the two only refuses claims early until the TTL re-syncs
the counter; Redis unreachable: the gate is skipped (the database decides alone).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from contexts.coupons.models import CouponTemplate
from shared.cache import cache_or_default

# 1: a slot taken; 0: none left; -1: the counter is not loaded.
_TAKE = """
local left = redis.call('GET', KEYS[1])
if not left then return -1 end
if tonumber(left) <= 0 then return 0 end
redis.call('DECR', KEYS[1])
return 1
"""
# Give a slot back only to a counter that still exists (an expired one reloads from the database).
_GIVE_BACK = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end
return -1
"""


def _client():
    if not getattr(settings, "COUPONS_CLAIM_REDIS_GATE", False):
        return None
    backend = getattr(cache, "_cache", None)
    if backend is None or not hasattr(backend, "get_client"):
        return None  # not the Redis cache
    return backend.get_client(write=True)


def _key(template: CouponTemplate) -> str:
    # The row's creation instant too: a reused id never inherits another template's counter.
    return cache.make_key(f"coupons:left:{template.pk}:{template.created_at.timestamp():.6f}")


def gate_take(template: CouponTemplate) -> bool | None:
    """Take one slot of the template: True (go on to the database), False (none left), None
    (no gate: not configured, or Redis unreachable)."""
    client = _client()
    if client is None:
        return None

    def take() -> bool | None:
        key = _key(template)
        answer = client.eval(_TAKE, 1, key)
        if answer == -1:
            left = max(template.total_quantity - template.issued, 0)
            ttl = settings.COUPONS_CLAIM_GATE_TTL_SECONDS
            client.set(key, left, nx=True, ex=ttl)
            answer = client.eval(_TAKE, 1, key)
        return None if answer == -1 else answer == 1

    return cache_or_default("coupon claim gate", take, default=None)


def gate_give_back(template: CouponTemplate) -> None:
    """Return a slot the database did not use."""
    client = _client()
    if client is not None:
        cache_or_default(
            "coupon claim gate", lambda: client.eval(_GIVE_BACK, 1, _key(template)), default=None
        )


def gate_forget(template: CouponTemplate) -> None:
    """Drop the counter (the total changed): the next claim reloads it from the database."""
    client = _client()
    if client is not None:
        cache_or_default("coupon claim gate", lambda: client.delete(_key(template)), default=None)


__all__ = ["gate_forget", "gate_give_back", "gate_take"]
