"""The embedded search index's rows, read-only (they change only through the sync and the
reindex), with an action that rebuilds the selected products' documents from the catalog."""

from __future__ import annotations

from django.contrib import admin, messages

from contexts.search import services
from contexts.search.models import IndexedOrder, IndexedProduct
from shared.admin import ReadOnlyAdmin


@admin.register(IndexedProduct)
class IndexedProductAdmin(ReadOnlyAdmin):
    list_display = (
        "spu_id",
        "title",
        "brand_name",
        "category_name",
        "min_price",
        "sales_count",
        "in_stock",
        "published_at",
    )
    list_filter = ("in_stock",)
    search_fields = ("=spu_id", "title", "brand_name")
    exclude = ("tokens", "title_tokens")
    actions = ("products_resync",)

    @admin.action(description="Rebuild the selected products' documents from the catalog")
    def products_resync(self, request, queryset):
        indexed = services.products_sync(spu_ids=list(queryset.values_list("spu_id", flat=True)))
        self.message_user(request, f"{indexed} products reindexed.", messages.SUCCESS)


@admin.register(IndexedOrder)
class IndexedOrderAdmin(ReadOnlyAdmin):
    list_display = ("order_no", "status", "buyer_id", "receiver_name", "pay_amount", "placed_at")
    list_filter = ("status",)
    search_fields = ("=order_no", "=buyer_id", "receiver_name", "=receiver_phone")
