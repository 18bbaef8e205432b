"""Outbox rows (one per published event), deliveries (one per event and subscribed handler),
and the inbox (what each handler has already processed)."""

import uuid

from django.db import models
from django.utils import timezone


class OutboxEvent(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        PUBLISHED = "published"
        DEAD = "dead"

    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=120, db_index=True)
    aggregate_id = models.CharField(max_length=64, blank=True)
    payload = models.JSONField()
    occurred_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    # Handler deliveries are created on the first pass whatever Kafka does, so a broker outage
    # delays (and may dead-letter) only the Kafka copy, never the in-process handlers.
    deliveries_created = models.BooleanField(default=False)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "available_at", "id"], name="outbox_due")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} ({self.status})"


class EventDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        DONE = "done"
        DEAD = "dead"

    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # When the relay may (re)dispatch this delivery: after a failure's backoff, or once the
    # lease of a dispatched task has run out (the task was lost).
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["event", "handler"],
                name="delivery_event_handler",
                violation_error_message="This handler already has a delivery for this event.",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due")]
        verbose_name_plural = "event deliveries"

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id} ({self.status})"


class InboxRecord(models.Model):
    handler = models.CharField(max_length=200)
    event_id = models.UUIDField()
    processed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["handler", "event_id"],
                name="inbox_handler_event",
                violation_error_message="This handler has already processed this event.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.handler} {self.event_id}"
