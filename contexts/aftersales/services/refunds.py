"""The money of a request: asked for in one transaction with ordering's line ledger (which
refuses anything past what the line was paid) and payments (which refuses anything past what
the trade was paid and sends the refund after commit); settled when payments answers."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from contexts.aftersales.domain import Status
from contexts.aftersales.events import RequestRefunded
from contexts.aftersales.models import AftersalesRequest
from contexts.aftersales.services._common import SYSTEM, event_fields, lock, move
from contexts.ordering import api as ordering_api
from contexts.payments import api as payments_api
from shared.errors import BusinessRuleViolation
from shared.events import publish


def refund_reference(req: AftersalesRequest) -> str:
    """The request's key in ordering's ledger and inventory's restores."""
    return f"aftersales:{req.request_no}"


def _payment_key(req: AftersalesRequest) -> str:
    # Payments answers a key once: a failed refund is asked for again under the next attempt.
    base = refund_reference(req)
    return base if req.refund_attempts == 0 else f"{base}:{req.refund_attempts}"


def refund_start(req: AftersalesRequest, *, actor: str, role: str, reason: str) -> None:
    """Ask for the request's refund (the request is locked by the caller): the line's units and
    amount are taken in ordering's ledger (422 refund_exceeds_* when other refunds took them),
    payments records the refund (422 refund_exceeds_paid) and sends it after commit; the
    request becomes refunding. Anything refused rolls the caller's transaction back."""
    reference = refund_reference(req)
    ordering_api.order_line_refund_request(
        order_no=req.order_no,
        line_id=req.line_id,
        quantity=req.quantity,
        amount=req.amount,
        reference=reference,
        reason=f"after-sales {req.request_no}",
        actor=actor,
    )
    refund = payments_api.refund_trade(
        trade_no=req.trade_no,
        amount=req.amount,
        reason=f"after-sales {req.request_no}",
        idempotency_key=_payment_key(req),
    )
    if refund is None:  # only for amount None, never asked here; kept as a guard
        raise BusinessRuleViolation("Nothing is left to refund.", code="nothing_to_refund")
    move(
        req,
        Status.REFUNDING,
        actor=actor,
        role=role,
        reason=reason,
        refund_no=refund.refund_no,
        refund_attempts=req.refund_attempts + 1,
        due_at=None,
    )


@transaction.atomic
def refund_settle(*, refund_no: str, succeeded: bool) -> bool:
    """Payments' answer for the request's refund `refund_no`.

    Succeeded: ordering's ledger records it (units refunded before shipment go back on hand)
    and the request is refunded, also when it had failed before (payments' staff retried the
    same refund). Failed: refund_failed; the line's units and money stay taken in the ledger
    (payments may still retry that refund), until arbitration retries or closes the request.
    False when no request waits for this refund (another context's, or already settled)."""
    request_no = (
        AftersalesRequest.objects.filter(
            refund_no=refund_no, status__in=(Status.REFUNDING, Status.REFUND_FAILED)
        )
        .values_list("request_no", flat=True)
        .first()
    )
    if request_no is None:
        return False
    req = lock(request_no)
    if req.refund_no != refund_no:
        return False
    if not succeeded:
        if req.status != Status.REFUNDING:
            return False
        move(req, Status.REFUND_FAILED, actor=SYSTEM, role=SYSTEM, reason="refund failed")
        return True
    if req.status == Status.REFUND_FAILED:
        move(req, Status.REFUNDING, actor=SYSTEM, role=SYSTEM, reason="refund retried by payments")
    elif req.status != Status.REFUNDING:
        return False
    ordering_api.order_line_refund_settle(reference=refund_reference(req), succeeded=True)
    move(
        req,
        Status.REFUNDED,
        actor=SYSTEM,
        role=SYSTEM,
        reason="refund succeeded",
        refunded_at=timezone.now(),
    )
    publish(RequestRefunded(**event_fields(req), refund_no=refund_no))
    return True


def refund_give_up(req: AftersalesRequest) -> None:
    """A failed refund that will not be retried (arbitration closed the request): the line's
    units and money are free again in ordering's ledger."""
    ordering_api.order_line_refund_settle(reference=refund_reference(req), succeeded=False)
