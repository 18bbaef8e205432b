"""Inventory's PUBLIC facade: the only functions other contexts call (ordering, cart, catalog,
aftersales). All keyword-only; they return frozen dataclasses and raise shared.errors.*.

Concurrency: `reserve` and the other writes lock stock rows in ascending id order, so calls
joining a caller's transaction cannot deadlock with each other; when they own the transaction
a lock conflict the server still reports is retried (see services._recording).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from contexts.inventory import selectors, services
from contexts.inventory.data import (
    CommitResult,
    Reservation,
    ReservationLine,
    ReservationRequest,
    ReservedLine,
    SkuAvailability,
)

__all__ = [
    "CommitResult",
    "Reservation",
    "ReservationLine",
    "ReservationRequest",
    "ReservedLine",
    "SkuAvailability",
    "availability",
    "commit",
    "release",
    "reserve",
    "restore",
    "settle",
]


def availability(*, sku_ids: Iterable[int]) -> dict[int, SkuAvailability]:
    """Availability of many SKUs in one call (cached; Redis when configured). Every requested id is
    in the result; an unknown SKU has zeros."""
    return {
        sku_id: SkuAvailability(
            sku_id=sku_id,
            on_hand=on_hand,
            reserved=reserved,
            available=max(on_hand - reserved, 0),
        )
        for sku_id, (on_hand, reserved) in selectors.sku_levels(sku_ids=sku_ids).items()
    }


def reserve(
    *,
    requests: Sequence[ReservationRequest],
    region_code: str = "",
    ttl_seconds: int | None = None,
    renew_released: bool = False,
) -> tuple[Reservation, ...]:
    """Reserve every line of every request, all or nothing, joining the caller's transaction if any.
    Rows are locked/updated in a fixed order (stock row id) so concurrent callers never deadlock.
    On shortage raises shared.errors.BusinessRuleViolation(code="out_of_stock", status 422,
    details={"skus": [{"sku_id": .., "requested": .., "available": ..}]}) and writes nothing.
    Idempotent per (order_ref, sku_id): reserving again for the same order ref changes nothing.
    ttl default: settings.INVENTORY_RESERVATION_TTL_SECONDS.

    Warehouses: the buyer's province (`region_code`, a GB/T 2260 province/city/district code)
    first, then the most available stock, then warehouse priority and id; one line is split over
    several warehouses only when none alone has enough. One Reservation per request, in order.

    `renew_released=True` (a payment that arrived after the hold expired): each line is held up
    to its quantity again where its hold was released, if the stock is still there (else 422
    out_of_stock, nothing written); units held or already committed are not held twice.
    """
    return services.stock_reserve(
        requests=requests,
        region_code=region_code,
        ttl_seconds=ttl_seconds,
        renew_released=renew_released,
    )


def release(*, order_refs: Sequence[str], reason: str = "") -> None:
    """Release every still-held reservation of these orders (cancel/timeout), all of a trade's
    orders in one call: rows are locked in one sorted pass, so it cannot deadlock with a
    checkout reserving the same stock. Idempotent."""
    services.reservations_release(order_refs=order_refs, reason=reason)


def commit(*, order_refs: Sequence[str]) -> tuple[CommitResult, ...]:
    """Turn these orders' reservations into deductions (on payment): on_hand -= q, reserved -= q,
    all of a trade's orders in one call (one sorted locking pass, as `release`). One result per
    distinct order ref, sorted by ref. Idempotent: a second call deducts nothing and reports the
    same committed lines.

    Units whose hold was already released (expired or cancelled) are NOT deducted: their SKUs
    are in the order's `missing_sku_ids`, and the caller must hold them again (reserve with
    renew_released=True, then commit) or refuse the payment, or the stock would be sold twice."""
    return services.reservations_commit(order_refs=order_refs)


def restore(
    *,
    order_ref: str,
    reference: str,
    lines: Sequence[ReservationLine] | None = None,
    reason: str = "",
) -> None:
    """Put committed units back on hand for the return/refund `reference`; all lines not yet
    restored when `lines` is None. Idempotent per (order_ref, reference): each partial return
    restores its units, a replayed reference restores nothing, and never more than was
    committed in total."""
    services.reservation_restore(
        order_ref=order_ref, reference=reference, lines=lines, reason=reason
    )


def restored_units(*, order_ref: str, reference: str) -> int:
    """How many units `restore(order_ref=..., reference=...)` put back (0 if never applied):
    a caller whose return may come from several commits (an exchange's replacement) asks
    what the first one took before restoring the rest from the next."""
    return selectors.restored_units(order_ref=order_ref, reference=reference)


def settle(*, order_ref: str, sold: int, reason: str = "") -> tuple[int, int]:
    """End a block of stock an activity holds under one ref (a flash sale item reserves its
    allotment with `reserve(order_ref=<item ref>, ...)` and a TTL past its end): `sold` units
    are deducted from on hand and every other held unit is released to normal stock, in one
    locked pass. Idempotent: a second call finds nothing held and changes nothing. `sold` above
    the units held is a 400 (nothing written). Returns (units deducted, units released)."""
    return services.reservation_settle(order_ref=order_ref, sold=sold, reason=reason)
