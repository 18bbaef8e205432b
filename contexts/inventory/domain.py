"""Pure stock rules: levels, the low-stock crossing, and which warehouse serves a line.

Warehouse choice (`allocate`), for one line of `quantity` units of a SKU:
1. If one warehouse can ship the whole line, exactly one is used: the first by preference.
2. Otherwise the line is split: warehouses are taken in preference order, each giving all it
   has, until the line is covered (the most-stocked first keeps the number of parcels low).
3. If all of them together have too little, the line cannot be reserved (out of stock).
Preference: in the buyer's province first, then the most available stock, then the lower
warehouse priority number, then the lower warehouse id (so the choice is deterministic).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# Upper bound of one record's on hand units: far above any real stock, far below INT overflow.
MAX_ON_HAND = 1_000_000_000


class StockLevelError(ValueError):
    """A change would leave impossible levels (negative, or more reserved than on hand)."""


def check_levels(*, on_hand: int, reserved: int) -> None:
    """on_hand >= 0, reserved >= 0 and reserved <= on_hand (the DB checks it too)."""
    if on_hand < 0 or reserved < 0 or reserved > on_hand:
        raise StockLevelError(f"impossible stock levels: on_hand={on_hand}, reserved={reserved}")


def crossed_low(*, before_available: int, after_available: int, threshold: int) -> bool:
    """Stock is low at or below the threshold; only the move from above to at/below counts."""
    return before_available > threshold >= after_available


def same_province(region_code: str, province_code: str) -> bool:
    """Whether a buyer's region code lies in a warehouse's province.

    GB/T 2260 codes are six digits whose first two name the province (110105 is in 110000), so a
    province, city or district code of the buyer matches; other codes must be equal.
    """
    if not region_code or not province_code:
        return False
    if len(region_code) == len(province_code) == 6 and (region_code + province_code).isdigit():
        return region_code[:2] == province_code[:2]
    return region_code == province_code


@dataclass(frozen=True)
class Candidate:
    """A warehouse that stocks the SKU, as seen by the allocation."""

    stock_id: int
    warehouse_id: int
    province_code: str
    priority: int
    available: int


def preference_order(candidates: Iterable[Candidate], region_code: str) -> list[Candidate]:
    return sorted(
        candidates,
        key=lambda c: (
            not same_province(region_code, c.province_code),
            -c.available,
            c.priority,
            c.warehouse_id,
        ),
    )


def allocate(
    *, quantity: int, candidates: Iterable[Candidate], region_code: str = ""
) -> list[tuple[int, int]] | None:
    """[(stock_id, units)] covering `quantity`, or None when there is not enough (see module)."""
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    ordered = [c for c in preference_order(candidates, region_code) if c.available > 0]
    for candidate in ordered:
        if candidate.available >= quantity:
            return [(candidate.stock_id, quantity)]
    if sum(c.available for c in ordered) < quantity:
        return None
    plan, remaining = [], quantity
    for candidate in ordered:
        units = min(candidate.available, remaining)
        plan.append((candidate.stock_id, units))
        remaining -= units
        if remaining == 0:
            break
    return plan


def availability_cache_key(sku_id: int) -> str:
    """Cache key of a SKU's summed (on_hand, reserved); shared by the reader and invalidation."""
    return f"inventory:availability:v1:{sku_id}"
