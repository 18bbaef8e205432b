"""Refunds: money back from a succeeded payment, partially or wholly.

`refund_request` locks the payment row, so concurrent requests of one payment queue up: the
refunds that did not fail never add up to more than the payment (422 refund_exceeds_paid), and
the same Idempotency-Key (per payment) gives back the refund it created instead of a second
one. The provider is asked afterwards (`refund_submit`, outside the lock); its answer, a
callback or a reconciliation query settles the refund through `refund_apply`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from contexts.payments.domain.states import (
    REFUND_COUNTING,
    PaymentState,
    RefundState,
    refund_can_move,
)
from contexts.payments.events import RefundFailed, RefundSucceeded
from contexts.payments.models import Payment, Refund
from contexts.payments.ports import ProviderError, RefundStart
from contexts.payments.services.payments import lock_payment, notify_url, request_hash
from contexts.payments.services.providers import provider_call, provider_for
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from shared.events import publish
from shared.ids import next_public_id
from shared.money import ZERO

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestedRefund:
    refund: Refund
    replayed: bool


def _payment_not_found() -> NotFound:
    return NotFound("Payment not found.")


def refunded_total(payment: Payment) -> Decimal:
    """What the payment's refunds that did not fail add up to."""
    total = payment.refunds.filter(state__in=[s.value for s in REFUND_COUNTING]).aggregate(
        total=Sum("amount")
    )["total"]
    return total or ZERO


def refund_request(
    *,
    principal: Principal,
    payment_no: str,
    amount: Decimal,
    reason: str,
    idempotency_key: str,
) -> RequestedRefund:
    """Record a refund of `amount` from a succeeded payment (not yet sent to the provider).

    Needs payment.refund. 422 payment_not_refundable unless the payment succeeded, 422
    refund_exceeds_paid when it would take the refunds past the amount paid; the same key with
    the same request returns the first refund, with another request 409
    idempotency_key_reused."""
    principal.require("payment.refund")
    if amount <= 0:
        raise ValidationFailed(
            "A refund must be positive.", details={"fields": {"amount": ["Must be positive."]}}
        )
    fingerprint = request_hash({"amount": str(amount), "reason": reason})
    try:
        with transaction.atomic():
            payment = lock_payment(payment_no)
            if payment is None:
                raise _payment_not_found()
            keyed = _keyed_refund(payment, idempotency_key, fingerprint)
            if keyed is not None:
                return RequestedRefund(keyed, replayed=True)
            refund = _refund_create(
                payment,
                amount=amount,
                reason=reason,
                requested_by=principal.user_id,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
            )
    except IntegrityError:  # same key committed by a concurrent request (unique index)
        payment = Payment.objects.get(payment_no=payment_no)
        keyed = _keyed_refund(payment, idempotency_key, fingerprint)
        if keyed is None:
            raise
        return RequestedRefund(keyed, replayed=True)
    return RequestedRefund(refund, replayed=False)


def _keyed_refund(payment: Payment, key: str, fingerprint: str) -> Refund | None:
    found = Refund.objects.filter(payment=payment, idempotency_key=key).first()
    if found is not None and found.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used with a different request.",
            code="idempotency_key_reused",
        )
    return found


def _refund_create(
    payment: Payment,
    *,
    amount: Decimal,
    reason: str,
    requested_by: int | None,
    idempotency_key: str,
    fingerprint: str,
) -> Refund:
    """Under the payment's lock: check what is left to refund and record the refund."""
    if payment.state != PaymentState.SUCCEEDED:
        raise BusinessRuleViolation(
            "Only a succeeded payment can be refunded.",
            code="payment_not_refundable",
            details={"state": payment.state},
        )
    refundable = payment.amount - refunded_total(payment)
    if amount > refundable:
        raise BusinessRuleViolation(
            "The refunds would exceed what was paid.",
            code="refund_exceeds_paid",
            details={"refundable": str(refundable), "amount": str(amount)},
        )
    return Refund.objects.create(
        refund_no=next_public_id("R"),
        payment=payment,
        amount=amount,
        reason=reason[:200],
        requested_by=requested_by,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
    )


def refund_for_refused_payment(*, payment_no: str, reason: str) -> Refund | None:
    """Give back the whole of a payment that ordering refused (its orders were cancelled, or
    their stock sold meanwhile): once per payment, whatever the number of deliveries. The
    payment shows the reason. None when there is nothing left to refund."""
    with transaction.atomic():
        payment = lock_payment(payment_no)
        if payment is None or payment.state != PaymentState.SUCCEEDED:
            logger.error(
                "refused payment not found or not succeeded", extra={"payment_no": payment_no}
            )
            return None
        key = f"refused:{payment_no}"
        existing = Refund.objects.filter(payment=payment, idempotency_key=key).first()
        if existing is not None:
            return existing
        payment.refund_reason = reason[:64]
        payment.save(update_fields=["refund_reason", "updated_at"])
        remaining = payment.amount - refunded_total(payment)
        if remaining <= 0:
            return None
        return _refund_create(
            payment,
            amount=remaining,
            reason=reason,
            requested_by=None,
            idempotency_key=key,
            fingerprint=request_hash({"refused": reason}),
        )


def refund_for_trade(
    *, trade_no: str, amount: Decimal | None, reason: str, idempotency_key: str
) -> RequestedRefund | None:
    """Refund the trade's succeeded payment on behalf of another context (a failed group, an
    after-sales request): `amount`, or with None whatever is left. Once per key: a repeat answers
    the first refund (the same key with another amount is a 409 idempotency_key_reused). 404 when
    the trade has no succeeded payment, 422 refund_exceeds_paid past what was paid; None when
    nothing is left to refund. The caller sends a new one after commit (`refund_submit`)."""
    found = (
        Payment.objects.filter(trade_no=trade_no, state=PaymentState.SUCCEEDED)
        .values_list("payment_no", flat=True)
        .first()
    )
    if found is None:
        raise _payment_not_found()
    fingerprint = request_hash({"amount": str(amount), "reason": reason})
    try:
        with transaction.atomic():
            payment = lock_payment(found)
            keyed = _keyed_refund(payment, idempotency_key, fingerprint)
            if keyed is not None:
                return RequestedRefund(keyed, replayed=True)
            if amount is None:
                amount = payment.amount - refunded_total(payment)
                if amount <= 0:
                    return None
            elif amount <= 0:
                raise ValidationFailed(
                    "A refund must be positive.",
                    details={"fields": {"amount": ["Must be positive."]}},
                )
            refund = _refund_create(
                payment,
                amount=amount,
                reason=reason,
                requested_by=None,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
            )
            return RequestedRefund(refund, replayed=False)
    except IntegrityError:  # the same key committed by a concurrent call (unique index)
        payment = Payment.objects.get(payment_no=found)
        keyed = _keyed_refund(payment, idempotency_key, fingerprint)
        if keyed is None:
            raise
        return RequestedRefund(keyed, replayed=True)


def refund_submit(*, refund_no: str) -> Refund:
    """Send a requested refund to the provider and record its answer. A transient provider
    failure (or an open breaker) leaves it requested for reconciliation to send again; a
    permanent refusal fails it (staff may retry)."""
    refund = Refund.objects.select_related("payment").get(refund_no=refund_no)
    if refund.state != RefundState.REQUESTED:
        return refund
    payment = refund.payment
    adapter = provider_for(payment.provider)
    Refund.objects.filter(pk=refund.pk).update(attempts=refund.attempts + 1)
    try:
        answer = provider_call(
            payment.provider,
            adapter.refund_start,
            refund=RefundStart(
                payment_no=payment.payment_no,
                refund_no=refund.refund_no,
                amount=refund.amount,
                payment_amount=payment.amount,
                reason=refund.reason or "refund",
                notify_url=notify_url(payment.provider),
            ),
        )
        state, provider_ref, failure = answer.state, answer.provider_ref, ""
    except ProviderError as exc:
        logger.warning(
            "refund request to the provider failed",
            extra={"refund_no": refund_no, "code": exc.code, "permanent": exc.permanent},
        )
        if not exc.permanent:
            return Refund.objects.get(pk=refund.pk)
        state, provider_ref, failure = RefundState.FAILED.value, "", exc.code or "refused"
    except Exception as exc:  # breaker open (ProviderUnavailable): reconciliation retries
        logger.warning(
            "refund request not sent", extra={"refund_no": refund_no, "error": type(exc).__name__}
        )
        return Refund.objects.get(pk=refund.pk)
    with transaction.atomic():
        payment = lock_payment(payment.payment_no)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        refund_apply(
            refund,
            payment=payment,
            state=state,
            provider_ref=provider_ref,
            failure_code=failure,
            source="refund_start",
        )
    return refund


def refund_apply(
    refund: Refund,
    *,
    payment: Payment,
    state: str,
    provider_ref: str = "",
    failure_code: str = "",
    source: str,
) -> bool:
    """Move a LOCKED refund to what the provider reports; publish succeeded/failed once."""
    if state == refund.state:
        return False
    if state == RefundState.PROCESSING and refund.state != RefundState.REQUESTED:
        return False
    if not refund_can_move(refund.state, state):
        logger.info(
            "refund state report ignored",
            extra={"refund_no": refund.refund_no, "from": refund.state, "to": state},
        )
        return False
    refund.state = state
    refund.provider_ref = provider_ref[:64] or refund.provider_ref
    if state in (RefundState.SUCCEEDED, RefundState.FAILED):
        refund.completed_at = timezone.now()
    if state == RefundState.FAILED:
        refund.failure_code = (failure_code or "failed")[:64]
    refund.save(
        update_fields=["state", "provider_ref", "completed_at", "failure_code", "updated_at"]
    )
    logger.info(
        "refund settled", extra={"refund_no": refund.refund_no, "state": state, "by": source}
    )
    if state == RefundState.SUCCEEDED:
        publish(
            RefundSucceeded(
                refund_no=refund.refund_no,
                payment_no=payment.payment_no,
                trade_no=payment.trade_no,
                buyer_id=payment.buyer_id,
                amount=refund.amount,
                reason=refund.reason,
            )
        )
    elif state == RefundState.FAILED:
        publish(
            RefundFailed(
                refund_no=refund.refund_no,
                payment_no=payment.payment_no,
                trade_no=payment.trade_no,
                buyer_id=payment.buyer_id,
                amount=refund.amount,
                failure_reason=refund.failure_code,
            )
        )
    return True


def refund_retry(*, principal: Principal, refund_no: str) -> Refund:
    """Ask again for a failed refund (the same refund number): 422 refund_not_retryable unless
    it failed, and 422 refund_exceeds_paid if the other refunds meanwhile took what is left."""
    principal.require("payment.refund")
    with transaction.atomic():
        payment_no = (
            Refund.objects.filter(refund_no=refund_no)
            .values_list("payment__payment_no", flat=True)
            .first()
        )
        if payment_no is None:
            raise NotFound("Refund not found.")
        payment = lock_payment(payment_no)
        refund = Refund.objects.select_for_update().get(refund_no=refund_no)
        if refund.state != RefundState.FAILED:
            raise BusinessRuleViolation(
                "Only a failed refund can be retried.",
                code="refund_not_retryable",
                details={"state": refund.state},
            )
        refundable = payment.amount - refunded_total(payment)
        if refund.amount > refundable:
            raise BusinessRuleViolation(
                "The refunds would exceed what was paid.",
                code="refund_exceeds_paid",
                details={"refundable": str(refundable), "amount": str(refund.amount)},
            )
        refund.state = RefundState.REQUESTED.value
        refund.failure_code = ""
        refund.completed_at = None
        refund.save(update_fields=["state", "failure_code", "completed_at", "updated_at"])
    return refund_submit(refund_no=refund_no)


def refund_query_now(*, refund_no: str) -> Refund:
    """Ask the provider for a processing refund's state and settle it (reconciliation, admin);
    a refund still requested is sent again."""
    refund = Refund.objects.select_related("payment").filter(refund_no=refund_no).first()
    if refund is None:
        raise NotFound("Refund not found.")
    if refund.state == RefundState.REQUESTED:
        return refund_submit(refund_no=refund_no)
    if refund.state != RefundState.PROCESSING:
        return refund
    payment = refund.payment
    adapter = provider_for(payment.provider)
    found = provider_call(
        payment.provider,
        adapter.refund_query,
        payment_no=payment.payment_no,
        refund_no=refund_no,
    )
    with transaction.atomic():
        payment = lock_payment(payment.payment_no)
        refund = Refund.objects.select_for_update().get(pk=refund.pk)
        if found.amount is not None and found.amount != refund.amount:
            logger.error("provider reports another refund amount", extra={"refund_no": refund_no})
            return refund
        refund_apply(
            refund,
            payment=payment,
            state=found.state,
            provider_ref=found.provider_ref,
            source="query",
        )
    return refund
