"""Input and output shapes of the flash sale endpoints (types and bounds; rules are services')."""

from __future__ import annotations

from rest_framework import serializers

from contexts.flashsale.domain import SessionStatus
from contexts.flashsale.models import FlashItem, FlashPurchase, FlashSession
from shared.rest.fields import BIGINT_MAX, id_field, money_amount, positive_int
from shared.rest.serializers import Input, QueryInput, refuse_unsafe_text


class StorefrontItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    sku_id = serializers.IntegerField()
    spu_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    image_url = serializers.CharField()
    price = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    flash_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    flash_stock = serializers.IntegerField()
    per_user_limit = serializers.IntegerField()
    remaining = serializers.IntegerField(
        allow_null=True, help_text="Units left; null before the sale opens."
    )
    remaining_percent = serializers.IntegerField()
    sold_out = serializers.BooleanField()


class StorefrontSessionOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    state = serializers.CharField(help_text="upcoming or ongoing.")
    starts_in_seconds = serializers.IntegerField(help_text="Countdown to the start (server time).")
    ends_in_seconds = serializers.IntegerField(help_text="Countdown to the end (server time).")
    items = StorefrontItemOut(many=True)


class StorefrontSessionsOut(serializers.Serializer):
    server_time = serializers.DateTimeField()
    sessions = StorefrontSessionOut(many=True)


class StorefrontSessionDetailOut(StorefrontSessionOut):
    server_time = serializers.DateTimeField()


class PurchaseTokenOut(serializers.Serializer):
    token = serializers.CharField()
    expires_in = serializers.IntegerField()


class PurchaseIn(Input):
    token = serializers.CharField(max_length=64)
    address_id = id_field()
    quantity = positive_int(min_value=1, max_value=99, default=1)


class TicketOut(serializers.ModelSerializer):
    state = serializers.SerializerMethodField(help_text="pending, ordered or failed.")

    class Meta:
        model = FlashPurchase
        fields = ("ticket_no", "item_id", "quantity", "status", "state", "order_no", "failure_code")

    def get_state(self, purchase: FlashPurchase) -> str:
        return ticket_state(purchase)


def ticket_state(purchase: FlashPurchase) -> str:
    if purchase.status == "pending":
        return "pending"
    if purchase.order_no:
        return "ordered"
    return "failed"


class SessionIn(Input):
    name = serializers.CharField(max_length=100)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class SessionUpdateIn(SessionIn):
    name = serializers.CharField(max_length=100, required=False)
    starts_at = serializers.DateTimeField(required=False)
    ends_at = serializers.DateTimeField(required=False)


class SessionListQuery(QueryInput):
    status = serializers.ChoiceField(choices=[s.value for s in SessionStatus], required=False)


class ItemIn(Input):
    sku_id = id_field()
    flash_price = money_amount()
    flash_stock = positive_int(min_value=1, max_value=1_000_000)
    per_user_limit = positive_int(min_value=1, max_value=99, default=1)


class ItemOut(serializers.ModelSerializer):
    class Meta:
        model = FlashItem
        fields = (
            "id",
            "session_id",
            "sku_id",
            "merchant_id",
            "flash_price",
            "flash_stock",
            "per_user_limit",
            "status",
            "loaded_at",
            "settled_at",
            "sold_units",
        )


class SessionOut(serializers.ModelSerializer):
    class Meta:
        model = FlashSession
        fields = ("id", "name", "starts_at", "ends_at", "status", "created_at")


class SessionDetailOut(SessionOut):
    items = serializers.SerializerMethodField()

    class Meta(SessionOut.Meta):
        fields = (*SessionOut.Meta.fields, "items")

    def get_items(self, session) -> list[dict]:
        return ItemOut(self.context["items"], many=True).data


class SessionPageOut(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = SessionOut(many=True)


# --- The purchase endpoint's hot path ------------------------------------------------------
# A crowd calls the purchase endpoint at once, and building a serializer (its fields deep-copied
# and hardened per instance) costs more than the stock engine's take. The plain functions below
# answer the common case exactly as the serializers do (a test compares them on valid and
# invalid input) and leave everything else to the serializers, so every refusal is theirs.

_PURCHASE_KEYS = frozenset(("token", "address_id", "quantity"))


def _plain_int(value: object, low: int, high: int) -> bool:
    return type(value) is int and low <= value <= high


def purchase_input(data: object) -> dict:
    """PurchaseIn's validated data for `data` (a request body): the common shape (a JSON object
    of the declared keys, a one-line token, integers in range) checked inline, anything else
    through PurchaseIn itself (400 validation_error with its messages)."""
    if type(data) is dict and data.keys() <= _PURCHASE_KEYS:
        token = data.get("token")
        address_id = data.get("address_id")
        quantity = data.get("quantity", 1)
        if (
            type(token) is str
            and 0 < len(token) <= 64
            and token == token.strip()
            and not _refused_text(token)
            and _plain_int(address_id, 1, BIGINT_MAX)
            and _plain_int(quantity, 1, 99)
        ):
            return {"token": token, "address_id": address_id, "quantity": quantity}
    serializer = PurchaseIn(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _refused_text(value: str) -> bool:
    try:
        refuse_unsafe_text(value)
    except serializers.ValidationError:
        return True
    return False


def ticket_out(purchase: FlashPurchase) -> dict:
    """TicketOut(purchase).data, without building the serializer."""
    return {
        "ticket_no": str(purchase.ticket_no),
        "item_id": int(purchase.item_id),
        "quantity": int(purchase.quantity),
        "status": str(purchase.status),
        "state": ticket_state(purchase),
        "order_no": str(purchase.order_no),
        "failure_code": str(purchase.failure_code),
    }
