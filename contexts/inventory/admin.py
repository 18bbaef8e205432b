"""Django admin for warehouses, stock records, reservations and the (read-only) ledger.

On the admin standard (`shared.admin.ServiceAdmin`): stock levels never change here directly,
every movement goes through services so it has a ledger row and events. Staff may add, edit and
delete warehouses and edit a record's low-stock threshold through the services, and release held
reservations of selected orders; the ledger and reservations are otherwise read-only.
"""

from __future__ import annotations

from django.contrib import admin, messages

from contexts.catalog import api as catalog_api
from contexts.inventory import services
from contexts.inventory.models import Reservation, StockLedgerEntry, StockRecord, Warehouse
from shared.admin import ReadOnlyAdmin, ServiceAdmin, id_label
from shared.auth import principal_of


def _sku_names(sku_ids: set[int]) -> dict[int, str]:
    return {
        pk: f"{info.title} {info.spec}".strip()
        for pk, info in catalog_api.get_skus(sku_ids=sku_ids).items()
    }


@admin.register(Warehouse)
class WarehouseAdmin(ServiceAdmin):
    list_display = ("id", "merchant", "code", "name", "province_code", "priority", "is_active")
    list_filter = ("is_active", "province_code")
    search_fields = ("code", "name", "=merchant_id")
    readonly_fields = ("created_at", "updated_at")
    id_labels = {"merchant_id": lambda ids: catalog_api.merchant_names(merchant_ids=ids)}
    merchant = id_label("merchant_id", "merchant")

    def get_readonly_fields(self, request, obj=None):
        # The merchant of an existing warehouse is fixed: its stock belongs to that shop.
        return (*self.readonly_fields, "merchant_id") if obj else self.readonly_fields

    def service_create(self, request, form, formsets):
        return services.warehouse_create(
            merchant_id=form.cleaned_data["merchant_id"],
            **{name: form.cleaned_data[name] for name in services.WAREHOUSE_FIELDS},
            principal=principal_of(request),
        )

    def service_update(self, request, obj, form, formsets):
        services.warehouse_update(
            warehouse_id=obj.pk,
            data={name: form.cleaned_data[name] for name in services.WAREHOUSE_FIELDS},
            principal=principal_of(request),
        )

    def service_delete(self, request, obj):
        services.warehouse_delete(warehouse_id=obj.pk, principal=principal_of(request))


@admin.register(StockRecord)
class StockRecordAdmin(ServiceAdmin):
    list_display = (
        "id",
        "sku",
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

    id_labels = {"sku_id": _sku_names}
    sku = id_label("sku_id", "SKU")

    @admin.action(description="Refresh the storefront's available stock of these SKUs")
    def catalog_stock_refresh(self, request, queryset):
        sku_ids = sorted(set(queryset.values_list("sku_id", flat=True)))
        count = services.catalog_stock_resync(sku_ids=sku_ids)
        if count:
            self.message_user(request, f"{count} SKU(s) refreshed.", messages.SUCCESS)

    # No service_create / service_delete: stock arrives through inbound (with a ledger row).
    def service_update(self, request, obj, form, formsets):
        services.stock_threshold_set(
            principal=principal_of(request),
            stock_id=obj.pk,
            threshold=form.cleaned_data["low_stock_threshold"],
        )


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
class ReservationAdmin(ServiceAdmin):  # no writes declared: read-only apart from the action
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
        one_row_per_order = {row.order_ref: row for row in queryset.order_by("order_ref", "pk")}
        self.run_service_action(
            request,
            one_row_per_order.values(),
            action="release_order",
            service=lambda row: services.reservations_release(
                order_refs=[row.order_ref], reason="released by staff"
            ),
            done="Held reservations of {count} order(s) released.",
        )
