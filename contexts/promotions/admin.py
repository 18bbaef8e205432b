"""Django admin for activities, on the admin standard (`shared.admin.ServiceAdmin`): creating
and changing go through the services (the same rules as the API: rule parameters, scope ids
through catalog, what a running activity may change), and the schedule / pause / resume / end
actions call the services one activity at a time (a refusal is an error message, no banner)."""

from __future__ import annotations

from django.contrib import admin

from contexts.catalog import api as catalog_api
from contexts.promotions import services
from contexts.promotions.models import Activity
from shared.admin import ServiceAdmin, id_label
from shared.auth import principal_of


def _merchant_names(ids):
    return catalog_api.merchant_names(merchant_ids=[i for i in ids if i is not None])


@admin.register(Activity)
class ActivityAdmin(ServiceAdmin):
    list_display = (
        "id",
        "name",
        "owner",
        "status",
        "rule_kind",
        "scope_kind",
        "exclusive",
        "priority",
        "starts_at",
        "ends_at",
    )
    list_filter = ("rule_kind", "scope_kind", "exclusive", "scheduled", "paused")
    search_fields = ("name", "=merchant_id")
    date_hierarchy = "starts_at"
    ordering = ("-id",)
    _FIXED = ("status", "scheduled", "paused", "ended_at", "created_at", "updated_at")
    fields = ("merchant_id", *services.FIELDS, *_FIXED)
    actions = ("schedule", "pause", "resume", "end")
    id_labels = {"merchant_id": _merchant_names}
    merchant = id_label("merchant_id", "merchant")

    @admin.display(description="owner")
    def owner(self, obj) -> str:
        return "Platform" if obj.merchant_id is None else self.merchant(obj)

    def get_readonly_fields(self, request, obj=None):
        return ("merchant_id", *self._FIXED) if obj else self._FIXED

    def service_create(self, request, form, formsets):
        data = form.cleaned_data
        return services.activity_create(
            principal=principal_of(request),
            merchant_id=data.get("merchant_id"),
            **{name: data.get(name) for name in services.FIELDS},
        )

    def service_update(self, request, obj, form, formsets):
        services.activity_update(
            activity_id=obj.pk,
            principal=principal_of(request),
            data={
                name: form.cleaned_data.get(name)
                for name in form.changed_data
                if name in services.FIELDS
            },
        )

    def _act(self, request, queryset, service, action: str, done: str) -> None:
        principal = principal_of(request)
        self.run_service_action(
            request,
            queryset.order_by("pk"),
            action=action,
            service=lambda activity: service(activity_id=activity.pk, principal=principal),
            done=done,
        )

    @admin.action(description="Schedule the selected drafts")
    def schedule(self, request, queryset):
        self._act(request, queryset, services.activity_schedule, "schedule", "{count} scheduled.")

    @admin.action(description="Pause the selected activities")
    def pause(self, request, queryset):
        self._act(request, queryset, services.activity_pause, "pause", "{count} paused.")

    @admin.action(description="Resume the selected activities")
    def resume(self, request, queryset):
        self._act(request, queryset, services.activity_resume, "resume", "{count} resumed.")

    @admin.action(description="End the selected activities now")
    def end(self, request, queryset):
        self._act(request, queryset, services.activity_end, "end", "{count} ended.")
