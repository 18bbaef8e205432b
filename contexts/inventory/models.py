"""Warehouses, stock records, reservations and the stock ledger.

Other contexts are referenced by id only: `merchant_id` (catalog's shop), `sku_id` (catalog's SKU),
`actor_user_id` (identity's user). The database itself refuses impossible stock levels through
CHECK constraints (MariaDB enforces them): on_hand >= 0, reserved >= 0, reserved <= on_hand.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

DEFAULT_LOW_STOCK_THRESHOLD = 10


class Warehouse(models.Model):
    merchant_id = models.BigIntegerField(db_index=True)
    code = models.CharField(max_length=32, help_text="Unique within the merchant, e.g. BJ-01.")
    name = models.CharField(max_length=100)
    province_code = models.CharField(max_length=12, help_text="GB/T 2260 code, e.g. 110000.")
    city_code = models.CharField(max_length=12, blank=True)
    is_active = models.BooleanField(default=True)
    priority = models.PositiveIntegerField(
        default=100, help_text="Lower is preferred when the buyer's region and stock are equal."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["merchant_id", "priority", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant_id", "code"],
                name="warehouse_merchant_code",
                violation_error_message="The shop already has a warehouse with this code.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name} (merchant {self.merchant_id})"


class StockRecord(models.Model):
    """The stock of one SKU in one warehouse. available = on_hand - reserved."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    sku_id = models.BigIntegerField(db_index=True)
    # Signed columns on purpose: the CHECK constraints, not UNSIGNED arithmetic, guard the range.
    on_hand = models.IntegerField(default=0)
    reserved = models.IntegerField(default=0)
    low_stock_threshold = models.IntegerField(default=DEFAULT_LOW_STOCK_THRESHOLD)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku_id", "warehouse_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "sku_id"],
                name="stock_warehouse_sku",
                violation_error_message="The warehouse already has a stock record for this SKU.",
            ),
            models.CheckConstraint(
                condition=Q(on_hand__gte=0),
                name="stock_on_hand_gte_0",
                violation_error_message="Stock on hand cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(reserved__gte=0),
                name="stock_reserved_gte_0",
                violation_error_message="Reserved stock cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(reserved__lte=F("on_hand")),
                name="stock_reserved_lte_on_hand",
                violation_error_message="Reserved stock cannot exceed the stock on hand.",
            ),
            models.CheckConstraint(
                condition=Q(low_stock_threshold__gte=0),
                name="stock_threshold_gte_0",
                violation_error_message="The low-stock threshold cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"SKU {self.sku_id} @ warehouse {self.warehouse_id}: {self.on_hand}/{self.reserved}"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved

    @property
    def is_low(self) -> bool:
        return self.available <= self.low_stock_threshold


class Reservation(models.Model):
    """Units of one SKU held in one warehouse for one order (the order number is `order_ref`).

    held -> released (cancel, timeout) | committed (paid: deducted from on hand)
    committed -> restored (refund/return: `restored_quantity` units back on hand)
    """

    class Status(models.TextChoices):
        HELD = "held"
        RELEASED = "released"
        COMMITTED = "committed"
        RESTORED = "restored"

    order_ref = models.CharField(max_length=64)
    sku_id = models.BigIntegerField()
    # A copy of stock.warehouse_id: part of the natural key, and no lock on the warehouse row.
    warehouse_id = models.BigIntegerField()
    stock = models.ForeignKey(StockRecord, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    restored_quantity = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["order_ref", "sku_id", "warehouse_id"],
                name="reservation_order_sku_wh",
                violation_error_message="The order has a reservation of this SKU here.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="reservation_quantity_gt_0",
                violation_error_message="A reservation needs a quantity above zero.",
            ),
            models.CheckConstraint(
                condition=Q(restored_quantity__lte=F("quantity")),
                name="reservation_restored_lte_quantity",
                violation_error_message="More cannot be restored than was reserved.",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"], name="reservation_due")]

    def __str__(self) -> str:
        return f"{self.order_ref} SKU {self.sku_id} x{self.quantity} ({self.status})"


class StockRestore(models.Model):
    """One applied return/refund `reference` of an order: restore's idempotency key."""

    order_ref = models.CharField(max_length=64)
    reference = models.CharField(max_length=64)
    units = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["order_ref", "reference"],
                name="stock_restore_ref",
                violation_error_message="This restore was already applied to the order.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.order_ref} {self.reference} x{self.units}"


class StockLedgerEntry(models.Model):
    """One row per change of one stock record, written in the transaction of the change.

    `delta` is the operation's signed quantity: the change of on_hand for inbound, adjust, commit
    and restore; the change of reserved for reserve and release (commit also lowers reserved by
    the same amount). The before/after columns give the exact movement of both.
    """

    class Operation(models.TextChoices):
        INBOUND = "inbound"
        ADJUST = "adjust"
        RESERVE = "reserve"
        RELEASE = "release"
        COMMIT = "commit"
        RESTORE = "restore"

    stock = models.ForeignKey(StockRecord, on_delete=models.PROTECT, related_name="ledger")
    sku_id = models.BigIntegerField()
    warehouse_id = models.BigIntegerField()
    operation = models.CharField(max_length=10, choices=Operation.choices)
    actor_user_id = models.BigIntegerField(null=True, blank=True, help_text="Empty: the system.")
    reason = models.CharField(max_length=255, blank=True)
    ref = models.CharField(max_length=64, blank=True, help_text="Order number or document id.")
    delta = models.IntegerField()
    on_hand_before = models.IntegerField()
    on_hand_after = models.IntegerField()
    reserved_before = models.IntegerField()
    reserved_after = models.IntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "stock ledger entry"
        verbose_name_plural = "stock ledger"
        indexes = [
            models.Index(fields=["sku_id", "id"], name="ledger_sku"),
            models.Index(fields=["warehouse_id", "id"], name="ledger_warehouse"),
            models.Index(fields=["ref"], name="ledger_ref"),
        ]

    def __str__(self) -> str:
        return f"{self.operation} SKU {self.sku_id} {self.delta:+d} ({self.ref or self.reason})"

    @property
    def actor(self) -> str:
        return "system" if self.actor_user_id is None else str(self.actor_user_id)
