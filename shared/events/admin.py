from django.contrib import admin

from shared.events import relay
from shared.events.models import EventDelivery, InboxRecord, OutboxEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "event_type", "aggregate_id", "status", "attempts", "created_at")
    list_filter = ("status", "event_type")
    search_fields = ("event_id", "aggregate_id", "request_id")
    actions = ["requeue"]

    @admin.action(description="Requeue dead-lettered events")
    def requeue(self, request, queryset):
        relay.requeue(outbox_ids=list(queryset.values_list("pk", flat=True)))


@admin.register(EventDelivery)
class EventDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "handler", "event", "status", "attempts", "next_attempt_at")
    list_filter = ("status", "handler")
    search_fields = ("handler", "event__event_id")
    list_select_related = ("event",)
    actions = ["requeue"]

    @admin.action(description="Requeue dead-lettered deliveries")
    def requeue(self, request, queryset):
        relay.requeue(delivery_ids=list(queryset.values_list("pk", flat=True)))


@admin.register(InboxRecord)
class InboxRecordAdmin(ReadOnlyAdmin):
    list_display = ("handler", "event_id", "processed_at")
    search_fields = ("handler", "event_id")
