"""The one pricing engine: selected lines + buyer + destination -> a priced checkout.

Pipeline (`price_checkout`):
  1. lines are grouped per merchant (one order per merchant later), each line's subtotal is
     unit price x quantity;
  2. the steps of a `PricingRegistry` run in order. As shipped: "freight" (charges each
     merchant group its freight), then the no-op "promotions", "coupons", "points" that their
     contexts replace later. A step looks at the checkout so far and answers `FreightCharge`s
     and `Adjustment`s (discounts), which the engine applies, and `PricingNote`s
     (explanations), which it keeps in `checkout.notes`.

Rules the engine enforces, whatever a step asks for:
  * every amount is Decimal, rounded once with shared.money.quantize (half-up, minor unit);
  * freight is never negative, and is charged before any discount on it;
  * a discount never exceeds what is left to pay in its scope, so no line, freight, group or
    total goes below zero;
  * each discount is allocated back to the lines (or freight charges) in its scope in proportion
    to what they still cost, by largest remainder, so the shares add up to the discount exactly
    (partial refunds later give back exactly the line's share);
  * total = sum(line subtotals) + freight - discounts.

The data types (Checkout, Adjustment, the PricingStep protocol ...) live in ordering's data.py so
other contexts can use them through ordering.api.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from contexts.ordering.data import (
    FREIGHT,
    ITEMS,
    Adjustment,
    Allocation,
    Checkout,
    FreightCharge,
    MerchantGroup,
    PricedLine,
    PricingNote,
    PricingStep,
    PricingStepBase,
)
from shared.money import ZERO, quantize, quantum

__all__ = [
    "FREIGHT",
    "ITEMS",
    "Adjustment",
    "Allocation",
    "Checkout",
    "FreightCharge",
    "LineInput",
    "MerchantGroup",
    "PricedLine",
    "PricingNote",
    "PricingRegistry",
    "PricingStep",
    "allocate",
    "apply_adjustment",
    "default_registry",
    "price_checkout",
]


@dataclass(frozen=True)
class LineInput:
    """One SKU to price. A checkout holds each SKU once (callers merge repeated SKUs)."""

    sku_id: int
    merchant_id: int
    quantity: int
    unit_price: Decimal
    weight_grams: int = 0


class NoAdjustment(PricingStepBase):
    """The default step: grants nothing (its context is not built yet)."""


class PricingRegistry:
    """Ordered, named pricing steps. Names are unique; order is the order of application."""

    def __init__(self, steps: Iterable[tuple[str, PricingStep]] = ()) -> None:
        self._steps: list[tuple[str, PricingStep]] = []
        for name, step in steps:
            self.register(name, step)

    def register(self, name: str, step: PricingStep, *, before: str | None = None) -> None:
        """Add a step at the end, or just before the step named `before`."""
        if name in self.names():
            raise ValueError(f"a pricing step named {name!r} is already registered")
        position = self.names().index(before) if before is not None else len(self._steps)
        self._steps.insert(position, (name, step))

    def replace(self, name: str, step: PricingStep) -> None:
        """Swap the step registered under `name` (e.g. the real coupons step for the no-op)."""
        self._steps[self.names().index(name)] = (name, step)

    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self._steps)

    def steps(self) -> tuple[tuple[str, PricingStep], ...]:
        return tuple(self._steps)


FREIGHT_STEP = "freight"
DISCOUNT_STEP_NAMES = ("promotions", "coupons", "points")


def default_registry(*, freight: PricingStep | None = None) -> PricingRegistry:
    """The pipeline as shipped: freight (when given), then promotions, coupons and points, all
    granting nothing until their contexts replace them."""
    steps: list[tuple[str, PricingStep]] = [(FREIGHT_STEP, freight)] if freight else []
    return PricingRegistry([*steps, *((name, NoAdjustment()) for name in DISCOUNT_STEP_NAMES)])


def price_checkout(
    *,
    buyer_id: int,
    province_code: str,
    lines: Sequence[LineInput],
    registry: PricingRegistry,
    options: Mapping[str, object] | None = None,
) -> Checkout:
    """Run the pipeline (module docstring) and return the priced checkout."""
    if not lines:
        raise ValueError("nothing to price")
    if len({line.sku_id for line in lines}) != len(lines):
        raise ValueError("each SKU must appear once")
    grouped: dict[int, list[PricedLine]] = {}
    for line in lines:
        if line.quantity <= 0:
            raise ValueError(f"quantity of SKU {line.sku_id} must be positive")
        if line.unit_price < 0:
            raise ValueError(f"price of SKU {line.sku_id} must not be negative")
        unit_price = quantize(line.unit_price)
        grouped.setdefault(line.merchant_id, []).append(
            PricedLine(
                sku_id=line.sku_id,
                merchant_id=line.merchant_id,
                quantity=line.quantity,
                unit_price=unit_price,
                weight_grams=line.weight_grams,
                subtotal=quantize(unit_price * line.quantity),
            )
        )
    groups = tuple(
        MerchantGroup(merchant_id=merchant_id, lines=tuple(merchant_lines))
        for merchant_id, merchant_lines in grouped.items()
    )
    checkout = Checkout(
        buyer_id=buyer_id,
        province_code=province_code,
        groups=groups,
        options=dict(options or {}),
    )
    for name, step in registry.steps():
        for answer in step.quote(checkout):
            if isinstance(answer, FreightCharge):
                checkout = charge_freight(checkout, answer)
            elif isinstance(answer, PricingNote):
                note = dataclasses.replace(answer, source=name)
                checkout = dataclasses.replace(checkout, notes=(*checkout.notes, note))
            else:
                checkout = apply_adjustment(checkout, dataclasses.replace(answer, source=name))
    return checkout


def charge_freight(checkout: Checkout, charge: FreightCharge) -> Checkout:
    """Set one merchant group's freight (at least zero) and whether it can be delivered."""

    def charged(group: MerchantGroup) -> MerchantGroup:
        if group.merchant_id != charge.merchant_id:
            return group
        if group.freight_discounts:
            raise ValueError("freight must be charged before any discount on it")
        return dataclasses.replace(
            group,
            freight_amount=max(quantize(charge.amount), ZERO),
            deliverable=charge.deliverable,
            freight_reason=charge.reason,
        )

    if charge.merchant_id not in {g.merchant_id for g in checkout.groups}:
        raise ValueError(f"no merchant group {charge.merchant_id} to charge freight to")
    return dataclasses.replace(checkout, groups=tuple(charged(g) for g in checkout.groups))


def apply_adjustment(checkout: Checkout, adjustment: Adjustment) -> Checkout:
    """Take `adjustment` off the checkout, capped at what is left to pay in its scope, and
    allocate it over the scope by largest remainder."""
    amount = quantize(adjustment.amount)
    if amount < 0:
        raise ValueError("an adjustment is a discount: its amount must not be negative")
    if adjustment.target == FREIGHT:
        return _apply_to_freight(checkout, adjustment, amount)
    if adjustment.target == ITEMS:
        return _apply_to_items(checkout, adjustment, amount)
    raise ValueError(f"unknown adjustment target {adjustment.target!r}")


def _in_scope(adjustment: Adjustment, line: PricedLine) -> bool:
    if adjustment.merchant_id is not None and line.merchant_id != adjustment.merchant_id:
        return False
    return not adjustment.sku_ids or line.sku_id in adjustment.sku_ids


def _apply_to_items(checkout: Checkout, adjustment: Adjustment, amount: Decimal) -> Checkout:
    scope = [line for line in checkout.lines if _in_scope(adjustment, line)]
    applied = min(amount, sum((line.pay_amount for line in scope), ZERO))
    shares = allocate(applied, [line.pay_amount for line in scope])
    share_of = {line.sku_id: share for line, share in zip(scope, shares, strict=True)}
    allocation = Allocation(source=adjustment.source, amount=ZERO, reference=adjustment.reference)

    def discounted(line: PricedLine) -> PricedLine:
        share = share_of.get(line.sku_id, ZERO)
        if not share:
            return line
        return dataclasses.replace(
            line, discounts=(*line.discounts, dataclasses.replace(allocation, amount=share))
        )

    groups = tuple(
        dataclasses.replace(group, lines=tuple(discounted(line) for line in group.lines))
        for group in checkout.groups
    )
    return dataclasses.replace(
        checkout,
        groups=groups,
        adjustments=(*checkout.adjustments, dataclasses.replace(adjustment, amount=applied)),
    )


def _apply_to_freight(checkout: Checkout, adjustment: Adjustment, amount: Decimal) -> Checkout:
    scope = [
        group
        for group in checkout.groups
        if adjustment.merchant_id is None or group.merchant_id == adjustment.merchant_id
    ]
    applied = min(amount, sum((group.freight_due for group in scope), ZERO))
    shares = allocate(applied, [group.freight_due for group in scope])
    share_of = {g.merchant_id: share for g, share in zip(scope, shares, strict=True)}

    def discounted(group: MerchantGroup) -> MerchantGroup:
        share = share_of.get(group.merchant_id, ZERO)
        if not share:
            return group
        allocation = Allocation(adjustment.source, share, adjustment.reference)
        return dataclasses.replace(group, freight_discounts=(*group.freight_discounts, allocation))

    return dataclasses.replace(
        checkout,
        groups=tuple(discounted(group) for group in checkout.groups),
        adjustments=(*checkout.adjustments, dataclasses.replace(adjustment, amount=applied)),
    )


def allocate(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split `amount` over `weights` proportionally, in minor units, by largest remainder.

    The shares add up to `amount` exactly and no share exceeds its weight when
    amount <= sum(weights). Ties in the remainder go to the earlier weight, so the result is
    deterministic. Zero weights get zero.
    """
    unit = quantum()
    total_units = int(quantize(amount) / unit)
    weight_units = [int(quantize(w) / unit) for w in weights]
    if total_units < 0 or any(w < 0 for w in weight_units):
        raise ValueError("amount and weights must not be negative")
    weight_sum = sum(weight_units)
    if total_units == 0:
        return [ZERO for _ in weights]
    if weight_sum == 0:
        raise ValueError("cannot allocate a positive amount over zero weights")
    base = [total_units * w // weight_sum for w in weight_units]
    remainders = [total_units * w % weight_sum for w in weight_units]
    leftover = total_units - sum(base)
    # Highest remainder first; among equals, the earlier line (stable sort).
    for index in sorted(range(len(base)), key=lambda i: -remainders[i])[:leftover]:
        base[index] += 1
    return [quantize(units * unit) for units in base]
