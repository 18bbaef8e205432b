from django.contrib import admin

from shared.admin import ReadOnlyAdmin
from shared.audit.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "actor", "action", "app_label", "model", "object_repr")
    list_filter = ("action", "app_label", "model")
    search_fields = ("=object_id", "object_repr", "actor", "=request_id")
    date_hierarchy = "created_at"
