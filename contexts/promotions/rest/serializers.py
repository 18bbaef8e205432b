"""Input and output shapes of the promotions endpoints. Types and bounds only: the rules (rule
parameters, scope ids, the window, what a running activity may change) live in domain and
services."""

from __future__ import annotations

from rest_framework import serializers

from contexts.promotions import domain
from contexts.promotions.models import RULE_KINDS, SCOPE_KINDS, STATUSES, Activity
from shared.rest.fields import id_field, int_field, money_amount, positive_int
from shared.rest.serializers import Input, QueryInput


class ActivityIn(Input):
    """Create. `rule_params` by `rule_kind` (amounts as strings): spend_off {"tiers":
    [{"threshold": "200.00", "amount": "20.00"}]}, spend_percent {"tiers": [{"threshold",
    "percent_off"}]}, item_percent {"percent_off": "15"}, special_price {"prices": [{"sku_id",
    "price"}]}, buy_n_get_m {"buy": 2, "free": 1}, free_shipping {"threshold": "99.00"}, gift
    {"threshold", "gift_sku_id", "gift_quantity"}."""

    merchant_id = id_field(
        allow_null=True, default=None, help_text="The shop; null: a platform activity (staff)."
    )
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=300, allow_blank=True, default="")
    rule_kind = serializers.ChoiceField(choices=RULE_KINDS)
    rule_params = serializers.JSONField()
    scope_kind = serializers.ChoiceField(choices=SCOPE_KINDS, default=domain.ScopeKind.ALL.value)
    scope_ids = serializers.ListField(child=id_field(), max_length=200, default=list)
    exclusive = serializers.BooleanField(default=False)
    priority = int_field(min_value=-1000, max_value=1000, default=0)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    schedule = serializers.BooleanField(default=False, help_text="Schedule now (else a draft).")


class ActivityUpdateIn(Input):
    """Any subset; once started only name, description and ends_at (409 activity_running)."""

    name = serializers.CharField(max_length=100, required=False)
    description = serializers.CharField(max_length=300, allow_blank=True, required=False)
    rule_kind = serializers.ChoiceField(choices=RULE_KINDS, required=False)
    rule_params = serializers.JSONField(required=False)
    scope_kind = serializers.ChoiceField(choices=SCOPE_KINDS, required=False)
    scope_ids = serializers.ListField(child=id_field(), max_length=200, required=False)
    exclusive = serializers.BooleanField(required=False)
    priority = int_field(min_value=-1000, max_value=1000, required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)


class ActivityListQuery(QueryInput):
    merchant_id = id_field(required=False, help_text="Only this shop's activities.")
    platform = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only platform (true) / shop."
    )
    status = serializers.ChoiceField(choices=STATUSES, required=False)
    q = serializers.CharField(max_length=100, required=False, default="")


class ActivityOut(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=STATUSES, read_only=True)
    rule_params = serializers.JSONField()
    scope_ids = serializers.ListField(child=serializers.IntegerField())

    class Meta:
        model = Activity
        fields = (
            "id",
            "merchant_id",
            "name",
            "description",
            "status",
            "rule_kind",
            "rule_params",
            "scope_kind",
            "scope_ids",
            "exclusive",
            "priority",
            "starts_at",
            "ends_at",
            "scheduled",
            "paused",
            "ended_at",
            "created_at",
            "updated_at",
        )


class ActivityPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ActivityOut(many=True)


class PublicActivityOut(serializers.ModelSerializer):
    rule_params = serializers.JSONField()

    class Meta:
        model = Activity
        fields = (
            "id",
            "merchant_id",
            "name",
            "description",
            "rule_kind",
            "rule_params",
            "exclusive",
            "starts_at",
            "ends_at",
        )


class ProductActivitiesQuery(QueryInput):
    sku_id = id_field(help_text="The SKU the product page shows.")


class SampleItemIn(Input):
    sku_id = id_field()
    quantity = positive_int(min_value=1, max_value=999)


class SampleCartIn(Input):
    items = SampleItemIn(many=True, min_length=1, max_length=50)


class PromotionSampleLineOut(serializers.Serializer):
    sku_id = serializers.IntegerField()
    merchant_id = serializers.IntegerField()
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    unit_price = money_amount()
    subtotal = money_amount()
    discount_amount = money_amount()
    pay_amount = money_amount()


class ActivityNoteOut(serializers.Serializer):
    activity_id = serializers.IntegerField()
    reason = serializers.ChoiceField(choices=[(r.value, r.value) for r in domain.NoteReason])
    message = serializers.CharField()
    applied = serializers.BooleanField()
    sku_ids = serializers.ListField(child=serializers.IntegerField())
    merchant_id = serializers.IntegerField(allow_null=True)


class ActivityGiftOut(serializers.Serializer):
    activity_id = serializers.IntegerField()
    merchant_id = serializers.IntegerField()
    sku_id = serializers.IntegerField()
    quantity = serializers.IntegerField()


class SampleQuoteOut(serializers.Serializer):
    lines = PromotionSampleLineOut(many=True)
    items_amount = money_amount()
    discount_amount = money_amount()
    pay_amount = money_amount()
    applied_activity_ids = serializers.ListField(child=serializers.IntegerField())
    notes = ActivityNoteOut(many=True)
    gifts = ActivityGiftOut(many=True)


def sample_quote_data(quote) -> dict:
    return SampleQuoteOut(
        {
            "lines": quote.lines,
            "items_amount": quote.items_amount,
            "discount_amount": quote.discount_amount,
            "pay_amount": quote.pay_amount,
            "applied_activity_ids": list(quote.outcome.applied),
            "notes": quote.outcome.notes,
            "gifts": quote.outcome.gifts,
        }
    ).data
