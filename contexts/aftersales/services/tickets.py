"""Tickets (工单): a thread between a buyer, a shop and platform staff, on an after-sales request
or standalone. Whoever is waited for is in the status (open: the shop or the platform owes an
answer, pending: the buyer does); an open ticket past its SLA is escalated by the beat task."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contexts.aftersales import domain
from contexts.aftersales.events import TicketEscalated
from contexts.aftersales.models import AftersalesRequest, Ticket, TicketMessage
from contexts.aftersales.services._common import ARBITRATE, BUYER, MANAGE, MERCHANT, STAFF, SYSTEM
from shared.auth import Principal
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.events import publish
from shared.ids import next_public_id

NUMBER_PREFIX = "TK"


def sla() -> timedelta:
    """How long the shop or the platform has to answer an open ticket."""
    return timedelta(hours=getattr(settings, "AFTERSALES_TICKET_SLA_HOURS", 24))


def _ticket_not_found() -> NotFound:
    return NotFound("Ticket not found.")


def _text(field: str, value: str, limit: int) -> str:
    value = (value or "").strip()
    if not value or len(value) > limit:
        raise ValidationFailed(
            f"1 to {limit} characters.", details={"fields": {field: [f"1 to {limit} characters."]}}
        )
    return value


def role_on(principal: Principal, ticket: Ticket) -> str:
    """The caller's side on the ticket: its buyer, the shop (aftersales.manage over it) or
    platform staff (aftersales.arbitrate); anyone else: 404."""
    if principal.user_id is not None and principal.user_id == ticket.buyer_id:
        return BUYER
    if principal.can(ARBITRATE):
        return STAFF
    if ticket.merchant_id is not None and principal.can(MANAGE, merchant_id=ticket.merchant_id):
        return MERCHANT
    raise _ticket_not_found()


@transaction.atomic
def ticket_open(
    *,
    principal: Principal,
    subject: str,
    body: str,
    request_no: str | None = None,
    attachments: list[str] | None = None,
) -> Ticket:
    """A buyer opens a ticket, on one of their after-sales requests (the shop takes part) or
    standalone (platform staff answer). Its SLA starts now."""
    if principal.user_id is None:
        raise NotFound("After-sales request not found.")
    request = None
    if request_no:
        request = AftersalesRequest.objects.filter(
            request_no=request_no, buyer_id=principal.user_id
        ).first()
        if request is None:
            raise NotFound("After-sales request not found.")
    now = timezone.now()
    ticket = Ticket.objects.create(
        ticket_no=next_public_id(NUMBER_PREFIX),
        subject=_text("subject", subject, 120),
        request=request,
        buyer_id=principal.user_id,
        merchant_id=request.merchant_id if request else None,
        sla_due_at=now + sla(),
        created_at=now,
    )
    TicketMessage.objects.create(
        ticket=ticket,
        author_id=principal.user_id,
        role=BUYER,
        body=_text("body", body, 2000),
        attachments=domain.check_evidence(list(attachments or [])),
        created_at=now,
    )
    return ticket


def _lock(ticket_no: str) -> Ticket:
    ticket = Ticket.objects.select_for_update().filter(ticket_no=ticket_no).first()
    if ticket is None:
        raise _ticket_not_found()
    return ticket


@transaction.atomic
def ticket_reply(
    *, principal: Principal, ticket_no: str, body: str, attachments: list[str] | None = None
) -> TicketMessage:
    """A message on the ticket. The buyer's (re)opens it and restarts the SLA; the shop's or
    the platform's makes it wait for the buyer (no SLA). A closed ticket takes none (409)."""
    ticket = _lock(ticket_no)
    role = role_on(principal, ticket)
    if ticket.status == Ticket.CLOSED:
        raise Conflict("The ticket is closed.", code="ticket_closed")
    now = timezone.now()
    message = TicketMessage.objects.create(
        ticket=ticket,
        author_id=principal.user_id,
        role=role,
        body=_text("body", body, 2000),
        attachments=domain.check_evidence(list(attachments or [])),
        created_at=now,
    )
    if role == BUYER:
        ticket.status, ticket.sla_due_at = Ticket.OPEN, now + sla()
    else:
        ticket.status, ticket.sla_due_at = Ticket.PENDING, None
    ticket.save(update_fields=["status", "sla_due_at", "updated_at"])
    return message


@transaction.atomic
def ticket_assign(*, principal: Principal, ticket_no: str, assignee_id: int | None) -> Ticket:
    """Platform staff (aftersales.arbitrate) give the ticket to someone (None: nobody)."""
    principal.require(ARBITRATE, not_found=_ticket_not_found())
    ticket = _lock(ticket_no)
    ticket.assignee_id = assignee_id
    ticket.save(update_fields=["assignee_id", "updated_at"])
    return ticket


@transaction.atomic
def ticket_resolve(*, principal: Principal, ticket_no: str, close: bool = False) -> Ticket:
    """Any side marks the ticket resolved (a later buyer message reopens it), or closes it for
    good (the buyer or platform staff only)."""
    ticket = _lock(ticket_no)
    role = role_on(principal, ticket)
    if close and role == MERCHANT:
        raise Conflict("Only the buyer or the platform closes a ticket.", code="not_closable")
    if ticket.status == Ticket.CLOSED:
        raise Conflict("The ticket is closed.", code="ticket_closed")
    ticket.status = Ticket.CLOSED if close else Ticket.RESOLVED
    ticket.sla_due_at = None
    ticket.save(update_fields=["status", "sla_due_at", "updated_at"])
    return ticket


def tickets_escalate(*, now=None) -> int:
    """Open tickets past their SLA go up one escalation level and get a new SLA (the beat
    task; safe to re-run: a ticket is due again only one SLA later). Returns how many."""
    now = now or timezone.now()
    due = list(
        Ticket.objects.filter(status=Ticket.OPEN, sla_due_at__lte=now)
        .order_by("sla_due_at")
        .values_list("ticket_no", flat=True)[:500]
    )
    done = 0
    for ticket_no in due:
        with transaction.atomic():
            ticket = _lock(ticket_no)
            if ticket.status != Ticket.OPEN or ticket.sla_due_at is None or ticket.sla_due_at > now:
                continue
            ticket.escalation_level += 1
            ticket.escalated_at = now
            ticket.sla_due_at = now + sla()
            ticket.save(
                update_fields=["escalation_level", "escalated_at", "sla_due_at", "updated_at"]
            )
            TicketMessage.objects.create(
                ticket=ticket,
                role=SYSTEM,
                body=f"Escalated to level {ticket.escalation_level}: no answer within the SLA.",
                created_at=now,
            )
            publish(
                TicketEscalated(
                    ticket_no=ticket.ticket_no,
                    buyer_id=ticket.buyer_id,
                    merchant_id=ticket.merchant_id,
                    assignee_id=ticket.assignee_id,
                    escalation_level=ticket.escalation_level,
                )
            )
            done += 1
    return done
