"""Event-bus pages: read-only (an outbox row, delivery or inbox record deleted or edited here
would lose an event or run a handler twice). The one write is requeueing dead letters, through
the relay's `requeue`, audited like every admin write."""

from django.contrib import admin, messages

from shared.admin import ReadOnlyAdmin, ServiceAdmin
from shared.events import relay
from shared.events.models import EventDelivery, InboxRecord, OutboxEvent


class _RequeueAdmin(ServiceAdmin):
    """No service_create/update/delete declared: nothing can be added, changed or deleted."""

    def _requeue_dead(self, request, queryset, dead_status, requeue) -> None:
        skipped = queryset.exclude(status=dead_status).count()
        if skipped:
            note = f"{skipped} row(s) are not dead-lettered: left as they are."
            self.message_user(request, note, messages.WARNING)
        self.run_service_action(
            request,
            queryset.filter(status=dead_status),
            action="requeue",
            service=requeue,
            done="{count} dead letter(s) requeued.",
        )


@admin.register(OutboxEvent)
class OutboxEventAdmin(_RequeueAdmin):
    list_display = ("id", "event_type", "aggregate_id", "status", "attempts", "created_at")
    list_filter = ("status", "event_type")
    search_fields = ("=event_id", "=aggregate_id", "=request_id", "event_type")
    actions = ["requeue"]

    @admin.action(description="Requeue dead-lettered events")
    def requeue(self, request, queryset):
        self._requeue_dead(
            request,
            queryset,
            OutboxEvent.Status.DEAD,
            lambda event: relay.requeue(outbox_ids=[event.pk]),
        )


@admin.register(EventDelivery)
class EventDeliveryAdmin(_RequeueAdmin):
    list_display = ("id", "handler", "event", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "handler")
    search_fields = ("handler", "=event__event_id", "event__event_type")
    list_select_related = ("event",)
    actions = ["requeue"]

    @admin.action(description="Requeue dead-lettered deliveries")
    def requeue(self, request, queryset):
        self._requeue_dead(
            request,
            queryset,
            EventDelivery.Status.DEAD,
            lambda delivery: relay.requeue(delivery_ids=[delivery.pk]),
        )


@admin.register(InboxRecord)
class InboxRecordAdmin(ReadOnlyAdmin):
    list_display = ("handler", "event_id", "processed_at")
    search_fields = ("handler", "=event_id")
