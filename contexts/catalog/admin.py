"""Django admin for the catalog, on the admin standard (`shared.admin.ServiceAdmin`): every
add, change, delete and action goes through the catalog services, so their rules, price history,
the published-product rule and the events are never skipped; a refusal is a form error.
Products and SKUs are created through the API; here they are edited, published and unpublished.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin

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
from contexts.catalog.services import merchants, products, taxonomy
from contexts.identity import api as identity_api
from shared.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, formset_rows, id_label
from shared.auth import principal_of


def _values(form, names) -> dict:
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


class MerchantStaffInline(admin.TabularInline):
    model = MerchantStaff
    extra = 0
    fields = ("user_id",)


@admin.register(Merchant)
class MerchantAdmin(ServiceAdmin):
    list_display = ("id", "name", "status", "owner", "commission_rate", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "=id", "=owner_user_id")
    inlines = (MerchantStaffInline,)
    id_labels = {"owner_user_id": lambda ids: identity_api.user_names(user_ids=ids)}
    owner = id_label("owner_user_id", "owner")

    def service_create(self, request, form, formsets):
        merchant = merchants.merchant_create(**_values(form, merchants.MERCHANT_FIELDS))
        self._staff_apply(merchant.pk, formsets)
        return merchant

    def service_update(self, request, obj, form, formsets):
        if form.changed_data:
            merchants.merchant_update(merchant_id=obj.pk, data=_values(form, form.changed_data))
        self._staff_apply(obj.pk, formsets)

    def service_delete(self, request, obj):
        merchants.merchant_delete(merchant_id=obj.pk)

    def _staff_apply(self, merchant_id: int, formsets) -> None:
        kept, deleted = formset_rows(formsets, MerchantStaff)
        for staff, _ in deleted:
            if staff.pk:
                merchants.merchant_staff_remove(merchant_id=merchant_id, user_id=staff.user_id)
        for staff, data in kept:
            if staff.pk and staff.user_id != data["user_id"]:
                merchants.merchant_staff_remove(merchant_id=merchant_id, user_id=staff.user_id)
            merchants.merchant_staff_add(merchant_id=merchant_id, user_id=data["user_id"])


class CategoryAttributeInline(admin.TabularInline):
    model = CategoryAttribute
    extra = 0
    fields = ("attribute", "sort_order")
    autocomplete_fields = ("attribute",)


class CategoryForm(forms.ModelForm):
    parent = forms.ModelChoiceField(
        Category.objects.order_by("path"),
        required=False,
        help_text="Empty: a top-level category. A moved category takes its subtree along.",
    )

    class Meta:
        model = Category
        fields = ("name", "parent", "icon_url", "sort_order", "is_active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["parent"] = Category.objects.get_parent(self.instance)


@admin.register(Category)
class CategoryAdmin(ServiceAdmin):
    form = CategoryForm
    list_display = ("indented_name", "id", "depth", "sort_order", "is_active")
    list_filter = ("is_active", "depth")
    search_fields = ("name",)
    ordering = ("path",)
    inlines = (CategoryAttributeInline,)

    @admin.display(description="name", ordering="path")
    def indented_name(self, obj: Category) -> str:
        return f"{'— ' * (obj.depth - 1)}{obj.name}"

    def service_create(self, request, form, formsets):
        parent = form.cleaned_data.get("parent")
        category = taxonomy.category_create(
            parent_id=parent.pk if parent else None, **_values(form, taxonomy.CATEGORY_FIELDS)
        )
        self._attributes_apply(category.pk, formsets)
        return category

    def service_update(self, request, obj, form, formsets):
        data = _values(form, taxonomy.CATEGORY_FIELDS)
        if "parent" in form.changed_data:
            parent = form.cleaned_data.get("parent")
            data["parent_id"] = parent.pk if parent else None
        taxonomy.category_update(category_id=obj.pk, data=data)
        self._attributes_apply(obj.pk, formsets)

    def service_delete(self, request, obj):
        taxonomy.category_delete(category_id=obj.pk)

    def _attributes_apply(self, category_id: int, formsets) -> None:
        if not any(f.has_changed() for fs in formsets for f in fs.forms):
            return
        kept, _ = formset_rows(formsets, CategoryAttribute)
        ordered = sorted(kept, key=lambda row: row[1].get("sort_order") or 0)
        taxonomy.category_attributes_set(
            category_id=category_id, attribute_ids=[data["attribute"].pk for _, data in ordered]
        )


@admin.register(Brand)
class BrandAdmin(ServiceAdmin):
    list_display = ("id", "name", "sort_order", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)

    def service_create(self, request, form, formsets):
        return taxonomy.brand_create(**_values(form, taxonomy.BRAND_FIELDS))

    def service_update(self, request, obj, form, formsets):
        taxonomy.brand_update(brand_id=obj.pk, data=_values(form, taxonomy.BRAND_FIELDS))

    def service_delete(self, request, obj):
        taxonomy.brand_delete(brand_id=obj.pk)


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    extra = 0
    fields = ("value", "sort_order")


@admin.register(Attribute)
class AttributeAdmin(ServiceAdmin):
    list_display = ("id", "name", "code", "kind", "sort_order")
    list_filter = ("kind",)
    search_fields = ("name", "code")
    inlines = (AttributeValueInline,)

    def service_create(self, request, form, formsets):
        attribute = taxonomy.attribute_create(**_values(form, taxonomy.ATTRIBUTE_FIELDS))
        self._values_apply(attribute.pk, formsets)
        return attribute

    def service_update(self, request, obj, form, formsets):
        taxonomy.attribute_update(
            attribute_id=obj.pk, data=_values(form, taxonomy.ATTRIBUTE_FIELDS)
        )
        self._values_apply(obj.pk, formsets)

    def service_delete(self, request, obj):
        taxonomy.attribute_delete(attribute_id=obj.pk)

    def _values_apply(self, attribute_id: int, formsets) -> None:
        kept, deleted = formset_rows(formsets, AttributeValue)
        for value, _ in deleted:
            if value.pk:
                taxonomy.attribute_value_delete(value_id=value.pk)
        for value, data in kept:
            fields = {"value": data["value"], "sort_order": data.get("sort_order") or 0}
            if value.pk:
                taxonomy.attribute_value_update(value_id=value.pk, data=fields)
            else:
                taxonomy.attribute_value_create(attribute_id=attribute_id, **fields)


class SkuInline(ReadOnlyInline):
    model = Sku
    fields = ("id", "spec", "price", "status", "available_stock", "deleted_at")
    readonly_fields = fields


class SpuAttributeValueInline(ReadOnlyInline):
    model = SpuAttributeValue
    readonly_fields = ("value",)


@admin.register(Spu)
class SpuAdmin(ServiceAdmin):
    list_display = ("id", "title", "merchant", "category", "status", "min_price", "sales_count")
    list_filter = ("status", "merchant")
    search_fields = ("title", "=id", "merchant__name")
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

    def service_update(self, request, obj, form, formsets):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        products.spu_update(principal=principal_of(request), spu_id=obj.pk, data=data)

    @admin.action(description="Publish the selected products")
    def publish(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            action="publish",
            service=lambda spu: products.spu_publish(
                principal=principal_of(request), spu_id=spu.pk
            ),
            done="{count} product(s) published.",
        )

    @admin.action(description="Unpublish the selected products")
    def unpublish(self, request, queryset):
        self.run_service_action(
            request,
            queryset,
            action="unpublish",
            service=lambda spu: products.spu_unpublish(
                principal=principal_of(request), spu_id=spu.pk
            ),
            done="{count} product(s) unpublished.",
        )


class SkuValueInline(ReadOnlyInline):
    model = SkuValue
    readonly_fields = ("attribute", "value")


@admin.register(Sku)
class SkuAdmin(ServiceAdmin):
    list_display = ("id", "spu", "spec", "price", "status", "available_stock", "deleted_at")
    list_filter = ("status",)
    search_fields = ("=id", "barcode", "spu__title")
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

    def service_update(self, request, obj, form, formsets):
        data = {name: form.cleaned_data[name] for name in form.changed_data}
        products.sku_update(principal=principal_of(request), sku_id=obj.pk, data=data)


@admin.register(PriceHistory)
class PriceHistoryAdmin(ReadOnlyAdmin):
    list_display = ("id", "sku", "old_price", "new_price", "changed_by_user_id", "created_at")
    search_fields = ("=sku__id", "sku__spu__title")
    list_select_related = ("sku__spu",)


@admin.register(ProductContentDocument)
class ProductContentDocumentAdmin(ReadOnlyAdmin):
    list_display = ("spu_id", "updated_at")


@admin.register(ReviewDocument)
class ReviewDocumentAdmin(ReadOnlyAdmin):
    list_display = ("review_id", "spu_id", "sku_id", "user_id", "rating", "created_at")
    list_filter = ("rating",)
    search_fields = ("review_id",)
