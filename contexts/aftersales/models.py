"""After-sales requests, their status log and their message thread.

A request is about one order line and some of its units; the order, the line, the buyer and
the merchant are ordering's and identity's ids (validated through ordering's api when the
request is made). The status of a request changes only through services (domain.TRANSITIONS).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from contexts.aftersales.domain import Kind, Reason, Status
from shared.money import money_field

NUMBER_LENGTH = 40
KIND_CHOICES = [(k.value, k.value.replace("_", " ")) for k in Kind]
STATUS_CHOICES = [(s.value, s.value.replace("_", " ")) for s in Status]
REASON_CHOICES = [(r.value, r.value.replace("_", " ")) for r in Reason]
TICKET_STATUS_CHOICES = [(s, s) for s in ("open", "pending", "resolved", "closed")]


class AftersalesRequest(models.Model):
    request_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=Status.REQUESTED)
    reason_code = models.CharField(max_length=24, choices=REASON_CHOICES)
    description = models.CharField(max_length=500, blank=True)
    # Keys of images in the media storage (domain.check_evidence).
    evidence = models.JSONField(default=list, blank=True)

    buyer_id = models.BigIntegerField()
    merchant_id = models.BigIntegerField()
    order_no = models.CharField(max_length=NUMBER_LENGTH, db_index=True)
    trade_no = models.CharField(max_length=NUMBER_LENGTH)
    line_id = models.BigIntegerField()
    sku_id = models.BigIntegerField()
    title = models.CharField(max_length=255)
    quantity = models.PositiveIntegerField()
    # The refund asked for (0 for an exchange or a repair): at most the line's refundable
    # amount for these units when asked, checked again by ordering when the money goes back.
    amount = money_field()

    # The merchant's (or the arbitrating staff member's) word.
    decision_note = models.CharField(max_length=200, blank=True)
    # The buyer's parcel back to the merchant.
    return_carrier_code = models.CharField(max_length=32, blank=True)
    return_tracking_number = models.CharField(max_length=64, blank=True)
    return_shipped_at = models.DateTimeField(null=True, blank=True)
    # The merchant's receipt and inspection of it.
    received_at = models.DateTimeField(null=True, blank=True)
    inspection_passed = models.BooleanField(null=True, blank=True)
    # The parcel the merchant sends back (an exchange's new goods, a repaired item).
    reship_carrier_code = models.CharField(max_length=32, blank=True)
    reship_tracking_number = models.CharField(max_length=64, blank=True)
    reshipped_at = models.DateTimeField(null=True, blank=True)
    # Payments' refund for this request (the latest attempt) and how many were asked for.
    refund_no = models.CharField(max_length=NUMBER_LENGTH, blank=True, db_index=True)
    refund_attempts = models.PositiveSmallIntegerField(default=0)
    refunded_at = models.DateTimeField(null=True, blank=True)
    # When the timers act if nobody did: the merchant's review (auto-approve), the buyer's
    # return shipment (auto-close). Null when no timer runs.
    due_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "after-sales request"
        indexes = [
            models.Index(fields=["buyer_id", "id"], name="as_request_buyer"),
            models.Index(fields=["merchant_id", "status", "id"], name="as_request_merchant"),
            models.Index(fields=["status", "due_at"], name="as_request_status_due"),
            models.Index(fields=["order_no", "line_id"], name="as_request_line"),
        ]

    def __str__(self) -> str:
        return self.request_no


class RequestLog(models.Model):
    """One row per status change: who (a user id or "system"), in which role, why, when."""

    request = models.ForeignKey(AftersalesRequest, on_delete=models.CASCADE, related_name="logs")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.CharField(max_length=32)
    role = models.CharField(max_length=16)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} by {self.actor}"


class RequestMessage(models.Model):
    """The conversation on a request between the buyer, the merchant and platform staff."""

    request = models.ForeignKey(
        AftersalesRequest, on_delete=models.CASCADE, related_name="messages"
    )
    author_id = models.BigIntegerField()
    role = models.CharField(max_length=16)
    body = models.CharField(max_length=1000)
    attachments = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.role} {self.author_id} on {self.request_id}"


class Ticket(models.Model):
    """A support thread (工单) between a buyer, a shop and platform staff, on an after-sales
    request or standalone, with an assignee and an SLA timer: when nobody on the platform or
    shop side answered the buyer by `sla_due_at`, the escalation timer raises its level."""

    OPEN = "open"  # waiting for the shop or the platform
    PENDING = "pending"  # waiting for the buyer
    RESOLVED = "resolved"
    CLOSED = "closed"
    STATUSES = (OPEN, PENDING, RESOLVED, CLOSED)

    ticket_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    subject = models.CharField(max_length=120)
    request = models.ForeignKey(
        AftersalesRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
    )
    buyer_id = models.BigIntegerField()
    merchant_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=TICKET_STATUS_CHOICES, default=OPEN)
    assignee_id = models.BigIntegerField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["buyer_id", "id"], name="as_ticket_buyer"),
            models.Index(fields=["status", "sla_due_at"], name="as_ticket_sla"),
        ]

    def __str__(self) -> str:
        return self.ticket_no


class TicketMessage(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages")
    author_id = models.BigIntegerField(null=True, blank=True)
    role = models.CharField(max_length=16)
    body = models.CharField(max_length=2000)
    attachments = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.role} on {self.ticket_id}"
