"""The one pricing engine: selected lines + buyer + destination -> a priced checkout.

Pipeline (`price_checkout`):
  1. lines are grouped per merchant (one order per merchant later), each line's subtotal is
     unit price x quantity;
  2. freight is quoted per merchant group through the `FreightQuoter` port;
  3. the steps of a `PricingRegistry` run in order (by default the no-op steps "promotions",
     "coupons", "points"; their contexts plug real steps in later). A step looks at the checkout
     so far and returns `Adjustment`s; the engine applies them.

Rules the engine enforces, whatever a step asks for:
  * every amount is Decimal, rounded once with shared.money.quantize (half-up, minor unit);
  * a discount never exceeds what is left to pay in its scope, so no line, freight, group or
    total goes below zero;
  * each discount is allocated back to the lines (or freight charges) in its scope in proportion
    to what they still cost, by largest remainder, so the shares add up to the discount exactly
    (partial refunds later give back exactly the line's share);
  * total = sum(line subtotals) + freight - discounts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

from shared.money import ZERO, quantize, quantum

ITEMS: Literal["items"] = "items"
FREIGHT: Literal["freight"] = "freight"


@dataclass(frozen=True)
class LineInput:
    """One SKU to price. A checkout holds each SKU once (callers merge repeated SKUs)."""

    sku_id: int
    merchant_id: int
    quantity: int
    unit_price: Decimal
    weight_grams: int = 0


@dataclass(frozen=True)
class Allocation:
    """The part of one adjustment that fell on one line or one group's freight."""

    source: str
    amount: Decimal
    reference: str = ""


@dataclass(frozen=True)
class PricedLine:
    sku_id: int
    merchant_id: int
    quantity: int
    unit_price: Decimal
    weight_grams: int
    subtotal: Decimal
    discounts: tuple[Allocation, ...] = ()

    @property
    def discount_amount(self) -> Decimal:
        return sum((a.amount for a in self.discounts), ZERO)

    @property
    def pay_amount(self) -> Decimal:
        return self.subtotal - self.discount_amount


@dataclass(frozen=True)
class FreightCharge:
    """What the freight port answers for one merchant group."""

    amount: Decimal
    deliverable: bool = True
    reason: str = ""


@dataclass(frozen=True)
class MerchantGroup:
    merchant_id: int
    lines: tuple[PricedLine, ...]
    freight_amount: Decimal = ZERO
    deliverable: bool = True
    freight_reason: str = ""
    freight_discounts: tuple[Allocation, ...] = ()

    @property
    def items_amount(self) -> Decimal:
        return sum((line.subtotal for line in self.lines), ZERO)

    @property
    def items_discount(self) -> Decimal:
        return sum((line.discount_amount for line in self.lines), ZERO)

    @property
    def freight_discount(self) -> Decimal:
        return sum((a.amount for a in self.freight_discounts), ZERO)

    @property
    def discount_amount(self) -> Decimal:
        return self.items_discount + self.freight_discount

    @property
    def freight_due(self) -> Decimal:
        return self.freight_amount - self.freight_discount

    @property
    def pay_amount(self) -> Decimal:
        return self.items_amount + self.freight_amount - self.discount_amount


@dataclass(frozen=True)
class Adjustment:
    """A discount a pricing step asks for.

    target "items" spreads it over the lines in scope, "freight" over the freight of the groups in
    scope. Scope: `merchant_id` None means the whole checkout (e.g. a platform coupon spanning
    merchants); `sku_ids` empty means every line of that scope. `amount` is what the step wants
    to take off; the engine applies at most what is left to pay in the scope.
    """

    amount: Decimal
    target: Literal["items", "freight"] = ITEMS
    merchant_id: int | None = None
    sku_ids: tuple[int, ...] = ()
    label: str = ""
    reference: str = ""
    source: str = ""


@dataclass(frozen=True)
class Checkout:
    buyer_id: int
    province_code: str
    groups: tuple[MerchantGroup, ...]
    # Buyer's choices the steps read (e.g. {"coupon_ids": [...], "points": 100}).
    options: Mapping[str, object] = field(default_factory=dict)
    # Adjustments as applied (amount = what was actually taken off), in pipeline order.
    adjustments: tuple[Adjustment, ...] = ()

    @property
    def lines(self) -> tuple[PricedLine, ...]:
        return tuple(line for group in self.groups for line in group.lines)

    @property
    def items_amount(self) -> Decimal:
        return sum((g.items_amount for g in self.groups), ZERO)

    @property
    def freight_amount(self) -> Decimal:
        return sum((g.freight_amount for g in self.groups), ZERO)

    @property
    def discount_amount(self) -> Decimal:
        return sum((g.discount_amount for g in self.groups), ZERO)

    @property
    def pay_amount(self) -> Decimal:
        return sum((g.pay_amount for g in self.groups), ZERO)

    @property
    def deliverable(self) -> bool:
        return all(g.deliverable for g in self.groups)


class PricingStep(Protocol):
    """An extension point of the pipeline (promotions, coupons, points ...)."""

    def apply(self, checkout: Checkout) -> Sequence[Adjustment]:
        """The discounts this step grants on the checkout as priced so far."""
        ...


class NoAdjustment:
    """The default step: grants nothing (its context is not built yet)."""

    def apply(self, checkout: Checkout) -> Sequence[Adjustment]:
        return ()


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


DEFAULT_STEP_NAMES = ("promotions", "coupons", "points")


def default_registry() -> PricingRegistry:
    """The pipeline as shipped: promotions, then coupons, then points, all granting nothing."""
    return PricingRegistry((name, NoAdjustment()) for name in DEFAULT_STEP_NAMES)


# merchant_id, that merchant's lines -> the freight charge of the group.
FreightQuoter = Callable[[int, tuple[PricedLine, ...]], FreightCharge]


def price_checkout(
    *,
    buyer_id: int,
    province_code: str,
    lines: Sequence[LineInput],
    quote_freight: FreightQuoter,
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
    groups = []
    for merchant_id, merchant_lines in grouped.items():
        group_lines = tuple(merchant_lines)
        charge = quote_freight(merchant_id, group_lines)
        groups.append(
            MerchantGroup(
                merchant_id=merchant_id,
                lines=group_lines,
                freight_amount=max(quantize(charge.amount), ZERO),
                deliverable=charge.deliverable,
                freight_reason=charge.reason,
            )
        )
    checkout = Checkout(
        buyer_id=buyer_id,
        province_code=province_code,
        groups=tuple(groups),
        options=dict(options or {}),
    )
    for name, step in registry.steps():
        for adjustment in step.apply(checkout):
            checkout = apply_adjustment(checkout, dataclasses.replace(adjustment, source=name))
    return checkout


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
