"""The sandbox provider's pay endpoint: the buyer "pays" and the sandbox calls us back.

The callback is built and signed by the sandbox adapter exactly as its provider side would,
then delivered after commit: by HTTP to PAYMENTS_NOTIFY_BASE_URL's callback endpoint when set
(a demo server behind any BASE_URL), else straight into `notification_process`, the very
function the callback endpoint calls. Either way it goes through signature verification.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import requests
from django.conf import settings
from django.db import transaction

from contexts.payments.domain.states import PaymentState
from contexts.payments.models import Payment, PaymentAgreement
from contexts.payments.services.notifications import notification_process
from contexts.payments.services.payments import notify_url
from contexts.payments.services.providers import is_enabled, provider_for
from shared.auth import Principal
from shared.errors import Conflict, NotFound

logger = logging.getLogger(__name__)
SANDBOX = "sandbox"


def sandbox_pay(*, principal: Principal, payment_no: str) -> Payment:
    """Pay the buyer's own pending sandbox payment (404 when the sandbox is not enabled or the
    payment is not theirs; 409 payment_not_pending)."""
    principal.require("payment.pay")
    if not is_enabled(SANDBOX):
        raise NotFound("The sandbox provider is not enabled.")
    payment = Payment.objects.filter(
        payment_no=payment_no, buyer_id=principal.user_id, provider=SANDBOX
    ).first()
    if payment is None:
        raise NotFound("Payment not found.")
    if payment.state != PaymentState.PENDING:
        raise Conflict(
            "This payment is not awaiting payment.",
            code="payment_not_pending",
            details={"state": payment.state},
        )
    adapter = provider_for(SANDBOX)
    with transaction.atomic():
        headers, body = adapter.simulate_payment(payment_no=payment_no)
        transaction.on_commit(lambda: deliver_callback(headers, body), robust=True)
    return Payment.objects.get(pk=payment.pk)


def sandbox_agreement_sign(*, buyer_id: int, agreement_no: str) -> PaymentAgreement:
    """The buyer signs their own pending sandbox agreement; the sandbox's signed callback goes
    through the callback path after commit (404 when not theirs or not sandbox; 409
    agreement_not_pending)."""
    if not is_enabled(SANDBOX):
        raise NotFound("The sandbox provider is not enabled.")
    agreement = PaymentAgreement.objects.filter(
        agreement_no=agreement_no, buyer_id=buyer_id, provider=SANDBOX
    ).first()
    if agreement is None:
        raise NotFound("Agreement not found.")
    if agreement.state != PaymentAgreement.State.PENDING:
        raise Conflict("This agreement is not awaiting a signature.", code="agreement_not_pending")
    adapter = provider_for(SANDBOX)
    with transaction.atomic():
        headers, body = adapter.simulate_agreement_sign(agreement_no=agreement_no)
        transaction.on_commit(lambda: deliver_callback(headers, body), robust=True)
    return PaymentAgreement.objects.get(pk=agreement.pk)


def deliver_callback(headers: Mapping[str, str], body: bytes) -> None:
    """Deliver a sandbox callback: over HTTP when PAYMENTS_NOTIFY_BASE_URL is set, else
    in-process, through `notification_process` either way."""
    if settings.PAYMENTS_NOTIFY_BASE_URL:
        try:
            response = requests.post(
                notify_url(SANDBOX),
                data=body,
                headers=dict(headers),
                timeout=settings.PAYMENTS_HTTP_TIMEOUT_SECONDS,
            )
            logger.info("sandbox callback delivered", extra={"status": response.status_code})
        except requests.RequestException as exc:  # reconciliation queries it later
            logger.warning("sandbox callback not delivered", extra={"error": type(exc).__name__})
        return
    notification_process(provider=SANDBOX, headers=headers, body=body)
