"""Flash sale sessions, their items, the buyers' purchases (tickets) and, for the database
stock engine, each buyer's count per item.

Other contexts are referenced by id: `sku_id`/`merchant_id` (catalog), `user_id`/`address_id`
(identity), `order_no` (ordering). CHECK constraints keep the counters in range (MariaDB
enforces them): the database engine's `remaining` never goes below zero.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from contexts.flashsale.domain import ItemStatus, PurchaseStatus, SessionStatus
from shared.money import money_field

SESSION_STATUS_CHOICES = [(s.value, s.value) for s in SessionStatus]
ITEM_STATUS_CHOICES = [(s.value, s.value) for s in ItemStatus]
PURCHASE_STATUS_CHOICES = [(s.value, s.value) for s in PurchaseStatus]


class FlashSession(models.Model):
    name = models.CharField(max_length=100)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=12,
        choices=SESSION_STATUS_CHOICES,
        default=SessionStatus.DRAFT.value,
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="flash_session_ends_after_start",
                violation_error_message="A session ends after it starts.",
            )
        ]
        indexes = [models.Index(fields=["status", "ends_at"], name="flash_session_status_end")]

    def __str__(self) -> str:
        return f"{self.name} ({self.starts_at:%Y-%m-%d %H:%M})"


class FlashItem(models.Model):
    session = models.ForeignKey(FlashSession, on_delete=models.PROTECT, related_name="items")
    sku_id = models.BigIntegerField()
    merchant_id = models.BigIntegerField(db_index=True)
    flash_price = money_field()
    flash_stock = models.PositiveIntegerField(help_text="Units taken out of normal stock.")
    per_user_limit = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=12,
        choices=ITEM_STATUS_CHOICES,
        default=ItemStatus.DRAFT.value,
    )
    # The database engine's counter (units left); the Redis engine counts in Redis.
    remaining = models.IntegerField(default=0)
    loaded_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    sold_units = models.PositiveIntegerField(default=0, help_text="Paid units at settlement.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "sku_id"],
                name="flash_item_session_sku",
                violation_error_message="This SKU is already in the session.",
            ),
            models.CheckConstraint(
                condition=Q(remaining__gte=0),
                name="flash_item_remaining_gte_0",
                violation_error_message="Units left cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(flash_stock__gt=0),
                name="flash_item_stock_gt_0",
                violation_error_message="A flash item needs at least one unit.",
            ),
            models.CheckConstraint(
                condition=Q(per_user_limit__gt=0),
                name="flash_item_limit_gt_0",
                violation_error_message="The per-buyer limit is at least one.",
            ),
        ]

    def __str__(self) -> str:
        return f"SKU {self.sku_id} @ {self.flash_price} x{self.flash_stock}"


class FlashPurchase(models.Model):
    """One accepted purchase attempt: the ticket the buyer polls."""

    ticket_no = models.CharField(max_length=40, unique=True)
    item = models.ForeignKey(FlashItem, on_delete=models.PROTECT, related_name="purchases")
    user_id = models.BigIntegerField()
    address_id = models.BigIntegerField()
    quantity = models.PositiveIntegerField(default=1)
    status = models.CharField(
        max_length=10,
        choices=PURCHASE_STATUS_CHOICES,
        default=PurchaseStatus.PENDING.value,
    )
    order_no = models.CharField(max_length=40, blank=True)
    failure_code = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    returned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["item", "status"], name="flash_purchase_item_status"),
            models.Index(fields=["user_id", "id"], name="flash_purchase_user"),
            models.Index(fields=["order_no"], name="flash_purchase_order"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_no} ({self.status})"


class FlashUserCount(models.Model):
    """Units one buyer holds of one item (database engine): the per-user limit's counter."""

    item = models.ForeignKey(FlashItem, on_delete=models.CASCADE, related_name="user_counts")
    user_id = models.BigIntegerField()
    units = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "user_id"],
                name="flash_user_count_item_user",
                violation_error_message="The buyer already has a count for this item.",
            ),
            models.CheckConstraint(
                condition=Q(units__gte=0),
                name="flash_user_count_gte_0",
                violation_error_message="A buyer's count cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id}: {self.units}"


class FlashReturn(models.Model):
    """A ticket whose units went back (database engine): give_back's idempotency key."""

    item = models.ForeignKey(FlashItem, on_delete=models.CASCADE, related_name="returns")
    ticket_no = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.ticket_no
