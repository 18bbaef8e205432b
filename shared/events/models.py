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
    # Position of this event in its aggregate's stream (see AggregateSequence); 0: no aggregate.
    aggregate_version = models.PositiveBigIntegerField(default=0)
    payload = models.JSONField()
    occurred_at = models.DateTimeField()
    # State of the external (Kafka) copy: published once acknowledged, or at once when no
    # EVENTS_PUBLISHER is configured; attempts/available_at/last_error concern that copy only.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    available_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    # Handler deliveries are created by the fan-out pass, which never calls the broker, so a
    # broker outage delays (and may dead-letter) only the Kafka copy, never in-process handlers.
    deliveries_created = models.BooleanField(default=False)
    request_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["status", "available_at", "id"], name="outbox_due"),
            models.Index(fields=["deliveries_created", "id"], name="outbox_fan_out"),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} ({self.status})"


class AggregateSequence(models.Model):
    """The last version handed out per aggregate stream (`<context>.<aggregate>` + id).

    publish() increments it in the publishing transaction; the row stays locked until commit, so
    of two events of one aggregate the higher version always commits later.
    """

    stream = models.CharField(max_length=120)
    aggregate_id = models.CharField(max_length=64)
    version = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "aggregate_id"],
                name="aggregate_stream_id",
                violation_error_message="This aggregate already has a version counter.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.aggregate_id} v{self.version}"


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
