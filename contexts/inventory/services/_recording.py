"""What every stock operation shares: row locks in one fixed order, retries on lock conflicts,
and recording a change (row update, ledger row, events, cache invalidation) in one transaction.

Locking protocol (why inventory cannot deadlock with itself):
* stock rows are always locked in ascending id order (`stock_lock`), after reading their ids
  without locks: every transaction that holds two stock rows took the lower id first;
* reserve locks stock rows and then only inserts reservations of its own order refs;
* release/commit/restore/expiry lock the order's reservation rows first (expiry skips rows
  another transaction holds), then the stock rows, in id order.
When a service runs inside a caller's transaction, that order is what keeps it deadlock-free;
when it owns the transaction (`atomic_with_retry`), a deadlock (1213) or lock wait timeout
(1205) the server still reports is retried a few times with jittered backoff.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar

from django.core.cache import cache
from django.db import OperationalError, connection, transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone

from contexts.inventory import domain
from contexts.inventory.events import StockChanged, StockLow
from contexts.inventory.models import StockLedgerEntry, StockRecord
from shared.cache import cache_or_default
from shared.errors import Conflict
from shared.events import aggregates_lock, publish

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# The version stream of StockChanged/StockLow (one aggregate per SKU).
STOCK_STREAM = "inventory.stock"
LOCK_CONFLICT_ERRORS = frozenset({1213, 1205})  # ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
MAX_ATTEMPTS = 5
BACKOFF_SECONDS = 0.02
CACHE_DELETE_CHUNK = 1000


def is_lock_conflict(exc: OperationalError) -> bool:
    return bool(exc.args) and exc.args[0] in LOCK_CONFLICT_ERRORS


def atomic_with_retry(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` atomically. Inside a caller's transaction it joins it (savepoint) and never
    retries: a deadlock has rolled the caller's whole transaction back, so only the caller can
    retry (the fixed lock order is what keeps that from happening between inventory calls).
    Owning the transaction, it retries lock conflicts and reports a last one as 409 stock_busy.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return func(*args, **kwargs)
        attempt = 1
        while True:
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except OperationalError as exc:
                if not is_lock_conflict(exc):
                    raise
                if attempt == MAX_ATTEMPTS:
                    raise Conflict(
                        "Stock is busy right now, please try again.", code="stock_busy"
                    ) from exc
                logger.warning(
                    "stock lock conflict, retrying",
                    extra={"operation": func.__name__, "attempt": attempt, "error": exc.args[0]},
                )
                # Jitter spreads the retries of transactions that collided at the same moment.
                time.sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))  # noqa: S311
                attempt += 1

    return wrapper


def stock_lock(stock_ids: Iterable[int]) -> dict[int, StockRecord]:
    """Lock these stock rows in ascending id order (the protocol above) and return them by id."""
    ids = sorted(set(stock_ids))
    if not ids:
        return {}
    rows = StockRecord.objects.select_for_update().filter(pk__in=ids).order_by("id")
    return {row.pk: row for row in rows}


def claim(queryset: QuerySet) -> QuerySet:
    """Lock the selected rows, skipping those another worker holds (where the DB can)."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset.select_for_update()


def sku_available(sku_ids: Iterable[int]) -> dict[int, int]:
    """Available units per SKU over its active warehouses, as this transaction sees them."""
    rows = (
        StockRecord.objects.filter(sku_id__in=set(sku_ids), warehouse__is_active=True)
        .values("sku_id")
        .annotate(on_hand=Sum("on_hand"), reserved=Sum("reserved"))
        .order_by()
    )
    return {row["sku_id"]: max(row["on_hand"] - row["reserved"], 0) for row in rows}


def availability_invalidate(sku_ids: Iterable[int]) -> None:
    """Drop the cached availability of these SKUs once the transaction commits.

    After commit, so a reader cannot cache the old value again between the delete and the commit.
    """
    keys = [domain.availability_cache_key(sku_id) for sku_id in sorted(set(sku_ids))]
    if not keys:
        return

    def delete() -> None:
        for start in range(0, len(keys), CACHE_DELETE_CHUNK):
            chunk = keys[start : start + CACHE_DELETE_CHUNK]
            # Unreachable cache: nothing to drop now; entries left over from before the outage
            # expire after INVENTORY_AVAILABILITY_CACHE_SECONDS.
            cache_or_default(
                "availability cache", lambda c=chunk: cache.delete_many(c), default=None
            )

    transaction.on_commit(delete, robust=True)


class StockChanges:
    """The changes of one operation on locked stock rows, written together by `save()`:
    the rows, one ledger row per change, StockChanged per change, StockLow per downward crossing
    of a record's threshold, and cache invalidation after commit.
    """

    def __init__(
        self, *, operation: str, actor_user_id: int | None = None, reason: str = ""
    ) -> None:
        self.operation = operation
        self.actor_user_id = actor_user_id
        self.reason = reason[:255]
        self._entries: list[StockLedgerEntry] = []
        self._rows: dict[int, StockRecord] = {}

    def apply(
        self, stock: StockRecord, *, on_hand: int, reserved: int, delta: int, ref: str = ""
    ) -> None:
        """Record new levels for a row this transaction has locked (refused if impossible)."""
        domain.check_levels(on_hand=on_hand, reserved=reserved)
        self._entries.append(
            StockLedgerEntry(
                stock=stock,
                sku_id=stock.sku_id,
                warehouse_id=stock.warehouse_id,
                operation=self.operation,
                actor_user_id=self.actor_user_id,
                reason=self.reason,
                ref=ref,
                delta=delta,
                on_hand_before=stock.on_hand,
                on_hand_after=on_hand,
                reserved_before=stock.reserved,
                reserved_after=reserved,
            )
        )
        stock.on_hand, stock.reserved = on_hand, reserved
        self._rows[stock.pk] = stock

    def save(self) -> int:
        """Write everything recorded; returns the number of ledger rows."""
        if not self._entries:
            return 0
        now = timezone.now()
        rows = list(self._rows.values())
        for row in rows:
            row.updated_at = now
        StockRecord.objects.bulk_update(rows, ["on_hand", "reserved", "updated_at"])
        StockLedgerEntry.objects.bulk_create(self._entries)
        publish_stock_changed_after_lock(self._entries, self._rows)
        availability_invalidate(entry.sku_id for entry in self._entries)
        return len(self._entries)


def publish_stock_changed_after_lock(
    entries: list[StockLedgerEntry], rows: dict[int, StockRecord]
) -> None:
    """StockChanged (and StockLow on a downward crossing) per entry, in SKU order.

    The SKUs' version locks are taken before their totals are summed: every earlier change of a
    SKU in any warehouse has committed by then, so the event with the highest version carries
    the true total (summing first missed concurrent changes of other warehouses)."""
    entries = sorted(entries, key=lambda entry: entry.sku_id)  # stable: per-SKU order kept
    aggregates_lock(stream=STOCK_STREAM, aggregate_ids=(entry.sku_id for entry in entries))
    totals = sku_available(entry.sku_id for entry in entries)
    for entry in entries:
        threshold = rows[entry.stock_id].low_stock_threshold
        after_available = entry.on_hand_after - entry.reserved_after
        publish(
            StockChanged(
                sku_id=entry.sku_id,
                warehouse_id=entry.warehouse_id,
                on_hand=entry.on_hand_after,
                reserved=entry.reserved_after,
                available=after_available,
                sku_available=totals.get(entry.sku_id, 0),
                operation=entry.operation,
                ref=entry.ref,
            )
        )
        if domain.crossed_low(
            before_available=entry.on_hand_before - entry.reserved_before,
            after_available=after_available,
            threshold=threshold,
        ):
            publish(
                StockLow(
                    sku_id=entry.sku_id,
                    warehouse_id=entry.warehouse_id,
                    available=after_available,
                    threshold=threshold,
                )
            )


def stock_records_republish(*, records: list[StockRecord], operation: str) -> None:
    """StockChanged for records whose levels did not change but whose SKU totals did (their
    warehouse closed or reopened), with the same lock-then-sum order as a stock change."""
    records = sorted(records, key=lambda record: record.sku_id)
    aggregates_lock(stream=STOCK_STREAM, aggregate_ids=(record.sku_id for record in records))
    totals = sku_available(record.sku_id for record in records)
    for record in records:
        publish(
            StockChanged(
                sku_id=record.sku_id,
                warehouse_id=record.warehouse_id,
                on_hand=record.on_hand,
                reserved=record.reserved,
                available=record.on_hand - record.reserved,
                sku_available=totals.get(record.sku_id, 0),
                operation=operation,
            )
        )
