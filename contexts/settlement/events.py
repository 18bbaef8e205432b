"""Events settlement publishes (PUBLIC). Ids and amounts only, never a payee account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class StatementIssued(DomainEvent):
    """A merchant's statement of a period was issued (its amounts never change after)."""

    event_type: ClassVar[str] = "settlement.statement.issued.v1"
    aggregate: ClassVar[str] = "statement_no"
    statement_no: str
    merchant_id: int
    period_start: date
    period_end: date
    net_total: Decimal


@dataclass(frozen=True, kw_only=True)
class StatementApproved(DomainEvent):
    event_type: ClassVar[str] = "settlement.statement.approved.v1"
    aggregate: ClassVar[str] = "statement_no"
    statement_no: str
    merchant_id: int
    net_total: Decimal


@dataclass(frozen=True, kw_only=True)
class PayoutPaid(DomainEvent):
    """The statement's money reached the merchant (the transfer succeeded)."""

    event_type: ClassVar[str] = "settlement.payout.paid.v1"
    aggregate: ClassVar[str] = "payout_no"
    payout_no: str
    statement_no: str
    merchant_id: int
    amount: Decimal


@dataclass(frozen=True, kw_only=True)
class PayoutFailed(DomainEvent):
    """The transfer failed; staff may retry the payout."""

    event_type: ClassVar[str] = "settlement.payout.failed.v1"
    aggregate: ClassVar[str] = "payout_no"
    payout_no: str
    statement_no: str
    merchant_id: int
    amount: Decimal
    failure_reason: str  # the provider's error code, e.g. PAYEE_NOT_EXIST
