"""Django admin for plans (written through the plan services) and memberships with their
invoices (read-only; cancelling goes through the service). Members are shown by name and
found by email (a search term with "@")."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from contexts.identity import api as identity_api
from contexts.subscription import services
from contexts.subscription.models import Invoice, Membership, Plan
from shared.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, id_label
from shared.auth import principal_of

DRAFT_FIELDS = (
    "code",
    "name",
    "period",
    "price",
    "trial_days",
    "free_shipping",
    "points_multiplier",
    "member_discount_percent",
    "is_active",
)
UPDATE_FIELDS = tuple(f for f in DRAFT_FIELDS if f not in ("code", "period"))
_USER_NAMES = {"user_id": lambda ids: identity_api.user_names(user_ids=ids)}


class PlanForm(forms.ModelForm):
    class Meta:
        model = Plan
        fields = DRAFT_FIELDS


@admin.register(Plan)
class PlanAdmin(ServiceAdmin):
    form = PlanForm
    list_display = (
        "code",
        "name",
        "period",
        "price",
        "trial_days",
        "free_shipping",
        "points_multiplier",
        "member_discount_percent",
        "is_active",
    )
    list_filter = ("period", "is_active", "free_shipping")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("code", "period")

    def service_create(self, request, form, formsets):
        data = {name: form.cleaned_data.get(name) for name in DRAFT_FIELDS}
        return services.plan_create(
            principal=principal_of(request), draft=services.PlanDraft(**data)
        )

    def service_update(self, request, obj, form, formsets):
        services.plan_update(
            principal=principal_of(request),
            plan_id=obj.pk,
            **{name: form.cleaned_data.get(name) for name in UPDATE_FIELDS},
        )

    def service_delete(self, request, obj):
        services.plan_delete(principal=principal_of(request), plan_id=obj.pk)


class InvoiceInline(ReadOnlyInline):
    model = Invoice
    fields = (
        "invoice_no",
        "kind",
        "plan",
        "amount",
        "state",
        "period_start",
        "paid_at",
        "attempts",
    )
    extra = 0


class EmailSearchMixin:
    """A search term with "@" finds the memberships of users whose email contains it."""

    def get_search_results(self, request, queryset, search_term):
        if "@" in search_term:
            ids = identity_api.user_ids_by_email(email=search_term)
            return queryset.filter(user_id__in=ids), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(Membership)
class MembershipAdmin(EmailSearchMixin, ServiceAdmin):
    list_display = (
        "member_no",
        "user",
        "plan",
        "state",
        "current_period_end",
        "grace_until",
        "auto_renew",
    )
    list_filter = ("state", "plan", "auto_renew")
    search_fields = ("=member_no", "=user_id")
    list_select_related = ("plan",)
    readonly_fields = tuple(f.name for f in Membership._meta.fields if f.name not in ("id",))
    inlines = (InvoiceInline,)
    actions = ("cancel_at_period_end",)
    id_labels = _USER_NAMES
    user = id_label("user_id", "member")

    @admin.action(description="Cancel at period end (past due or pending: now)")
    def cancel_at_period_end(self, request, queryset):
        principal = principal_of(request)
        self.run_service_action(
            request,
            list(queryset),
            action="cancel",
            service=lambda m: services.membership_cancel_by_staff(
                principal=principal, member_no=m.member_no
            ),
            done="{count} membership(s) cancelled.",
        )


@admin.register(Invoice)
class InvoiceAdmin(EmailSearchMixin, ReadOnlyAdmin):
    list_display = ("invoice_no", "user", "plan", "kind", "amount", "state", "paid_at", "attempts")
    list_filter = ("kind", "state")
    search_fields = ("=invoice_no", "=payment_no", "=user_id")
    list_select_related = ("plan",)
    id_labels = _USER_NAMES
    user = id_label("user_id", "member")
