"""Merchants (shops) and their staff. Staff-only operations: the views require the
catalog.merchant.write permission (shared.auth)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from contexts.catalog.events import MerchantUpdated
from contexts.catalog.models import Merchant, MerchantStaff, Spu
from contexts.catalog.services._common import invalid, only, storefront_wide_change
from contexts.identity import api as identity_api
from shared.errors import BusinessRuleViolation, Conflict, NotFound
from shared.events import publish

MERCHANT_FIELDS = ("name", "status", "owner_user_id", "commission_rate")


def _user_must_exist(user_id: int, field: str) -> None:
    if identity_api.get_user(user_id=user_id) is None:
        raise invalid(field, "No user has this id.", code="unknown_user")


def _commission_check(rate: Decimal) -> None:
    """Commission is a share of the sale: 0 <= rate < 1."""
    if not (Decimal(0) <= rate < Decimal(1)):
        raise BusinessRuleViolation(
            "The commission rate must be at least 0 and below 1.",
            code="invalid_commission_rate",
        )


def merchant_updated_publish(*, merchant: Merchant) -> None:
    """Tell other contexts about a shop's current state (called in the transaction that saved
    it; Django admin edits use it too). Its name and status show on every page of its
    products."""
    storefront_wide_change()
    publish(
        MerchantUpdated(
            merchant_id=merchant.pk,
            name=merchant.name,
            status=merchant.status,
            owner_user_id=merchant.owner_user_id,
            commission_rate=merchant.commission_rate,
        )
    )


def _merchant_lock(merchant_id: int) -> Merchant:
    merchant = Merchant.objects.select_for_update().filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound("Merchant not found.", code="merchant_not_found")
    return merchant


@transaction.atomic
def merchant_create(
    *,
    name: str,
    owner_user_id: int,
    commission_rate: Decimal = Decimal("0"),
    status: str = Merchant.Status.ACTIVE,
) -> Merchant:
    """Open a shop. Rules: the owner is an existing user; the name is unique (409
    merchant_name_taken); 0 <= commission rate < 1 (422 invalid_commission_rate).
    Publishes catalog.merchant.updated.v1."""
    _user_must_exist(owner_user_id, "owner_user_id")
    _commission_check(commission_rate)
    if Merchant.objects.filter(name=name).exists():
        raise Conflict("A merchant with this name exists.", code="merchant_name_taken")
    try:
        with transaction.atomic():
            merchant = Merchant.objects.create(
                name=name,
                owner_user_id=owner_user_id,
                commission_rate=commission_rate,
                status=status,
            )
    except IntegrityError as exc:  # a concurrent create took the name
        raise Conflict("A merchant with this name exists.", code="merchant_name_taken") from exc
    merchant_updated_publish(merchant=merchant)
    return merchant


@transaction.atomic
def merchant_update(*, merchant_id: int, data: Mapping[str, Any]) -> Merchant:
    """Rename, suspend/reactivate, change owner or commission. Suspending a shop makes its
    SKUs unpurchasable and hides its products from the storefront at once. Publishes
    catalog.merchant.updated.v1."""
    merchant = _merchant_lock(merchant_id)
    changes = only(data, MERCHANT_FIELDS)
    if "owner_user_id" in changes:
        _user_must_exist(changes["owner_user_id"], "owner_user_id")
    if "commission_rate" in changes:
        _commission_check(changes["commission_rate"])
    if "name" in changes and (
        Merchant.objects.filter(name=changes["name"]).exclude(pk=merchant.pk).exists()
    ):
        raise Conflict("A merchant with this name exists.", code="merchant_name_taken")
    for key, value in changes.items():
        setattr(merchant, key, value)
    merchant.save()
    merchant_updated_publish(merchant=merchant)
    return merchant


@transaction.atomic
def merchant_delete(*, merchant_id: int) -> None:
    """Delete a shop that never had a product (409 merchant_has_products: suspend it instead,
    orders and settlements keep referring to its products)."""
    merchant = _merchant_lock(merchant_id)
    if Spu.objects.filter(merchant_id=merchant.pk).exists():
        raise Conflict(
            "The merchant has products: suspend it instead.", code="merchant_has_products"
        )
    merchant.delete()


@transaction.atomic
def merchant_staff_add(*, merchant_id: int, user_id: int) -> MerchantStaff:
    """Make a user staff of the shop (idempotent)."""
    merchant = _merchant_lock(merchant_id)
    _user_must_exist(user_id, "user_id")
    staff, _ = MerchantStaff.objects.get_or_create(merchant=merchant, user_id=user_id)
    return staff


@transaction.atomic
def merchant_staff_remove(*, merchant_id: int, user_id: int) -> None:
    """Remove a staff member (404 when the user is not staff of the shop)."""
    merchant = _merchant_lock(merchant_id)
    deleted, _ = MerchantStaff.objects.filter(merchant=merchant, user_id=user_id).delete()
    if not deleted:
        raise NotFound("The user is not staff of this merchant.", code="staff_not_found")
