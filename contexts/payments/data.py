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


@dataclass(frozen=True)
class PayableInfo:
    """What a payable source answers for one of its references (services/payables.py): who
    owes how much, and whether it may be paid now."""

    kind: str
    source_ref: str
    buyer_id: int
    amount: Decimal
    payable: bool
    status: str
    subject: str
    expires_at: datetime | None = None


@dataclass(frozen=True)
class AgreementInfo:
    """An auto-charge agreement; `sign_url` is what the buyer's client opens to sign it."""

    agreement_no: str
    buyer_id: int
    provider: str
    kind: str
    source_ref: str
    state: str
    sign_url: str


@dataclass(frozen=True)
class ChargeInfo:
    """The result of charging an agreement: the payment made, and its state (succeeded,
    failed, or pending when the provider settles it later). `failure_code` is the provider's
    code when it refused."""

    payment_no: str
    state: str
    amount: Decimal
    failure_code: str = ""
