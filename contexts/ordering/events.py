"""Events ordering publishes (PUBLIC: other contexts subscribe to these classes).

Each is written to the outbox in the transaction of the change it reports. A breaking change to a
payload is a new class with a new version, never an edit of these.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True)
class PlacedLine:
    sku_id: int
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True, kw_only=True)
class OrderPlaced(DomainEvent):
    """An order was placed (stock is reserved, payment is awaited).

    `from_cart` (added to v1 with a default, so older payloads still load as False): the items
    were the buyer's selected cart lines, which the cart then drops; a buy-now order leaves the
    cart alone."""

    event_type: ClassVar[str] = "ordering.order.placed.v1"  # the seed's order.created
    aggregate: ClassVar[str] = "order_no"
    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    pay_amount: Decimal
    lines: tuple[PlacedLine, ...]
    from_cart: bool = False
    # Added to v1 with defaults: a special-priced order's placing context ("flashsale") and its
    # reference; "" for checkout orders.
    source: str = ""
    source_ref: str = ""


@dataclass(frozen=True, kw_only=True)
class OrderPaid(DomainEvent):
    """The order was paid; its reserved stock was deducted in the same transaction."""

    event_type: ClassVar[str] = "ordering.order.paid.v1"
    aggregate: ClassVar[str] = "order_no"
    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    pay_amount: Decimal
    payment_ref: str
    # Added to v1 with defaults (see OrderPlaced).
    source: str = ""
    source_ref: str = ""


@dataclass(frozen=True, kw_only=True)
class OrderCancelled(DomainEvent):
    """An unpaid order was cancelled (by the buyer, or by the payment timeout: reason
    "payment_timeout"). Its stock reservation is already released; coupons and points locked for
    it are to be given back by their contexts."""

    event_type: ClassVar[str] = "ordering.order.cancelled.v1"
    aggregate: ClassVar[str] = "order_no"
    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    actor: str
    reason: str
    lines: tuple[PlacedLine, ...]
    # Added to v1 with defaults (see OrderPlaced). A "preallocated" order's stock was not
    # reserved by ordering and is not released by it: its source takes the units back.
    source: str = ""
    source_ref: str = ""
    stock_mode: str = "reserve"


@dataclass(frozen=True, kw_only=True)
class OrderShipped(DomainEvent):
    event_type: ClassVar[str] = "ordering.order.shipped.v1"
    aggregate: ClassVar[str] = "order_no"
    order_no: str
    buyer_id: int
    merchant_id: int
    carrier_code: str
    tracking_number: str


@dataclass(frozen=True, kw_only=True)
class OrderDelivered(DomainEvent):
    event_type: ClassVar[str] = "ordering.order.delivered.v1"
    aggregate: ClassVar[str] = "order_no"
    order_no: str
    buyer_id: int
    merchant_id: int


@dataclass(frozen=True, kw_only=True)
class OrderCompleted(DomainEvent):
    """The buyer confirmed receipt (or it was confirmed automatically): points, reviews and
    settlement start from here."""

    event_type: ClassVar[str] = "ordering.order.completed.v1"
    aggregate: ClassVar[str] = "order_no"
    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    pay_amount: Decimal
    actor: str
    lines: tuple[PlacedLine, ...]


@dataclass(frozen=True, kw_only=True)
class TradePaymentRefused(DomainEvent):
    """A payment of the trade arrived that ordering cannot record: its orders were cancelled
    (reason "illegal_transition"), their stock hold expired and the units were sold since
    ("payment_after_expiry"), or it pays another amount than is due ("amount_mismatch").
    Nothing was recorded; payments gives the money back."""

    event_type: ClassVar[str] = "ordering.trade.payment_refused.v1"
    aggregate: ClassVar[str] = "trade_no"
    trade_no: str
    payment_ref: str
    amount: Decimal
    reason: str


@dataclass(frozen=True, kw_only=True)
class OrderLineRefunded(DomainEvent):
    """Money of one order line went back to the buyer (one after-sales refund, `reference`).
    Units refunded before shipment are already back on hand."""

    event_type: ClassVar[str] = "ordering.order.line_refunded.v1"
    aggregate: ClassVar[str] = "order_no"
    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    line_id: int
    sku_id: int
    quantity: int
    amount: Decimal
    reference: str
    before_shipment: bool


@dataclass(frozen=True, kw_only=True)
class OrderRefundAbandoned(DomainEvent):
    """An order that was `refunding` (its refunds covered every line) is back in the status it
    came from (`status`: paid, shipped or delivered) because a refund covering it ended without
    the money going back (after-sales gave up a failed refund). A paid order ships again."""

    event_type: ClassVar[str] = "ordering.order.refund_abandoned.v1"
    aggregate: ClassVar[str] = "order_no"
    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    status: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class OrderRefunded(DomainEvent):
    """The whole order went back to the buyer and is over (status refunded): every line refunded
    through after-sales (`OrderLineRefunded` per refund), or a paid order that never shipped
    refunded whole at its placing context's request (a group buy that failed: `reason`, `lines`,
    `source` and `source_ref` say so, and its sold units are back on hand). The money goes back
    through payments; coupons and points follow payments' RefundSucceeded, as for any full
    refund."""

    event_type: ClassVar[str] = "ordering.order.refunded.v1"
    aggregate: ClassVar[str] = "order_no"
    order_no: str
    trade_no: str
    buyer_id: int
    merchant_id: int
    refunded_amount: Decimal
    reason: str = ""
    lines: tuple[PlacedLine, ...] = ()
    source: str = ""
    source_ref: str = ""
