"""Input and output shapes of the after-sales endpoints. Money leaves as strings."""

from __future__ import annotations

from rest_framework import serializers

from contexts.aftersales import domain
from contexts.aftersales.models import (
    KIND_CHOICES,
    REASON_CHOICES,
    STATUS_CHOICES,
    AftersalesRequest,
    RequestLog,
    RequestMessage,
    Ticket,
    TicketMessage,
)
from shared.rest.fields import id_field, money_amount, positive_int
from shared.rest.serializers import Input, MultilineCharField, QueryInput

_KINDS = [k for k, _ in KIND_CHOICES]
_STATUSES = [s for s, _ in STATUS_CHOICES]
_REASONS = [r for r, _ in REASON_CHOICES]
_NUMBER = {"max_length": 40, "min_length": 1}


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, **kwargs)


def _evidence(**kwargs) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(max_length=200),
        max_length=domain.EVIDENCE_MAX,
        required=False,
        help_text="Keys of uploaded images in the media storage "
        '("aftersales/2026/12/<32 hex>.jpg").',
        **kwargs,
    )


class _Page(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)


class AftersalesRequestOut(serializers.ModelSerializer):
    amount = _money()

    class Meta:
        model = AftersalesRequest
        fields = (
            "request_no",
            "kind",
            "status",
            "reason_code",
            "description",
            "evidence",
            "order_no",
            "line_id",
            "sku_id",
            "title",
            "quantity",
            "amount",
            "merchant_id",
            "decision_note",
            "return_carrier_code",
            "return_tracking_number",
            "return_shipped_at",
            "received_at",
            "inspection_passed",
            "reship_carrier_code",
            "reship_tracking_number",
            "reshipped_at",
            "refund_no",
            "refunded_at",
            "due_at",
            "created_at",
            "updated_at",
        )


class AftersalesStaffRequestOut(AftersalesRequestOut):
    class Meta(AftersalesRequestOut.Meta):
        fields = (*AftersalesRequestOut.Meta.fields, "buyer_id", "refund_attempts")


class AftersalesLogOut(serializers.ModelSerializer):
    class Meta:
        model = RequestLog
        fields = ("from_status", "to_status", "actor", "role", "reason", "created_at")


class AftersalesMessageOut(serializers.ModelSerializer):
    class Meta:
        model = RequestMessage
        fields = ("id", "author_id", "role", "body", "attachments", "created_at")


class AftersalesRequestDetailOut(AftersalesRequestOut):
    timeline = AftersalesLogOut(source="logs", many=True)
    messages = AftersalesMessageOut(many=True)

    class Meta(AftersalesRequestOut.Meta):
        fields = (*AftersalesRequestOut.Meta.fields, "timeline", "messages")


class AftersalesStaffRequestDetailOut(AftersalesStaffRequestOut):
    timeline = AftersalesLogOut(source="logs", many=True)
    messages = AftersalesMessageOut(many=True)

    class Meta(AftersalesStaffRequestOut.Meta):
        fields = (*AftersalesStaffRequestOut.Meta.fields, "timeline", "messages")


class AftersalesRequestPageOut(_Page):
    results = AftersalesRequestOut(many=True)


class AftersalesStaffRequestPageOut(_Page):
    results = AftersalesStaffRequestOut(many=True)


class AftersalesApplyIn(Input):
    order_no = serializers.CharField(**_NUMBER)
    line_id = id_field(required=False, help_text="The order line; or name it by `sku_id`.")
    sku_id = id_field(required=False, help_text="The SKU of the order line (instead of line_id).")
    kind = serializers.ChoiceField(choices=_KINDS)
    quantity = positive_int(min_value=1, max_value=100_000)
    reason_code = serializers.ChoiceField(choices=_REASONS)
    description = MultilineCharField(max_length=500, required=False, allow_blank=True)
    evidence = _evidence()
    amount = money_amount(
        required=False,
        allow_null=True,
        help_text="The refund asked for (refund kinds); absent: the most these units may give "
        "back (the line's paid share after its discounts, minus what was refunded).",
    )

    def validate(self, attrs):
        if ("line_id" in attrs) == ("sku_id" in attrs):
            raise serializers.ValidationError({"line_id": ["Give line_id or sku_id (one)."]})
        return attrs


class AftersalesMyRequestsQuery(QueryInput):
    status = serializers.ChoiceField(choices=_STATUSES, required=False)


class AftersalesQueueQuery(QueryInput):
    status = serializers.ChoiceField(choices=_STATUSES, required=False)
    kind = serializers.ChoiceField(choices=_KINDS, required=False)
    merchant_id = id_field(required=False)
    buyer_id = id_field(required=False)
    order_no = serializers.CharField(required=False, **_NUMBER)


class AftersalesShipmentIn(Input):
    carrier_code = serializers.CharField(max_length=32, min_length=1)
    tracking_number = serializers.CharField(max_length=64, min_length=1)


class AftersalesNoteIn(Input):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AftersalesRejectIn(Input):
    reason = serializers.CharField(max_length=200, min_length=1)


class AftersalesInspectIn(Input):
    passed = serializers.BooleanField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AftersalesArbitrateIn(Input):
    decision = serializers.ChoiceField(choices=["buyer", "merchant"])
    reason = serializers.CharField(max_length=200, min_length=1)


class AftersalesMessageIn(Input):
    body = MultilineCharField(max_length=1000, min_length=1)
    attachments = _evidence()


# --- Tickets ----------------------------------------------------------------------------------


class AftersalesTicketMessageOut(serializers.ModelSerializer):
    class Meta:
        model = TicketMessage
        fields = ("id", "author_id", "role", "body", "attachments", "created_at")


class AftersalesTicketOut(serializers.ModelSerializer):
    request_no = serializers.CharField(source="request.request_no", allow_null=True, default=None)

    class Meta:
        model = Ticket
        fields = (
            "ticket_no",
            "subject",
            "request_no",
            "merchant_id",
            "status",
            "assignee_id",
            "sla_due_at",
            "escalation_level",
            "escalated_at",
            "created_at",
            "updated_at",
        )


class AftersalesTicketDetailOut(AftersalesTicketOut):
    messages = AftersalesTicketMessageOut(many=True)

    class Meta(AftersalesTicketOut.Meta):
        fields = (*AftersalesTicketOut.Meta.fields, "messages")


class AftersalesTicketPageOut(_Page):
    results = AftersalesTicketOut(many=True)


class AftersalesTicketOpenIn(Input):
    subject = serializers.CharField(max_length=120, min_length=1)
    body = MultilineCharField(max_length=2000, min_length=1)
    request_no = serializers.CharField(required=False, **_NUMBER)
    attachments = _evidence()


class AftersalesTicketReplyIn(Input):
    body = MultilineCharField(max_length=2000, min_length=1)
    attachments = _evidence()


class AftersalesTicketAssignIn(Input):
    assignee_id = id_field(allow_null=True)


class AftersalesTicketResolveIn(Input):
    close = serializers.BooleanField(required=False, default=False)


class AftersalesTicketQueueQuery(QueryInput):
    status = serializers.ChoiceField(choices=list(Ticket.STATUSES), required=False)
    assignee_id = id_field(required=False)
    escalated = serializers.BooleanField(required=False, allow_null=True, default=None)


class AftersalesEvidenceIn(Input):
    file = serializers.FileField()


class AftersalesEvidenceOut(serializers.Serializer):
    key = serializers.CharField(source="name", help_text="Pass it in `evidence` / `attachments`.")
    url = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
