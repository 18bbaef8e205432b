"""The Redis stock engine: one Lua script per operation, atomic on the Redis server.

Every key of an item carries the hash tag {fs:<item id>} (domain.item_keys) and is passed to the
scripts as KEYS (never built inside a script), so the scripts run on Redis Cluster too. Per item:
  meta      hash: start, end (epoch ms), limit
  stock     units left (never below zero: the script checks before it decrements)
  users     hash: user id -> units held
  tickets   hash: ticket -> "user:units" for every ticket taken (reconciliation reads it)
  returned  set of tickets whose units went back (give_back's idempotency)
  token:<user>:<digest>  a one-time purchase token (TTL FLASHSALE_TOKEN_TTL_SECONDS), consumed
            by TAKE itself
  queued    hash: ticket -> "user:address:units" for every ticket taken whose purchase row the
            order task has not written yet. TAKE writes it with the ticket, so a buyer who got a
            unit always has a ticket: the request does no database round trip, and the order
            task (flashsale.create_order) writes the purchase row, then removes the entry after
            its commit. Reconciliation counts these tickets as held (never an orphan).
Keys expire a day after the session's end (FLASHSALE_REDIS_KEY_TTL_SECONDS past it); the hashes a
take creates get the meta key's expiry.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

import redis
from django.conf import settings

from contexts.flashsale.domain import (
    EngineSnapshot,
    ItemStock,
    QueuedTicket,
    TakeOutcome,
    TakeResult,
    item_keys,
    token_key,
)
from shared.errors import ServiceUnavailable

# KEYS: meta, stock, users, tickets, returned, queued. ARGV: start ms, end ms, limit, stock, ttl s,
# then user/units pairs, then ticket/"user:units" pairs (counts of ARGV[6] and ARGV[7]).
LOAD = """
redis.call('HSET', KEYS[1], 'start', ARGV[1], 'end', ARGV[2], 'limit', ARGV[3])
local fresh = redis.call('SET', KEYS[2], ARGV[4], 'NX')
local users = tonumber(ARGV[6])
local tickets = tonumber(ARGV[7])
if fresh then
  local i = 8
  for _ = 1, users do
    redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
    i = i + 2
  end
  for _ = 1, tickets do
    redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])
    i = i + 2
  end
end
for k = 1, #KEYS do
  redis.call('EXPIRE', KEYS[k], ARGV[5])
end
return fresh and 1 or 0
"""

# KEYS: meta, stock, users, tickets, queued, token. ARGV: user, units, now ms, ticket, address,
# "1" to consume the token (first, whatever the answer: a token works for one call).
# Returns {code, units left}: 1 taken, -1 not loaded, -2 not started, -3 ended, -4 sold out,
# -5 limit reached, -6 duplicate ticket, -7 token missing, expired or used.
TAKE = """
if ARGV[6] == '1' and redis.call('DEL', KEYS[6]) == 0 then return {-7, 0} end
local meta = redis.call('HMGET', KEYS[1], 'start', 'end', 'limit')
if not meta[1] then return {-1, 0} end
local now = tonumber(ARGV[3])
if now < tonumber(meta[1]) then return {-2, 0} end
if now >= tonumber(meta[2]) then return {-3, 0} end
local units = tonumber(ARGV[2])
local left = tonumber(redis.call('GET', KEYS[2]) or '0')
if left < units then return {-4, left} end
local held = tonumber(redis.call('HGET', KEYS[3], ARGV[1]) or '0')
if held + units > tonumber(meta[3]) then return {-5, left} end
if redis.call('HSETNX', KEYS[4], ARGV[4], ARGV[1] .. ':' .. ARGV[2]) == 0 then
  return {-6, left}
end
left = redis.call('DECRBY', KEYS[2], units)
redis.call('HINCRBY', KEYS[3], ARGV[1], units)
redis.call('HSET', KEYS[5], ARGV[4], ARGV[1] .. ':' .. ARGV[5] .. ':' .. ARGV[2])
if redis.call('TTL', KEYS[5]) == -1 then
  local ttl = redis.call('TTL', KEYS[1])
  if ttl > 0 then
    for k = 3, 5 do
      redis.call('EXPIRE', KEYS[k], ttl)
    end
  end
end
return {1, left}
"""

# KEYS: stock, users, tickets, returned. ARGV: ticket. Returns the units given back (0: the
# ticket is unknown or was given back before).
GIVE_BACK = """
local record = redis.call('HGET', KEYS[3], ARGV[1])
if not record then return 0 end
if redis.call('SADD', KEYS[4], ARGV[1]) == 0 then return 0 end
local sep = string.find(record, ':', 1, true)
local user = string.sub(record, 1, sep - 1)
local units = tonumber(string.sub(record, sep + 1))
redis.call('INCRBY', KEYS[1], units)
if redis.call('HINCRBY', KEYS[2], user, -units) <= 0 then
  redis.call('HDEL', KEYS[2], user)
end
return units
"""

# KEYS: stock. ARGV: units. Lowers what is left, never below zero; returns what is left.
LOWER = """
local left = tonumber(redis.call('GET', KEYS[1]) or '0')
local units = math.min(tonumber(ARGV[1]), left)
return redis.call('DECRBY', KEYS[1], units)
"""

logger = logging.getLogger(__name__)

_OUTCOMES = {
    1: TakeOutcome.TAKEN,
    -1: TakeOutcome.NOT_LOADED,
    -2: TakeOutcome.NOT_STARTED,
    -3: TakeOutcome.ENDED,
    -4: TakeOutcome.SOLD_OUT,
    -5: TakeOutcome.LIMIT_REACHED,
    -6: TakeOutcome.DUPLICATE,
    -7: TakeOutcome.INVALID_TOKEN,
}


def _queued(item_id: int, ticket_no: str, record: bytes) -> QueuedTicket:
    user, address, units = record.decode().split(":")
    return QueuedTicket(
        ticket_no=ticket_no,
        item_id=item_id,
        user_id=int(user),
        address_id=int(address),
        quantity=int(units),
    )


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


class RedisStockEngine:
    joins_transaction = False

    def __init__(self, client: redis.Redis | None = None) -> None:
        # A blocking pool: under a crowd a request waits (up to the timeout) for a connection
        # instead of failing.
        self.client = client or redis.Redis(
            connection_pool=redis.BlockingConnectionPool.from_url(
                settings.FLASHSALE_REDIS_URL,
                max_connections=settings.FLASHSALE_REDIS_MAX_CONNECTIONS,
                timeout=settings.FLASHSALE_REDIS_TIMEOUT_SECONDS,
                socket_timeout=settings.FLASHSALE_REDIS_TIMEOUT_SECONDS,
                socket_connect_timeout=settings.FLASHSALE_REDIS_TIMEOUT_SECONDS,
            )
        )
        self._load = self.client.register_script(LOAD)
        self._take = self.client.register_script(TAKE)
        self._give_back = self.client.register_script(GIVE_BACK)
        self._lower = self.client.register_script(LOWER)

    @staticmethod
    def _keys(item_id: int, *names: str) -> list[str]:
        keys = item_keys(item_id)
        return [keys[name] for name in names]

    def load(self, item: ItemStock) -> None:
        ttl = max(
            int(item.ends_at.timestamp() - datetime.now(item.ends_at.tzinfo).timestamp())
            + settings.FLASHSALE_REDIS_KEY_TTL_SECONDS,
            60,
        )
        args: list[object] = [
            _ms(item.starts_at),
            _ms(item.ends_at),
            item.per_user_limit,
            item.stock,
            ttl,
            len(item.taken_by_user),
            len(item.tickets),
        ]
        for user_id, units in item.taken_by_user.items():
            args += [user_id, units]
        for ticket, (user_id, units) in item.tickets.items():
            args += [ticket, f"{user_id}:{units}"]
        self._load(
            keys=self._keys(
                item.item_id, "meta", "stock", "users", "tickets", "returned", "queued"
            ),
            args=args,
        )

    def take(
        self,
        *,
        item_id: int,
        user_id: int,
        quantity: int,
        ticket_no: str,
        now: datetime,
        address_id: int = 0,
        token_digest: str | None = None,
    ) -> TakeResult:
        # Redis unreachable or too slow: 503. If the script ran before the error, its ticket is
        # queued all the same: reconciliation queues its order after the grace period.
        keys = self._keys(item_id, "meta", "stock", "users", "tickets", "queued")
        keys.append(token_key(item_id, user_id, token_digest or "none"))
        try:
            code, left = self._take(
                keys=keys,
                args=[
                    user_id,
                    quantity,
                    _ms(now),
                    ticket_no,
                    address_id,
                    "1" if token_digest is not None else "0",
                ],
            )
        except redis.RedisError as exc:
            logger.warning("flash sale Redis unavailable", extra={"error": type(exc).__name__})
            raise ServiceUnavailable("The flash sale is busy; try again.") from exc
        return TakeResult(_OUTCOMES[int(code)], int(left))

    def give_back(self, *, item_id: int, ticket_no: str) -> int:
        return int(
            self._give_back(
                keys=self._keys(item_id, "stock", "users", "tickets", "returned"),
                args=[ticket_no],
            )
        )

    def remaining(self, *, item_ids: Iterable[int]) -> dict[int, int | None]:
        item_ids = list(item_ids)
        if not item_ids:
            return {}
        # One GET per key (one slot each on a cluster), pipelined: one round trip.
        pipe = self.client.pipeline(transaction=False)
        for item_id in item_ids:
            pipe.get(item_keys(item_id)["stock"])
        try:
            values = pipe.execute()
        except redis.RedisError as exc:  # the storefront still shows the sessions
            logger.warning("flash sale Redis unavailable", extra={"error": type(exc).__name__})
            return dict.fromkeys(item_ids)
        return {
            item_id: (int(value) if value is not None else None)
            for item_id, value in zip(item_ids, values, strict=True)
        }

    def store_token(self, *, item_id: int, user_id: int, digest: str, ttl: int) -> None:
        try:
            self.client.set(token_key(item_id, user_id, digest), 1, ex=ttl)
        except redis.RedisError as exc:
            logger.warning("flash sale Redis unavailable", extra={"error": type(exc).__name__})
            raise ServiceUnavailable("The flash sale is busy; try again.") from exc

    def queued_ticket(self, *, item_id: int, ticket_no: str) -> QueuedTicket | None:
        try:
            record = self.client.hget(item_keys(item_id)["queued"], ticket_no)
        except redis.RedisError as exc:  # the buyer polls again
            logger.warning("flash sale Redis unavailable", extra={"error": type(exc).__name__})
            raise ServiceUnavailable("The flash sale is busy; try again.") from exc
        return _queued(item_id, ticket_no, record) if record is not None else None

    def queued_tickets(self, *, item_id: int) -> dict[str, QueuedTicket]:
        raw = self.client.hgetall(item_keys(item_id)["queued"])
        return {t.decode(): _queued(item_id, t.decode(), record) for t, record in raw.items()}

    def dequeue(self, *, item_id: int, ticket_no: str) -> None:
        self.client.hdel(item_keys(item_id)["queued"], ticket_no)

    def snapshot(self, *, item_id: int) -> EngineSnapshot | None:
        stock, tickets, returned, queued = self._keys(
            item_id, "stock", "tickets", "returned", "queued"
        )
        pipe = self.client.pipeline(transaction=True)  # one slot: MULTI works on a cluster too
        pipe.get(stock)
        pipe.hgetall(tickets)
        pipe.smembers(returned)
        pipe.hkeys(queued)
        left, raw_tickets, raw_returned, raw_queued = pipe.execute()
        if left is None:
            return None
        parsed = {}
        for ticket, record in raw_tickets.items():
            user, units = record.decode().split(":")
            parsed[ticket.decode()] = (int(user), int(units))
        return EngineSnapshot(
            remaining=int(left),
            tickets=parsed,
            returned=frozenset(t.decode() for t in raw_returned),
            queued=frozenset(t.decode() for t in raw_queued),
        )

    def lower(self, *, item_id: int, units: int) -> int:
        return int(self._lower(keys=self._keys(item_id, "stock"), args=[units]))

    def unload(self, *, item_id: int) -> None:
        self.client.delete(*item_keys(item_id).values())
