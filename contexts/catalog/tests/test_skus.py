"""SKUs: combination validation through the API, soft delete, cost price visibility."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from contexts.catalog.models import PriceHistory, Sku
from contexts.catalog.services import products
from contexts.catalog.tests.support import STAFF, build_catalog, error_code, make_product
from shared.errors import AppError


def _skus_url(spu):
    return f"/api/v1/admin/products/{spu.pk}/skus"


def test_a_sku_is_one_value_per_sales_attribute_of_the_category(cat, staff_api):
    spu = make_product(cat, skus=[], publish=False)
    created = staff_api.post(
        _skus_url(spu),
        {
            "value_ids": cat.v("M", "blue"),
            "price": "19.90",
            "market_price": "29.90",
            "cost_price": "8.00",
            "barcode": "690000000001",
            "weight_grams": 250,
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["spec"] == "Colour: blue / Size: M"
    assert body["value_ids"] == sorted(cat.v("M", "blue"))
    assert body["cost_price"] == "8.00" and body["price"] == "19.90"
    assert PriceHistory.objects.get(sku_id=body["id"]).old_price is None


@pytest.mark.parametrize(
    ("values", "status", "code"),
    [
        (("red",), 422, "sales_attribute_missing"),
        (("red", "blue"), 422, "duplicate_sales_attribute"),
        (("red", "S", "cotton"), 422, "attribute_value_not_allowed"),
        (("red", "S", "M"), 422, "duplicate_sales_attribute"),
        (("red", "S"), 409, "sku_combination_exists"),
    ],
)
def test_invalid_combinations_are_refused(cat, staff_api, values, status, code):
    spu = make_product(cat, skus=[(("red", "S"), "10.00")], publish=False)
    response = staff_api.post(
        _skus_url(spu), {"value_ids": cat.v(*values), "price": "1.00"}, format="json"
    )
    assert response.status_code == status, response.json()
    assert error_code(response) == code
    assert Sku.objects.filter(spu=spu).count() == 1


def test_values_must_belong_to_the_products_category(cat, staff_api):
    gadget = make_product(cat, category=cat.electronics, skus=[], publish=False)
    # Electronics uses colour only: a size value is not one of its sales attributes.
    response = staff_api.post(
        _skus_url(gadget), {"value_ids": cat.v("red", "S"), "price": "1.00"}, format="json"
    )
    assert error_code(response) == "attribute_value_not_allowed"
    unknown = staff_api.post(
        _skus_url(gadget), {"value_ids": [999999], "price": "1"}, format="json"
    )
    assert unknown.status_code == 400 and error_code(unknown) == "unknown_attribute_value"
    ok = staff_api.post(_skus_url(gadget), {"value_ids": cat.v("red"), "price": "1"}, format="json")
    assert ok.status_code == 201


def test_a_deleted_skus_combination_can_be_used_again(cat, staff_api):
    spu = make_product(cat, skus=[(("red", "S"), "10.00")], publish=False)
    sku = Sku.objects.get(spu=spu)
    assert staff_api.delete(f"/api/v1/admin/skus/{sku.pk}").status_code == 204
    sku.refresh_from_db()
    assert sku.deleted_at is not None
    assert staff_api.get(f"/api/v1/admin/skus/{sku.pk}").status_code == 404
    again = staff_api.post(
        _skus_url(spu), {"value_ids": cat.v("S", "red"), "price": "11.00"}, format="json"
    )
    assert again.status_code == 201
    assert [s["id"] for s in staff_api.get(_skus_url(spu)).json()] == [again.json()["id"]]


def test_sku_update_changes_fields_but_not_the_combination(cat, staff_api):
    spu = make_product(cat, publish=False)
    sku = Sku.objects.get(spu=spu)
    changes = {"barcode": "123", "weight_grams": 400, "status": "inactive"}
    refused = staff_api.patch(
        f"/api/v1/admin/skus/{sku.pk}", {**changes, "value_ids": [1]}, format="json"
    )
    assert refused.status_code == 400  # the combination is not an updatable field
    assert list(refused.json()["error"]["details"]["fields"]) == ["value_ids"]
    response = staff_api.patch(f"/api/v1/admin/skus/{sku.pk}", changes, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["barcode"], body["weight_grams"], body["status"]) == ("123", 400, "inactive")
    assert body["value_ids"] == sorted(cat.v("red", "S"))


def test_cost_price_never_reaches_the_storefront(cat, anon_api, staff_api):
    spu = make_product(cat, skus=[], publish=False)
    products.sku_create(
        principal=STAFF,
        spu_id=spu.pk,
        value_ids=cat.v("red", "S"),
        price=Decimal("10"),
        cost_price=Decimal("4.00"),
    )
    products.spu_publish(principal=STAFF, spu_id=spu.pk)
    detail = anon_api.get(f"/api/v1/products/{spu.pk}")
    assert "cost_price" not in detail.content.decode()
    assert "cost_price" not in anon_api.get("/api/v1/products").content.decode()
    assert staff_api.get(f"/api/v1/admin/products/{spu.pk}").json()["skus"][0]["cost_price"] == (
        "4.00"
    )


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_of_one_combination_make_one_sku():
    cat = build_catalog()
    spu = make_product(cat, skus=[], publish=False)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def create():
        try:
            barrier.wait()
            products.sku_create(
                principal=STAFF, spu_id=spu.pk, value_ids=cat.v("red", "M"), price=Decimal("5")
            )
            outcomes.append("created")
        except AppError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created"] + ["sku_combination_exists"] * 5
    assert Sku.objects.filter(spu=spu).count() == 1
