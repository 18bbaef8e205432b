"""Auto-charge agreements (代扣): another context asks the buyer to sign one for one of its
payables, the provider's signed callback confirms it, and later charges run against it
without the buyer present (auto-renewal).

A charge is a payment like any other (kind / source_ref of the payable source, amount from its
resolver, never from the caller) settled through `payment_apply`, so PaymentSucceeded /
PaymentFailed reach the source as for a payment the buyer made by hand. A charge is keyed by
the caller's idempotency key: a retry with the same key answers the first payment and never
charges twice; a new attempt (a retry after a refusal) takes a new key.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.payments.data import PayableInfo
from contexts.payments.domain.states import PaymentState
from contexts.payments.events import AgreementChanged
from contexts.payments.models import Payment, PaymentAgreement
from contexts.payments.ports import AgreementCharge, AgreementStart, Notification, ProviderError
from contexts.payments.services.payables import payable_resolve
from contexts.payments.services.payments import (
    AmountMismatch,
    lock_payment,
    notify_url,
    payment_apply,
    request_hash,
)
from contexts.payments.services.providers import (
    ProviderUnavailable,
    provider_call,
    provider_for,
    provider_for_new_payment,
)
from shared.errors import BusinessRuleViolation, Conflict, NotFound
from shared.events import publish
from shared.ids import next_public_id

logger = logging.getLogger(__name__)


def agreement_start(
    *,
    buyer_id: int,
    provider: str,
    kind: str,
    source_ref: str,
    period_months: int = 0,
    first_charge_on: date | None = None,
    max_amount: Decimal | None = None,
) -> PaymentAgreement:
    """Ask the provider for an agreement the buyer signs (the answer's client_kind/client_data
    is what their client opens). The provider refusing (one that has no agreements here) is a
    422 payment_provider_refused; unreachable, 503; nothing is kept then."""
    adapter = provider_for_new_payment(provider)
    with transaction.atomic():
        agreement = PaymentAgreement.objects.create(
            agreement_no=next_public_id("PA"),
            buyer_id=buyer_id,
            provider=provider,
            kind=kind,
            source_ref=source_ref,
        )
        try:
            started = provider_call(
                provider,
                adapter.agreement_sign_start,
                start=AgreementStart(
                    agreement_no=agreement.agreement_no,
                    subject=f"Auto-renewal {source_ref}",
                    notify_url=notify_url(provider),
                    period_months=period_months,
                    first_charge_on=first_charge_on,
                    max_amount=max_amount,
                ),
            )
        except ProviderError as exc:
            if exc.permanent:
                raise BusinessRuleViolation(
                    "The payment provider refused this agreement.",
                    code="payment_provider_refused",
                    details={"provider_code": exc.code},
                ) from exc
            raise ProviderUnavailable() from exc
        agreement.client_kind = started.kind
        agreement.client_data = dict(started.data)
        agreement.save(update_fields=["client_kind", "client_data"])
    return agreement


def agreement_apply(*, provider: str, notification: Notification) -> bool:
    """A verified agreement callback (inside the callback's transaction): the agreement becomes
    signed (or terminated) once; AgreementChanged tells its source. False when unknown."""
    agreement = (
        PaymentAgreement.objects.select_for_update()
        .filter(agreement_no=notification.agreement_no, provider=provider)
        .first()
    )
    if agreement is None:
        return False
    if notification.state == agreement.state or notification.state not in ("signed", "terminated"):
        return True
    if agreement.state in (PaymentAgreement.State.TERMINATED, PaymentAgreement.State.ENDING):
        return True  # an ended agreement is never signed again: the buyer signs a new one
    agreement.state = notification.state
    agreement.provider_ref = notification.provider_ref[:64]
    if notification.state == "signed":
        agreement.signed_at = timezone.now()
    agreement.save(update_fields=["state", "provider_ref", "signed_at"])
    publish(
        AgreementChanged(
            agreement_no=agreement.agreement_no,
            buyer_id=agreement.buyer_id,
            provider=agreement.provider,
            kind=agreement.kind,
            source_ref=agreement.source_ref,
            state=agreement.state,
        )
    )
    return True


def agreement_charge(
    *, agreement_no: str, kind: str, source_ref: str, idempotency_key: str
) -> tuple[Payment, str]:
    """Charge the signed agreement for the payable `kind`/`source_ref` (its amount from the
    resolver); answers the payment and the provider's failure code ("" unless refused).

    404 when the agreement or the payable is unknown or they belong to different buyers; 409
    agreement_not_signed; 409 not_payable when nothing is owed. A provider refusal leaves the
    payment failed (PaymentFailed); a provider that cannot be reached is 503 with the payment
    kept pending (a retry with the same key asks again; reconciliation queries it). While
    a charge of the payable is pending, a charge under another key asks again about that
    payment (the provider charges a payment number once) rather than charging twice."""
    agreement = PaymentAgreement.objects.filter(agreement_no=agreement_no).first()
    payable = payable_resolve(kind=kind, source_ref=source_ref)
    if agreement is None or payable is None or payable.buyer_id != agreement.buyer_id:
        raise NotFound("No such agreement or payable.")
    if agreement.state != PaymentAgreement.State.SIGNED:
        raise Conflict("The agreement is not signed.", code="agreement_not_signed")
    key = f"agreement:{idempotency_key}"[:128]
    fingerprint = request_hash({"agreement": agreement_no, "kind": kind, "ref": source_ref})
    payment, answered = _agreement_payment(
        agreement, payable=payable, kind=kind, key=key, fingerprint=fingerprint
    )
    if answered:
        return payment, ""
    adapter = provider_for(agreement.provider)
    failure_code = ""
    try:
        found = provider_call(
            agreement.provider,
            adapter.agreement_charge,
            charge=AgreementCharge(
                agreement_no=agreement.agreement_no,
                provider_ref=agreement.provider_ref,
                payment_no=payment.payment_no,
                amount=payment.amount,
                subject=payable.subject,
                notify_url=notify_url(agreement.provider),
            ),
        )
        state, amount, ref, paid_at = found.state, found.amount, found.provider_ref, found.paid_at
    except ProviderError as exc:
        logger.warning(
            "agreement charge refused or failed",
            extra={"payment_no": payment.payment_no, "code": exc.code, "permanent": exc.permanent},
        )
        if not exc.permanent:
            raise ProviderUnavailable() from exc
        state, amount, ref, paid_at = PaymentState.FAILED.value, None, "", None
        failure_code = exc.code
    with transaction.atomic():
        locked = lock_payment(payment.payment_no)
        try:
            payment_apply(
                locked,
                state=state,
                amount=amount,
                provider_ref=ref,
                paid_at=paid_at,
                source="agreement",
            )
        except AmountMismatch:
            logger.error(
                "provider charged another amount than ours",
                extra={"payment_no": payment.payment_no},
            )
    return Payment.objects.get(pk=payment.pk), failure_code


@transaction.atomic
def _agreement_payment(
    agreement: PaymentAgreement, *, payable: PayableInfo, kind: str, key: str, fingerprint: str
) -> tuple[Payment, bool]:
    """The payment to charge for `payable`, with the agreement row locked from the look-up of
    a pending one to the create: two charges of one payable under different keys queue here,
    so the second finds the first's pending payment instead of making a second deduction.
    Answers (payment, True) when it is the answer as is (settled already, or a concurrent
    create of the same key), (payment, False) when the provider is to be asked."""
    locked = PaymentAgreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.state != PaymentAgreement.State.SIGNED:  # ended while we waited for the lock
        raise Conflict("The agreement is not signed.", code="agreement_not_signed")
    payment = Payment.objects.filter(buyer_id=agreement.buyer_id, idempotency_key=key).first()
    if payment is not None and payment.request_hash != fingerprint:
        raise Conflict("This key was used for another charge.", code="idempotency_key_reused")
    if payment is not None and payment.state != PaymentState.PENDING:
        return payment, True
    if payment is None:
        if not payable.payable or payable.amount <= 0:
            raise Conflict("Nothing is owed.", code="not_payable")
        # One charge in flight per payable: while one is pending (the provider deducts
        # asynchronously, WeChat papay or Alipay's 10003, or its answer was lost), a new
        # attempt asks the provider about that same payment again (the provider charges a
        # payment number once) instead of making a second charge.
        payment = Payment.objects.filter(
            kind=kind,
            source_ref=payable.source_ref,
            provider=agreement.provider,
            channel="agreement",
            state=PaymentState.PENDING,
        ).first()
    if payment is not None:
        return payment, False
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                payment_no=next_public_id("P"),
                kind=kind,
                source_ref=payable.source_ref,
                trade_no=payable.source_ref,
                buyer_id=agreement.buyer_id,
                provider=agreement.provider,
                channel="agreement",
                amount=payable.amount,
                state=PaymentState.PENDING.value,
                idempotency_key=key,
                request_hash=fingerprint,
            )
    except IntegrityError:
        return Payment.objects.get(buyer_id=agreement.buyer_id, idempotency_key=key), True
    return payment, False


def agreement_end(*, agreement_no: str) -> bool:
    """End an agreement (joins the caller's transaction): it is `ending` at once, so it is
    never charged again (agreement_not_signed), and the provider is told after commit
    (`agreement_end_submit`; when it cannot be reached, reconciliation tells it later).
    AgreementChanged(state="terminated") is published once. Idempotent: an agreement already
    ending or ended, or unknown, is answered False and nothing is asked twice."""
    agreement = (
        PaymentAgreement.objects.select_for_update().filter(agreement_no=agreement_no).first()
    )
    if agreement is None or agreement.state in (
        PaymentAgreement.State.ENDING,
        PaymentAgreement.State.TERMINATED,
    ):
        return False
    agreement.state = PaymentAgreement.State.ENDING
    agreement.save(update_fields=["state"])
    publish(
        AgreementChanged(
            agreement_no=agreement.agreement_no,
            buyer_id=agreement.buyer_id,
            provider=agreement.provider,
            kind=agreement.kind,
            source_ref=agreement.source_ref,
            state="terminated",
        )
    )
    transaction.on_commit(lambda: agreement_end_submit(agreement_no=agreement_no), robust=True)
    return True


def agreement_end_submit(*, agreement_no: str) -> bool:
    """Tell the provider an `ending` agreement ended (its agreement_end is idempotent, so a
    repeat after a lost answer is harmless); the agreement becomes terminated. False when the
    provider could not be reached (it stays ending; `agreements_end_pending` asks again)."""
    agreement = PaymentAgreement.objects.filter(
        agreement_no=agreement_no, state=PaymentAgreement.State.ENDING
    ).first()
    if agreement is None:
        return True
    try:
        provider_call(
            agreement.provider,
            provider_for(agreement.provider).agreement_end,
            agreement_no=agreement.agreement_no,
            provider_ref=agreement.provider_ref,
        )
    except Exception as exc:  # down, breaker open or refused: asked again later
        logger.warning(
            "agreement end not confirmed by the provider",
            extra={"agreement_no": agreement_no, "error": type(exc).__name__},
        )
        return False
    PaymentAgreement.objects.filter(pk=agreement.pk, state=PaymentAgreement.State.ENDING).update(
        state=PaymentAgreement.State.TERMINATED, ended_at=timezone.now()
    )
    return True


def agreements_end_pending(*, batch_size: int = 100) -> int:
    """Reconciliation: tell the providers about agreements still ending; how many ended."""
    pending = PaymentAgreement.objects.filter(state=PaymentAgreement.State.ENDING).values_list(
        "agreement_no", flat=True
    )[:batch_size]
    return sum(agreement_end_submit(agreement_no=number) for number in list(pending))
