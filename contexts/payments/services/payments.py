"""Paying a trade (or another registered payable, services/payables.py): create a payment at a
provider, and settle it (from a callback or a query).

A payment's amount is the payable's amount, read from its source on the server (ordering for a
trade); the client only chooses the provider and channel. Creation is one transaction around
the provider call: when the provider is unavailable (breaker open, timeout, error) nothing is
kept and the answer is 503 payment_provider_unavailable.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.payments.domain.states import PaymentState, payment_can_move
from contexts.payments.events import PaymentFailed, PaymentSucceeded
from contexts.payments.models import TRADE, Payment
from contexts.payments.ports import PaymentStart, ProviderError, ProviderPayment
from contexts.payments.services.payables import payable_resolve
from contexts.payments.services.providers import (
    ProviderUnavailable,
    provider_call,
    provider_for,
    provider_for_new_payment,
)
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotFound
from shared.events import publish
from shared.ids import next_public_id

logger = logging.getLogger(__name__)

CHANNELS = ("page", "app", "native", "jsapi")


@dataclass(frozen=True)
class CreatedPayment:
    payment: Payment
    replayed: bool


def request_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def notify_url(provider: str) -> str:
    base = (settings.PAYMENTS_NOTIFY_BASE_URL or "").rstrip("/")
    return f"{base}/api/v1/payments/notify/{provider}"


def _trade_not_found() -> NotFound:
    return NotFound("Trade not found.")


def payment_create(
    *,
    principal: Principal,
    trade_no: str,
    provider: str,
    channel: str,
    idempotency_key: str,
    payer_openid: str = "",
    kind: str = TRADE,
) -> CreatedPayment:
    """Start paying the buyer's trade (or, with another `kind`, the payable that source
    registered under `trade_no` as its reference): the amount is what it still has to pay.

    The same Idempotency-Key with the same request returns the payment it created (replayed);
    with another request it is 409 idempotency_key_reused. A trade not awaiting payment is 409
    trade_not_payable (another payable: 409 not_payable). The buyer's other trade, or an
    unknown kind, is 404.
    """
    principal.require("payment.pay")
    request = {"trade_no": trade_no, "provider": provider, "channel": channel}
    if kind != TRADE:
        request["kind"] = kind
    fingerprint = request_hash({**request, "openid": payer_openid})
    existing = _keyed_payment(principal.user_id, idempotency_key, fingerprint)
    if existing is not None:
        return CreatedPayment(existing, replayed=True)
    adapter = provider_for_new_payment(provider)
    payable = payable_resolve(kind=kind, source_ref=trade_no)
    if payable is None or payable.buyer_id != principal.user_id:
        raise _trade_not_found() if kind == TRADE else NotFound("Nothing to pay by that number.")
    if payable.amount <= 0 or not payable.payable:
        raise Conflict(
            "This trade is not awaiting payment."
            if kind == TRADE
            else "This is not awaiting payment.",
            code="trade_not_payable" if kind == TRADE else "not_payable",
            details={"status": payable.status},
        )
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                payment_no=next_public_id("P"),
                kind=kind,
                source_ref=payable.source_ref,
                trade_no=payable.source_ref,
                buyer_id=principal.user_id,
                provider=provider,
                channel=channel,
                amount=payable.amount,
                state=PaymentState.CREATED.value,
                idempotency_key=idempotency_key,
                request_hash=fingerprint,
            )
            try:
                started = provider_call(
                    provider,
                    adapter.payment_start,
                    start=PaymentStart(
                        payment_no=payment.payment_no,
                        amount=payment.amount,
                        subject=payable.subject,
                        channel=channel,
                        notify_url=notify_url(provider),
                        payer_openid=payer_openid,
                        expires_at=payable.expires_at,
                    ),
                )
            except ProviderError as exc:
                logger.warning(
                    "payment provider refused or failed a payment start",
                    extra={"provider": provider, "code": exc.code, "permanent": exc.permanent},
                )
                if exc.permanent:
                    raise BusinessRuleViolation(
                        "The payment provider refused this payment.",
                        code="payment_provider_refused",
                        details={"provider_code": exc.code},
                    ) from exc
                raise ProviderUnavailable() from exc
            payment.state = PaymentState.PENDING.value
            payment.client_kind = started.kind
            payment.client_data = dict(started.data)
            payment.save(update_fields=["state", "client_kind", "client_data", "updated_at"])
    except IntegrityError:
        # A concurrent request with the same key committed first (its row blocked ours).
        existing = _keyed_payment(principal.user_id, idempotency_key, fingerprint)
        if existing is None:
            raise
        return CreatedPayment(existing, replayed=True)
    return CreatedPayment(payment, replayed=False)


def _keyed_payment(buyer_id: int, key: str, fingerprint: str) -> Payment | None:
    found = Payment.objects.filter(buyer_id=buyer_id, idempotency_key=key).first()
    if found is not None and found.request_hash != fingerprint:
        raise Conflict(
            "This Idempotency-Key was already used with a different request.",
            code="idempotency_key_reused",
        )
    return found


def lock_payment(payment_no: str) -> Payment | None:
    return Payment.objects.select_for_update().filter(payment_no=payment_no).first()


def payment_apply(
    payment: Payment,
    *,
    state: str,
    amount: Decimal | None,
    provider_ref: str = "",
    paid_at: datetime | None = None,
    source: str,
) -> bool:
    """Move a LOCKED payment to what the provider reports (the one path of callbacks and
    reconciliation queries). Returns True when the state changed. A success for another amount
    than ours is refused (AmountMismatch) and changes nothing. A report that does not move the
    state (a repeat, or pending) changes nothing and publishes nothing."""
    if state == payment.state or state == PaymentState.PENDING:
        return False
    if not payment_can_move(payment.state, state):
        logger.info(
            "payment state report ignored",
            extra={"payment_no": payment.payment_no, "from": payment.state, "to": state},
        )
        return False
    if state == PaymentState.SUCCEEDED:
        if amount is None or amount != payment.amount:
            raise AmountMismatch(payment.payment_no)
        payment.paid_amount = amount
        payment.paid_at = paid_at or timezone.now()
        payment.provider_ref = provider_ref[:64] or payment.provider_ref
    payment.state = state
    payment.save(update_fields=["state", "paid_amount", "paid_at", "provider_ref", "updated_at"])
    logger.info(
        "payment settled", extra={"payment_no": payment.payment_no, "state": state, "by": source}
    )
    if state == PaymentState.SUCCEEDED:
        publish(
            PaymentSucceeded(
                payment_no=payment.payment_no,
                trade_no=payment.trade_no,
                buyer_id=payment.buyer_id,
                provider=payment.provider,
                amount=payment.amount,
                kind=payment.kind,
                source_ref=payment.source_ref or payment.trade_no,
            )
        )
    else:
        publish(
            PaymentFailed(
                payment_no=payment.payment_no,
                trade_no=payment.trade_no,
                buyer_id=payment.buyer_id,
                provider=payment.provider,
                state=state,
                kind=payment.kind,
                source_ref=payment.source_ref or payment.trade_no,
            )
        )
    return True


class AmountMismatch(Exception):
    """A provider reported success for an amount other than the payment's: nothing is paid."""


def payment_query_now(*, payment_no: str) -> Payment:
    """Ask the payment's provider for its state and settle it through the same path as a
    callback (reconciliation, the admin's "query now")."""
    payment = Payment.objects.filter(payment_no=payment_no).first()
    if payment is None:
        raise NotFound("Payment not found.")
    adapter = provider_for(payment.provider)
    try:
        found: ProviderPayment = provider_call(
            payment.provider, adapter.payment_query, payment_no=payment_no
        )
    except ProviderError as exc:
        logger.warning("payment query failed", extra={"payment_no": payment_no, "code": exc.code})
        raise ProviderUnavailable() from exc
    with transaction.atomic():
        payment = lock_payment(payment_no)
        try:
            payment_apply(
                payment,
                state=found.state,
                amount=found.amount,
                provider_ref=found.provider_ref,
                paid_at=found.paid_at,
                source="query",
            )
        except AmountMismatch:
            logger.error(
                "provider reports another amount than ours", extra={"payment_no": payment_no}
            )
    return payment


def payment_mark_refused(*, payment_no: str, reason: str) -> None:
    """Record why a payment's money goes back (shown to the buyer)."""
    Payment.objects.filter(payment_no=payment_no).update(refund_reason=reason[:64])


def payable_payments_close(*, kind: str, source_ref: str) -> list[str]:
    """The payable was withdrawn (a void invoice): close its payments still pending at their
    provider so they can no longer be paid. Joins the caller's transaction; the providers are
    asked after it commits (`payment_close_now`). Answers the payment numbers to close. A
    payment that arrives anyway still comes by callback (the source refunds money for a
    withdrawn payable)."""
    numbers = list(
        Payment.objects.filter(
            kind=kind, source_ref=source_ref, state=PaymentState.PENDING
        ).values_list("payment_no", flat=True)
    )
    for number in numbers:
        transaction.on_commit(
            lambda number=number: payment_close_now(payment_no=number), robust=True
        )
    return numbers


def payment_close_now(*, payment_no: str) -> Payment | None:
    """Close one pending payment at its provider, then record it closed (PaymentFailed with
    state "closed", once). The provider refusing to close it (paid meanwhile) settles it by a
    query instead; a provider that cannot be reached leaves it pending for reconciliation."""
    payment = Payment.objects.filter(payment_no=payment_no, state=PaymentState.PENDING).first()
    if payment is None:
        return None
    adapter = provider_for(payment.provider)
    try:
        provider_call(payment.provider, adapter.payment_close, payment_no=payment_no)
    except ProviderError as exc:
        if not exc.permanent:
            return payment
        return payment_query_now(payment_no=payment_no)
    except Exception:  # the breaker is open: reconciliation closes or settles it later
        return payment
    with transaction.atomic():
        locked = lock_payment(payment_no)
        payment_apply(locked, state=PaymentState.CLOSED.value, amount=None, source="close")
    return locked
