"""Django admin for settlement on the admin standard (shared.admin): commission rules and
merchants' profiles through the services; statements, lines, payouts and mismatches shown
read-only with merchant names; run, approve, pay out and retry as actions through the
services (a refusal is an error message, never a success banner). Payee accounts are masked.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

from contexts.catalog import api as catalog_api
from contexts.settlement import services
from contexts.settlement.models import (
    CommissionRule,
    MerchantProfile,
    Payout,
    ReconciliationMismatch,
    SettlementLine,
    Statement,
)
from shared.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, id_label
from shared.auth import principal_of


def _merchant_names(ids):
    return catalog_api.merchant_names(merchant_ids=ids)


@admin.register(CommissionRule)
class CommissionRuleAdmin(ServiceAdmin):
    list_display = ("id", "merchant", "category_id", "rate", "note", "updated_at")
    search_fields = ("=merchant_id", "=category_id", "note")
    fields = ("merchant_id", "category_id", "rate", "note")
    id_labels = {"merchant_id": _merchant_names}
    merchant = id_label("merchant_id", "merchant")

    def _save(self, request, form, rule_id=None):
        return services.commission_rule_save(
            principal=principal_of(request),
            rule_id=rule_id,
            merchant_id=form.cleaned_data.get("merchant_id"),
            category_id=form.cleaned_data.get("category_id"),
            rate=form.cleaned_data["rate"],
            note=form.cleaned_data.get("note") or "",
        )

    def service_create(self, request, form, formsets):
        return self._save(request, form)

    def service_update(self, request, obj, form, formsets):
        self._save(request, form, rule_id=obj.pk)

    def service_delete(self, request, obj):
        services.commission_rule_delete(principal=principal_of(request), rule_id=obj.pk)


class MerchantProfileForm(forms.ModelForm):
    class Meta:
        model = MerchantProfile
        fields = ("merchant_id", "cycle", "payee_provider", "payee_account", "payee_name")
        widgets = {"payee_account": forms.PasswordInput(render_value=False)}


@admin.register(MerchantProfile)
class MerchantProfileAdmin(ServiceAdmin):
    form = MerchantProfileForm
    list_display = ("merchant_id", "merchant", "cycle", "payee_provider", "updated_at")
    list_filter = ("cycle", "payee_provider")
    search_fields = ("=merchant_id", "payee_name")
    actions = ("issue_due",)
    id_labels = {"merchant_id": _merchant_names}
    merchant = id_label("merchant_id", "merchant")

    def _save(self, request, form, merchant_id):
        return services.merchant_profile_save(
            principal=principal_of(request),
            merchant_id=merchant_id,
            cycle=form.cleaned_data["cycle"],
            payee_provider=form.cleaned_data["payee_provider"],
            payee_account=form.cleaned_data.get("payee_account") or "",
            payee_name=form.cleaned_data.get("payee_name") or "",
        )

    def service_create(self, request, form, formsets):
        return self._save(request, form, form.cleaned_data["merchant_id"])

    def service_update(self, request, obj, form, formsets):
        self._save(request, form, obj.merchant_id)

    @admin.action(description="Issue the statements now due")
    def issue_due(self, request, queryset):
        principal = principal_of(request)
        self.run_service_action(
            request,
            list(queryset),
            action="issue_statements",
            service=lambda p: services.statements_run(
                principal=principal, merchant_id=p.merchant_id
            ),
            done="Statements due issued for {count} merchant(s).",
        )


class LineInline(ReadOnlyInline):
    model = SettlementLine
    fields = (
        "kind",
        "order_no",
        "refund_no",
        "paid_amount",
        "platform_funded",
        "commission",
        "refunded",
        "commission_returned",
        "net_amount",
    )


@admin.register(Statement)
class StatementAdmin(ServiceAdmin):
    """No add, change or delete: statements are issued by the services and never change."""

    list_display = (
        "statement_no",
        "merchant",
        "period_start",
        "period_end",
        "state",
        "line_count",
        "commission_total",
        "net_total",
    )
    list_filter = ("state", "cycle")
    search_fields = ("=statement_no", "=merchant_id")
    inlines = (LineInline,)
    actions = ("approve", "pay_out")
    id_labels = {"merchant_id": _merchant_names}
    merchant = id_label("merchant_id", "merchant")

    @admin.action(description="Approve for payout")
    def approve(self, request, queryset):
        principal = principal_of(request)
        self.run_service_action(
            request,
            list(queryset),
            action="approve",
            service=lambda s: services.statement_approve(
                principal=principal, statement_no=s.statement_no
            ),
            done="{count} statement(s) approved.",
        )

    @admin.action(description="Pay out")
    def pay_out(self, request, queryset):
        principal = principal_of(request)
        self.run_service_action(
            request,
            list(queryset),
            action="pay_out",
            service=lambda s: services.payout_start(
                principal=principal, statement_no=s.statement_no
            ),
            done="{count} payout(s) made; see their state under Payouts.",
        )


@admin.register(SettlementLine)
class SettlementLineAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "merchant",
        "kind",
        "order_no",
        "net_amount",
        "settleable_at",
        "statement",
    )
    list_filter = ("kind",)
    search_fields = ("=order_no", "=trade_no", "=refund_no", "=merchant_id")
    list_select_related = ("statement",)
    id_labels = {"merchant_id": _merchant_names}
    merchant = id_label("merchant_id", "merchant")


@admin.register(Payout)
class PayoutAdmin(ServiceAdmin):
    list_display = (
        "payout_no",
        "merchant",
        "statement",
        "amount",
        "state",
        "provider",
        "attempts",
        "failure_code",
    )
    list_filter = ("state", "provider")
    search_fields = ("=payout_no", "=transfer_no", "statement__statement_no", "=merchant_id")
    list_select_related = ("statement",)
    exclude = ("payee_account",)
    actions = ("retry",)
    id_labels = {"merchant_id": _merchant_names}
    merchant = id_label("merchant_id", "merchant")

    @admin.action(description="Retry")
    def retry(self, request, queryset):
        principal = principal_of(request)
        self.run_service_action(
            request,
            list(queryset),
            action="retry",
            service=lambda p: services.payout_retry(principal=principal, payout_no=p.payout_no),
            done="{count} payout(s) retried.",
        )


@admin.register(ReconciliationMismatch)
class ReconciliationMismatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "statement", "trade_no", "kind", "ours", "theirs", "checked_at")
    list_filter = ("kind", "resolved")
    search_fields = ("=trade_no", "statement__statement_no")
    list_select_related = ("statement",)
