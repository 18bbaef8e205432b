"""Input and output shapes of coupons' endpoints. Money leaves as strings; codes never leave
except through the staff export of a batch."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from contexts.coupons.models import CodeBatch, Coupon, CouponTemplate
from shared.rest.fields import id_field, money_amount, positive_int
from shared.rest.serializers import Input, QueryInput

T = CouponTemplate
MAX_SCOPE_IDS = 200


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class _Page(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


# --- Templates --------------------------------------------------------------------------------


class TemplateOut(serializers.ModelSerializer):
    """A template as buyers see it (what it grants, to whom, how many are left)."""

    amount = _money()
    max_discount = _money(allow_null=True)
    min_spend = _money()
    remaining = serializers.SerializerMethodField()

    class Meta:
        model = CouponTemplate
        fields = (
            "id",
            "name",
            "issuer",
            "merchant_id",
            "kind",
            "amount",
            "percent",
            "max_discount",
            "min_spend",
            "scope",
            "scope_ids",
            "validity",
            "valid_from",
            "valid_until",
            "valid_days",
            "claim_starts_at",
            "claim_ends_at",
            "per_user_limit",
            "audience",
            "stackable_with_promotions",
            "remaining",
        )

    def get_remaining(self, template: CouponTemplate) -> int:
        return template.total_quantity - template.issued


class AdminTemplateOut(TemplateOut):
    class Meta(TemplateOut.Meta):
        fields = (
            *TemplateOut.Meta.fields,
            "total_quantity",
            "issued",
            "new_user_days",
            "member_levels",
            "claimable",
            "status",
            "created_by",
            "created_at",
        )


class TemplatePageOut(_Page):
    results = TemplateOut(many=True)


class AdminTemplatePageOut(_Page):
    results = AdminTemplateOut(many=True)


class TemplateIn(Input):
    name = serializers.CharField(max_length=100)
    issuer = serializers.ChoiceField(choices=T.Issuer.choices)
    merchant_id = id_field(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=T.Kind.choices)
    amount = money_amount(default=Decimal("0.00"))
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100), default=0
    )
    max_discount = money_amount(required=False, allow_null=True, default=None)
    min_spend = money_amount(default=Decimal("0.00"))
    scope = serializers.ChoiceField(choices=T.Scope.choices, default=T.Scope.ALL)
    scope_ids = serializers.ListField(
        child=id_field(),
        max_length=MAX_SCOPE_IDS,
        default=list,
        help_text="Category ids (descendants included), SKU ids, or merchant ids, by scope.",
    )
    validity = serializers.ChoiceField(choices=T.Validity.choices, default=T.Validity.FIXED)
    valid_from = serializers.DateTimeField(required=False, allow_null=True, default=None)
    valid_until = serializers.DateTimeField(required=False, allow_null=True, default=None)
    valid_days = positive_int(min_value=1, max_value=3650, required=False, allow_null=True)
    claim_starts_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    claim_ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    total_quantity = positive_int(min_value=1, max_value=10_000_000)
    per_user_limit = positive_int(min_value=1, max_value=100, default=1)
    audience = serializers.ChoiceField(choices=T.Audience.choices, default=T.Audience.EVERYONE)
    new_user_days = positive_int(min_value=1, max_value=3650, default=30)
    member_levels = serializers.ListField(
        child=serializers.CharField(max_length=32), max_length=20, default=list
    )
    stackable_with_promotions = serializers.BooleanField(default=True)
    claimable = serializers.BooleanField(
        default=True, help_text="False: only through redeemable codes."
    )


class TemplateUpdateIn(Input):
    name = serializers.CharField(max_length=100, required=False)
    status = serializers.ChoiceField(choices=T.Status.choices, required=False)
    total_quantity = positive_int(min_value=1, max_value=10_000_000, required=False)
    claim_ends_at = serializers.DateTimeField(required=False)


class ClaimableQuery(QueryInput):
    merchant_id = id_field(required=False, help_text="Only this shop's coupons.")
    platform = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="Only the platform's coupons."
    )
    sku_id = id_field(required=False, help_text="Only coupons that cover this SKU.")


class AdminTemplateQuery(QueryInput):
    merchant_id = id_field(required=False)
    status = serializers.ChoiceField(choices=T.Status.choices, required=False)


# --- Coupons --------------------------------------------------------------------------------


class CouponOut(serializers.ModelSerializer):
    template = TemplateOut()
    status = serializers.SerializerMethodField()

    class Meta:
        model = Coupon
        fields = (
            "id",
            "status",
            "valid_from",
            "valid_until",
            "claimed_at",
            "used_at",
            "order_nos",
            "template",
        )

    def get_status(self, coupon: Coupon) -> str:
        """An available coupon past its validity reads as expired before the beat task runs."""
        from django.utils import timezone

        if coupon.status == Coupon.Status.AVAILABLE and coupon.valid_until <= timezone.now():
            return Coupon.Status.EXPIRED
        return coupon.status


class CouponPageOut(_Page):
    results = CouponOut(many=True)


class CouponOptionOut(serializers.Serializer):
    coupon_id = serializers.IntegerField()
    template_id = serializers.IntegerField()
    name = serializers.CharField()
    merchant_id = serializers.IntegerField(allow_null=True, help_text="None: a platform coupon.")
    valid_until = serializers.DateTimeField()
    discount = _money(help_text="What it takes off on its own.")
    usable = serializers.BooleanField()
    reason = serializers.CharField(help_text="Why it cannot be used (no_eligible_items, ...).")
    suggested = serializers.BooleanField(help_text="Part of the best combination.")


class CouponOptionsOut(serializers.Serializer):
    coupons = CouponOptionOut(many=True)


class MyCouponsQuery(QueryInput):
    status = serializers.ChoiceField(choices=Coupon.Status.choices, required=False)


class RedeemIn(Input):
    code = serializers.CharField(max_length=64, min_length=1)


# --- Codes ----------------------------------------------------------------------------------


class CodeBatchIn(Input):
    quantity = positive_int(min_value=1, max_value=1_000_000)
    max_redemptions = positive_int(
        min_value=1, max_value=1_000_000, default=1, help_text="1: each code is used once."
    )


class CodeBatchOut(serializers.ModelSerializer):
    class Meta:
        model = CodeBatch
        fields = (
            "id",
            "template_id",
            "quantity",
            "generated",
            "max_redemptions",
            "status",
            "created_at",
            "finished_at",
        )


class CodeOut(serializers.Serializer):
    code = serializers.CharField()
    max_redemptions = serializers.IntegerField()
    redeemed = serializers.IntegerField()


class CodePageOut(_Page):
    results = CodeOut(many=True)
