"""Input and output shapes of the freight template endpoints. Types and bounds only: the rules
(province codes, overlapping regional rules, one default) live in domain and services."""

from __future__ import annotations

from rest_framework import serializers

from contexts.logistics.models import (
    FreightRule,
    FreightTemplate,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)
from shared.rest.fields import id_field, money_amount, positive_int
from shared.rest.serializers import Input, QueryInput


def _provinces(**kwargs) -> serializers.ListField:
    return serializers.ListField(child=serializers.CharField(max_length=6), max_length=40, **kwargs)


class FreightRuleIn(Input):
    province_codes = _provinces(min_length=1)
    first_fee = money_amount()
    additional_fee = money_amount()


class FreightTemplateIn(Input):
    """Create: every field but the optional ones. Update (PATCH): any subset; `rules`, when
    sent, replace all regional rules. merchant_id is fixed at creation."""

    merchant_id = id_field()
    name = serializers.CharField(max_length=100)
    is_default = serializers.BooleanField(default=False)
    charge_by = serializers.ChoiceField(choices=FreightTemplate.ChargeByChoices.choices)
    first_unit = positive_int(min_value=1, help_text="Pieces, or grams by weight.")
    first_fee = money_amount()
    additional_unit = positive_int(min_value=1, help_text="Pieces, or grams.")
    additional_fee = money_amount()
    free_shipping_threshold = money_amount(allow_null=True, default=None)
    not_deliverable_provinces = _provinces(default=list)
    rules = FreightRuleIn(many=True, default=list, max_length=50)


class FreightTemplateUpdateIn(FreightTemplateIn):
    merchant_id = None


class FreightTemplateListQuery(QueryInput):
    merchant_id = id_field(required=False, help_text="Only this merchant's templates.")


class FreightRuleOut(serializers.ModelSerializer):
    class Meta:
        model = FreightRule
        fields = ("id", "province_codes", "first_fee", "additional_fee")


class FreightTemplateOut(serializers.ModelSerializer):
    rules = FreightRuleOut(many=True)

    class Meta:
        model = FreightTemplate
        fields = (
            "id",
            "merchant_id",
            "name",
            "is_default",
            "charge_by",
            "first_unit",
            "first_fee",
            "additional_unit",
            "additional_fee",
            "free_shipping_threshold",
            "not_deliverable_provinces",
            "rules",
            "created_at",
            "updated_at",
        )


class FreightTemplatePageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = FreightTemplateOut(many=True)


# --- Shipments ------------------------------------------------------------------------------


class ShipmentListQuery(QueryInput):
    order_no = serializers.RegexField(r"^[0-9A-Za-z]+$", max_length=40, required=False)
    tracking_number = serializers.RegexField(r"^[0-9A-Za-z\-]+$", max_length=64, required=False)
    status = serializers.ChoiceField(choices=Shipment.Status.choices, required=False)
    carrier_code = serializers.RegexField(r"^[A-Za-z0-9_\-]+$", max_length=32, required=False)


class ShipmentLineOut(serializers.ModelSerializer):
    class Meta:
        model = ShipmentLine
        fields = ("sku_id", "quantity")


class TrackingEventOut(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = ("occurred_at", "code", "kind", "description", "location", "received_at")


class ShipmentOut(serializers.ModelSerializer):
    lines = ShipmentLineOut(many=True)
    label = serializers.DictField(child=serializers.CharField())

    class Meta:
        model = Shipment
        fields = (
            "id",
            "order_no",
            "merchant_id",
            "buyer_id",
            "carrier_code",
            "tracking_number",
            "status",
            "lines",
            "label",
            "created_at",
            "delivered_at",
            "last_event_at",
            "last_polled_at",
        )


class ShipmentDetailOut(ShipmentOut):
    """A parcel with its receiver (for the label) and its route, oldest event first."""

    tracking = TrackingEventOut(many=True)

    class Meta(ShipmentOut.Meta):
        fields = (
            *ShipmentOut.Meta.fields,
            "receiver_name",
            "receiver_phone",
            "province_code",
            "city_code",
            "district_code",
            "address_detail",
            "tracking",
        )


class ShipmentPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ShipmentOut(many=True)


class PushAnswerOut(serializers.Serializer):
    return_code = serializers.CharField()
    return_msg = serializers.CharField()
