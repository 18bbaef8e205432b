"""Payouts: an approved statement paid to its merchant once, through payments' transfer.

The statement row is locked while its payout is created (one payout per statement: unique
index), and the transfer is keyed by the payout and its attempt, so concurrent pay-outs of a
statement make one payout and one transfer (payments transfers once per key, and the provider
once per transfer number). A transfer that fails for good fails the payout; a retry is a new
attempt (a new key). A transfer left unsent by a transient provider error keeps its payout
processing; a retry sends it again under the same key (never a second transfer).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from contexts.payments import api as payments_api
from contexts.settlement.domain import (
    PARTIALLY_SPLIT,
    NothingToPay,
    PayoutNotRetryable,
    PayoutState,
    StatementNotApproved,
    StatementState,
    payout_sources,
)
from contexts.settlement.events import PayoutFailed, PayoutPaid
from contexts.settlement.models import MerchantProfile, Payout, SettlementLine, Statement
from shared.auth import Principal
from shared.errors import NotFound, ValidationFailed
from shared.events import publish
from shared.ids import next_public_id


def _statement_missing() -> NotFound:
    return NotFound("Statement not found.")


def payout_start(*, principal: Principal, statement_no: str) -> Payout:
    """Pay an approved statement out (settlement.manage): 422 statement_not_approved,
    nothing_to_pay when its net is not positive, 400 when the merchant has no payee account.
    Paying a statement twice answers its one payout."""
    principal.require("settlement.manage")
    with transaction.atomic():
        statement = Statement.objects.select_for_update().filter(statement_no=statement_no).first()
        if statement is None:
            raise _statement_missing()
        payout = Payout.objects.filter(statement=statement).first()
        if payout is None:
            if statement.state != StatementState.APPROVED:
                raise StatementNotApproved(details={"state": statement.state})
            if statement.net_total <= 0:
                raise NothingToPay(details={"net_total": str(statement.net_total)})
            profile = MerchantProfile.objects.filter(merchant_id=statement.merchant_id).first()
            if profile is None or not profile.payee_account:
                raise ValidationFailed(
                    "The merchant has no payee account.",
                    details={"fields": {"payee_account": ["Set it in the merchant's profile."]}},
                )
            payout = Payout.objects.create(
                payout_no=next_public_id("PO"),
                statement=statement,
                merchant_id=statement.merchant_id,
                amount=statement.net_total,
                provider=profile.payee_provider,
                payee_account=profile.payee_account,
                attempts=1,
                requested_by=principal.user_id,
            )
    return payout_execute(payout_no=payout.payout_no)


def payout_retry(*, principal: Principal, payout_no: str) -> Payout:
    """Try a failed payout again (a new attempt), or send again a processing one whose
    transfer was not sent (the same attempt); 409 payout_not_retryable when paid, or when
    its transfer moved part of the money (PARTIALLY_SPLIT: a new attempt would pay that part
    twice; staff settle the rest by hand)."""
    principal.require("settlement.manage")
    with transaction.atomic():
        payout = Payout.objects.select_for_update().filter(payout_no=payout_no).first()
        if payout is None:
            raise NotFound("Payout not found.")
        if payout.state == PayoutState.PAID or payout.failure_code == PARTIALLY_SPLIT:
            raise PayoutNotRetryable(
                details={"state": payout.state, "failure_code": payout.failure_code}
            )
        if payout.state == PayoutState.FAILED:
            payout.state = PayoutState.PENDING
            payout.attempts += 1
            payout.failure_code = ""
            payout.save(update_fields=["state", "attempts", "failure_code", "updated_at"])
    return payout_execute(payout_no=payout_no)


def _transfer_key(payout: Payout) -> str:
    return f"settlement-payout:{payout.payout_no}:{payout.attempts}"


def payout_execute(*, payout_no: str) -> Payout:
    """Send the payout's transfer (outside any transaction: payments asks the provider) and
    record what came of it."""
    with transaction.atomic():
        payout = Payout.objects.select_for_update().get(payout_no=payout_no)
        if payout.state in (PayoutState.PAID, PayoutState.FAILED):
            return payout
        if payout.state == PayoutState.PENDING:
            payout.state = PayoutState.PROCESSING
            payout.save(update_fields=["state", "updated_at"])
    statement_no = payout.statement.statement_no
    info = payments_api.transfer(
        provider=payout.provider,
        payee_account=payout.payee_account,
        amount=payout.amount,
        remark=f"settlement {statement_no}",
        idempotency_key=_transfer_key(payout),
        sources=_sources(payout),
    )
    return _payout_record(payout_no=payout_no, info=info)


def _sources(payout: Payout) -> tuple[tuple[str, Decimal], ...]:
    """The buyer payments the statement's lines were paid with, each with its share of the
    payout (payments hands them to the provider: WeChat Pay splits each one). The lines are
    immutable, so every attempt names the same sources."""
    lines = SettlementLine.objects.filter(statement_id=payout.statement_id).values_list(
        "payment_no", "net_amount"
    )
    return payout_sources(list(lines), total=payout.amount)


def transfer_settled_record(
    *, transfer_no: str, reference: str, state: str, failure_code: str = ""
) -> Payout | None:
    """Payments settled a transfer later (its poll of the provider): the payout whose current
    attempt made it follows (paid or failed, once; events as when the answer came at once).
    A transfer of an earlier attempt, of a payout already final, or not a payout's is
    ignored."""
    prefix, _, rest = reference.partition(":")
    payout_no, _, attempt = rest.rpartition(":")
    if prefix != "settlement-payout" or not attempt.isdigit():
        return None
    payout = Payout.objects.filter(payout_no=payout_no).first()
    if payout is None or payout.attempts != int(attempt):
        return None
    info = payments_api.TransferInfo(
        transfer_no=transfer_no,
        provider=payout.provider,
        amount=payout.amount,
        state=state,
        provider_ref="",
        failure_code=failure_code,
    )
    return _payout_record(payout_no=payout_no, info=info)


def _payout_record(*, payout_no: str, info: payments_api.TransferInfo) -> Payout:
    with transaction.atomic():
        payout = (
            Payout.objects.select_for_update().select_related("statement").get(payout_no=payout_no)
        )
        if payout.state != PayoutState.PROCESSING:
            return payout
        payout.transfer_no = info.transfer_no
        if info.state == "succeeded":
            payout.state = PayoutState.PAID
            payout.paid_at = timezone.now()
            statement = Statement.objects.select_for_update().get(pk=payout.statement_id)
            statement.state = StatementState.PAID
            statement.paid_at = payout.paid_at
            statement.save(update_fields=["state", "paid_at"])
            publish(
                PayoutPaid(
                    payout_no=payout.payout_no,
                    statement_no=statement.statement_no,
                    merchant_id=payout.merchant_id,
                    amount=payout.amount,
                )
            )
        elif info.state == "failed":
            payout.state = PayoutState.FAILED
            payout.failure_code = info.failure_code
            publish(
                PayoutFailed(
                    payout_no=payout.payout_no,
                    statement_no=payout.statement.statement_no,
                    merchant_id=payout.merchant_id,
                    amount=payout.amount,
                    failure_reason=info.failure_code,
                )
            )
        payout.save(update_fields=["state", "transfer_no", "failure_code", "paid_at", "updated_at"])
    return payout


def payouts_resend(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Send again the payouts left processing (their transfer was not sent because the provider
    was down, or its answer never came) for longer than `older_than`, under the same transfer
    key: payments sends the same transfer number again, which the provider pays once. How many
    were paid now. Safe to re-run (beat `settlement.resend_payouts`)."""
    due = Payout.objects.filter(
        state=PayoutState.PROCESSING, updated_at__lt=timezone.now() - older_than
    ).values_list("payout_no", flat=True)
    paid = 0
    for payout_no in list(due):
        if payout_execute(payout_no=payout_no).state == PayoutState.PAID:
            paid += 1
    return paid
