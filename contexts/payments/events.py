"""Events payments publishes (PUBLIC: other contexts subscribe to these classes).

Each is written to the outbox in the transaction of the change it reports. No key, signature
or callback body is ever part of one. A breaking change is a new class with a new version.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class PaymentSucceeded(DomainEvent):
    """The provider confirmed the money of a payment (published once per payment). `kind` says
    what was paid: "trade" (ordering records it against the trade with `payment_no` as the
    payment reference) or a kind another context registered, whose `source_ref` it is (for a
    trade, source_ref is the trade_no). Events from before `kind` existed read as trades."""

    event_type: ClassVar[str] = "payments.payment.succeeded.v1"
    aggregate: ClassVar[str] = "payment_no"
    payment_no: str
    trade_no: str
    buyer_id: int
    provider: str
    amount: Decimal
    kind: str = "trade"
    source_ref: str = ""


@dataclass(frozen=True, kw_only=True)
class PaymentFailed(DomainEvent):
    """A payment ended without money (failed or closed at the provider)."""

    event_type: ClassVar[str] = "payments.payment.failed.v1"
    aggregate: ClassVar[str] = "payment_no"
    payment_no: str
    trade_no: str
    buyer_id: int
    provider: str
    state: str
    kind: str = "trade"
    source_ref: str = ""


@dataclass(frozen=True, kw_only=True)
class AgreementChanged(DomainEvent):
    """The buyer signed an auto-charge agreement at the provider (its callback verified), for
    the payable source `kind` / `source_ref` that asked for it. `state` is "signed", or
    "terminated" when the provider reports the buyer ended it."""

    event_type: ClassVar[str] = "payments.agreement.changed.v1"
    aggregate: ClassVar[str] = "agreement_no"
    agreement_no: str
    buyer_id: int
    provider: str
    kind: str
    source_ref: str
    state: str


@dataclass(frozen=True, kw_only=True)
class RefundSucceeded(DomainEvent):
    """Money went back to the buyer (after-sales, points, coupons, settlement react)."""

    event_type: ClassVar[str] = "payments.refund.succeeded.v1"
    aggregate: ClassVar[str] = "refund_no"
    refund_no: str
    payment_no: str
    trade_no: str
    buyer_id: int
    amount: Decimal
    reason: str


@dataclass(frozen=True, kw_only=True)
class RefundFailed(DomainEvent):
    """The provider refused or failed a refund; staff may retry it."""

    event_type: ClassVar[str] = "payments.refund.failed.v1"
    aggregate: ClassVar[str] = "refund_no"
    refund_no: str
    payment_no: str
    trade_no: str
    buyer_id: int
    amount: Decimal
    failure_reason: str  # the provider's error code, e.g. ACCOUNT_FROZEN


@dataclass(frozen=True, kw_only=True)
class TransferSucceeded(DomainEvent):
    """A transfer (a payout) reached its payee: published once, when the provider's answer or a
    later query says so. `reference` is the caller's idempotency key of the transfer (settlement:
    its payout and attempt)."""

    event_type: ClassVar[str] = "payments.transfer.succeeded.v1"
    aggregate: ClassVar[str] = "transfer_no"
    transfer_no: str
    provider: str
    amount: Decimal
    reference: str


@dataclass(frozen=True, kw_only=True)
class TransferFailed(DomainEvent):
    """The provider refused or failed a transfer for good (published once); a new attempt is a
    new transfer."""

    event_type: ClassVar[str] = "payments.transfer.failed.v1"
    aggregate: ClassVar[str] = "transfer_no"
    transfer_no: str
    provider: str
    amount: Decimal
    reference: str
    failure_reason: str  # the provider's error code, e.g. PAYEE_NOT_EXIST
