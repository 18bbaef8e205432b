"""Django admin for coupon templates (through the template services), the coupons buyers hold
and code batches (read-only), on the admin standard (shared.admin).

Codes are never listed: a batch shows its progress, codes appear masked in its inline; staff
export them through the staff API. Generating a batch is an action that queues a Celery task.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.db import transaction

from contexts.catalog import api as catalog_api
from contexts.coupons import services, tasks
from contexts.coupons.models import CodeBatch, Coupon, CouponTemplate
from contexts.identity import api as identity_api
from shared.admin import ReadOnlyAdmin, ServiceAdmin, id_label
from shared.auth import principal_of

DRAFT_FIELDS = (
    "name",
    "issuer",
    "merchant_id",
    "kind",
    "amount",
    "percent",
    "max_discount",
    "min_spend",
    "scope",
    "scope_ids",
    "validity",
    "valid_from",
    "valid_until",
    "valid_days",
    "claim_starts_at",
    "claim_ends_at",
    "total_quantity",
    "per_user_limit",
    "audience",
    "new_user_days",
    "member_levels",
    "stackable_with_promotions",
    "claimable",
)
UPDATE_FIELDS = ("name", "status", "total_quantity", "claim_ends_at")


class CouponTemplateForm(forms.ModelForm):
    class Meta:
        model = CouponTemplate
        fields = (*DRAFT_FIELDS, "status")


@admin.register(CouponTemplate)
class CouponTemplateAdmin(ServiceAdmin):
    form = CouponTemplateForm
    list_display = (
        "id",
        "name",
        "issuer",
        "merchant",
        "kind",
        "issued",
        "total_quantity",
        "status",
        "claim_starts_at",
    )
    list_filter = ("issuer", "kind", "status", "audience")
    search_fields = ("name", "=merchant_id")
    readonly_fields = ("issued", "created_by", "created_at")
    actions = ("pause", "resume", "generate_codes")
    id_labels = {"merchant_id": lambda ids: catalog_api.merchant_names(merchant_ids=ids)}
    merchant = id_label("merchant_id", "merchant")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return (*self.readonly_fields, *(f for f in DRAFT_FIELDS if f not in UPDATE_FIELDS))

    def service_create(self, request, form, formsets):
        data = {name: form.cleaned_data.get(name) for name in DRAFT_FIELDS}
        data["scope_ids"] = data.get("scope_ids") or []
        data["member_levels"] = data.get("member_levels") or []
        data["amount"] = data.get("amount") or 0
        data["percent"] = data.get("percent") or 0
        data["min_spend"] = data.get("min_spend") or 0
        return services.template_create(
            principal=principal_of(request), draft=services.TemplateDraft(**data)
        )

    def service_update(self, request, obj, form, formsets):
        services.template_update(
            principal=principal_of(request),
            template_id=obj.pk,
            **{name: form.cleaned_data.get(name) for name in UPDATE_FIELDS},
        )

    def _set_status(self, request, queryset, status: str, done: str) -> None:
        principal = principal_of(request)
        self.run_service_action(
            request,
            list(queryset),
            action=status,
            service=lambda t: services.template_update(
                principal=principal, template_id=t.pk, status=status
            ),
            done=done,
        )

    @admin.action(description="Pause claiming")
    def pause(self, request, queryset):
        self._set_status(request, queryset, "paused", "{count} template(s) paused.")

    @admin.action(description="Resume claiming")
    def resume(self, request, queryset):
        self._set_status(request, queryset, "active", "{count} template(s) resumed.")

    @admin.action(description="Generate 1,000 one-time codes (in the background)")
    def generate_codes(self, request, queryset):
        principal = principal_of(request)

        def generate(template):
            batch = services.code_batch_create(
                principal=principal, template_id=template.pk, quantity=1000
            )
            batch_id = batch.pk
            transaction.on_commit(lambda: tasks.generate_codes.delay(batch_id))

        self.run_service_action(
            request,
            list(queryset),
            action="generate_codes",
            service=generate,
            done="{count} code batch(es) queued; follow their progress under Code batches.",
        )


@admin.register(Coupon)
class CouponAdmin(ReadOnlyAdmin):
    list_display = ("id", "template", "user", "status", "valid_until", "trade_no", "claimed_at")
    list_filter = ("status",)
    search_fields = ("=id", "=user_id", "=trade_no", "template__name")
    list_select_related = ("template",)
    exclude = ("code",)
    id_labels = {"user_id": lambda ids: identity_api.user_names(user_ids=ids)}
    user = id_label("user_id", "buyer")


@admin.register(CodeBatch)
class CodeBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "template", "quantity", "generated", "max_redemptions", "status")
    list_filter = ("status",)
    search_fields = ("=id", "template__name")
    list_select_related = ("template",)
