"""After-sales reads. A buyer's request is looked up through the buyer, a shop's through the
shops the caller handles: anyone else's is simply not found."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from contexts.aftersales.models import (
    AftersalesRequest,
    RequestLog,
    RequestMessage,
    Ticket,
    TicketMessage,
)
from contexts.aftersales.services._common import ARBITRATE, MANAGE, not_found
from contexts.aftersales.services.tickets import role_on
from shared.auth import Principal
from shared.errors import NotFound


def requests_of_buyer(*, buyer_id: int, status: str | None = None) -> QuerySet[AftersalesRequest]:
    rows = AftersalesRequest.objects.filter(buyer_id=buyer_id)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("-id")


def _with_thread(rows: QuerySet[AftersalesRequest]) -> QuerySet[AftersalesRequest]:
    return rows.prefetch_related(
        Prefetch("logs", queryset=RequestLog.objects.order_by("id")),
        Prefetch("messages", queryset=RequestMessage.objects.order_by("id")),
    )


def request_of_buyer(*, buyer_id: int, request_no: str) -> AftersalesRequest:
    found = (
        _with_thread(AftersalesRequest.objects.filter(buyer_id=buyer_id))
        .filter(request_no=request_no)
        .first()
    )
    if found is None:
        raise not_found()
    return found


def request_queue(
    *,
    principal: Principal,
    status: str | None = None,
    kind: str | None = None,
    merchant_id: int | None = None,
    order_no: str | None = None,
    buyer_id: int | None = None,
) -> QuerySet[AftersalesRequest]:
    """The requests of the shops the caller handles (aftersales.manage), newest first."""
    rows = principal.filter(AftersalesRequest.objects.all(), MANAGE)
    for field, value in (
        ("status", status),
        ("kind", kind),
        ("merchant_id", merchant_id),
        ("order_no", order_no),
        ("buyer_id", buyer_id),
    ):
        if value:
            rows = rows.filter(**{field: value})
    return rows.order_by("-id")


def request_for_staff(*, principal: Principal, request_no: str) -> AftersalesRequest:
    found = _with_thread(request_queue(principal=principal)).filter(request_no=request_no).first()
    if found is None:
        raise not_found()
    return found


def tickets_of_buyer(*, buyer_id: int) -> QuerySet[Ticket]:
    return Ticket.objects.filter(buyer_id=buyer_id).select_related("request").order_by("-id")


def ticket_for(*, principal: Principal, ticket_no: str) -> Ticket:
    """One ticket with its messages, for its buyer, the shop or platform staff (404 else)."""
    ticket = (
        Ticket.objects.select_related("request")
        .prefetch_related(Prefetch("messages", queryset=TicketMessage.objects.order_by("id")))
        .filter(ticket_no=ticket_no)
        .first()
    )
    if ticket is None:
        raise NotFound("Ticket not found.")
    role_on(principal, ticket)
    return ticket


def ticket_queue(
    *,
    principal: Principal,
    status: str | None = None,
    assignee_id: int | None = None,
    escalated: bool | None = None,
) -> QuerySet[Ticket]:
    """Tickets for platform staff (aftersales.arbitrate: all) or a shop (aftersales.manage:
    those on its requests), the most overdue first."""
    rows = Ticket.objects.select_related("request")
    if not principal.can(ARBITRATE):
        rows = principal.filter(rows.exclude(merchant_id=None), MANAGE)
    if status:
        rows = rows.filter(status=status)
    if assignee_id:
        rows = rows.filter(assignee_id=assignee_id)
    if escalated is not None:
        rows = rows.filter(escalation_level__gt=0) if escalated else rows.filter(escalation_level=0)
    return rows.order_by("sla_due_at", "-id")
