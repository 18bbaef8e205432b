"""Plain, frozen data that `api.py` hands to other contexts (never models or querysets)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


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
