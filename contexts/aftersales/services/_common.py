"""What every after-sales command shares: locking a request, the logged transition, events."""

from __future__ import annotations

from django.utils import timezone

from contexts.aftersales import domain
from contexts.aftersales.events import RequestStatusChanged
from contexts.aftersales.models import AftersalesRequest, RequestLog
from shared.auth import Principal
from shared.errors import NotFound
from shared.events import publish

SYSTEM = "system"
BUYER = "buyer"
MERCHANT = "merchant"
STAFF = "staff"
MANAGE = "aftersales.manage"
ARBITRATE = "aftersales.arbitrate"


def not_found() -> NotFound:
    return NotFound("After-sales request not found.")


def lock(request_no: str, *, buyer_id: int | None = None) -> AftersalesRequest:
    """The request, locked for this transaction (every change of one request queues here);
    scoped to the buyer when given, so another's request is not found."""
    queryset = AftersalesRequest.objects.select_for_update().filter(request_no=request_no)
    if buyer_id is not None:
        queryset = queryset.filter(buyer_id=buyer_id)
    found = queryset.first()
    if found is None:
        raise not_found()
    return found


def lock_for_merchant(principal: Principal, request_no: str) -> tuple[AftersalesRequest, str]:
    """The request locked for someone who handles the shop's after-sales (aftersales.manage
    over its merchant: 404 for another shop's); with the role the log records."""
    req = lock(request_no)
    principal.require(MANAGE, merchant_id=req.merchant_id, not_found=not_found())
    return req, STAFF if principal.is_staff else MERCHANT


def actor_of(principal: Principal | None) -> str:
    return SYSTEM if principal is None or principal.user_id is None else str(principal.user_id)


def event_fields(req: AftersalesRequest) -> dict:
    return {
        "request_no": req.request_no,
        "kind": req.kind,
        "order_no": req.order_no,
        "buyer_id": req.buyer_id,
        "merchant_id": req.merchant_id,
        "line_id": req.line_id,
        "sku_id": req.sku_id,
        "quantity": req.quantity,
        "amount": req.amount,
        "status": req.status,
    }


def move(
    req: AftersalesRequest,
    target: domain.Status,
    *,
    actor: str,
    role: str,
    reason: str = "",
    **changes,
) -> None:
    """Move a locked request to `target` if its kind's table allows it (409 otherwise): log
    row, save, RequestStatusChanged, all in the caller's transaction. `changes` are other
    fields written with it."""
    domain.check_transition(req.kind, req.status, target)
    previous = req.status
    RequestLog.objects.create(
        request=req,
        from_status=previous,
        to_status=target.value,
        actor=actor,
        role=role,
        reason=reason[:200],
        created_at=timezone.now(),
    )
    req.status = target.value
    for name, value in changes.items():
        setattr(req, name, value)
    req.save(update_fields=["status", "updated_at", *changes])
    publish(
        RequestStatusChanged(
            **event_fields(req), from_status=previous, actor=actor, reason=reason[:200]
        )
    )
