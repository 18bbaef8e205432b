"""Carts and their lines.

The database is the cart's source of truth: every line lives in `CartLine`, there is no Redis
copy to keep in sync, so a cart survives cache flushes and is read with two queries whatever its
size. Prices and stock are not stored as facts: a line keeps only the price seen when it was
added (to tell the buyer it changed); every read re-checks the catalog and inventory.

A cart belongs either to a signed-in buyer (`user_id`, one cart per user) or to a guest (the
SHA-256 of an anonymous cart token: the token itself is never stored, so a leaked table does
not let anyone open the carts). Guest carts expire a while after their last change.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shared.money import money_field


class Cart(models.Model):
    user_id = models.BigIntegerField(unique=True, null=True, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="Guest carts only."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # A cart has exactly one owner: a user or a guest token, never both or neither.
            models.CheckConstraint(
                condition=(Q(user_id__isnull=False) & Q(token_hash__isnull=True))
                | (Q(user_id__isnull=True) & Q(token_hash__isnull=False)),
                name="cart_has_exactly_one_owner",
                violation_error_message=(
                    "A cart belongs to either a signed-in buyer or a guest token, "
                    "not both or neither."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"cart {self.pk} of user {self.user_id}" if self.user_id else f"guest cart {self.pk}"

    @property
    def is_guest(self) -> bool:
        return self.user_id is None


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    sku_id = models.BigIntegerField()
    # The shop at the time of adding: groups the line when the SKU has left the catalog.
    merchant_id = models.BigIntegerField()
    quantity = models.PositiveIntegerField()
    selected = models.BooleanField(default=True)
    price_when_added = money_field()
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "sku_id"],
                name="cart_line_unique_sku",
                violation_error_message="This SKU is already a line of the cart.",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1),
                name="cart_line_quantity_min",
                violation_error_message="A cart line needs a quantity of at least 1.",
            ),
        ]
        indexes = [models.Index(fields=["sku_id"], name="cart_line_sku_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} x SKU {self.sku_id}"
