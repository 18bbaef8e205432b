"""Plain, frozen data that `api.py` hands to other contexts (never models or querysets)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol

from shared.money import ZERO


@dataclass(frozen=True)
class OrderLineInfo:
    sku_id: int
    spu_id: int
    title: str
    spec: str
    unit_price: Decimal
    quantity: int
    subtotal: Decimal
    discount_amount: Decimal
    pay_amount: Decimal
    gift: bool = False  # a gift line a promotion added (priced 0)


@dataclass(frozen=True)
class OrderInfo:
    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    status: str
    items_amount: Decimal
    freight_amount: Decimal
    discount_amount: Decimal
    pay_amount: Decimal
    created_at: datetime
    paid_at: datetime | None
    lines: tuple[OrderLineInfo, ...]


@dataclass(frozen=True)
class SpecialOrderInfo:
    """What place_special_order did: the order (new, or the one placed first for the same
    source_ref: created=False)."""

    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    status: str
    pay_amount: Decimal
    payment_deadline: datetime
    created: bool


@dataclass(frozen=True)
class TradeOrderInfo:
    order_no: str
    merchant_id: int
    status: str
    pay_amount: Decimal


@dataclass(frozen=True)
class TradeInfo:
    """One payment for the orders placed together.

    pay_amount is the total at placement; payable_amount what is still to pay now (the orders
    still pending payment: a cancelled order no longer counts).
    """

    trade_no: str
    buyer_id: int
    status: str
    pay_amount: Decimal
    payable_amount: Decimal
    paid_amount: Decimal | None
    payment_ref: str
    payment_deadline: datetime
    created_at: datetime
    paid_at: datetime | None
    orders: tuple[TradeOrderInfo, ...]


# --- Pricing: what a pricing step sees and answers (the engine is domain/pricing.py) ----------
# Other contexts reach these through `contexts.ordering.api` (data.py itself is private to
# ordering by the import contracts).

ITEMS: Literal["items"] = "items"
FREIGHT: Literal["freight"] = "freight"


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
    # A gift a step added (GiftLine): priced 0, never discounted, stock reserved like any line;
    # which step (source) and grant (reference) gave it.
    gift: bool = False
    gift_source: str = ""
    gift_reference: str = ""

    @property
    def discount_amount(self) -> Decimal:
        return sum((a.amount for a in self.discounts), ZERO)

    @property
    def pay_amount(self) -> Decimal:
        return self.subtotal - self.discount_amount


@dataclass(frozen=True)
class FreightCharge:
    """A freight charge a step (the "freight" step) sets on one merchant group."""

    merchant_id: int
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
    to take off; the engine applies at most what is left to pay in the scope. `reference` is the
    step's own id for what it grants (a coupon id ...); `source` is filled in by the engine with
    the step's registered name.
    """

    amount: Decimal
    target: Literal["items", "freight"] = ITEMS
    merchant_id: int | None = None
    sku_ids: tuple[int, ...] = ()
    label: str = ""
    reference: str = ""
    source: str = ""


@dataclass(frozen=True)
class GiftLine:
    """A gift a step grants (a promotion's 满赠): `quantity` of `sku_id` added to the
    `merchant_id` group as a line priced 0 (PricedLine.gift), placed as an order line whose
    stock is reserved, committed and released like any other. When the gift SKU is already
    among the lines, or no longer exists, or its stock is short when the checkout is priced,
    the gift is dropped with a note (the order is never refused for a gift). `source` is
    filled in by the engine with the step's registered name."""

    sku_id: int
    merchant_id: int
    quantity: int
    reference: str = ""
    label: str = ""
    source: str = ""


@dataclass(frozen=True)
class PricingNote:
    """An explanation a step gives with its quote, shown with the cart quote and the preview:
    why an activity applied to some lines or did not ("spend 12.00 more"), which coupon is
    suggested. `applied` says whether it describes something taken off; `source` is filled in by
    the engine with the step's registered name. Never a secret (a coupon code) in a note."""

    message: str
    reference: str = ""
    sku_ids: tuple[int, ...] = ()
    merchant_id: int | None = None
    applied: bool = False
    source: str = ""


@dataclass(frozen=True)
class Checkout:
    buyer_id: int
    # "" when no address is chosen yet (the cart's quote): the freight step then charges nothing.
    province_code: str
    groups: tuple[MerchantGroup, ...]
    # Buyer's choices the steps read: "coupon_ids" (None: let the coupons step choose the best;
    # []: no coupon; else those coupons) and "points" (how many points to spend, 0 by default).
    options: Mapping[str, object] = field(default_factory=dict)
    # Adjustments as applied (amount = what was actually taken off), in pipeline order.
    adjustments: tuple[Adjustment, ...] = ()
    # The steps' explanations, in pipeline order.
    notes: tuple[PricingNote, ...] = ()

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


@dataclass(frozen=True)
class HeldOrder:
    """One order of a placed trade, with what the step's adjustments took off it."""

    order_no: str
    merchant_id: int
    discount_amount: Decimal
    references: tuple[str, ...]


@dataclass(frozen=True)
class PricingHold:
    """What a step's `hold` gets at placement: the trade, and the adjustments it granted."""

    trade_no: str
    buyer_id: int
    options: Mapping[str, object]
    adjustments: tuple[Adjustment, ...]  # this step's, as applied
    orders: tuple[HeldOrder, ...]  # the orders any of them fell on


@dataclass(frozen=True)
class PricingSettlement:
    """What `confirm` (payment) and `release` (cancel, payment timeout) get: orders of one trade
    that change together. `reason` says why a release happens ("payment_timeout", ...)."""

    trade_no: str
    buyer_id: int
    order_nos: tuple[str, ...]
    reason: str = ""


class PricingStep(Protocol):
    """A step of the pricing pipeline (freight, promotions, coupons, points, flash sale ...).

    `quote` must be pure (it runs for the cart, the preview and placement alike, and may run
    many times). Ordering calls the three lifecycle hooks once per order and state change,
    inside the transaction that makes that change (placement, payment, cancellation), so
    what a hook writes in the database commits or rolls back with it; a hook with effects
    outside the database must key them on the order numbers so a retry is harmless. A hook
    raising an AppError refuses the change (placement fails, nothing is written).
    `hold` gets only the orders the step's adjustments fell on; `confirm` and `release` get every
    order that changed, and act on those the step holds.
    """

    def quote(
        self, checkout: Checkout
    ) -> Sequence[Adjustment | FreightCharge | GiftLine | PricingNote]:
        """What this step grants (or charges, for freight) on the checkout as priced so far,
        with notes explaining it."""
        ...

    def hold(self, hold: PricingHold) -> None:
        """Placement: reserve what the adjustments used (lock the coupon, freeze the points)."""
        ...

    def confirm(self, settlement: PricingSettlement) -> None:
        """Payment: make the hold final (mark the coupon used, deduct the points)."""
        ...

    def release(self, settlement: PricingSettlement) -> None:
        """Cancellation or payment timeout: give back what was held."""
        ...


class PricingStepBase:
    """Convenience base: grants nothing and ignores the lifecycle; override what you need."""

    def quote(
        self, checkout: Checkout
    ) -> Sequence[Adjustment | FreightCharge | GiftLine | PricingNote]:
        return ()

    def hold(self, hold: PricingHold) -> None:
        return None

    def confirm(self, settlement: PricingSettlement) -> None:
        return None

    def release(self, settlement: PricingSettlement) -> None:
        return None


@dataclass(frozen=True)
class DiscountShare:
    """The part of one pricing step's discount that fell on one line (`sku_id`) or on the
    order's freight (`sku_id` None, target "freight"), as recorded when the order was placed.
    `source` is the step's registered name ("promotions", "coupons", "points", ...), `reference`
    the step's own id for what it granted (a coupon id, an activity reference ...)."""

    source: str
    target: str
    amount: Decimal
    reference: str = ""
    sku_id: int | None = None


@dataclass(frozen=True)
class OrderDiscountsInfo:
    """An order's discounts by step: one share per line and step, and the freight ones."""

    order_no: str
    merchant_id: int
    shares: tuple[DiscountShare, ...]


@dataclass(frozen=True)
class OrderSearchSource:
    """What staff order search shows and filters on (read by the search context)."""

    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    status: str
    receiver_name: str
    receiver_phone: str
    pay_amount: Decimal
    created_at: datetime


@dataclass(frozen=True)
class RefundableLine:
    """One order line as after-sales sees it: what was paid for it (subtotal minus the
    discounts allocated to it), what its refunds took (pending or made: `taken_*`) and made
    (`refunded_*`), and what is left (`refundable_*`). Freight is never a line's."""

    line_id: int
    sku_id: int
    title: str
    spec: str
    image_url: str
    unit_price: Decimal
    quantity: int
    subtotal: Decimal
    discount_amount: Decimal
    pay_amount: Decimal
    gift: bool
    taken_quantity: int
    taken_amount: Decimal
    refunded_quantity: int
    refunded_amount: Decimal
    refundable_quantity: int
    refundable_amount: Decimal


@dataclass(frozen=True)
class OrderRefundInfo:
    """An order with its lines' refund balances (ordering api `order_refundable`)."""

    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    status: str
    pay_amount: Decimal
    paid_at: datetime | None
    shipped_at: datetime | None
    delivered_at: datetime | None
    completed_at: datetime | None
    lines: tuple[RefundableLine, ...]

    def line(self, line_id: int) -> RefundableLine | None:
        return next((line for line in self.lines if line.line_id == line_id), None)


@dataclass(frozen=True)
class LineRefundInfo:
    """One line refund as recorded (state pending, refunded or released)."""

    reference: str
    order_no: str
    line_id: int
    quantity: int
    amount: Decimal
    state: str
    before_shipment: bool
