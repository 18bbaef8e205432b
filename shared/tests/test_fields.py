"""shared.rest.fields: integer and money inputs bounded by their columns, so an oversized value is
a 400 validation_error instead of a database error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.test import APIClient

from shared.rest.fields import (
    BIGINT_MAX,
    INT_MAX,
    INT_MIN,
    BoundedIntegerField,
    id_field,
    int_field,
    money_amount,
    positive_int,
)


def _check(field: serializers.Field, value):
    """The validated value, or the ValidationError raised."""
    try:
        return field.run_validation(value)
    except serializers.ValidationError as exc:
        return exc


@pytest.mark.parametrize(
    ("field", "accepted", "refused"),
    [
        (int_field(), [INT_MIN, 0, INT_MAX, str(INT_MAX)], [INT_MIN - 1, INT_MAX + 1, "1e3"]),
        (positive_int(), [0, INT_MAX], [-1, INT_MAX + 1, 10**30]),
        (positive_int(min_value=1), [1, INT_MAX], [0, INT_MAX + 1]),
        (positive_int(max_value=100), [0, 100], [101]),
        (id_field(), [1, BIGINT_MAX, str(BIGINT_MAX)], [0, -1, BIGINT_MAX + 1, "9" * 30, "x"]),
        (BoundedIntegerField(min_value=1, max_value=5), [1, 5], [0, 6]),
    ],
)
def test_integers_outside_the_column_range_are_refused(field, accepted, refused):
    for value in accepted:
        assert _check(field, value) == int(value)
    for value in refused:
        assert isinstance(_check(field, value), serializers.ValidationError), value


def test_every_bounded_integer_has_both_bounds():
    for field in (int_field(), positive_int(), id_field(), BoundedIntegerField()):
        assert field.min_value is not None and field.max_value is not None


@pytest.mark.parametrize(
    ("min_value", "max_value"), [(0, BIGINT_MAX + 1), (-BIGINT_MAX - 2, 0), (5, 1)]
)
def test_bounds_a_bigint_column_cannot_hold_are_a_programming_error(min_value, max_value):
    with pytest.raises(ValueError):
        BoundedIntegerField(min_value=min_value, max_value=max_value)


def test_money_amounts_fit_a_money_column():
    field = money_amount()
    assert _check(field, "999999999999.99") == Decimal("999999999999.99")
    assert _check(field, "0") == Decimal("0")
    for value in ("1" * 13, "1e999", "1e-999", "0.001", "-1", "NaN", "Infinity", "x"):
        assert isinstance(_check(field, value), serializers.ValidationError), value
    assert _check(money_amount(allow_null=True), None) is None
    assert isinstance(_check(money_amount(min_value=Decimal(1)), "0.50"), Exception)


# Inventory's admin inputs use these fields too. Checked over HTTP: the kernel's tests import no
# context.
BIGINT_OVER = 2**63
HUGE = "9" * 30


@pytest.fixture
def staff_api(db) -> APIClient:
    user = get_user_model().objects.create_user(
        email="fields-staff@example.com", password="x", is_staff=True
    )
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize(
    ("method", "url", "data", "field"),
    [
        (
            "post",
            "/api/v1/admin/warehouses",
            {"merchant_id": BIGINT_OVER, "code": "W1", "name": "W", "province_code": "110000"},
            "merchant_id",
        ),
        ("get", "/api/v1/admin/warehouses", {"merchant_id": HUGE}, "merchant_id"),
        ("get", "/api/v1/admin/stock", {"sku_id": HUGE}, "sku_id"),
        ("get", "/api/v1/admin/stock", {"warehouse_id": str(BIGINT_OVER)}, "warehouse_id"),
        ("get", "/api/v1/admin/stock/ledger", {"sku_id": HUGE}, "sku_id"),
        (
            "post",
            "/api/v1/admin/stock/inbound",
            {"warehouse_id": BIGINT_OVER, "sku_id": 1, "quantity": 1, "reason": "x"},
            "warehouse_id",
        ),
        (
            "post",
            "/api/v1/admin/stock/adjust",
            {"warehouse_id": 1, "sku_id": BIGINT_OVER, "counted": 1, "reason": "x"},
            "sku_id",
        ),
    ],
)
def test_oversized_inventory_ids_are_validation_errors(staff_api, method, url, data, field):
    if method == "post":
        response = staff_api.post(url, data, format="json")
    else:
        response = staff_api.get(url, data)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert set(error["details"]["fields"]) == {field}
