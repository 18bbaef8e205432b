"""Frozen dataclasses payments' api returns (never models)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class RefundInfo:
    refund_no: str
    amount: Decimal
    state: str
    reason: str


@dataclass(frozen=True)
class PaymentInfo:
    payment_no: str
    trade_no: str
    buyer_id: int
    provider: str
    state: str
    amount: Decimal
    paid_at: datetime | None
    refund_reason: str
    refunds: tuple[RefundInfo, ...]
