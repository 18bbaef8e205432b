"""Freight templates of merchants and their regional rules; shipments (parcels), what they hold
and their route events. Merchants, orders and buyers are referred to by id (catalog and
ordering own them)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from contexts.logistics.domain import ChargeBy, RouteKind, ShipmentStatus
from shared.money import money_field


class FreightTemplate(models.Model):
    class ChargeByChoices(models.TextChoices):
        PIECE = ChargeBy.PIECE.value, "By piece"
        WEIGHT = ChargeBy.WEIGHT.value, "By weight (grams)"

    merchant_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=100)
    is_default = models.BooleanField(default=False)
    # merchant_id on the merchant's default template, NULL on the others. Its unique index is
    # the database's own guarantee of at most one default per merchant (MariaDB/MySQL have no
    # partial unique indexes); the check constraint keeps it in step with is_default.
    default_for_merchant = models.BigIntegerField(
        null=True, blank=True, unique=True, editable=False
    )
    charge_by = models.CharField(max_length=10, choices=ChargeByChoices.choices)
    first_unit = models.PositiveIntegerField(help_text="Pieces, or grams when charged by weight.")
    first_fee = money_field()
    additional_unit = models.PositiveIntegerField(
        help_text="Pieces, or grams when charged by weight."
    )
    additional_fee = money_field()
    free_shipping_threshold = money_field(
        null=True, blank=True, help_text="Groups worth at least this ship free; empty: never."
    )
    not_deliverable_provinces = models.JSONField(
        default=list, blank=True, help_text="Province codes (e.g. 650000) not shipped to."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(is_default=True, default_for_merchant=F("merchant_id"))
                | Q(is_default=False, default_for_merchant__isnull=True),
                name="freight_template_default_marker",
                violation_error_message="The default marker must match the default flag and shop.",
            ),
            models.CheckConstraint(
                condition=Q(first_unit__gte=1, additional_unit__gte=1),
                name="freight_template_units_positive",
                violation_error_message="The first and additional units must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(first_fee__gte=0, additional_fee__gte=0),
                name="freight_template_fees_not_negative",
                violation_error_message="Fees cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (merchant {self.merchant_id})"


class FreightRule(models.Model):
    """Fees for some provinces that differ from the template's (units stay the template's)."""

    template = models.ForeignKey(FreightTemplate, on_delete=models.CASCADE, related_name="rules")
    province_codes = models.JSONField(default=list)
    first_fee = money_field()
    additional_fee = money_field()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(first_fee__gte=0, additional_fee__gte=0),
                name="freight_rule_fees_not_negative",
                violation_error_message="Fees cannot be negative.",
            )
        ]

    def __str__(self) -> str:
        return f"{', '.join(self.province_codes)}: {self.first_fee} + {self.additional_fee}"


# --- Shipments ------------------------------------------------------------------------------


class Shipment(models.Model):
    """One parcel of an order (an order may ship in several). Orders, merchants and buyers are
    referred to by id; the receiver's address is kept here (it never leaves logistics in an
    event)."""

    class Status(models.TextChoices):
        CREATED = ShipmentStatus.CREATED.value, "Created"
        IN_TRANSIT = ShipmentStatus.IN_TRANSIT.value, "In transit"
        DELIVERED = ShipmentStatus.DELIVERED.value, "Delivered"
        EXCEPTION = ShipmentStatus.EXCEPTION.value, "Exception"

    OUTBOUND = "outbound"  # the merchant's parcel of an order to its buyer
    RETURN = "return"  # a buyer's parcel back to the merchant (after-sales)

    order_no = models.CharField(max_length=40, db_index=True)
    merchant_id = models.BigIntegerField(db_index=True)
    buyer_id = models.BigIntegerField(db_index=True)
    purpose = models.CharField(
        max_length=8,
        choices=[(OUTBOUND, "outbound"), (RETURN, "return")],
        default=OUTBOUND,
    )
    # The registering context's key of a return parcel (e.g. "aftersales:<request_no>"); ""
    # for an order's own parcels.
    reference = models.CharField(max_length=64, blank=True, db_index=True)
    carrier_code = models.CharField(max_length=32)
    tracking_number = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CREATED)
    # What the carrier answered for an e-waybill (route label, sorting codes); {} when the
    # merchant typed a tracking number.
    label = models.JSONField(default=dict, blank=True)
    receiver_name = models.CharField(max_length=50, blank=True)
    receiver_phone = models.CharField(max_length=32, blank=True)
    province_code = models.CharField(max_length=12, blank=True)
    city_code = models.CharField(max_length=12, blank=True)
    district_code = models.CharField(max_length=12, blank=True)
    address_detail = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    # The latest route event's time, and when the carrier was last asked (polling).
    last_event_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "last_polled_at"])]
        constraints = [
            # Unique per purpose: a number a buyer registers for a return parcel never blocks
            # the merchant's outbound parcel with that number (return_parcel_register refuses
            # a number already on an outbound parcel).
            models.UniqueConstraint(
                fields=["carrier_code", "purpose", "tracking_number"],
                name="shipment_tracking_number_unique_per_purpose",
                violation_error_message="This carrier's tracking number is already used.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier_code} {self.tracking_number} ({self.order_no})"


class ShipmentLine(models.Model):
    """What one parcel holds: a SKU of the order and how many units."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    sku_id = models.BigIntegerField()
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="shipment_line_quantity_positive",
                violation_error_message="A shipped quantity must be at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"SKU {self.sku_id} x{self.quantity}"


class TrackingEvent(models.Model):
    """One route event of a parcel as the carrier reported it, stored once (fingerprint)."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking")
    occurred_at = models.DateTimeField()
    code = models.CharField(max_length=16, help_text="The carrier's own operation code.")
    kind = models.CharField(max_length=20, choices=[(k.value, k.label) for k in RouteKind])
    description = models.CharField(max_length=255, blank=True)
    location = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64, editable=False)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "fingerprint"],
                name="tracking_event_once",
                violation_error_message="This route event is already recorded.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.kind} {self.description}"
