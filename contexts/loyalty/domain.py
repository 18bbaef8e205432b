"""Pure points arithmetic: one rounding rule (points are whole; the buyer's favour on earning
is never rounded up, and no fraction of a cent is ever paid with points)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from shared.money import CENT, ZERO


def earn_points(*, amount: Decimal, rate: Decimal, multiplier: Decimal) -> int:
    """floor(amount * rate * multiplier), never negative."""
    if amount <= 0:
        return 0
    return int((amount * rate * multiplier).to_integral_value(rounding=ROUND_FLOOR))


def points_value(*, points: int, points_per_yuan: int) -> Decimal | None:
    """What `points` pay, or None when they do not make whole cents (with 100 points per yuan
    every count does; with 1000, only multiples of 10)."""
    value = Decimal(points) / Decimal(points_per_yuan)
    return value if value == value.quantize(CENT) else None


def max_points(*, due: Decimal, max_share: Decimal, points_per_yuan: int) -> int:
    """The most points usable on `due` (what is left to pay): their value is at most
    max_share * due, rounded down to whole cents and to a count making whole cents."""
    cap = (due * max_share).quantize(CENT, rounding=ROUND_FLOOR)
    if cap <= ZERO:
        return 0
    points = int((cap * points_per_yuan).to_integral_value(rounding=ROUND_FLOOR))
    while points > 0 and points_value(points=points, points_per_yuan=points_per_yuan) is None:
        points -= 1
    return points


def share(total: int, part: Decimal, whole: Decimal) -> int:
    """floor(total * part / whole), within 0..total (whole <= 0 gives 0)."""
    if whole <= 0 or total <= 0 or part <= 0:
        return 0
    if part >= whole:
        return total
    return int((Decimal(total) * part / whole).to_integral_value(rounding=ROUND_FLOOR))


def split(total: int, weights: Sequence[Decimal]) -> list[int]:
    """`total` points split over `weights` in proportion, to the point (largest remainders;
    ties to the first): the parts add up to `total`."""
    whole = sum(weights, ZERO)
    if whole <= 0:
        return [0] * len(weights)
    exact = [Decimal(total) * w / whole for w in weights]
    parts = [int(x.to_integral_value(rounding=ROUND_FLOOR)) for x in exact]
    rest = total - sum(parts)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:rest]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class Level:
    code: str
    name: str
    rank: int
    min_growth: Decimal
    multiplier: Decimal
    free_shipping: bool
    birthday_points: int


def level_for(growth: Decimal, levels: Sequence[Level]) -> Level | None:
    """The highest level whose minimum growth is reached (levels in ascending order)."""
    reached = None
    for level in levels:
        if growth >= level.min_growth:
            reached = level
    return reached


def next_level(growth: Decimal, levels: Sequence[Level]) -> Level | None:
    for level in levels:
        if growth < level.min_growth:
            return level
    return None
