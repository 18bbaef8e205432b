"""Django admin for warehouses, stock records, reservations and the (read-only) ledger.

Stock levels never change here directly: every movement goes through services so it has a
ledger row and events. Staff may edit warehouses and a record's low-stock threshold, and release
held reservations of selected orders.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from contexts.inventory import services
from contexts.inventory.models import Reservation, StockLedgerEntry, StockRecord, Warehouse
from shared.errors import AppError


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ("id", "merchant_id", "code", "name", "province_code", "priority", "is_active")
    list_filter = ("is_active", "province_code")
    search_fields = ("code", "name", "=merchant_id")
    readonly_fields = ("created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # The merchant of an existing warehouse is fixed: its stock belongs to that shop.
        return (*self.readonly_fields, "merchant_id") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        try:
            if change:
                services.warehouse_update(
                    warehouse_id=obj.pk,
                    data={name: form.cleaned_data[name] for name in services.WAREHOUSE_FIELDS},
                )
                return
            created = services.warehouse_create(
                merchant_id=obj.merchant_id,
                **{name: form.cleaned_data[name] for name in services.WAREHOUSE_FIELDS},
            )
        except AppError as exc:
            raise ValidationError(exc.message) from exc
        obj.pk = created.pk

    def delete_model(self, request, obj):
        services.warehouse_delete(warehouse_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for warehouse in queryset:
            services.warehouse_delete(warehouse_id=warehouse.pk)


@admin.register(StockRecord)
class StockRecordAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "sku_id",
        "warehouse",
        "on_hand",
        "reserved",
        "available",
        "low_stock_threshold",
    )
    list_select_related = ("warehouse",)
    list_filter = ("warehouse__is_active",)
    search_fields = ("=sku_id", "warehouse__code")
    fields = (
        "warehouse",
        "sku_id",
        "on_hand",
        "reserved",
        "low_stock_threshold",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("warehouse", "sku_id", "on_hand", "reserved", "created_at", "updated_at")
    actions = ("catalog_stock_refresh",)

    def has_add_permission(self, request) -> bool:
        return False  # stock arrives through inbound, so it has a ledger row

    @admin.action(description="Refresh the storefront's available stock of these SKUs")
    def catalog_stock_refresh(self, request, queryset):
        sku_ids = sorted(set(queryset.values_list("sku_id", flat=True)))
        count = services.catalog_stock_resync(sku_ids=sku_ids)
        self.message_user(request, f"{count} SKUs refreshed.")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        services.stock_threshold_set(
            stock_id=obj.pk, threshold=form.cleaned_data["low_stock_threshold"]
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StockLedgerEntry)
class StockLedgerAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "created_at",
        "operation",
        "sku_id",
        "warehouse_id",
        "delta",
        "on_hand_before",
        "on_hand_after",
        "reserved_before",
        "reserved_after",
        "ref",
        "actor",
        "reason",
    )
    list_filter = ("operation",)
    search_fields = ("=sku_id", "=ref", "=warehouse_id")
    date_hierarchy = "created_at"


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "order_ref",
        "sku_id",
        "warehouse_id",
        "quantity",
        "status",
        "restored_quantity",
        "expires_at",
    )
    list_filter = ("status",)
    search_fields = ("=order_ref", "=sku_id")
    actions = ("release_orders",)

    @admin.action(description="Release the held reservations of the selected rows' orders")
    def release_orders(self, request, queryset):
        refs = sorted(set(queryset.values_list("order_ref", flat=True)))
        released = sum(
            services.reservation_release(order_ref=ref, reason="released by staff") for ref in refs
        )
        self.message_user(request, f"{released} reservation(s) released.", messages.SUCCESS)
