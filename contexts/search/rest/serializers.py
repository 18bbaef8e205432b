"""Input and output shapes of the search endpoints (money as strings)."""

from __future__ import annotations

from rest_framework import serializers

from contexts.search import domain
from contexts.search.data import SORTS
from shared.rest.fields import BoundedIntegerField, id_field, money_amount
from shared.rest.serializers import QueryInput

ORDER_STATUSES = (
    "pending_payment",
    "paid",
    "shipped",
    "delivered",
    "completed",
    "cancelled",
    "refunding",
    "refunded",
    "closed",
)


def _page_window_check(attrs):
    if attrs["page"] * attrs["page_size"] > domain.MAX_PAGE_WINDOW:
        raise serializers.ValidationError(
            {"page": [f"Only the first {domain.MAX_PAGE_WINDOW} results can be paged through."]}
        )
    return attrs


class ProductSearchQuery(QueryInput):
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)
    category = id_field(required=False, help_text="Includes its descendants.")
    brand = id_field(required=False)
    merchant = id_field(required=False)
    price_min = money_amount(required=False, help_text="Lowest 'from' price, inclusive.")
    price_max = money_amount(required=False, help_text="Highest 'from' price, inclusive.")
    attr = serializers.ListField(
        child=id_field(),
        required=False,
        max_length=20,
        help_text="Attribute value ids (repeatable): values of one attribute are alternatives, "
        "different attributes must all match.",
    )
    in_stock = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=list(SORTS), required=False, default="relevance")
    page = BoundedIntegerField(min_value=1, max_value=domain.MAX_PAGE_WINDOW, default=1)
    page_size = BoundedIntegerField(min_value=1, max_value=100, default=20)
    price_interval = money_amount(
        required=False,
        min_value=1,
        default=100,
        help_text="Width of the price histogram's buckets.",
    )

    def validate(self, attrs):
        low, high = attrs.get("price_min"), attrs.get("price_max")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"price_max": ["Must not be below price_min."]})
        return _page_window_check(attrs)


class SuggestQuery(QueryInput):
    q = serializers.CharField(max_length=100, allow_blank=True)
    limit = BoundedIntegerField(min_value=1, max_value=20, default=10)


class OrderSearchQuery(QueryInput):
    order_no = serializers.CharField(required=False, default="", allow_blank=True, max_length=32)
    buyer = id_field(required=False)
    merchant = id_field(required=False)
    receiver = serializers.CharField(required=False, default="", allow_blank=True, max_length=50)
    phone = serializers.RegexField(
        r"^[0-9+\- ]*$", required=False, default="", allow_blank=True, max_length=32
    )
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=ORDER_STATUSES), required=False, max_length=9
    )
    placed_from = serializers.DateTimeField(required=False)
    placed_to = serializers.DateTimeField(required=False, help_text="Exclusive.")
    page = BoundedIntegerField(min_value=1, max_value=domain.MAX_PAGE_WINDOW, default=1)
    page_size = BoundedIntegerField(min_value=1, max_value=100, default=20)

    def validate(self, attrs):
        low, high = attrs.get("placed_from"), attrs.get("placed_to")
        if low is not None and high is not None and low > high:
            raise serializers.ValidationError({"placed_to": ["Must not be before placed_from."]})
        return _page_window_check(attrs)


class ProductHitOut(serializers.Serializer):
    id = serializers.IntegerField(source="spu_id")
    title = serializers.CharField()
    highlight = serializers.CharField(help_text="The title, HTML-escaped, matches in <em>.")
    subtitle = serializers.CharField()
    image_url = serializers.CharField()
    price = serializers.DecimalField(
        source="min_price", max_digits=14, decimal_places=2, allow_null=True
    )
    max_price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    sales_count = serializers.IntegerField()
    rating_avg = serializers.DecimalField(max_digits=3, decimal_places=2)
    in_stock = serializers.BooleanField()
    merchant_id = serializers.IntegerField()
    brand_id = serializers.IntegerField(allow_null=True)
    brand_name = serializers.CharField()
    category_id = serializers.IntegerField()
    published_at = serializers.DateTimeField(allow_null=True)


class FacetBucketOut(serializers.Serializer):
    id = serializers.IntegerField(source="key")
    name = serializers.CharField(source="label")
    count = serializers.IntegerField()


class PriceBucketOut(serializers.Serializer):
    low = serializers.DecimalField(max_digits=14, decimal_places=2)
    high = serializers.DecimalField(max_digits=14, decimal_places=2)
    count = serializers.IntegerField()


class AttributeFacetOut(serializers.Serializer):
    id = serializers.IntegerField(source="attribute_id")
    name = serializers.CharField()
    values = FacetBucketOut(many=True)


class FacetsOut(serializers.Serializer):
    brands = FacetBucketOut(many=True)
    categories = FacetBucketOut(many=True)
    prices = PriceBucketOut(many=True)
    attributes = AttributeFacetOut(many=True)


class ProductSearchOut(serializers.Serializer):
    count = serializers.IntegerField(source="total")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = ProductHitOut(many=True, source="hits")
    facets = FacetsOut()


class SuggestionOut(serializers.Serializer):
    text = serializers.CharField()
    product_id = serializers.IntegerField(source="spu_id")


class SuggestOut(serializers.Serializer):
    results = SuggestionOut(many=True)


class OrderHitOut(serializers.Serializer):
    order_no = serializers.CharField()
    trade_no = serializers.CharField()
    buyer_id = serializers.IntegerField()
    merchant_id = serializers.IntegerField()
    status = serializers.CharField()
    receiver_name = serializers.CharField()
    receiver_phone = serializers.CharField()
    pay_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    placed_at = serializers.DateTimeField()


class OrderSearchOut(serializers.Serializer):
    count = serializers.IntegerField(source="total")
    page = serializers.IntegerField()
    page_size = serializers.IntegerField()
    results = OrderHitOut(many=True, source="hits")
