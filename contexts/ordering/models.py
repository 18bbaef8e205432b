"""Trades, orders, their lines and logs, staff notes, idempotency keys.

A trade is what the buyer pays once; it holds one order per merchant. Orders copy what was bought
(title, spec, image, prices) and where it goes (the address), because the catalog and the
address book keep changing afterwards. Buyers, merchants and SKUs are other contexts' ids.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from contexts.ordering.domain.states import INITIAL_STATUS, OrderStatus, TradeStatus
from shared.money import money_field

NUMBER_LENGTH = 40
STATUS_CHOICES = [(s.value, s.value) for s in OrderStatus]
# How an order's stock is held: reserved against normal stock at placement (every cart and
# buy-now order), or preallocated by the context that placed it (flash sale: the units were
# taken out of normal stock when the sale was scheduled), so ordering neither reserves, commits
# nor releases it and the placing context takes a cancelled order's units back.
STOCK_RESERVE = "reserve"
STOCK_PREALLOCATED = "preallocated"
STOCK_MODES = (STOCK_RESERVE, STOCK_PREALLOCATED)
SOURCE_MAX_LENGTH = 20
SOURCE_REF_MAX_LENGTH = 64


class Trade(models.Model):
    trade_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    buyer_id = models.BigIntegerField(db_index=True)
    status = models.CharField(
        max_length=20,
        choices=[(s.value, s.value) for s in TradeStatus],
        default=TradeStatus.UNPAID.value,
    )
    # Sums of the trade's orders at placement.
    items_amount = money_field()
    freight_amount = money_field()
    discount_amount = money_field()
    pay_amount = money_field()
    paid_amount = money_field(null=True, blank=True)
    payment_ref = models.CharField(max_length=128, blank=True)
    payment_deadline = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.trade_no


class Order(models.Model):
    order_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    trade = models.ForeignKey(Trade, on_delete=models.PROTECT, related_name="orders")
    buyer_id = models.BigIntegerField()
    merchant_id = models.BigIntegerField()
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=INITIAL_STATUS.value)

    items_amount = money_field()
    freight_amount = money_field()
    # Line discounts + freight discounts.
    discount_amount = money_field()
    pay_amount = money_field()
    # Order-level view of the discounts: [{"source", "target", "amount", "reference"}].
    discounts = models.JSONField(default=list, blank=True)
    paid_amount = money_field(null=True, blank=True)
    payment_ref = models.CharField(max_length=128, blank=True)
    remark = models.CharField(max_length=200, blank=True)

    # Address snapshot.
    receiver_name = models.CharField(max_length=50)
    receiver_phone = models.CharField(max_length=32)
    province_code = models.CharField(max_length=12)
    city_code = models.CharField(max_length=12)
    district_code = models.CharField(max_length=12)
    address_detail = models.CharField(max_length=255)

    carrier_code = models.CharField(max_length=32, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    cancel_reason = models.CharField(max_length=200, blank=True)
    # Special-priced orders placed by a trusted context (api.place_special_order): which one
    # ("flashsale") and its idempotency reference (NULL for checkout orders: NULLs never clash
    # in the unique index, so a context's reference places at most one order).
    source = models.CharField(max_length=SOURCE_MAX_LENGTH, blank=True, default="")
    source_ref = models.CharField(max_length=SOURCE_REF_MAX_LENGTH, null=True, blank=True)
    stock_mode = models.CharField(
        max_length=12, choices=[(m, m) for m in STOCK_MODES], default=STOCK_RESERVE
    )
    # A held order is not shipped even once paid (a group buy's order until its group fills);
    # its placing context releases it (services/fulfilment.py).
    fulfilment_held = models.BooleanField(default=False)

    payment_deadline = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_ref"],
                name="order_source_ref",
                violation_error_message="An order was already placed for this source reference.",
            )
        ]
        indexes = [
            models.Index(fields=["buyer_id", "status", "id"], name="order_buyer_status"),
            models.Index(fields=["merchant_id", "status", "id"], name="order_merchant_status"),
            models.Index(fields=["created_at"], name="order_created"),
            # The timers' scans: unpaid past the deadline, delivered long enough ago.
            models.Index(fields=["status", "payment_deadline"], name="order_status_deadline"),
            models.Index(fields=["status", "delivered_at"], name="order_status_delivered"),
        ]

    def __str__(self) -> str:
        return self.order_no


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku_id = models.BigIntegerField(db_index=True)
    spu_id = models.BigIntegerField()
    title = models.CharField(max_length=255)
    spec = models.CharField(max_length=255, blank=True)
    image_url = models.CharField(max_length=500, blank=True)
    unit_price = money_field()
    quantity = models.PositiveIntegerField()
    subtotal = money_field()
    discount_amount = money_field()
    pay_amount = money_field()
    # This line's share of each discount: [{"source", "amount", "reference"}] (for refunds).
    discounts = models.JSONField(default=list, blank=True)
    # A gift a pricing step added (a promotion's 满赠): priced 0, its stock reserved as any line.
    gift = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.title} x{self.quantity}"


class OrderLog(models.Model):
    """One row per status change: who (a user id or "system"), why, when."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="logs")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    actor = models.CharField(max_length=32)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status} by {self.actor}"


class OrderNote(models.Model):
    """A merchant's or staff member's internal note on an order (never shown to the buyer)."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    author_id = models.BigIntegerField()
    body = models.TextField(max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"note by {self.author_id} on {self.order_id}"


class IdempotencyKey(models.Model):
    """The first response to a (user, Idempotency-Key) pair, replayed for repeats until expiry.

    The row is inserted first in the placing transaction: a concurrent duplicate blocks on the
    unique index until the first commits (then replays its response) or rolls back.
    """

    user_id = models.BigIntegerField()
    key = models.CharField(max_length=128)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "key"],
                name="idempotency_user_key",
                violation_error_message="This idempotency key was already used by this buyer.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"


class OrderLineRefund(models.Model):
    """Money (and units) of one order line given back for one reference (an after-sales request:
    "aftersales:<request_no>"): the line's ledger of refunds, so no two refunds together ever
    pass what the line was paid (services/refunds.py locks the order row to check it).

    `pending` counts against the line from the moment the refund is asked for, `refunded` once
    the money went back; `released` (a refund that will not happen) counts no more."""

    PENDING = "pending"
    REFUNDED = "refunded"
    RELEASED = "released"
    STATES = (PENDING, REFUNDED, RELEASED)

    line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="line_refunds")
    reference = models.CharField(max_length=SOURCE_REF_MAX_LENGTH, unique=True)
    quantity = models.PositiveIntegerField()
    amount = money_field()
    # Whether the units were still with the merchant (the order not shipped yet) when refunded.
    before_shipment = models.BooleanField(default=False)
    state = models.CharField(
        max_length=10, choices=[(s, s) for s in STATES], default=PENDING, db_index=True
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.reference}: {self.quantity} / {self.amount} ({self.state})"
