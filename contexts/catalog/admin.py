"""Django admin for the catalog.

Merchants, categories, brands and attributes are edited directly (their rules are the database
constraints). Products and SKUs are created through the API; here their edits go through the
services, so price history, the published-product rule and the events are never skipped.
"""

from __future__ import annotations

from django.contrib import admin, messages
from treebeard.forms import movenodeform_factory

from contexts.catalog import domain
from contexts.catalog.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    CategoryAttribute,
    Merchant,
    MerchantStaff,
    PriceHistory,
    ProductContentDocument,
    ReviewDocument,
    Sku,
    SkuValue,
    Spu,
    SpuAttributeValue,
)
from contexts.catalog.services import merchants, products
from shared.errors import AppError


def _actor(request) -> domain.Actor:
    return domain.Actor(user_id=request.user.pk, is_staff=True)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class MerchantStaffInline(admin.TabularInline):
    model = MerchantStaff
    extra = 0


@admin.register(Merchant)
class MerchantAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "status", "owner_user_id", "commission_rate", "created_at")
    list_filter = ("status",)
    search_fields = ("name",)
    inlines = (MerchantStaffInline,)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        merchants.merchant_updated_publish(merchant=obj)


class CategoryAttributeInline(admin.TabularInline):
    model = CategoryAttribute
    extra = 0
    autocomplete_fields = ("attribute",)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    """Position in the tree is chosen with treebeard's move form ("relative to" + position)."""

    form = movenodeform_factory(Category, fields=("name", "icon_url", "sort_order", "is_active"))
    list_display = ("indented_name", "id", "depth", "sort_order", "is_active")
    list_filter = ("is_active", "depth")
    search_fields = ("name",)
    ordering = ("path",)
    inlines = (CategoryAttributeInline,)

    @admin.display(description="name", ordering="path")
    def indented_name(self, obj: Category) -> str:
        return f"{'— ' * (obj.depth - 1)}{obj.name}"


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    extra = 0


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    list_display = ("id", "name", "code", "kind", "sort_order")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    inlines = (AttributeValueInline,)


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0
    can_delete = False
    fields = ("id", "spec", "price", "status", "available_stock", "deleted_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


class SpuAttributeValueInline(admin.TabularInline):
    model = SpuAttributeValue
    extra = 0
    can_delete = False
    readonly_fields = ("value",)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Spu)
class SpuAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "merchant", "category", "status", "min_price", "sales_count")
    list_filter = ("status", "merchant")
    search_fields = ("title",)
    list_select_related = ("merchant", "category")
    fields = (
        "title",
        "subtitle",
        "main_image_url",
        "gallery",
        "merchant",
        "category",
        "brand",
        "status",
        "min_price",
        "max_price",
        "sales_count",
        "rating_avg",
        "rating_count",
        "published_at",
        "deleted_at",
    )
    readonly_fields = fields[4:]
    inlines = (SpuAttributeValueInline, SkuInline)
    actions = ("publish", "unpublish")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            products.spu_update(actor=_actor(request), spu_id=obj.pk, data=data)
        except AppError as exc:
            self.message_user(request, f"Not saved: {exc.message}", messages.ERROR)

    @admin.action(description="Publish the selected products")
    def publish(self, request, queryset):
        self._each(request, queryset, products.spu_publish)

    @admin.action(description="Unpublish the selected products")
    def unpublish(self, request, queryset):
        self._each(request, queryset, products.spu_unpublish)

    def _each(self, request, queryset, service) -> None:
        for spu_id in queryset.values_list("pk", flat=True):
            try:
                service(actor=_actor(request), spu_id=spu_id)
            except AppError as exc:
                self.message_user(request, f"Product {spu_id}: {exc.message}", messages.ERROR)


class SkuValueInline(admin.TabularInline):
    model = SkuValue
    extra = 0
    can_delete = False
    readonly_fields = ("attribute", "value")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ("id", "spu", "spec", "price", "status", "available_stock", "deleted_at")
    list_filter = ("status",)
    search_fields = ("barcode", "spu__title")
    list_select_related = ("spu",)
    fields = (
        "price",
        "market_price",
        "cost_price",
        "barcode",
        "weight_grams",
        "image_url",
        "status",
        "spu",
        "spec",
        "spec_key",
        "available_stock",
        "stock_updated_at",
        "deleted_at",
    )
    readonly_fields = fields[7:]
    inlines = (SkuValueInline,)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            products.sku_update(actor=_actor(request), sku_id=obj.pk, data=data)
        except AppError as exc:
            self.message_user(request, f"Not saved: {exc.message}", messages.ERROR)


@admin.register(PriceHistory)
class PriceHistoryAdmin(ReadOnlyAdmin):
    list_display = ("id", "sku", "old_price", "new_price", "changed_by_user_id", "created_at")
    search_fields = ("sku__id",)


@admin.register(ProductContentDocument)
class ProductContentDocumentAdmin(ReadOnlyAdmin):
    list_display = ("spu_id", "updated_at")


@admin.register(ReviewDocument)
class ReviewDocumentAdmin(ReadOnlyAdmin):
    list_display = ("review_id", "spu_id", "sku_id", "user_id", "rating", "created_at")
    list_filter = ("rating",)
    search_fields = ("review_id",)
