"""Reservations for orders: reserve, release, commit (deduct on payment), restore (refund/return)
and the release of expired holds. See _recording for the locking protocol.

Idempotency: a SKU that already has reservation rows for the order is left as it is by reserve
(unless it is asked to renew released holds); release/commit only act on `held` rows, so calling
them again changes nothing; restore is idempotent per return/refund reference (StockRestore).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from contexts.inventory import data, domain
from contexts.inventory.models import (
    Reservation,
    StockLedgerEntry,
    StockRecord,
    StockRestore,
    Warehouse,
)
from contexts.inventory.services._recording import (
    StockChanges,
    atomic_with_retry,
    claim,
    stock_lock,
)
from shared.errors import BusinessRuleViolation, ValidationFailed

logger = logging.getLogger(__name__)

Status = Reservation.Status
Operation = StockLedgerEntry.Operation
ORDER_REF_MAX_LENGTH = 64
EXPIRY_BATCH_SIZE = 500
RESTORE_REFERENCE_MAX_LENGTH = 64


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed(
        f"The request is invalid: {message}", details={"fields": {"lines": [message]}}
    )


def _wanted(requests: Sequence[data.ReservationRequest]) -> dict[str, dict[int, int]]:
    """{order_ref: {sku_id: units}} with repeated SKUs of one order merged, in request order."""
    wanted: dict[str, dict[int, int]] = {}
    for request in requests:
        ref = (request.order_ref or "").strip()
        if not ref or len(ref) > ORDER_REF_MAX_LENGTH:
            raise _invalid(f"An order ref is 1 to {ORDER_REF_MAX_LENGTH} characters.")
        if ref in wanted:
            raise _invalid(f"Order ref {ref} appears twice.")
        lines: dict[int, int] = {}
        for line in request.lines:
            if not isinstance(line.quantity, int) or line.quantity <= 0:
                raise _invalid(f"SKU {line.sku_id}: the quantity must be a positive integer.")
            lines[line.sku_id] = lines.get(line.sku_id, 0) + line.quantity
        wanted[ref] = lines
    return wanted


def _candidates(
    stocks: Iterable[StockRecord], free: dict[int, int], warehouses: dict[int, Warehouse]
) -> list[domain.Candidate]:
    return [
        domain.Candidate(
            stock_id=stock.pk,
            warehouse_id=stock.warehouse_id,
            province_code=warehouses[stock.warehouse_id].province_code,
            priority=warehouses[stock.warehouse_id].priority,
            available=free[stock.pk],
        )
        for stock in stocks
    ]


def _plan(
    *,
    todo: dict[str, dict[int, int]],
    exclude: dict[tuple[str, int], set[int]],
    by_sku: dict[int, list[StockRecord]],
    warehouses: dict[int, Warehouse],
    region_code: str,
) -> list[tuple[str, int, list[tuple[int, int]]]]:
    """[(order_ref, sku_id, [(stock_id, units)])] for every line of `todo` (the units still to
    hold), lines taking stock in turn and never from the warehouses `exclude` names for the
    line; or 422 out_of_stock naming every SKU that is short, with the units this call asks of
    it and what its warehouses had."""
    free = {stock.pk: stock.available for rows in by_sku.values() for stock in rows}
    available_before = {sku: sum(free[s.pk] for s in rows) for sku, rows in by_sku.items()}
    plans: list[tuple[str, int, list[tuple[int, int]]]] = []
    requested: dict[int, int] = defaultdict(int)
    short: set[int] = set()
    for order_ref, lines in todo.items():
        for sku_id, quantity in lines.items():
            requested[sku_id] += quantity
            excluded = exclude.get((order_ref, sku_id), set())
            plan = domain.allocate(
                quantity=quantity,
                candidates=_candidates(
                    [s for s in by_sku[sku_id] if s.warehouse_id not in excluded], free, warehouses
                ),
                region_code=region_code,
            )
            if plan is None:
                short.add(sku_id)
                continue
            for stock_id, units in plan:
                free[stock_id] -= units
            plans.append((order_ref, sku_id, plan))
    if short:
        raise BusinessRuleViolation(
            "Not enough stock for some items.",
            code="out_of_stock",
            details={
                "skus": [
                    {
                        "sku_id": sku_id,
                        "requested": requested[sku_id],
                        "available": available_before.get(sku_id, 0),
                    }
                    for sku_id in sorted(short)
                ]
            },
        )
    return plans


def _still_to_hold(
    wanted: dict[str, dict[int, int]],
    existing: dict[tuple[str, int], list[Reservation]],
    *,
    renew_released: bool,
) -> tuple[dict[str, dict[int, int]], dict[tuple[str, int], set[int]], list[Reservation]]:
    """What this call must hold: (units per order ref and SKU, warehouses each line must avoid,
    released rows the new holds replace).

    Normally a SKU with any row for the order is left as it is. With `renew_released` a line is
    topped up to the requested units from what its live (held, committed, restored) rows lack:
    its released rows are replaced by the new holds, and warehouses holding a live row of the
    line are avoided (one row per order, SKU and warehouse)."""
    todo: dict[str, dict[int, int]] = {}
    exclude: dict[tuple[str, int], set[int]] = {}
    replaced: list[Reservation] = []
    for order_ref, lines in wanted.items():
        for sku_id, quantity in lines.items():
            rows = existing.get((order_ref, sku_id), [])
            if not renew_released:
                if not rows:
                    todo.setdefault(order_ref, {})[sku_id] = quantity
                continue
            live = [row for row in rows if row.status != Status.RELEASED]
            lacking = quantity - sum(row.quantity for row in live)
            if lacking <= 0:
                continue
            todo.setdefault(order_ref, {})[sku_id] = lacking
            exclude[(order_ref, sku_id)] = {row.warehouse_id for row in live}
            replaced.extend(row for row in rows if row.status == Status.RELEASED)
    return todo, exclude, replaced


@atomic_with_retry
def stock_reserve(
    *,
    requests: Sequence[data.ReservationRequest],
    region_code: str = "",
    ttl_seconds: int | None = None,
    renew_released: bool = False,
) -> tuple[data.Reservation, ...]:
    """Hold stock for every line of every order, all or nothing.

    The candidate stock rows (the SKUs' records in active warehouses) are locked in id order;
    each line is then given warehouses by domain.allocate (buyer's province, most stock,
    priority; split only when no single warehouse has enough). Any shortage raises 422
    out_of_stock with details.skus = [{sku_id, requested, available}] before anything is
    written. A SKU already reserved for the order (any status) is returned as it was, unless
    `renew_released`: then units whose hold was released are held again (see _still_to_hold),
    which is how a payment that arrives after its hold expired can still take the stock.
    """
    ttl = settings.INVENTORY_RESERVATION_TTL_SECONDS if ttl_seconds is None else ttl_seconds
    if ttl <= 0:
        raise ValidationFailed("The reservation time-to-live must be positive.")
    wanted = _wanted(requests)
    sku_ids = {sku_id for lines in wanted.values() for sku_id in lines}
    candidate_ids = StockRecord.objects.filter(
        sku_id__in=sku_ids, warehouse__is_active=True
    ).values_list("id", flat=True)
    stocks = stock_lock(candidate_ids)
    # Read after the locks: a concurrent reserve of the same order and SKU locks the same rows,
    # so it has committed its reservations by now and they are seen here.
    existing: dict[tuple[str, int], list[Reservation]] = defaultdict(list)
    earlier = Reservation.objects.filter(order_ref__in=list(wanted), sku_id__in=sku_ids)
    for row in earlier.order_by("id"):
        existing[(row.order_ref, row.sku_id)].append(row)
    warehouses = Warehouse.objects.in_bulk({stock.warehouse_id for stock in stocks.values()})
    by_sku: dict[int, list[StockRecord]] = defaultdict(list)
    for stock in stocks.values():
        if warehouses[stock.warehouse_id].is_active:  # it may have closed since the id read
            by_sku[stock.sku_id].append(stock)
    todo, exclude, replaced = _still_to_hold(wanted, existing, renew_released=renew_released)
    plans = _plan(
        todo=todo, exclude=exclude, by_sku=by_sku, warehouses=warehouses, region_code=region_code
    )

    if replaced:
        # Released rows carry no units any more (the ledger keeps their history); they make way
        # for the new holds, which may be in the same warehouses.
        Reservation.objects.filter(pk__in=[row.pk for row in replaced]).delete()
        gone = {row.pk for row in replaced}
        for key, rows in existing.items():
            existing[key] = [row for row in rows if row.pk not in gone]
    expires_at = timezone.now() + timedelta(seconds=ttl)
    changes = StockChanges(
        operation=Operation.RESERVE,
        reason="held again for a late payment" if renew_released else "reserved for order",
    )
    created: list[Reservation] = []
    for order_ref, sku_id, plan in plans:
        for stock_id, units in plan:
            stock = stocks[stock_id]
            changes.apply(
                stock,
                on_hand=stock.on_hand,
                reserved=stock.reserved + units,
                delta=units,
                ref=order_ref,
            )
            created.append(
                Reservation(
                    order_ref=order_ref,
                    sku_id=sku_id,
                    warehouse_id=stock.warehouse_id,
                    stock=stock,
                    quantity=units,
                    expires_at=expires_at,
                )
            )
    Reservation.objects.bulk_create(created)
    changes.save()
    for row in created:
        existing[(row.order_ref, row.sku_id)].append(row)
    return tuple(
        _reservation(
            order_ref, [row for sku in lines for row in existing[(order_ref, sku)]], expires_at
        )
        for order_ref, lines in wanted.items()
    )


def _reservation(
    order_ref: str, rows: list[Reservation], default_expiry: datetime
) -> data.Reservation:
    """The order's reserved lines; expires_at is the earliest expiry among them."""
    return data.Reservation(
        order_ref=order_ref,
        lines=tuple(
            data.ReservedLine(sku_id=r.sku_id, warehouse_id=r.warehouse_id, quantity=r.quantity)
            for r in rows
        ),
        expires_at=min((r.expires_at for r in rows), default=default_expiry),
    )


def _order_refs(order_refs: Iterable[str]) -> list[str]:
    refs = sorted({(ref or "").strip() for ref in order_refs})
    if not refs or not all(0 < len(ref) <= ORDER_REF_MAX_LENGTH for ref in refs):
        raise _invalid(f"Give order refs of 1 to {ORDER_REF_MAX_LENGTH} characters.")
    return refs


def _order_rows(order_refs: Sequence[str], statuses: Iterable[str]) -> list[Reservation]:
    """The orders' reservation rows in `statuses`, locked in id order (first step of the
    protocol), for all the orders in one statement."""
    statuses = set(statuses)
    refs = set(order_refs)
    # Ids first without locks, then locked by primary key: a locking scan could take the status
    # index and briefly lock other orders' rows that a concurrent checkout holds (a deadlock).
    ids = list(
        Reservation.objects.filter(order_ref__in=refs, status__in=statuses).values_list(
            "id", flat=True
        )
    )
    if not ids:
        return []
    rows = Reservation.objects.select_for_update().filter(pk__in=ids).order_by("id")
    # Re-check after the lock: a concurrent transaction may have moved a row on meanwhile.
    return [row for row in rows if row.status in statuses and row.order_ref in refs]


def _release(rows: list[Reservation], *, reason: str) -> int:
    """held -> released: the units go back to available (reserved -= q)."""
    stocks = stock_lock(row.stock_id for row in rows)
    changes = StockChanges(operation=Operation.RELEASE, reason=reason)
    for row in rows:
        stock = stocks[row.stock_id]
        changes.apply(
            stock,
            on_hand=stock.on_hand,
            reserved=stock.reserved - row.quantity,
            delta=-row.quantity,
            ref=row.order_ref,
        )
        row.status = Status.RELEASED
    Reservation.objects.bulk_update(rows, ["status", "updated_at"])
    return changes.save()


@atomic_with_retry
def reservations_release(*, order_refs: Sequence[str], reason: str = "") -> int:
    """Release every held reservation of these orders (cancel, timeout) in one pass: all their
    reservation rows locked first, then their stock rows, each in id order, so releasing a
    trade's orders cannot deadlock with a checkout reserving the same stock. Released, committed
    and restored rows are left alone, so a second call changes nothing. Returns rows released."""
    rows = _order_rows(_order_refs(order_refs), [Status.HELD])
    return _release(_touch(rows), reason=reason or "order released") if rows else 0


@atomic_with_retry
def reservations_commit(*, order_refs: Sequence[str]) -> tuple[data.CommitResult, ...]:
    """On payment the held units leave the warehouse: on_hand -= q and reserved -= q, for every
    order of `order_refs` in one pass (reservation rows, then stock rows, each in id order).

    Only held rows are committed, so a second call deducts nothing and reports the same lines
    as committed. Rows already released (the hold expired, or the order was cancelled, before
    the payment) are not deducted: nothing is held for them any more and deducting would sell
    those units twice. Their SKUs come back in the order's `missing_sku_ids`, for the caller to
    hold them again (reserve with renew_released) or to refuse the payment. One result per
    distinct order ref, sorted by ref.
    """
    refs = _order_refs(order_refs)
    rows = _order_rows(refs, [Status.HELD])
    if rows:
        stocks = stock_lock(row.stock_id for row in rows)
        changes = StockChanges(operation=Operation.COMMIT, reason="order paid")
        for row in _touch(rows):
            stock = stocks[row.stock_id]
            changes.apply(
                stock,
                on_hand=stock.on_hand - row.quantity,
                reserved=stock.reserved - row.quantity,
                delta=-row.quantity,
                ref=row.order_ref,
            )
            row.status = Status.COMMITTED
        Reservation.objects.bulk_update(rows, ["status", "updated_at"])
        changes.save()
    by_ref: dict[str, list[Reservation]] = defaultdict(list)
    for row in Reservation.objects.filter(order_ref__in=refs).order_by("id"):
        by_ref[row.order_ref].append(row)
    results = []
    for ref in refs:
        missing = tuple(sorted({r.sku_id for r in by_ref[ref] if r.status == Status.RELEASED}))
        if missing:
            logger.warning(
                "commit of an order with released holds", extra={"ref": ref, "skus": missing}
            )
        results.append(
            data.CommitResult(
                order_ref=ref,
                committed=tuple(
                    data.ReservedLine(
                        sku_id=r.sku_id, warehouse_id=r.warehouse_id, quantity=r.quantity
                    )
                    for r in by_ref[ref]
                    if r.status in (Status.COMMITTED, Status.RESTORED)
                ),
                missing_sku_ids=missing,
            )
        )
    return tuple(results)


@atomic_with_retry
def reservation_restore(
    *,
    order_ref: str,
    reference: str,
    lines: Sequence[data.ReservationLine] | None = None,
    reason: str = "",
) -> int:
    """Refund/return `reference`: committed units of the order go back on hand (on_hand += q).

    `lines` None restores every unit of the order not restored yet; otherwise up to each line's
    quantity of that SKU, never more than was committed minus what earlier references restored
    (the rest is ignored), taken from the SKU's warehouses in reservation order. Idempotent per
    (order_ref, reference): a reference already applied restores nothing, so several partial
    returns of one SKU each restore their units and a replay restores none. Returns the ledger
    rows written.
    """
    reference = (reference or "").strip()
    if not reference or len(reference) > RESTORE_REFERENCE_MAX_LENGTH:
        raise ValidationFailed(
            f"The request is invalid: a restore reference is 1 to "
            f"{RESTORE_REFERENCE_MAX_LENGTH} characters.",
            details={"fields": {"reference": ["1 to 64 characters."]}},
        )
    remaining: dict[int, int] | None = None
    if lines is not None:
        remaining = defaultdict(int)
        for line in lines:
            if not isinstance(line.quantity, int) or line.quantity <= 0:
                raise _invalid(f"SKU {line.sku_id}: the quantity must be a positive integer.")
            remaining[line.sku_id] += line.quantity
    # All the order's committed rows are the lock that serialises its restores: a concurrent
    # restore of another (or the same) reference waits here, then sees what this one recorded.
    rows = _order_rows([order_ref], [Status.COMMITTED])
    if StockRestore.objects.filter(order_ref=order_ref, reference=reference).exists():
        return 0
    if remaining is not None:
        rows = [row for row in rows if row.sku_id in remaining]
    if not rows:
        return 0
    stocks = stock_lock(row.stock_id for row in rows)
    changes = StockChanges(operation=Operation.RESTORE, reason=reason or "order refunded")
    units_restored = 0
    for row in _touch(rows):
        units = row.quantity - row.restored_quantity
        if remaining is not None:
            units = min(units, remaining[row.sku_id])
            remaining[row.sku_id] -= units
        if not units:
            continue
        row.restored_quantity += units
        if row.restored_quantity == row.quantity:
            row.status = Status.RESTORED
        units_restored += units
        stock = stocks[row.stock_id]
        changes.apply(
            stock,
            on_hand=stock.on_hand + units,
            reserved=stock.reserved,
            delta=units,
            ref=order_ref,
        )
    Reservation.objects.bulk_update(rows, ["status", "restored_quantity", "updated_at"])
    StockRestore.objects.create(order_ref=order_ref, reference=reference, units=units_restored)
    return changes.save()


@atomic_with_retry
def reservation_settle(*, order_ref: str, sold: int, reason: str = "") -> tuple[int, int]:
    """Settle a block held under one ref for an activity (a flash sale item's allotment, held by
    `stock_reserve` with the item's ref): `sold` units are deducted (on_hand -= q,
    reserved -= q, ledger "commit") and every other held unit goes back to normal stock
    (reserved -= q, ledger "release"), in one locked pass (reservation rows, then stock rows,
    in id order). A committed row keeps the units sold from it as its quantity.

    Idempotent: only held rows are settled, so a second call finds none and changes nothing.
    `sold` above the units held is a 400 and writes nothing. Returns (committed, released).
    """
    if not isinstance(sold, int) or sold < 0:
        raise _invalid("The units sold must be an integer of zero or more.")
    rows = _order_rows(_order_refs([order_ref]), [Status.HELD])
    if not rows:
        return 0, 0
    if sold > sum(row.quantity for row in rows):
        raise _invalid("More units were sold than are held.")
    stocks = stock_lock(row.stock_id for row in rows)
    committing = StockChanges(operation=Operation.COMMIT, reason=reason or "activity sold")
    releasing = StockChanges(operation=Operation.RELEASE, reason=reason or "activity ended")
    left, released = sold, 0
    for row in _touch(rows):
        stock = stocks[row.stock_id]
        take = min(row.quantity, left)
        back = row.quantity - take
        left -= take
        if take:
            committing.apply(
                stock,
                on_hand=stock.on_hand - take,
                reserved=stock.reserved - take,
                delta=-take,
                ref=row.order_ref,
            )
        if back:
            releasing.apply(
                stock,
                on_hand=stock.on_hand,
                reserved=stock.reserved - back,
                delta=-back,
                ref=row.order_ref,
            )
            released += back
        if take:
            row.quantity, row.status = take, Status.COMMITTED
        else:
            row.status = Status.RELEASED
    Reservation.objects.bulk_update(rows, ["quantity", "status", "updated_at"])
    committing.save()
    releasing.save()
    return sold, released


def reservations_release_expired(*, batch_size: int = EXPIRY_BATCH_SIZE) -> int:
    """Release held reservations whose expiry has passed, batch by batch (each batch its own
    transaction). Safe to run concurrently: rows are claimed with SKIP LOCKED, so two workers
    never release the same row, and a row a cancel/commit holds is left to it. Returns rows
    released."""
    total = 0
    while True:
        released = _release_expired_batch(batch_size=batch_size)
        total += released
        if released < batch_size:
            return total


@atomic_with_retry
def _release_expired_batch(*, batch_size: int) -> int:
    due = Reservation.objects.filter(status=Status.HELD, expires_at__lte=timezone.now())
    rows = [row for row in claim(due.order_by("id"))[:batch_size] if row.status == Status.HELD]
    return _release(_touch(rows), reason="reservation expired") if rows else 0


def _touch(rows: list[Reservation]) -> list[Reservation]:
    """bulk_update does not apply auto_now: stamp the rows it will write."""
    now = timezone.now()
    for row in rows:
        row.updated_at = now
    return rows
