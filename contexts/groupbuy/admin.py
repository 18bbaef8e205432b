"""Django admin for group buys: activities are written through the services; groups and their
members are read-only (they change only through joins, ordering's events and the expiry), with
an action that ends due groups through the expiry service."""

from __future__ import annotations

from django.contrib import admin
from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.groupbuy import services
from contexts.groupbuy.models import GroupBuyActivity, GroupBuyGroup, GroupBuyMember
from contexts.identity import api as identity_api
from shared.admin import ReadOnlyInline, ServiceAdmin, id_label
from shared.auth import principal_for_user
from shared.errors import Conflict


class GroupBuyMemberInline(ReadOnlyInline):
    model = GroupBuyMember
    fields = ("user_id", "is_leader", "status", "order_no", "trade_no", "joined_at", "paid_at")


@admin.register(GroupBuyActivity)
class GroupBuyActivityAdmin(ServiceAdmin):
    list_display = (
        "name",
        "merchant",
        "sku_id",
        "group_price",
        "group_size",
        "fill_seconds",
        "per_user_limit",
        "auto_fill",
        "status",
        "starts_at",
        "ends_at",
    )
    list_filter = ("status", "auto_fill")
    search_fields = ("name", "=id", "=sku_id", "=merchant_id")
    date_hierarchy = "starts_at"
    fields = (
        "name",
        "sku_id",
        "group_price",
        "group_size",
        "fill_seconds",
        "per_user_limit",
        "auto_fill",
        "status",
        "starts_at",
        "ends_at",
    )
    id_labels = {"merchant_id": lambda ids: catalog_api.merchant_names(merchant_ids=ids)}
    merchant = id_label("merchant_id", "merchant")

    def get_readonly_fields(self, request, obj=None):
        # The SKU and the size of an activity whose groups have orders never change.
        return ("sku_id", "group_size") if obj is not None else ("status",)

    def service_create(self, request, form, formsets):
        data = form.cleaned_data
        return services.activity_create(
            principal=principal_for_user(request.user),
            name=data["name"],
            sku_id=data["sku_id"],
            group_price=data["group_price"],
            group_size=data["group_size"],
            fill_seconds=data["fill_seconds"],
            per_user_limit=data["per_user_limit"],
            auto_fill=data["auto_fill"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
        )

    def service_update(self, request, obj, form, formsets) -> None:
        data = form.cleaned_data
        services.activity_update(
            activity_id=obj.pk,
            principal=principal_for_user(request.user),
            name=data["name"],
            group_price=data["group_price"],
            fill_seconds=data["fill_seconds"],
            per_user_limit=data["per_user_limit"],
            auto_fill=data["auto_fill"],
            status=data["status"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
        )

    def service_delete(self, request, obj) -> None:
        services.activity_delete(activity_id=obj.pk, principal=principal_for_user(request.user))


def _expire(group: GroupBuyGroup, principal) -> None:
    principal.require(services.MANAGE, merchant_id=group.activity.merchant_id)
    if services.group_expire(group_id=group.pk, now=timezone.now()) is None:
        raise Conflict("Only an open group past its deadline can be ended.", code="group_not_due")


@admin.register(GroupBuyGroup)
class GroupBuyGroupAdmin(ServiceAdmin):
    list_display = (
        "group_no",
        "activity",
        "leader",
        "status",
        "size",
        "occupied",
        "paid_count",
        "virtual_seats",
        "deadline",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("=group_no", "activity__name", "=leader_id", "members__order_no")
    date_hierarchy = "deadline"
    list_select_related = ("activity",)
    inlines = (GroupBuyMemberInline,)
    actions = ("end_due",)
    id_labels = {"leader_id": lambda ids: identity_api.user_names(user_ids=ids)}
    leader = id_label("leader_id", "leader")

    @admin.action(description="End past their deadline (refund or auto-fill)")
    def end_due(self, request, queryset):
        principal = principal_for_user(request.user)
        self.run_service_action(
            request,
            list(queryset.select_related("activity")),
            action="end",
            service=lambda group: _expire(group, principal),
            done="{count} group(s) ended.",
        )
