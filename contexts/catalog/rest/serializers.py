"""Input and output shapes of the catalog's endpoints. Money is a string; cost prices appear
only in the admin shapes, never in storefront ones."""

from __future__ import annotations

from rest_framework import serializers

from contexts.catalog import domain
from contexts.catalog.models import Attribute, Merchant, Sku, Spu
from shared.rest.fields import BoundedIntegerField, id_field, int_field, money_amount, positive_int
from shared.rest.serializers import Input, QueryInput, multiline_text


class IdNameOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


# --- Storefront -----------------------------------------------------------------------------


class ProductListQuery(QueryInput):
    category = id_field(required=False, help_text="Includes its descendants.")
    brand = id_field(required=False)
    merchant = id_field(required=False)
    min_price = money_amount(required=False)
    max_price = money_amount(required=False)
    attr = serializers.ListField(
        child=id_field(),
        required=False,
        max_length=20,
        help_text="Attribute value ids (repeatable): values of one attribute are alternatives, "
        "different attributes must all match.",
    )
    in_stock = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(
        choices=["newest", "price_asc", "price_desc", "sales"], required=False, default="newest"
    )

    def validate(self, attrs):
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"max_price": ["Must not be below min_price."]})
        return attrs


class ProductListItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    subtitle = serializers.CharField()
    main_image_url = serializers.CharField()
    price = serializers.DecimalField(
        source="min_price", max_digits=14, decimal_places=2, allow_null=True
    )
    max_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    sales_count = serializers.IntegerField()
    rating_avg = serializers.DecimalField(max_digits=3, decimal_places=2)
    rating_count = serializers.IntegerField()
    in_stock = serializers.BooleanField()
    category_id = serializers.IntegerField()
    merchant = IdNameOut()
    brand = IdNameOut(allow_null=True)
    published_at = serializers.DateTimeField()


class ProductPageOut(PageOut):
    results = ProductListItemOut(many=True)


class AttributeGroupOut(serializers.Serializer):
    attribute_id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    values = serializers.ListField(child=serializers.DictField(), help_text="[{id, value}]")


class StorefrontSkuOut(serializers.Serializer):
    id = serializers.IntegerField(source="sku.pk")
    spec = serializers.CharField(source="sku.spec")
    value_ids = serializers.SerializerMethodField()
    price = serializers.DecimalField(source="sku.price", max_digits=14, decimal_places=2)
    market_price = serializers.DecimalField(
        source="sku.market_price", max_digits=14, decimal_places=2, allow_null=True
    )
    image_url = serializers.CharField(source="sku.image_url")
    weight_grams = serializers.IntegerField(source="sku.weight_grams")
    available = serializers.IntegerField()
    in_stock = serializers.SerializerMethodField()

    def get_value_ids(self, obj) -> list[int]:
        return sorted(v.value_id for v in obj.sku.values.all())

    def get_in_stock(self, obj) -> bool:
        return obj.available > 0


class RatingOut(serializers.Serializer):
    avg = serializers.DecimalField(source="rating_avg", max_digits=3, decimal_places=2)
    count = serializers.IntegerField(source="rating_count")


class ProductDetailOut(serializers.Serializer):
    id = serializers.IntegerField(source="spu.pk")
    title = serializers.CharField(source="spu.title")
    subtitle = serializers.CharField(source="spu.subtitle")
    main_image_url = serializers.CharField(source="spu.main_image_url")
    gallery = serializers.ListField(source="spu.gallery", child=serializers.CharField())
    merchant = IdNameOut(source="spu.merchant")
    brand = IdNameOut(source="spu.brand", allow_null=True)
    category = IdNameOut(source="spu.category")
    breadcrumb = IdNameOut(many=True)
    price = serializers.DecimalField(
        source="spu.min_price", max_digits=14, decimal_places=2, allow_null=True
    )
    max_price = serializers.DecimalField(
        source="spu.max_price", max_digits=14, decimal_places=2, allow_null=True
    )
    sales_count = serializers.IntegerField(source="spu.sales_count")
    rating = RatingOut(source="spu")
    published_at = serializers.DateTimeField(source="spu.published_at")
    sales_attributes = AttributeGroupOut(many=True)
    attributes = AttributeGroupOut(many=True)
    skus = StorefrontSkuOut(many=True)
    description = serializers.ListField(source="content", child=serializers.DictField())
    extras = serializers.DictField(
        read_only=True,
        default=dict,
        help_text="Sections added by other contexts (recommendations), by name.",
    )


class CategoryNodeOut(serializers.Serializer):
    id = serializers.IntegerField(source="category.pk")
    name = serializers.CharField(source="category.name")
    icon_url = serializers.CharField(source="category.icon_url")
    sort_order = serializers.IntegerField(source="category.sort_order")
    depth = serializers.IntegerField(source="category.depth")
    is_active = serializers.BooleanField(source="category.is_active")
    children = serializers.SerializerMethodField(help_text="Child nodes, same shape.")

    def get_children(self, obj) -> list[dict]:
        return CategoryNodeOut(obj.children, many=True).data


class BrandOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    logo_url = serializers.CharField()
    sort_order = serializers.IntegerField()
    is_active = serializers.BooleanField()


class ReviewIn(Input):
    sku_id = id_field()
    rating = BoundedIntegerField(min_value=domain.RATING_MIN, max_value=domain.RATING_MAX)
    text = multiline_text(max_length=2000, required=False, allow_blank=True, default="")
    images = serializers.ListField(
        child=serializers.URLField(max_length=500),
        required=False,
        default=list,
        max_length=domain.MAX_REVIEW_IMAGES,
    )


class ReviewReplyOut(serializers.Serializer):
    text = serializers.CharField()
    user_id = serializers.IntegerField()
    replied_at = serializers.DateTimeField()


class ReviewOut(serializers.Serializer):
    id = serializers.CharField(source="review_id")
    spu_id = serializers.IntegerField()
    sku_id = serializers.IntegerField()
    user_id = serializers.IntegerField()
    rating = serializers.IntegerField()
    text = serializers.CharField()
    images = serializers.ListField(child=serializers.CharField())
    spec = serializers.CharField()
    created_at = serializers.DateTimeField()
    reply = ReviewReplyOut(allow_null=True)


class ReviewPageOut(PageOut):
    results = ReviewOut(many=True)


# --- Admin: merchants -----------------------------------------------------------------------


class MerchantIn(Input):
    name = serializers.CharField(max_length=100)
    owner_user_id = id_field()
    commission_rate = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, required=False
    )
    status = serializers.ChoiceField(choices=Merchant.Status.choices, required=False)


class MerchantOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    owner_user_id = serializers.IntegerField()
    commission_rate = serializers.DecimalField(max_digits=5, decimal_places=4)
    staff_user_ids = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_staff_user_ids(self, obj) -> list[int]:
        return sorted(s.user_id for s in obj.staff.all())


class MerchantPageOut(PageOut):
    results = MerchantOut(many=True)


class MerchantStaffIn(Input):
    user_id = id_field()


# --- Admin: categories, brands, attributes --------------------------------------------------


class CategoryIn(Input):
    name = serializers.CharField(max_length=100)
    parent_id = id_field(required=False, allow_null=True)
    icon_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    sort_order = int_field(required=False)
    is_active = serializers.BooleanField(required=False)


class CategoryOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    parent_id = serializers.IntegerField(allow_null=True)
    depth = serializers.IntegerField()
    icon_url = serializers.CharField()
    sort_order = serializers.IntegerField()
    is_active = serializers.BooleanField()


class CategoryAttributesIn(Input):
    attribute_ids = serializers.ListField(child=id_field(), max_length=100)


class CategoryAttributeOut(serializers.Serializer):
    attribute_id = serializers.IntegerField()
    name = serializers.CharField(source="attribute.name")
    code = serializers.CharField(source="attribute.code")
    kind = serializers.CharField(source="attribute.kind")
    sort_order = serializers.IntegerField()


class BrandIn(Input):
    name = serializers.CharField(max_length=100)
    logo_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    sort_order = int_field(required=False)
    is_active = serializers.BooleanField(required=False)


class AttributeValueIn(Input):
    value = serializers.CharField(max_length=100)
    sort_order = int_field(required=False)


class AttributeValueOut(serializers.Serializer):
    id = serializers.IntegerField()
    attribute_id = serializers.IntegerField()
    value = serializers.CharField()
    sort_order = serializers.IntegerField()


class AttributeIn(Input):
    name = serializers.CharField(max_length=50)
    code = serializers.SlugField(max_length=50)
    kind = serializers.ChoiceField(choices=Attribute.Kind.choices)
    sort_order = int_field(required=False)


class AttributeOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    code = serializers.CharField()
    kind = serializers.CharField()
    sort_order = serializers.IntegerField()
    values = AttributeValueOut(many=True)


# --- Admin: products, SKUs, prices ----------------------------------------------------------


class ProductIn(Input):
    merchant_id = id_field()
    category_id = id_field()
    title = serializers.CharField(max_length=200)
    subtitle = serializers.CharField(max_length=300, required=False, allow_blank=True)
    brand_id = id_field(required=False, allow_null=True)
    main_image_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    gallery = serializers.ListField(
        child=serializers.CharField(max_length=500), required=False, max_length=30
    )
    description = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text='Blocks: {"type": "heading"|"text", "text"} or {"type": "image", "url", "alt"}.',
    )
    attribute_value_ids = serializers.ListField(child=id_field(), required=False, max_length=100)


class AdminProductListQuery(QueryInput):
    merchant = id_field(required=False)
    status = serializers.ChoiceField(choices=Spu.Status.choices, required=False, allow_blank=True)
    search = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Part of the title."
    )


class ProductUpdateIn(ProductIn):
    """Every field optional; the merchant of a product never changes."""

    merchant_id = None

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class AdminSkuOut(serializers.Serializer):
    id = serializers.IntegerField()
    spu_id = serializers.IntegerField()
    spec = serializers.CharField()
    value_ids = serializers.SerializerMethodField()
    price = serializers.DecimalField(max_digits=14, decimal_places=2)
    market_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    cost_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    barcode = serializers.CharField()
    weight_grams = serializers.IntegerField()
    image_url = serializers.CharField()
    status = serializers.CharField()
    available_stock = serializers.IntegerField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_value_ids(self, obj) -> list[int]:
        return sorted(v.value_id for v in obj.values.all())


class AdminProductOut(serializers.Serializer):
    id = serializers.IntegerField()
    merchant = IdNameOut()
    category_id = serializers.IntegerField()
    brand_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    subtitle = serializers.CharField()
    main_image_url = serializers.CharField()
    gallery = serializers.ListField(child=serializers.CharField())
    status = serializers.ChoiceField(choices=Spu.Status.choices)
    sales_count = serializers.IntegerField()
    rating_avg = serializers.DecimalField(max_digits=3, decimal_places=2)
    rating_count = serializers.IntegerField()
    min_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    max_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class AdminProductPageOut(PageOut):
    results = AdminProductOut(many=True)


class AdminProductDetailOut(AdminProductOut):
    attribute_value_ids = serializers.SerializerMethodField()
    skus = AdminSkuOut(source="live_skus", many=True)
    description = serializers.SerializerMethodField()

    def get_attribute_value_ids(self, obj) -> list[int]:
        return sorted(v.value_id for v in obj.attribute_values.all())

    def get_description(self, obj) -> list[dict]:
        return self.context.get("description", [])


class SkuIn(Input):
    value_ids = serializers.ListField(child=id_field(), max_length=10)
    price = money_amount()
    market_price = money_amount(required=False, allow_null=True)
    cost_price = money_amount(required=False, allow_null=True)
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True)
    weight_grams = positive_int(required=False)
    image_url = serializers.CharField(max_length=500, required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Sku.Status.choices, required=False)


class SkuUpdateIn(SkuIn):
    """Every field optional; the combination of a SKU never changes."""

    value_ids = None

    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)


class BulkPriceItemIn(Input):
    sku_id = id_field()
    price = money_amount()


class BulkPriceIn(Input):
    items = BulkPriceItemIn(many=True, allow_empty=False, max_length=1000)


class BulkPriceItemOut(serializers.Serializer):
    sku_id = serializers.IntegerField(source="pk")
    spu_id = serializers.IntegerField()
    price = serializers.DecimalField(max_digits=14, decimal_places=2)


class BulkPriceOut(serializers.Serializer):
    items = BulkPriceItemOut(many=True)


class PriceHistoryOut(serializers.Serializer):
    id = serializers.IntegerField()
    sku_id = serializers.IntegerField()
    old_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    new_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    changed_by_user_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class PriceHistoryPageOut(PageOut):
    results = PriceHistoryOut(many=True)


class ReviewReplyIn(Input):
    text = multiline_text(max_length=2000)


class MediaIn(Input):
    file = serializers.FileField()


class MediaOut(serializers.Serializer):
    url = serializers.CharField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()


# --- The product page's uncached path --------------------------------------------------------
# Building model instances and a nested serializer per request cost most of a product page; the
# page is read as rows (selectors.storefront_product_page_rows) and shaped here exactly as
# ProductDetailOut shapes selectors.storefront_product_detail (tests compare the bytes).

_MONEY = serializers.DecimalField(max_digits=14, decimal_places=2)
_RATING = serializers.DecimalField(max_digits=3, decimal_places=2)
_TIME = serializers.DateTimeField()


def _money_or_none(value):
    return None if value is None else _MONEY.to_representation(value)


def _value_groups(rows) -> list[dict]:
    """Like selectors._groups: values by attribute, both in their display order, each once."""
    by_attribute: dict[int, tuple[dict, dict[int, dict]]] = {}
    for row in rows:
        by_attribute.setdefault(row["a_id"], (row, {}))[1][row["v_id"]] = row
    ordered = sorted(by_attribute.values(), key=lambda item: (item[0]["a_sort"], item[0]["a_id"]))
    return [
        {
            "attribute_id": attribute["a_id"],
            "name": str(attribute["a_name"]),
            "code": str(attribute["a_code"]),
            "values": [
                {"id": v["v_id"], "value": v["v_text"]}
                for v in sorted(values.values(), key=lambda v: (v["v_sort"], v["v_id"]))
            ],
        }
        for attribute, values in ordered
    ]


def product_page_out(page) -> dict:
    """ProductDetailOut's answer, from selectors.ProductPageRows."""
    spu = page.spu
    value_ids: dict[int, list[int]] = {}
    for row in page.sku_values:
        value_ids.setdefault(row["sku_id"], []).append(row["v_id"])
    brand = spu["brand_id"]
    published_at = spu["published_at"]
    return {
        "id": spu["id"],
        "title": str(spu["title"]),
        "subtitle": str(spu["subtitle"]),
        "main_image_url": str(spu["main_image_url"]),
        "gallery": [str(url) for url in spu["gallery"]],
        "merchant": {"id": spu["merchant_id"], "name": str(spu["merchant_name"])},
        "brand": None if brand is None else {"id": brand, "name": str(spu["brand_name"])},
        "category": {"id": spu["category_id"], "name": str(spu["category_name"])},
        "breadcrumb": [{"id": c["id"], "name": str(c["name"])} for c in page.breadcrumb],
        "price": _money_or_none(spu["min_price"]),
        "max_price": _money_or_none(spu["max_price"]),
        "sales_count": spu["sales_count"],
        "rating": {
            "avg": _RATING.to_representation(spu["rating_avg"]),
            "count": spu["rating_count"],
        },
        "published_at": None if published_at is None else _TIME.to_representation(published_at),
        "sales_attributes": _value_groups(page.sku_values),
        "attributes": _value_groups(page.attribute_values),
        "skus": [
            {
                "id": sku["id"],
                "spec": str(sku["spec"]),
                "value_ids": sorted(value_ids.get(sku["id"], ())),
                "price": _MONEY.to_representation(sku["price"]),
                "market_price": _money_or_none(sku["market_price"]),
                "image_url": str(sku["image_url"]),
                "weight_grams": sku["weight_grams"],
                "available": max(sku["available_stock"], 0),
                "in_stock": sku["available_stock"] > 0,
            }
            for sku in page.skus
        ],
        "description": [dict(block) for block in page.content],
        "extras": {},  # filled by the view from the registered page extras
    }
