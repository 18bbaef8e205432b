"""Input and output shapes of loyalty's endpoints. Types and bounds only: the rules live in
services."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from contexts.loyalty.models import EntryKind, LevelRule, PointsEntry
from shared.rest.fields import id_field, int_field, money_amount, positive_int
from shared.rest.serializers import Input, QueryInput

# A staff adjustment at most this many points either way (far below a BIGINT).
MAX_ADJUSTMENT = 10_000_000


class LevelOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.IntegerField()
    multiplier = serializers.DecimalField(max_digits=5, decimal_places=2)
    free_shipping = serializers.BooleanField()


class PointsSummaryOut(serializers.Serializer):
    balance = serializers.IntegerField(help_text="Points that can be spent now.")
    held = serializers.IntegerField(help_text="Points held for orders awaiting payment.")
    expiring_soon = serializers.IntegerField(help_text="Points expiring by `expiring_before`.")
    expiring_before = serializers.DateTimeField()
    growth = serializers.DecimalField(max_digits=14, decimal_places=2)
    level = LevelOut()
    next_level = LevelOut(allow_null=True)
    growth_to_next_level = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True
    )


class EntryListQuery(QueryInput):
    kind = serializers.ChoiceField(choices=EntryKind.choices, required=False)


class EntryOut(serializers.ModelSerializer):
    class Meta:
        model = PointsEntry
        fields = (
            "id",
            "kind",
            "delta",
            "held_delta",
            "balance_after",
            "reference",
            "reason",
            "created_at",
        )


class EntryPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = EntryOut(many=True)


class StaffEntryOut(EntryOut):
    class Meta(EntryOut.Meta):
        fields = (*EntryOut.Meta.fields, "staff_user_id", "shortfall")


class PointsAdjustIn(Input):
    user_id = id_field()
    delta = int_field(
        min_value=-MAX_ADJUSTMENT,
        max_value=MAX_ADJUSTMENT,
        help_text="Points to add (positive) or take (negative); not 0.",
    )
    reason = serializers.CharField(max_length=200)


class LevelRuleIn(Input):
    code = serializers.SlugField(max_length=20)
    name = serializers.CharField(max_length=40)
    min_growth = money_amount()
    multiplier = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), default=Decimal("1.00")
    )
    free_shipping = serializers.BooleanField(default=False)
    birthday_points = positive_int(default=0)


class LevelRuleUpdateIn(LevelRuleIn):
    code = None


class LevelRuleOut(serializers.ModelSerializer):
    class Meta:
        model = LevelRule
        fields = (
            "id",
            "code",
            "name",
            "min_growth",
            "multiplier",
            "free_shipping",
            "birthday_points",
        )


class LevelRulePageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = LevelRuleOut(many=True)
