"""Ids pointing into other contexts are checked through those contexts, in services (so the
API and the Django admin both refuse them): a warehouse's merchant must exist in catalog, its
province code must be a known province, its city must lie in that province. (The Django admin
saves through these services; showing the error as a form error is the admin mixin's part.)"""

from __future__ import annotations

import pytest

from contexts.inventory import services
from contexts.inventory.models import Warehouse
from contexts.inventory.tests.support import warehouse
from shared.auth import SYSTEM
from shared.errors import ValidationFailed

pytestmark = pytest.mark.django_db

WAREHOUSE = {"merchant_id": 1, "code": "BJ-01", "name": "Beijing 1", "province_code": "110000"}


def _fields(response) -> dict:
    body = response.json()
    assert response.status_code == 400 and body["error"]["code"] == "validation_error", body
    return body["error"]["details"]["fields"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"merchant_id": 999}, "merchant_id"),
        ({"province_code": "zzz"}, "province_code"),
        ({"province_code": "990000"}, "province_code"),  # well formed, no such province
        ({"province_code": "110100"}, "province_code"),  # a city, not a province
        ({"city_code": "310100"}, "city_code"),  # Shanghai's city in Beijing
        ({"city_code": "zzz"}, "city_code"),
    ],
)
def test_the_api_refuses_a_warehouse_pointing_nowhere(staff_api, change, field):
    response = staff_api.post("/api/v1/admin/warehouses", {**WAREHOUSE, **change})
    assert field in _fields(response)
    assert not Warehouse.objects.exists()


def test_the_api_refuses_an_update_to_an_unknown_province(staff_api):
    wh = warehouse(1)
    response = staff_api.patch(f"/api/v1/admin/warehouses/{wh.pk}", {"province_code": "zzz"})
    assert "province_code" in _fields(response)
    wh.refresh_from_db()
    assert wh.province_code == "110000"


def test_the_service_refuses_an_unknown_merchant_and_province():
    with pytest.raises(ValidationFailed) as unknown_merchant:
        services.warehouse_create(principal=SYSTEM, **{**WAREHOUSE, "merchant_id": 999})
    assert unknown_merchant.value.code == "validation_error"
    assert "merchant_id" in unknown_merchant.value.details["fields"]
    with pytest.raises(ValidationFailed) as bad_province:
        services.warehouse_create(principal=SYSTEM, **{**WAREHOUSE, "province_code": "zzz"})
    assert "province_code" in bad_province.value.details["fields"]
    wh = warehouse(1)
    with pytest.raises(ValidationFailed):
        services.warehouse_update(
            principal=SYSTEM, warehouse_id=wh.pk, data={"province_code": "990000"}
        )
    assert not Warehouse.objects.exclude(pk=wh.pk).exists()


def test_a_known_merchant_and_province_are_accepted():
    created = services.warehouse_create(principal=SYSTEM, **{**WAREHOUSE, "city_code": "110100"})
    assert (created.merchant_id, created.province_code, created.city_code) == (
        1,
        "110000",
        "110100",
    )
