"""Payments' PUBLIC facade: functions other (downstream) contexts call, returning frozen
dataclasses from data.py.

Payable sources: a context that sells something other than an ordering trade (subscription
invoices ...) registers a resolver for its kind from its AppConfig.ready() with
`register_payable_source`; buyers then pay it through the same providers and signed callbacks
(POST /api/v1/payables/<kind>/<reference>/payments), PaymentSucceeded / PaymentFailed carry
the kind and reference, and agreements (auto-charge) can be signed and charged for it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from django.db import transaction

from contexts.payments import selectors, services
from contexts.payments.data import (
    AgreementInfo,
    ChargeInfo,
    PayableInfo,
    PaymentInfo,
    RefundInfo,
    TransferInfo,
)
from contexts.payments.ports import ProviderError
from contexts.payments.services.payables import PayableResolver

__all__ = [
    "AgreementInfo",
    "ChargeInfo",
    "PayableInfo",
    "PayableResolver",
    "PaymentInfo",
    "RefundInfo",
    "TransferInfo",
    "charge_agreement",
    "close_payable_payments",
    "end_agreement",
    "get_agreement",
    "get_payment",
    "get_transfer",
    "query_transfer",
    "refund_trade",
    "register_payable_source",
    "start_agreement",
    "transfer",
]


def register_payable_source(kind: str, resolver: PayableResolver) -> None:
    """Let buyers pay the payables of `kind`: `resolver(reference)` answers a PayableInfo (who
    owes how much, whether it may be paid now) or None. The amount of every payment and charge
    comes from it. Another resolver for a taken kind is a ValueError."""
    services.payable_source_register(kind=kind, resolver=resolver)


def _agreement_info(agreement) -> AgreementInfo:
    return AgreementInfo(
        agreement_no=agreement.agreement_no,
        buyer_id=agreement.buyer_id,
        provider=agreement.provider,
        kind=agreement.kind,
        source_ref=agreement.source_ref,
        state=agreement.state,
        sign_url=str(agreement.client_data.get("url", "")),
    )


def start_agreement(
    *,
    buyer_id: int,
    provider: str,
    kind: str,
    source_ref: str,
    period_months: int = 0,
    first_charge_on: date | None = None,
    max_amount: Decimal | None = None,
) -> AgreementInfo:
    """Start an auto-charge agreement the buyer signs at the provider (open its
    sign_url); its signed callback publishes AgreementChanged(state="signed"). The period
    rule (every `period_months` months from `first_charge_on`, at most `max_amount` a time)
    is what the buyer is shown and agrees to (Alipay 周期扣款 requires it). A provider
    without agreements here is a 422 payment_provider_refused (WeChat Pay's signing: not
    yet), a disabled one a 400."""
    return _agreement_info(
        services.agreement_start(
            buyer_id=buyer_id,
            provider=provider,
            kind=kind,
            source_ref=source_ref,
            period_months=period_months,
            first_charge_on=first_charge_on,
            max_amount=max_amount,
        )
    )


def end_agreement(*, agreement_no: str) -> bool:
    """End an auto-charge agreement (auto-renew turned off, a membership cancelled or
    expired), joining the caller's transaction: it is never charged again from then on, the
    provider is told after commit through the port's agreement_end (reconciliation tells it
    later when it is down), and AgreementChanged(state="terminated") follows once.
    Idempotent: False when it was already ending or ended, or is unknown."""
    return services.agreement_end(agreement_no=agreement_no)


def close_payable_payments(*, kind: str, source_ref: str) -> tuple[str, ...]:
    """The payable `kind`/`source_ref` was withdrawn (a void invoice): its payments still
    pending are closed at their provider after the caller's transaction commits
    (PaymentFailed with state "closed" follows each). Money arriving anyway is still reported
    (PaymentSucceeded): the source refunds it. Answers the payment numbers being closed."""
    return tuple(services.payable_payments_close(kind=kind, source_ref=source_ref))


def get_agreement(agreement_no: str) -> AgreementInfo | None:
    found = selectors.agreement_get(agreement_no=agreement_no)
    return _agreement_info(found) if found is not None else None


def charge_agreement(
    *, agreement_no: str, kind: str, source_ref: str, idempotency_key: str
) -> ChargeInfo:
    """Charge a signed agreement for what the payable owes now (never more): the payment is
    settled through the usual path, so PaymentSucceeded / PaymentFailed follow (after the
    caller commits, like every event). Idempotent per key (a repeat answers the first payment
    and charges nothing). 404 unknown agreement or payable, 409 agreement_not_signed or
    not_payable, 503 when the provider cannot be reached (retry later with the same key)."""
    payment, failure_code = services.agreement_charge(
        agreement_no=agreement_no,
        kind=kind,
        source_ref=source_ref,
        idempotency_key=idempotency_key,
    )
    return ChargeInfo(
        payment_no=payment.payment_no,
        state=payment.state,
        amount=payment.amount,
        failure_code=failure_code,
    )


def get_payment(payment_no: str) -> PaymentInfo | None:
    """One payment with its refunds (after-sales, settlement), or None."""
    payment = selectors.payment_get(payment_no=payment_no)
    if payment is None:
        return None
    return PaymentInfo(
        payment_no=payment.payment_no,
        trade_no=payment.trade_no,
        buyer_id=payment.buyer_id,
        provider=payment.provider,
        state=payment.state,
        amount=payment.amount,
        paid_at=payment.paid_at,
        refund_reason=payment.refund_reason,
        refunds=tuple(
            RefundInfo(refund_no=r.refund_no, amount=r.amount, state=r.state, reason=r.reason)
            for r in payment.refunds.all()
        ),
    )


def refund_trade(
    *, trade_no: str, amount: Decimal | None, reason: str, idempotency_key: str
) -> RefundInfo | None:
    """Refund the trade's paid money on behalf of the calling context (a group that failed, an
    after-sales request), joining the caller's transaction; the provider is asked once it
    commits, and the result arrives as RefundSucceeded / RefundFailed.

    `amount` None refunds whatever is left (None when nothing is). Idempotent per key: a
    repeat answers the first refund; the same key for another amount is a 409
    idempotency_key_reused. The refunds never exceed what was paid (422 refund_exceeds_paid);
    a trade without a succeeded payment is a 404."""
    requested = services.refund_for_trade(
        trade_no=trade_no, amount=amount, reason=reason, idempotency_key=idempotency_key
    )
    if requested is None:
        return None
    refund = requested.refund
    if not requested.replayed:
        refund_no = refund.refund_no
        transaction.on_commit(lambda: services.refund_submit(refund_no=refund_no), robust=True)
    return RefundInfo(
        refund_no=refund.refund_no, amount=refund.amount, state=refund.state, reason=refund.reason
    )


def transfer(
    *,
    provider: str,
    payee_account: str,
    amount: Decimal,
    remark: str,
    idempotency_key: str,
    payee_name: str = "",
    sources: Sequence[tuple[str, Decimal]] = (),
) -> TransferInfo:
    """Pay `amount` out to a payee through `provider` (settlement payouts), asking the provider
    now: call it outside a transaction. `sources` are the (payment_no, amount) pairs of the
    succeeded payments that funded it, adding up to `amount` (WeChat Pay moves money by profit
    sharing of each; the others transfer the total). A transfer the provider leaves processing
    is settled later by the beat `payments.poll_transfers`; every final state publishes
    TransferSucceeded / TransferFailed (with `reference` = the idempotency key).

    Once per key: a repeat answers the same transfer (and asks the provider again only if the
    last try failed transiently, with the same transfer number, which the provider transfers
    once); the same key for another request is a 409 idempotency_key_reused. 400 for a bad
    amount, payee or provider; 503 payment_provider_unavailable while the provider is down."""
    requested = services.transfer_request(
        provider=provider,
        payee_account=payee_account,
        payee_name=payee_name,
        amount=amount,
        remark=remark,
        idempotency_key=idempotency_key,
        sources=tuple(sources),
    )
    return _transfer_info(services.transfer_submit(transfer_no=requested.transfer.transfer_no))


def get_transfer(transfer_no: str) -> TransferInfo | None:
    """One transfer as payments knows it, or None."""
    found = selectors.transfer_get(transfer_no=transfer_no)
    return _transfer_info(found) if found is not None else None


def query_transfer(transfer_no: str) -> TransferInfo | None:
    """Ask the provider now for a processing transfer's state and settle it (its event follows
    when final); call it outside a transaction. None when unknown; 503
    payment_provider_unavailable when the provider cannot answer (it stays processing)."""
    if selectors.transfer_get(transfer_no=transfer_no) is None:
        return None
    try:
        return _transfer_info(services.transfer_query_now(transfer_no=transfer_no))
    except ProviderError as exc:
        raise services.ProviderUnavailable() from exc


def _transfer_info(done) -> TransferInfo:
    return TransferInfo(
        transfer_no=done.transfer_no,
        provider=done.provider,
        amount=done.amount,
        state=done.state,
        provider_ref=done.provider_ref,
        failure_code=done.failure_code,
    )
