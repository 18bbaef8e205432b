"""Django admin for loyalty: accounts (read-only figures; an "adjust points" action through the
service), the ledger (read-only) and member levels (edited through the services)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.response import TemplateResponse

from contexts.identity import api as identity_api
from contexts.loyalty import services
from contexts.loyalty.models import LevelRule, PointsAccount, PointsEntry
from contexts.loyalty.rest.serializers import MAX_ADJUSTMENT
from shared.admin import ReadOnlyAdmin, ServiceAdmin, id_label
from shared.auth import principal_for_user

_USER_NAMES = {"user_id": lambda ids: identity_api.user_names(user_ids=ids)}


class AdjustForm(forms.Form):
    delta = forms.IntegerField(
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        help_text="Points to add (positive) or take (negative).",
    )
    reason = forms.CharField(max_length=200)


class EmailSearchMixin:
    """A search term with "@" finds the accounts of users whose email contains it (identity)."""

    user_id_field = "user_id"

    def get_search_results(self, request, queryset, search_term):
        if "@" in search_term:
            ids = identity_api.user_ids_by_email(email=search_term)
            return queryset.filter(**{f"{self.user_id_field}__in": ids}), False
        return super().get_search_results(request, queryset, search_term)


@admin.register(PointsAccount)
class PointsAccountAdmin(EmailSearchMixin, ServiceAdmin):
    list_display = ("id", "user", "balance", "held", "growth", "level_code", "updated_at")
    list_filter = ("level_code",)
    search_fields = ("=user_id",)
    readonly_fields = (
        "user_id",
        "balance",
        "held",
        "growth",
        "level_code",
        "last_birthday_year",
        "created_at",
        "updated_at",
    )
    actions = ("adjust_points",)
    id_labels = _USER_NAMES
    user = id_label("user_id", "user")

    @admin.action(description="Adjust points (with a reason)")
    def adjust_points(self, request, queryset):
        accounts = list(queryset)
        form = AdjustForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            principal = principal_for_user(request.user)
            self.run_service_action(
                request,
                accounts,
                action="points_adjust",
                service=lambda account: services.points_adjust(
                    principal=principal,
                    user_id=account.user_id,
                    delta=form.cleaned_data["delta"],
                    reason=form.cleaned_data["reason"],
                ),
                done="{count} account(s) adjusted.",
            )
            return None
        return TemplateResponse(
            request,
            "admin/loyalty/points_adjust.html",
            {**self.admin_site.each_context(request), "form": form, "accounts": accounts},
        )


@admin.register(PointsEntry)
class PointsEntryAdmin(EmailSearchMixin, ReadOnlyAdmin):
    user_id_field = "account__user_id"
    list_display = (
        "id",
        "user",
        "kind",
        "delta",
        "held_delta",
        "balance_after",
        "reference",
        "reason",
        "staff",
        "created_at",
    )
    list_filter = ("kind",)
    search_fields = ("=account__user_id", "=reference", "=trade_no")
    list_select_related = ("account",)
    date_hierarchy = "created_at"
    id_labels = {"staff_user_id": lambda ids: identity_api.user_names(user_ids=ids)}
    staff = id_label("staff_user_id", "staff")

    def get_changelist_instance(self, request):
        """Entries name their account's user (one identity call per page)."""
        changelist = super().get_changelist_instance(request)
        rows = list(changelist.result_list)
        names = identity_api.user_names(user_ids={row.account.user_id for row in rows})
        for row in rows:
            row._user_label = names.get(row.account.user_id)
        return changelist

    @admin.display(description="user", ordering="account__user_id")
    def user(self, obj) -> str:
        label = getattr(obj, "_user_label", None)
        return f"{label} (#{obj.account.user_id})" if label else f"#{obj.account.user_id}"


@admin.register(LevelRule)
class LevelRuleAdmin(ServiceAdmin):
    list_display = ("code", "name", "min_growth", "multiplier", "free_shipping", "birthday_points")
    search_fields = ("code", "name")
    fields = ("code", "name", "min_growth", "multiplier", "free_shipping", "birthday_points")

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj is not None else ()

    def service_create(self, request, form, formsets):
        return services.level_create(
            principal=principal_for_user(request.user), **form.cleaned_data
        )

    def service_update(self, request, obj, form, formsets):
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        services.level_update(principal=principal_for_user(request.user), level_id=obj.pk, **data)

    def service_delete(self, request, obj):
        services.level_delete(principal=principal_for_user(request.user), level_id=obj.pk)
