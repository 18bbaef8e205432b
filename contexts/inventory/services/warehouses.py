"""Warehouse commands. A warehouse belongs to one merchant; its code is unique within it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction

from contexts.catalog import api as catalog_api
from contexts.inventory.models import StockRecord, Warehouse
from contexts.inventory.services._recording import availability_invalidate, stock_records_republish
from contexts.inventory.services._scope import warehouse_scoped
from shared import regions
from shared.auth import Principal
from shared.errors import Conflict, ValidationFailed

WRITE = "inventory.warehouse.write"
WAREHOUSE_FIELDS = ("code", "name", "province_code", "city_code", "is_active", "priority")


def _references_check(*, merchant_id: int | None, province_code: str, city_code: str) -> None:
    """The merchant exists in catalog (when given: it is fixed after creation), the province is
    a known one and the city, when given, lies in it (400 validation_error naming each field)."""
    errors: dict[str, list[str]] = {}
    if merchant_id is not None and catalog_api.get_merchant(merchant_id=merchant_id) is None:
        errors["merchant_id"] = ["No merchant has this id."]
    if problem := regions.province_code_error(province_code):
        errors["province_code"] = [problem]
    elif city_code and (problem := regions.city_code_error(city_code, province_code=province_code)):
        errors["city_code"] = [problem]
    if errors:
        raise ValidationFailed(details={"fields": errors})


def _save(warehouse: Warehouse) -> None:
    try:
        with transaction.atomic():
            warehouse.save()
    except IntegrityError as exc:
        if (
            Warehouse.objects.filter(merchant_id=warehouse.merchant_id, code=warehouse.code)
            .exclude(pk=warehouse.pk)
            .exists()
        ):
            raise Conflict(
                "This merchant already has a warehouse with this code.",
                code="warehouse_code_taken",
                details={"field": "code"},
            ) from exc
        raise


@transaction.atomic
def warehouse_create(
    *,
    merchant_id: int,
    code: str,
    name: str,
    province_code: str,
    city_code: str = "",
    is_active: bool = True,
    priority: int = 100,
    principal: Principal,
) -> Warehouse:
    """Open a warehouse for a merchant. Merchant staff only for shops they manage (403
    not_your_merchant); the code is unique per merchant (409 warehouse_code_taken)."""
    principal.require(WRITE, merchant_id=merchant_id)
    _references_check(
        merchant_id=merchant_id, province_code=province_code.strip(), city_code=city_code.strip()
    )
    warehouse = Warehouse(
        merchant_id=merchant_id,
        code=code.strip(),
        name=name.strip(),
        province_code=province_code.strip(),
        city_code=city_code.strip(),
        is_active=is_active,
        priority=priority,
    )
    _save(warehouse)
    return warehouse


@transaction.atomic
def warehouse_update(
    *, warehouse_id: int, data: Mapping[str, Any], principal: Principal
) -> Warehouse:
    """Change a warehouse's details (not its merchant). Activating or deactivating it changes
    the availability of every SKU it stocks: their cached availability is dropped and a
    StockChanged with the new SKU total is published per stock record."""
    unknown = sorted(set(data) - set(WAREHOUSE_FIELDS))
    if unknown:
        raise ValidationFailed(
            "The request is invalid: this field cannot be changed.",
            details={"fields": {name: ["This field cannot be changed."] for name in unknown}},
        )
    warehouse = warehouse_scoped(
        warehouse_id, principal, WRITE, queryset=Warehouse.objects.select_for_update()
    )
    was_active = warehouse.is_active
    for name, value in data.items():
        setattr(warehouse, name, value.strip() if isinstance(value, str) else value)
    if {"province_code", "city_code"} & set(data):
        _references_check(
            merchant_id=None, province_code=warehouse.province_code, city_code=warehouse.city_code
        )
    _save(warehouse)
    if warehouse.is_active != was_active:
        records = list(StockRecord.objects.filter(warehouse=warehouse))
        # Every SKU stocked here has a new total: the in-stock mirror hears it like any change.
        stock_records_republish(
            records=records,
            operation="warehouse_opened" if warehouse.is_active else "warehouse_closed",
        )
        availability_invalidate(record.sku_id for record in records)
    return warehouse


@transaction.atomic
def warehouse_delete(*, warehouse_id: int, principal: Principal) -> None:
    """Delete a warehouse that has never stocked anything; one with stock records keeps its
    history (ledger, reservations) and can only be deactivated (409 warehouse_has_stock)."""
    warehouse = warehouse_scoped(
        warehouse_id, principal, WRITE, queryset=Warehouse.objects.select_for_update()
    )
    if StockRecord.objects.filter(warehouse=warehouse).exists():
        raise Conflict(
            "This warehouse has stock records: deactivate it instead.",
            code="warehouse_has_stock",
        )
    warehouse.delete()
