"""Input and output shapes of payments' endpoints. Money leaves as strings."""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from contexts.payments.domain.states import PaymentState, RefundState
from contexts.payments.models import BillMismatch, Payment, PaymentAgreement, Refund
from contexts.payments.services import CHANNELS
from shared.rest.fields import money_amount
from shared.rest.serializers import Input, QueryInput

PAYMENT_STATES = [s.value for s in PaymentState]
REFUND_STATES = [s.value for s in RefundState]


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class _Page(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class PaymentCreateIn(Input):
    provider = serializers.CharField(max_length=20, help_text="An enabled provider's code.")
    channel = serializers.ChoiceField(choices=list(CHANNELS))
    payer_openid = serializers.CharField(
        max_length=128, required=False, default="", help_text="WeChat JSAPI only."
    )


class RefundIn(Input):
    amount = money_amount(min_value=Decimal("0.01"))
    reason = serializers.CharField(max_length=200)


class RefundOut(serializers.ModelSerializer):
    amount = _money()

    class Meta:
        model = Refund
        fields = (
            "refund_no",
            "amount",
            "state",
            "reason",
            "failure_code",
            "created_at",
            "completed_at",
        )


class ClientOut(serializers.Serializer):
    kind = serializers.CharField(help_text="url, order_string, code_url or jsapi")
    data = serializers.DictField(child=serializers.CharField())


class PaymentOut(serializers.ModelSerializer):
    amount = _money()
    kind = serializers.CharField(
        help_text="What is paid: trade, or another context's payable (subscription); "
        "trade_no then holds that context's reference (an invoice number)."
    )
    client = serializers.SerializerMethodField()
    refunds = RefundOut(many=True, read_only=True)
    refund_reason = serializers.CharField(
        help_text="Why the money goes back to the buyer (e.g. the orders were cancelled)."
    )

    class Meta:
        model = Payment
        fields = (
            "payment_no",
            "kind",
            "trade_no",
            "provider",
            "channel",
            "amount",
            "state",
            "client",
            "paid_at",
            "refund_reason",
            "refunds",
            "created_at",
        )

    @extend_schema_field(ClientOut(allow_null=True))
    def get_client(self, payment: Payment) -> dict | None:
        if not payment.client_kind or payment.state != PaymentState.PENDING:
            return None
        return {"kind": payment.client_kind, "data": payment.client_data}


class AdminPaymentOut(PaymentOut):
    class Meta(PaymentOut.Meta):
        fields = (*PaymentOut.Meta.fields, "buyer_id", "provider_ref", "paid_amount")


class AdminRefundOut(RefundOut):
    payment_no = serializers.CharField(source="payment.payment_no")
    trade_no = serializers.CharField(source="payment.trade_no")

    class Meta(RefundOut.Meta):
        fields = (*RefundOut.Meta.fields, "payment_no", "trade_no", "requested_by", "attempts")


class PaymentPageOut(_Page):
    results = AdminPaymentOut(many=True)


class RefundPageOut(_Page):
    results = AdminRefundOut(many=True)


class BillMismatchOut(serializers.ModelSerializer):
    our_amount = _money()
    their_amount = _money()

    class Meta:
        model = BillMismatch
        fields = (
            "provider",
            "day",
            "kind",
            "our_count",
            "our_amount",
            "their_count",
            "their_amount",
            "checked_at",
            "resolved",
        )


class BillMismatchPageOut(_Page):
    results = BillMismatchOut(many=True)


class PaymentFilterIn(QueryInput):
    q = serializers.CharField(max_length=64, required=False, default="")
    state = serializers.ChoiceField(choices=PAYMENT_STATES, required=False, default="")
    provider = serializers.CharField(max_length=20, required=False, default="")


class RefundFilterIn(QueryInput):
    q = serializers.CharField(max_length=64, required=False, default="")
    state = serializers.ChoiceField(choices=REFUND_STATES, required=False, default="")


class BillMismatchFilterIn(QueryInput):
    resolved = serializers.BooleanField(required=False, allow_null=True, default=None)


class PaymentAgreementOut(serializers.ModelSerializer):
    class Meta:
        model = PaymentAgreement
        fields = ("agreement_no", "provider", "kind", "source_ref", "state", "signed_at")
