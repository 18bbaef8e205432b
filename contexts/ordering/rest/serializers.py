"""Input and output shapes of ordering's endpoints. Types and lengths only: the rules live in
services and the domain. Money leaves as strings."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from contexts.ordering.domain.states import OrderStatus
from contexts.ordering.models import Order, OrderLine, OrderLog, OrderNote
from shared.rest.fields import id_field, positive_int
from shared.rest.serializers import Input, QueryInput, multiline_text

STATUS_CHOICES = [s.value for s in OrderStatus]


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class _Page(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


# --- Checkout input -------------------------------------------------------------------------


class CheckoutItemIn(Input):
    sku_id = serializers.IntegerField(min_value=1)
    quantity = serializers.IntegerField(min_value=1, max_value=settings.CART_MAX_QUANTITY)


class RemarkIn(Input):
    merchant_id = serializers.IntegerField(min_value=1)
    remark = serializers.CharField(max_length=200, allow_blank=True)


class PricingOptionsIn(Input):
    """The buyer's discount choices, shared by the preview and placement bodies."""

    coupon_ids = serializers.ListField(
        child=id_field(),
        required=False,
        allow_null=True,
        max_length=settings.CART_MAX_LINES,
        help_text="The coupons to use. Absent or null: the best applicable ones are chosen; "
        "[]: no coupon.",
    )
    points = positive_int(required=False, help_text="Loyalty points to spend (absent or 0: none).")

    def validate_coupon_ids(self, value: list[int] | None) -> list[int] | None:
        if value is not None and len(set(value)) != len(value):
            raise serializers.ValidationError("Each coupon at most once.")
        return value


class CheckoutIn(PricingOptionsIn):
    address_id = serializers.IntegerField(min_value=1)
    items = CheckoutItemIn(
        many=True,
        required=False,
        allow_null=True,
        allow_empty=False,
        max_length=settings.CART_MAX_LINES,
        help_text="Buy now: these SKUs. Absent or null: the buyer's selected cart items.",
    )
    remarks = RemarkIn(
        many=True,
        required=False,
        max_length=settings.CART_MAX_LINES,
        help_text="A note to each merchant (one per merchant_id).",
    )

    def validate_remarks(self, value: list[dict]) -> list[dict]:
        merchant_ids = [remark["merchant_id"] for remark in value]
        if len(set(merchant_ids)) != len(merchant_ids):
            raise serializers.ValidationError("At most one remark per merchant.")
        return value


class PlaceOrderIn(CheckoutIn):
    expected_pay_amount = _money(
        required=False,
        min_value=0,
        help_text="The total the buyer saw (the preview's pay_amount). When the order would now "
        "cost anything else, nothing is placed: 409 price_changed with details "
        "expected_pay_amount and pay_amount. Omit it only if the client shows no total.",
    )


# --- Checkout preview -----------------------------------------------------------------------


class CartQuoteQuery(QueryInput):
    coupon_ids = serializers.ListField(
        child=id_field(),
        required=False,
        max_length=settings.CART_MAX_LINES,
        help_text="Coupons to use (repeatable). Absent: the best applicable ones are chosen.",
    )
    no_coupons = serializers.BooleanField(
        required=False, default=False, help_text="true: price without any coupon."
    )
    points = positive_int(required=False, default=0, help_text="Loyalty points to spend.")


class NoteOut(serializers.Serializer):
    source = serializers.CharField(help_text="The pricing step: promotions, coupons, points ...")
    message = serializers.CharField()
    reference = serializers.CharField()
    sku_ids = serializers.ListField(child=serializers.IntegerField())
    merchant_id = serializers.IntegerField(allow_null=True)
    applied = serializers.BooleanField(
        help_text="true: it explains a discount taken off; false: why something did not apply, "
        "or a suggestion."
    )


class AdjustmentOut(serializers.Serializer):
    source = serializers.CharField(help_text="The pricing step: promotions, coupons, points ...")
    target = serializers.CharField(help_text="items or freight.")
    amount = _money()
    merchant_id = serializers.IntegerField(allow_null=True)
    label = serializers.CharField()
    reference = serializers.CharField()


class PreviewLineOut(serializers.Serializer):
    sku_id = serializers.IntegerField()
    spu_id = serializers.IntegerField()
    title = serializers.CharField()
    spec = serializers.CharField()
    image_url = serializers.CharField()
    unit_price = _money()
    quantity = serializers.IntegerField()
    subtotal = _money()
    discount_amount = _money()
    pay_amount = _money()
    available = serializers.IntegerField()
    in_stock = serializers.BooleanField()
    gift = serializers.BooleanField(help_text="A gift a promotion added, priced 0.")


class PreviewGroupOut(serializers.Serializer):
    merchant_id = serializers.IntegerField()
    lines = PreviewLineOut(many=True)
    items_amount = _money()
    freight_amount = _money()
    discount_amount = _money()
    pay_amount = _money()
    deliverable = serializers.BooleanField()
    freight_reason = serializers.CharField()


class CheckoutPreviewOut(serializers.Serializer):
    groups = PreviewGroupOut(many=True)
    adjustments = AdjustmentOut(many=True)
    notes = NoteOut(many=True)
    items_amount = _money()
    freight_amount = _money()
    discount_amount = _money()
    pay_amount = _money()
    deliverable = serializers.BooleanField()
    in_stock = serializers.BooleanField()


class GiftLineOut(serializers.Serializer):
    sku_id = serializers.IntegerField()
    merchant_id = serializers.IntegerField()
    quantity = serializers.IntegerField()
    reference = serializers.CharField(source="gift_reference")
    source = serializers.CharField(source="gift_source")


class CartQuoteOut(serializers.Serializer):
    sku_ids = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="The cart lines priced: selected and purchasable now (blocked lines are not).",
    )
    adjustments = AdjustmentOut(many=True)
    notes = NoteOut(many=True)
    gifts = GiftLineOut(many=True, help_text="Gift lines (priced 0) the promotions add.")
    items_amount = _money()
    discount_amount = _money()
    pay_amount = _money(help_text="items_amount - discount_amount; freight comes at checkout.")


# --- Orders ---------------------------------------------------------------------------------


class OrderLineOut(serializers.ModelSerializer):
    discounts = serializers.ListField(child=serializers.DictField(), read_only=True)

    class Meta:
        model = OrderLine
        fields = (
            "sku_id",
            "spu_id",
            "title",
            "spec",
            "image_url",
            "unit_price",
            "quantity",
            "subtotal",
            "discount_amount",
            "pay_amount",
            "discounts",
            "gift",
        )


class AddressSnapshotOut(serializers.ModelSerializer):
    detail = serializers.CharField(source="address_detail")

    class Meta:
        model = Order
        fields = (
            "receiver_name",
            "receiver_phone",
            "province_code",
            "city_code",
            "district_code",
            "detail",
        )


class OrderOut(serializers.ModelSerializer):
    trade_no = serializers.CharField(source="trade.trade_no")
    discounts = serializers.ListField(child=serializers.DictField(), read_only=True)
    address = AddressSnapshotOut(source="*")
    lines = OrderLineOut(many=True)

    class Meta:
        model = Order
        fields = (
            "order_no",
            "trade_no",
            "merchant_id",
            "status",
            "items_amount",
            "freight_amount",
            "discount_amount",
            "pay_amount",
            "discounts",
            "remark",
            "address",
            "carrier_code",
            "tracking_number",
            "cancel_reason",
            "payment_deadline",
            "created_at",
            "paid_at",
            "shipped_at",
            "delivered_at",
            "completed_at",
            "cancelled_at",
            "lines",
        )


class OrderPageOut(_Page):
    results = OrderOut(many=True)


class OrderFilterIn(QueryInput):
    status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False)


class OrderLogOut(serializers.ModelSerializer):
    class Meta:
        model = OrderLog
        fields = ("from_status", "to_status", "actor", "reason", "created_at")


class CancelIn(Input):
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


# --- Placing --------------------------------------------------------------------------------


class PlacedOrderOut(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = (
            "order_no",
            "merchant_id",
            "status",
            "items_amount",
            "freight_amount",
            "discount_amount",
            "pay_amount",
            "remark",
        )


class PlacedTradeOut(serializers.Serializer):
    trade_no = serializers.CharField(source="trade.trade_no")
    status = serializers.CharField(source="trade.status")
    items_amount = _money(source="trade.items_amount")
    freight_amount = _money(source="trade.freight_amount")
    discount_amount = _money(source="trade.discount_amount")
    pay_amount = _money(source="trade.pay_amount")
    payment_deadline = serializers.DateTimeField(source="trade.payment_deadline")
    orders = PlacedOrderOut(many=True)


# --- Back office ----------------------------------------------------------------------------


class OrderNoteOut(serializers.ModelSerializer):
    class Meta:
        model = OrderNote
        fields = ("id", "author_id", "body", "created_at")


class AdminOrderOut(OrderOut):
    fulfilment_held = serializers.BooleanField(
        read_only=True, help_text="Paid or not, the order may not ship yet (409 fulfilment_held)."
    )

    class Meta(OrderOut.Meta):
        fields = ("buyer_id", *OrderOut.Meta.fields, "fulfilment_held")


class AdminOrderDetailOut(AdminOrderOut):
    logs = OrderLogOut(many=True)
    notes = OrderNoteOut(many=True)

    class Meta(AdminOrderOut.Meta):
        fields = (*AdminOrderOut.Meta.fields, "logs", "notes")


class AdminOrderPageOut(_Page):
    results = AdminOrderOut(many=True)


class AdminOrderFilterIn(QueryInput):
    order_no = serializers.CharField(max_length=40, required=False)
    buyer_id = serializers.IntegerField(min_value=1, required=False)
    status = serializers.ChoiceField(choices=STATUS_CHOICES, required=False)
    created_from = serializers.DateTimeField(required=False)
    created_to = serializers.DateTimeField(required=False)

    def validate(self, attrs: dict) -> dict:
        start, end = attrs.get("created_from"), attrs.get("created_to")
        if start and end and start > end:
            raise serializers.ValidationError({"created_to": "Must not be before created_from."})
        return attrs


class ParcelLineIn(Input):
    sku_id = id_field()
    quantity = positive_int(min_value=1)


class ParcelIn(Input):
    """A parcel: the carrier and either the merchant's tracking number or `waybill: true` (the
    carrier makes an e-waybill). `lines` (SKU and units) default to everything not shipped."""

    carrier_code = serializers.RegexField(r"^[A-Za-z0-9_\-]+$", max_length=32)
    tracking_number = serializers.RegexField(
        r"^[A-Za-z0-9\-]+$", max_length=64, required=False, default=""
    )
    waybill = serializers.BooleanField(default=False)
    lines = ParcelLineIn(many=True, required=False, min_length=1, max_length=200)

    def validate(self, attrs):
        if bool(attrs.get("tracking_number")) == bool(attrs.get("waybill")):
            raise serializers.ValidationError(
                {"tracking_number": ["Give a tracking number, or waybill: true (not both)."]}
            )
        return attrs


class ParcelLineOut(serializers.Serializer):
    sku_id = serializers.IntegerField()
    quantity = serializers.IntegerField()


class ParcelTrackingOut(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    code = serializers.CharField()
    kind = serializers.CharField()
    description = serializers.CharField()
    location = serializers.CharField()


class ParcelOut(serializers.Serializer):
    """A parcel of the buyer's order with its route, oldest event first."""

    id = serializers.IntegerField()
    carrier_code = serializers.CharField()
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    lines = ParcelLineOut(many=True)
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    tracking = ParcelTrackingOut(many=True)


class ParcelCreatedOut(serializers.Serializer):
    """A parcel just created, with the carrier's label data for an e-waybill ({} otherwise)."""

    id = serializers.IntegerField()
    order_no = serializers.CharField()
    merchant_id = serializers.IntegerField()
    carrier_code = serializers.CharField()
    tracking_number = serializers.CharField()
    status = serializers.CharField()
    lines = ParcelLineOut(many=True)
    label = serializers.DictField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


class NoteIn(Input):
    body = multiline_text(max_length=1000)
