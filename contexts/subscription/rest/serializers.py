"""Input and output shapes of subscription's endpoints. Money leaves as strings."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contexts.subscription.domain import MembershipState, Period
from contexts.subscription.models import Invoice, Membership, Plan
from shared.rest.fields import id_field, money_amount, positive_int
from shared.rest.serializers import Input, QueryInput

PERIODS = [p.value for p in Period]
STATES = [s.value for s in MembershipState]


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class _Page(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class PlanOut(serializers.ModelSerializer):
    price = _money()
    points_multiplier = serializers.DecimalField(max_digits=4, decimal_places=2)
    member_discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, help_text="The member price: percent off every item."
    )

    class Meta:
        model = Plan
        fields = (
            "id",
            "code",
            "name",
            "period",
            "price",
            "trial_days",
            "free_shipping",
            "points_multiplier",
            "member_discount_percent",
            "is_active",
        )


class PlanPageOut(_Page):
    results = PlanOut(many=True)


class PlanIn(Input):
    code = serializers.SlugField(max_length=40)
    name = serializers.CharField(max_length=80)
    period = serializers.ChoiceField(choices=PERIODS)
    price = money_amount(min_value=Decimal("0.01"))
    trial_days = positive_int(min_value=0, max_value=365, default=0)
    free_shipping = serializers.BooleanField(default=False)
    points_multiplier = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal(1),
        max_value=Decimal(10),
        default=Decimal(1),
    )
    member_discount_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(90),
        default=Decimal(0),
    )
    is_active = serializers.BooleanField(default=True)


class PlanUpdateIn(Input):
    name = serializers.CharField(max_length=80, required=False)
    price = money_amount(min_value=Decimal("0.01"), required=False)
    trial_days = positive_int(min_value=0, max_value=365, required=False)
    free_shipping = serializers.BooleanField(required=False)
    points_multiplier = serializers.DecimalField(
        max_digits=4, decimal_places=2, min_value=Decimal(1), max_value=Decimal(10), required=False
    )
    member_discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(90), required=False
    )
    is_active = serializers.BooleanField(required=False)


class PlanChoiceIn(Input):
    plan_id = id_field()


class AutoRenewIn(Input):
    provider = serializers.CharField(max_length=20, help_text="An enabled provider's code.")


class PayOut(serializers.Serializer):
    method = serializers.CharField()
    url = serializers.CharField()
    body = serializers.DictField(child=serializers.CharField())


class InvoiceOut(serializers.ModelSerializer):
    amount = _money()
    plan_code = serializers.CharField(source="plan.code")
    pay = serializers.SerializerMethodField(
        help_text="How to pay an open invoice: POST this payments endpoint (with an "
        "Idempotency-Key header) and follow its `client`. Null once paid or void."
    )

    class Meta:
        model = Invoice
        fields = (
            "invoice_no",
            "kind",
            "plan_code",
            "amount",
            "state",
            "period_start",
            "period_end",
            "payment_no",
            "paid_at",
            "attempts",
            "created_at",
            "pay",
        )

    @extend_schema_field(PayOut(allow_null=True))
    def get_pay(self, invoice: Invoice) -> dict | None:
        if invoice.state != Invoice.State.OPEN:
            return None
        return {
            "method": "POST",
            "url": f"/api/v1/payables/subscription/{invoice.invoice_no}/payments",
            "body": {"provider": "sandbox", "channel": "page"},
        }


class InvoicePageOut(_Page):
    results = InvoiceOut(many=True)


class MembershipOut(serializers.ModelSerializer):
    plan = PlanOut()
    next_plan = PlanOut(allow_null=True, help_text="A downgrade waiting for the next renewal.")
    state = serializers.ChoiceField(choices=STATES)

    class Meta:
        model = Membership
        fields = (
            "member_no",
            "plan",
            "next_plan",
            "state",
            "current_period_start",
            "current_period_end",
            "in_trial",
            "grace_until",
            "auto_renew",
        )


class SubscribedOut(serializers.Serializer):
    membership = MembershipOut()
    invoice = InvoiceOut(allow_null=True, help_text="What to pay now (null: nothing).")


class AutoRenewAgreementOut(serializers.Serializer):
    agreement_no = serializers.CharField()
    provider = serializers.CharField()
    state = serializers.CharField()
    sign_url = serializers.CharField(help_text="POST it (the sandbox) or open it to sign.")


class MembersQuery(QueryInput):
    email = serializers.EmailField(required=False, help_text="The member's exact email.")
    state = serializers.ChoiceField(choices=STATES, required=False)
    plan_id = id_field(required=False)


class StaffMembershipOut(MembershipOut):
    user_id = serializers.IntegerField()
    user_name = serializers.SerializerMethodField()

    class Meta(MembershipOut.Meta):
        fields = (*MembershipOut.Meta.fields, "user_id", "user_name", "agreement_no")

    def get_user_name(self, membership: Membership) -> str:
        return self.context.get("names", {}).get(membership.user_id, "")


class StaffMembershipPageOut(_Page):
    results = StaffMembershipOut(many=True)
