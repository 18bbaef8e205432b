"""Input and output shapes of inventory's endpoints."""

from __future__ import annotations

from rest_framework import serializers

from contexts.inventory.models import StockLedgerEntry, StockRecord, Warehouse
from shared.rest.fields import id_field, int_field, positive_int
from shared.rest.serializers import Input, QueryInput

MAX_UNITS_PER_REQUEST = 1_000_000


class WarehouseIn(Input):
    merchant_id = id_field()
    code = serializers.CharField(max_length=32)
    name = serializers.CharField(max_length=100)
    province_code = serializers.CharField(max_length=12)
    city_code = serializers.CharField(max_length=12, required=False, allow_blank=True, default="")
    is_active = serializers.BooleanField(required=False, default=True)
    priority = positive_int(max_value=1_000_000, required=False, default=100)


class WarehouseUpdateIn(Input):
    code = serializers.CharField(max_length=32, required=False)
    name = serializers.CharField(max_length=100, required=False)
    province_code = serializers.CharField(max_length=12, required=False)
    city_code = serializers.CharField(max_length=12, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    priority = positive_int(max_value=1_000_000, required=False)


class WarehouseQueryIn(QueryInput):
    merchant_id = id_field(required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


class WarehouseOut(serializers.ModelSerializer):
    class Meta:
        model = Warehouse
        fields = (
            "id",
            "merchant_id",
            "code",
            "name",
            "province_code",
            "city_code",
            "is_active",
            "priority",
            "created_at",
            "updated_at",
        )
        read_only_fields = fields


class WarehousePageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = WarehouseOut(many=True)


class StockQueryIn(QueryInput):
    sku_id = id_field(required=False)
    warehouse_id = id_field(required=False)
    low = serializers.BooleanField(required=False, allow_null=True, default=None)


class StockOut(serializers.ModelSerializer):
    warehouse_code = serializers.CharField(source="warehouse.code")
    merchant_id = serializers.IntegerField(source="warehouse.merchant_id")
    available = serializers.IntegerField()
    is_low = serializers.BooleanField()

    class Meta:
        model = StockRecord
        fields = (
            "id",
            "warehouse_id",
            "warehouse_code",
            "merchant_id",
            "sku_id",
            "on_hand",
            "reserved",
            "available",
            "low_stock_threshold",
            "is_low",
            "updated_at",
        )
        read_only_fields = fields


class StockPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = StockOut(many=True)


class InboundIn(Input):
    warehouse_id = id_field()
    sku_id = id_field()
    quantity = positive_int(min_value=1, max_value=MAX_UNITS_PER_REQUEST)
    reason = serializers.CharField(max_length=255)
    ref = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class AdjustIn(Input):
    warehouse_id = id_field()
    sku_id = id_field()
    counted = positive_int(max_value=MAX_UNITS_PER_REQUEST, help_text="Units counted on the shelf.")
    reason = serializers.CharField(max_length=255)
    ref = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class ThresholdIn(Input):
    low_stock_threshold = int_field(min_value=0, max_value=MAX_UNITS_PER_REQUEST)


class LedgerQueryIn(QueryInput):
    sku_id = id_field(required=False)
    warehouse_id = id_field(required=False)
    ref = serializers.CharField(max_length=64, required=False)


class LedgerOut(serializers.ModelSerializer):
    actor = serializers.CharField(help_text='"system" or the acting user\'s id.')

    class Meta:
        model = StockLedgerEntry
        fields = (
            "id",
            "stock_id",
            "sku_id",
            "warehouse_id",
            "operation",
            "actor",
            "actor_user_id",
            "reason",
            "ref",
            "delta",
            "on_hand_before",
            "on_hand_after",
            "reserved_before",
            "reserved_after",
            "created_at",
        )
        read_only_fields = fields


class LedgerPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LedgerOut(many=True)


MAX_AVAILABILITY_IDS = 100


class AvailabilityQueryIn(QueryInput):
    ids = serializers.CharField(
        help_text=f"Comma-separated SKU ids, at most {MAX_AVAILABILITY_IDS}."
    )

    def validate_ids(self, value: str) -> list[int]:
        parts = [part.strip() for part in value.split(",") if part.strip()]
        if not parts or not all(
            part.isascii() and part.isdigit() and 0 < int(part) < 2**63 for part in parts
        ):
            raise serializers.ValidationError("Give positive integer SKU ids separated by commas.")
        ids = list(dict.fromkeys(int(part) for part in parts))
        if len(ids) > MAX_AVAILABILITY_IDS:
            raise serializers.ValidationError(f"At most {MAX_AVAILABILITY_IDS} ids.")
        return ids


class AvailabilityOut(serializers.Serializer):
    sku_id = serializers.IntegerField()
    available = serializers.IntegerField()
    in_stock = serializers.BooleanField()
