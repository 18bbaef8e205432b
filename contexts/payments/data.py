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


@dataclass(frozen=True)
class TransferInfo:
    """A payout through a provider: state requested (not sent yet, or to be sent again after a
    transient failure), processing, succeeded or failed (failure_code says why)."""

    transfer_no: str
    provider: str
    amount: Decimal
    state: str
    provider_ref: str
    failure_code: str
