"""Provider callbacks: verified by the adapter, checked against our records, acted on once.

`notification_process` is the one path every callback takes (a real provider's over HTTP, the
sandbox's over HTTP or in-process). After the adapter verified the signature (and app id,
timestamp, format), the payment must exist and belong to this provider, the callback's app id
must be ours, a success must carry exactly our amount, and the delivery's nonce must be new or
a redelivery of the very same body: a replay (same nonce, another body) is refused. Nothing is
marked paid on a failed check; each refusal is logged with the check that failed, never with
the body or a key. A redelivered callback is answered ok without a second state change.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping

from django.db import IntegrityError, transaction

from contexts.payments.models import NotificationReceipt, Payment, Refund
from contexts.payments.ports import InvalidNotification, Notification, NotificationAnswer
from contexts.payments.services.agreements import agreement_apply
from contexts.payments.services.payments import AmountMismatch, lock_payment, payment_apply
from contexts.payments.services.providers import provider_for
from contexts.payments.services.refunds import refund_apply

logger = logging.getLogger(__name__)


class _Refused(Exception):
    def __init__(self, check: str) -> None:
        super().__init__(check)
        self.check = check


def notification_process(
    *, provider: str, headers: Mapping[str, str], body: bytes
) -> NotificationAnswer:
    """Verify and apply one callback; the answer the provider expects (ok only when processed
    now or before). An unknown or disabled provider is 404 (raised)."""
    adapter = provider_for(provider)
    try:
        notification = adapter.notification_verify(headers=headers, body=body)
    except InvalidNotification as exc:
        logger.warning(
            "payment callback refused", extra={"provider": provider, "check": str(exc)[:200]}
        )
        return adapter.notification_answer(ok=False)
    body_hash = hashlib.sha256(body).hexdigest()
    try:
        with transaction.atomic():
            _apply(provider, getattr(adapter, "app_id", ""), notification, body_hash)
    except _Refused as refused:
        logger.warning(
            "payment callback refused",
            extra={
                "provider": provider,
                "check": refused.check,
                "payment_no": notification.payment_no[:64],
            },
        )
        return adapter.notification_answer(ok=False)
    except IntegrityError:
        # The nonce was taken meanwhile by a concurrent delivery for another payment: a replay.
        logger.warning(
            "payment callback refused",
            extra={"provider": provider, "check": "nonce_replayed", "payment_no": ""},
        )
        return adapter.notification_answer(ok=False)
    return adapter.notification_answer(ok=True)


def _apply(provider: str, app_id: str, n: Notification, body_hash: str) -> None:
    if app_id and n.app_id and n.app_id != app_id:
        raise _Refused("app_id_mismatch")
    if n.kind == "agreement":
        _apply_agreement(provider, n, body_hash)
        return
    payment: Payment | None = lock_payment(n.payment_no)  # deliveries of one payment queue here
    if payment is None:
        raise _Refused("unknown_payment")
    if payment.provider != provider:
        raise _Refused("provider_mismatch")
    nonce = (n.nonce or body_hash)[:128]
    seen = NotificationReceipt.objects.filter(provider=provider, nonce=nonce).first()
    if seen is not None:
        if seen.body_hash != body_hash:
            raise _Refused("nonce_replayed")
        return  # a redelivery of a callback already processed: nothing to do again
    if n.kind == "payment":
        try:
            payment_apply(
                payment,
                state=n.state,
                amount=n.amount,
                provider_ref=n.provider_ref,
                paid_at=n.paid_at,
                source="callback",
            )
        except AmountMismatch as exc:
            raise _Refused("amount_mismatch") from exc
        except ValueError as exc:  # a state the port does not know
            raise _Refused("unknown_state") from exc
    else:
        refund = (
            Refund.objects.select_for_update()
            .filter(payment=payment, refund_no=n.refund_no)
            .first()
        )
        if refund is None:
            raise _Refused("unknown_refund")
        if n.amount is not None and n.amount != refund.amount:
            raise _Refused("amount_mismatch")
        try:
            refund_apply(
                refund,
                payment=payment,
                state=n.state,
                provider_ref=n.provider_ref,
                source="callback",
            )
        except ValueError as exc:
            raise _Refused("unknown_state") from exc
    NotificationReceipt.objects.create(
        provider=provider,
        nonce=nonce,
        body_hash=body_hash,
        kind=n.kind,
        payment_no=payment.payment_no,
        refund_no=n.refund_no[:40],
        state=n.state[:12],
    )


def _apply_agreement(provider: str, n: Notification, body_hash: str) -> None:
    nonce = (n.nonce or body_hash)[:128]
    seen = NotificationReceipt.objects.filter(provider=provider, nonce=nonce).first()
    if seen is not None:
        if seen.body_hash != body_hash:
            raise _Refused("nonce_replayed")
        return
    if not agreement_apply(provider=provider, notification=n):
        raise _Refused("unknown_agreement")
    NotificationReceipt.objects.create(
        provider=provider,
        nonce=nonce,
        body_hash=body_hash,
        kind=n.kind,
        payment_no=n.agreement_no[:40],
        state=n.state[:12],
    )
