"""The database stock engine (the embedded default): exact through conditional UPDATEs.

take: `UPDATE item SET remaining = remaining - q WHERE id = ? AND remaining >= q`, then the
buyer's count `UPDATE ... SET units = units + q WHERE units + q <= limit` (or its first row),
inside a savepoint of the caller's transaction: a refused limit rolls the stock back. The item
row is always locked before the buyer's count row (take and give_back alike), so two calls never
wait on each other in opposite orders. Slower than Redis (every attempt queues on the item's
row lock), exact.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from contexts.flashsale.domain import (
    EngineSnapshot,
    ItemStock,
    QueuedTicket,
    TakeOutcome,
    TakeResult,
)
from contexts.flashsale.models import FlashItem, FlashPurchase, FlashReturn, FlashUserCount
from shared.cache import cache_required


def _token_key(item_id: int, user_id: int, digest: str) -> str:
    # The purchase tokens live in the cache (this engine has no Redis of its own).
    return f"flashsale:token:{item_id}:{user_id}:{digest}"


class _LimitReached(Exception):
    pass


class DatabaseStockEngine:
    joins_transaction = True

    def load(self, item: ItemStock) -> None:
        # The first load sets the counter; a reload never resets it.
        FlashItem.objects.filter(pk=item.item_id, loaded_at__isnull=True).update(
            remaining=item.stock, loaded_at=timezone.now()
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
        if token_digest is not None and not cache_required(
            "flashsale_token", lambda: cache.delete(_token_key(item_id, user_id, token_digest))
        ):
            return TakeResult(TakeOutcome.INVALID_TOKEN, 0)
        window = (
            FlashItem.objects.filter(pk=item_id)
            .values_list("session__starts_at", "session__ends_at", "per_user_limit", "loaded_at")
            .first()
        )
        if window is None or window[3] is None:
            return TakeResult(TakeOutcome.NOT_LOADED, 0)
        starts_at, ends_at, limit, _ = window
        if now < starts_at:
            return TakeResult(TakeOutcome.NOT_STARTED, 0)
        if now >= ends_at:
            return TakeResult(TakeOutcome.ENDED, 0)
        if quantity > limit:
            return TakeResult(TakeOutcome.LIMIT_REACHED, 0)
        try:
            with transaction.atomic():
                taken = FlashItem.objects.filter(pk=item_id, remaining__gte=quantity).update(
                    remaining=F("remaining") - quantity
                )
                if not taken:
                    return TakeResult(TakeOutcome.SOLD_OUT, 0)
                self._count_up(item_id=item_id, user_id=user_id, quantity=quantity, limit=limit)
        except _LimitReached:
            return TakeResult(TakeOutcome.LIMIT_REACHED, 0)
        left = FlashItem.objects.filter(pk=item_id).values_list("remaining", flat=True).first()
        return TakeResult(TakeOutcome.TAKEN, left or 0)

    def _count_up(self, *, item_id: int, user_id: int, quantity: int, limit: int) -> None:
        for _ in range(2):
            counted = FlashUserCount.objects.filter(
                item_id=item_id, user_id=user_id, units__lte=limit - quantity
            ).update(units=F("units") + quantity)
            if counted:
                return
            if FlashUserCount.objects.filter(item_id=item_id, user_id=user_id).exists():
                raise _LimitReached
            try:
                with transaction.atomic():
                    FlashUserCount.objects.create(item_id=item_id, user_id=user_id, units=quantity)
                return
            except IntegrityError:
                continue  # the buyer's concurrent first purchase made the row: count on it
        raise _LimitReached

    def give_back(self, *, item_id: int, ticket_no: str) -> int:
        purchase = (
            FlashPurchase.objects.filter(ticket_no=ticket_no, item_id=item_id)
            .values_list("user_id", "quantity")
            .first()
        )
        if purchase is None:
            return 0
        user_id, quantity = purchase
        with transaction.atomic():
            try:
                with transaction.atomic():
                    FlashReturn.objects.create(item_id=item_id, ticket_no=ticket_no)
            except IntegrityError:
                return 0  # returned before
            FlashItem.objects.filter(pk=item_id).update(remaining=F("remaining") + quantity)
            FlashUserCount.objects.filter(
                item_id=item_id, user_id=user_id, units__gte=quantity
            ).update(units=F("units") - quantity)
        return quantity

    def store_token(self, *, item_id: int, user_id: int, digest: str, ttl: int) -> None:
        cache_required(
            "flashsale_token",
            lambda: cache.set(_token_key(item_id, user_id, digest), 1, timeout=ttl),
        )

    # The purchase row is written in the take's transaction: nothing is ever queued.
    def queued_ticket(self, *, item_id: int, ticket_no: str) -> QueuedTicket | None:
        return None

    def queued_tickets(self, *, item_id: int) -> dict[str, QueuedTicket]:
        return {}

    def dequeue(self, *, item_id: int, ticket_no: str) -> None:
        return None

    def remaining(self, *, item_ids: Iterable[int]) -> dict[int, int | None]:
        rows = FlashItem.objects.filter(pk__in=list(item_ids)).values_list(
            "pk", "remaining", "loaded_at"
        )
        return {pk: (left if loaded_at else None) for pk, left, loaded_at in rows}

    def snapshot(self, *, item_id: int) -> EngineSnapshot | None:
        left = self.remaining(item_ids=[item_id]).get(item_id)
        if left is None:
            return None
        tickets = {
            ticket: (user_id, quantity)
            for ticket, user_id, quantity in FlashPurchase.objects.filter(
                item_id=item_id
            ).values_list("ticket_no", "user_id", "quantity")
        }
        returned = frozenset(
            FlashReturn.objects.filter(item_id=item_id).values_list("ticket_no", flat=True)
        )
        return EngineSnapshot(remaining=left, tickets=tickets, returned=returned)

    def lower(self, *, item_id: int, units: int) -> int:
        FlashItem.objects.filter(pk=item_id, remaining__gte=units).update(
            remaining=F("remaining") - units
        )
        return FlashItem.objects.filter(pk=item_id).values_list("remaining", flat=True).get()

    def unload(self, *, item_id: int) -> None:
        FlashItem.objects.filter(pk=item_id).update(remaining=0)
