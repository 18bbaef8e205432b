"""Input and output shapes of the cart endpoints. Types and bounds only: rules live in
services and domain."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from shared.rest.serializers import Input


def _quantity(**kwargs) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=settings.CART_MAX_QUANTITY, **kwargs)


class ItemAddIn(Input):
    sku_id = serializers.IntegerField(min_value=1)
    quantity = _quantity(default=1)


class ItemUpdateIn(Input):
    quantity = _quantity(required=False)
    selected = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError("Send quantity, selected, or both.")
        return attrs


class SelectIn(Input):
    selected = serializers.BooleanField()
    sku_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        required=False,
        max_length=1000,
        help_text="Only these lines; every line when omitted.",
    )


class LineIssueOut(serializers.Serializer):
    code = serializers.ChoiceField(
        choices=["unavailable", "out_of_stock", "insufficient_stock", "price_changed"]
    )
    available = serializers.IntegerField(required=False, help_text="insufficient_stock only.")
    old_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="price_changed only."
    )
    new_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, help_text="price_changed only."
    )

    def to_representation(self, instance):
        # Each issue carries only the facts that belong to its code.
        data = super().to_representation(instance)
        return {key: value for key, value in data.items() if value is not None}


class CartLineOut(serializers.Serializer):
    sku_id = serializers.IntegerField()
    spu_id = serializers.IntegerField(allow_null=True)
    merchant_id = serializers.IntegerField()
    title = serializers.CharField()
    spec = serializers.CharField()
    image_url = serializers.CharField()
    quantity = serializers.IntegerField()
    selected = serializers.BooleanField()
    price_when_added = serializers.DecimalField(max_digits=14, decimal_places=2)
    unit_price = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="Today's price."
    )
    subtotal = serializers.DecimalField(max_digits=14, decimal_places=2)
    available = serializers.IntegerField()
    purchasable = serializers.BooleanField()
    issues = LineIssueOut(many=True)


class MerchantGroupOut(serializers.Serializer):
    merchant_id = serializers.IntegerField()
    lines = CartLineOut(many=True)
    selected_quantity = serializers.IntegerField()
    selected_amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class CartOut(serializers.Serializer):
    cart_token = serializers.SerializerMethodField(
        help_text="A guest's cart token (also in the X-Cart-Token header); null for a user."
    )
    groups = MerchantGroupOut(many=True)
    line_count = serializers.IntegerField()
    selected_lines = serializers.IntegerField()
    selected_quantity = serializers.IntegerField()
    selected_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="Over selected, purchasable lines."
    )
    has_issues = serializers.BooleanField()
    extras = serializers.DictField(
        read_only=True,
        default=dict,
        help_text="Sections added by other contexts (recommendations), by name.",
    )

    def get_cart_token(self, obj) -> str | None:
        return self.context.get("cart_token")


class SkippedLineOut(serializers.Serializer):
    sku_id = serializers.IntegerField()
    reason = serializers.ChoiceField(
        choices=["unavailable", "out_of_stock", "insufficient_stock", "quantity_limit", "cart_full"]
    )


class MergeOut(serializers.Serializer):
    cart = CartOut()
    merged_sku_ids = serializers.ListField(child=serializers.IntegerField())
    skipped = SkippedLineOut(many=True)
