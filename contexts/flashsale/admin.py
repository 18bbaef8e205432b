"""Django admin for flash sales: sessions and items are written through the services (create,
change while draft, schedule, cancel); purchases are read-only (they change only through the
purchase flow, ordering's events and reconciliation)."""

from __future__ import annotations

from django.contrib import admin

from contexts.catalog import api as catalog_api
from contexts.flashsale import services
from contexts.flashsale.models import FlashItem, FlashPurchase, FlashSession
from contexts.identity import api as identity_api
from shared.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, id_label
from shared.auth import principal_for_user


class FlashItemInline(ReadOnlyInline):
    model = FlashItem
    fields = (
        "sku_id",
        "merchant_id",
        "flash_price",
        "flash_stock",
        "per_user_limit",
        "status",
        "sold_units",
    )
    show_change_link = True


@admin.register(FlashSession)
class FlashSessionAdmin(ServiceAdmin):
    list_display = ("name", "starts_at", "ends_at", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "=id")
    date_hierarchy = "starts_at"
    fields = ("name", "starts_at", "ends_at", "status")
    readonly_fields = ("status",)
    inlines = (FlashItemInline,)
    actions = ("schedule", "cancel")

    def service_create(self, request, form, formsets):
        return services.session_create(
            name=form.cleaned_data["name"],
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
            principal=principal_for_user(request.user),
        )

    def service_update(self, request, obj, form, formsets) -> None:
        services.session_update(
            session_id=obj.pk,
            name=form.cleaned_data["name"],
            starts_at=form.cleaned_data["starts_at"],
            ends_at=form.cleaned_data["ends_at"],
            principal=principal_for_user(request.user),
        )

    @admin.action(description="Schedule (take the flash stock out of inventory)")
    def schedule(self, request, queryset):
        principal = principal_for_user(request.user)
        self.run_service_action(
            request,
            list(queryset),
            action="schedule",
            service=lambda s: services.session_schedule(session_id=s.pk, principal=principal),
            done="{count} session(s) scheduled.",
        )

    @admin.action(description="Cancel before the start (the flash stock goes back)")
    def cancel(self, request, queryset):
        principal = principal_for_user(request.user)
        self.run_service_action(
            request,
            list(queryset),
            action="cancel",
            service=lambda s: services.session_cancel(session_id=s.pk, principal=principal),
            done="{count} session(s) cancelled.",
        )


@admin.register(FlashItem)
class FlashItemAdmin(ServiceAdmin):
    list_display = (
        "id",
        "session",
        "sku_id",
        "merchant",
        "flash_price",
        "flash_stock",
        "per_user_limit",
        "status",
        "sold_units",
    )
    list_filter = ("status",)
    search_fields = ("=id", "=sku_id", "session__name")
    list_select_related = ("session",)
    fields = ("session", "sku_id", "flash_price", "flash_stock", "per_user_limit")
    id_labels = {"merchant_id": lambda ids: catalog_api.merchant_names(merchant_ids=ids)}
    merchant = id_label("merchant_id", "merchant")

    def service_create(self, request, form, formsets):
        return services.item_add(
            session_id=form.cleaned_data["session"].pk,
            sku_id=form.cleaned_data["sku_id"],
            flash_price=form.cleaned_data["flash_price"],
            flash_stock=form.cleaned_data["flash_stock"],
            per_user_limit=form.cleaned_data["per_user_limit"],
            principal=principal_for_user(request.user),
        )

    def service_delete(self, request, obj) -> None:
        services.item_remove(item_id=obj.pk, principal=principal_for_user(request.user))


@admin.register(FlashPurchase)
class FlashPurchaseAdmin(ReadOnlyAdmin):
    list_display = (
        "ticket_no",
        "item",
        "buyer",
        "quantity",
        "status",
        "order_no",
        "failure_code",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("=ticket_no", "=order_no", "=user_id")
    date_hierarchy = "created_at"
    list_select_related = ("item",)
    exclude = ("address_id",)
    id_labels = {"user_id": lambda ids: identity_api.user_names(user_ids=ids)}
    buyer = id_label("user_id", "buyer")
