"""Payments' PUBLIC facade: functions other (downstream) contexts call, returning frozen
dataclasses from data.py."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from contexts.payments import selectors, services
from contexts.payments.data import PaymentInfo, RefundInfo, TransferInfo

__all__ = [
    "PaymentInfo",
    "RefundInfo",
    "TransferInfo",
    "get_payment",
    "refund_trade",
    "transfer",
]


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
    source_payment_ref: str = "",
) -> TransferInfo:
    """Pay `amount` out to a payee through `provider` (settlement payouts; WeChat Pay's is a
    profit sharing of the payment `source_payment_ref`), asking the provider now: call it
    outside a transaction.

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
        source_payment_ref=source_payment_ref,
    )
    done = services.transfer_submit(transfer_no=requested.transfer.transfer_no)
    return TransferInfo(
        transfer_no=done.transfer_no,
        provider=done.provider,
        amount=done.amount,
        state=done.state,
        provider_ref=done.provider_ref,
        failure_code=done.failure_code,
    )
