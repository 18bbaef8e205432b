"""One row per write made through the Django admin: who, on what, which action, the object's
fields before and after (secrets left out), and the request id that ties it to the logs."""

from django.db import models


class AuditRecord(models.Model):
    actor_user_id = models.BigIntegerField(null=True, db_index=True)
    actor = models.CharField(max_length=254, blank=True, help_text="The staff user's login name.")
    app_label = models.CharField(max_length=100)
    model = models.CharField(max_length=100)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["app_label", "model", "object_id"], name="audit_object")]
        verbose_name = "audit record"
        verbose_name_plural = "audit records"

    def __str__(self) -> str:
        return f"{self.action} {self.app_label}.{self.model} {self.object_id} by {self.actor}"
