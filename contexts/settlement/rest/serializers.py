"""Input and output shapes of settlement's endpoints. Money leaves as strings; a payee
account is shown to staff and the merchant only as its last four characters."""

from __future__ import annotations

from rest_framework import serializers

from contexts.settlement.models import (
    CYCLES,
    PAYOUT_STATES,
    STATEMENT_STATES,
    CommissionRule,
    Payout,
    ReconciliationMismatch,
    SettlementLine,
    Statement,
)
from shared.rest.fields import id_field
from shared.rest.serializers import Input, QueryInput


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class _Page(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class LineOut(serializers.ModelSerializer):
    paid_amount = _money()
    platform_funded = _money()
    commission = _money()
    refunded = _money()
    commission_returned = _money()
    net_amount = _money()
    statement_no = serializers.CharField(
        source="statement.statement_no", default=None, allow_null=True
    )

    class Meta:
        model = SettlementLine
        fields = (
            "id",
            "merchant_id",
            "kind",
            "order_no",
            "trade_no",
            "refund_no",
            "paid_amount",
            "platform_funded",
            "commission",
            "refunded",
            "commission_returned",
            "net_amount",
            "completed_at",
            "settleable_at",
            "statement_no",
        )


class PayoutOut(serializers.ModelSerializer):
    amount = _money()
    statement_no = serializers.CharField(source="statement.statement_no")
    payee = serializers.SerializerMethodField()

    class Meta:
        model = Payout
        fields = (
            "payout_no",
            "statement_no",
            "merchant_id",
            "amount",
            "state",
            "provider",
            "payee",
            "attempts",
            "transfer_no",
            "failure_code",
            "created_at",
            "paid_at",
        )

    def get_payee(self, payout: Payout) -> str:
        return f"***{payout.payee_account[-4:]}"


class StatementOut(serializers.ModelSerializer):
    paid_total = _money()
    platform_funded_total = _money()
    commission_total = _money()
    refund_total = _money()
    commission_returned_total = _money()
    net_total = _money()
    payout_no = serializers.SerializerMethodField()

    class Meta:
        model = Statement
        fields = (
            "statement_no",
            "merchant_id",
            "cycle",
            "period_start",
            "period_end",
            "state",
            "line_count",
            "paid_total",
            "platform_funded_total",
            "commission_total",
            "refund_total",
            "commission_returned_total",
            "net_total",
            "issued_at",
            "approved_at",
            "paid_at",
            "reconciled_at",
            "payout_no",
        )

    def get_payout_no(self, statement: Statement) -> str | None:
        payout = getattr(statement, "payout", None)
        return payout.payout_no if payout is not None else None


class StatementPageOut(_Page):
    results = StatementOut(many=True)


class LinePageOut(_Page):
    results = LineOut(many=True)


class PayoutPageOut(_Page):
    results = PayoutOut(many=True)


class StatementQuery(QueryInput):
    merchant_id = id_field(required=False)
    state = serializers.ChoiceField(choices=STATEMENT_STATES, required=False)


class LineQuery(QueryInput):
    merchant_id = id_field(required=False)


class PayoutQuery(QueryInput):
    state = serializers.ChoiceField(choices=PAYOUT_STATES, required=False)


class RunIn(Input):
    merchant_id = id_field(required=False)
    today = serializers.DateField(required=False)


class CommissionRuleOut(serializers.ModelSerializer):
    rate = serializers.DecimalField(max_digits=5, decimal_places=4)

    class Meta:
        model = CommissionRule
        fields = ("id", "merchant_id", "category_id", "rate", "note", "updated_at")


class CommissionRulePageOut(_Page):
    results = CommissionRuleOut(many=True)


class CommissionRuleIn(Input):
    merchant_id = id_field(required=False, allow_null=True, default=None)
    category_id = id_field(required=False, allow_null=True, default=None)
    rate = serializers.DecimalField(max_digits=5, decimal_places=4, min_value=0, max_value=1)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SettlementProfileIn(Input):
    cycle = serializers.ChoiceField(choices=CYCLES)
    payee_provider = serializers.CharField(max_length=20)
    payee_account = serializers.CharField(max_length=100)
    payee_name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


class SettlementProfileOut(serializers.Serializer):
    merchant_id = serializers.IntegerField()
    cycle = serializers.CharField()
    payee_provider = serializers.CharField()
    payee = serializers.SerializerMethodField()

    def get_payee(self, profile) -> str:
        return f"***{profile.payee_account[-4:]}"


class MismatchOut(serializers.ModelSerializer):
    statement_no = serializers.CharField(source="statement.statement_no")
    ours = _money()
    theirs = _money()

    class Meta:
        model = ReconciliationMismatch
        fields = ("id", "statement_no", "trade_no", "kind", "ours", "theirs", "checked_at")


class MismatchPageOut(_Page):
    results = MismatchOut(many=True)
