"""Freight templates of merchants and their regional rules. Merchants are referred to by id
(catalog owns them)."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from contexts.logistics.domain import ChargeBy
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
