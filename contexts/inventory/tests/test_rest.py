"""Admin and storefront endpoints: shapes, validation, and who may act on which warehouse."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from contexts.inventory.models import StockLedgerEntry, StockRecord, Warehouse
from contexts.inventory.tests.support import stock, warehouse

pytestmark = pytest.mark.django_db

WAREHOUSE = {"merchant_id": 1, "code": "BJ-01", "name": "Beijing 1", "province_code": "110000"}


def code(response) -> str:
    body = response.json()
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]["code"]


@pytest.fixture
def shops(catalog):
    """Merchant 1 (managed by merchant_user) sells SKUs 11, 12; merchant 2 sells SKU 21."""
    catalog.add_skus(1, 11, 12)
    catalog.add_skus(2, 21)
    mine, theirs = warehouse(1, code="MINE"), warehouse(2, code="THEIRS")
    return mine, theirs


# --- Access ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/api/v1/admin/warehouses", "/api/v1/admin/stock", "/api/v1/admin/stock/ledger"],
)
def test_admin_endpoints_need_staff_or_merchant_staff(path, buyer_api):
    assert APIClient().get(path).status_code == 401
    response = buyer_api.get(path)
    assert response.status_code == 403
    assert code(response) == "permission_denied"


# --- Warehouses -----------------------------------------------------------------------------


def test_staff_manage_any_merchants_warehouses(staff_api):
    created = staff_api.post("/api/v1/admin/warehouses", {**WAREHOUSE, "merchant_id": 9})
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["merchant_id"] == 9 and body["priority"] == 100 and body["is_active"] is True
    url = f"/api/v1/admin/warehouses/{body['id']}"
    assert staff_api.get(url).json()["code"] == "BJ-01"
    changed = staff_api.patch(url, {"name": "Beijing North", "priority": 5, "is_active": False})
    assert changed.status_code == 200
    assert (changed.json()["name"], changed.json()["priority"]) == ("Beijing North", 5)
    assert staff_api.get("/api/v1/admin/warehouses?merchant_id=9").json()["count"] == 1
    assert staff_api.get("/api/v1/admin/warehouses?is_active=true").json()["count"] == 0
    assert staff_api.delete(url).status_code == 204
    assert not Warehouse.objects.exists()


def test_warehouse_code_is_unique_per_merchant(staff_api):
    assert staff_api.post("/api/v1/admin/warehouses", WAREHOUSE).status_code == 201
    again = staff_api.post("/api/v1/admin/warehouses", WAREHOUSE)
    assert again.status_code == 409 and code(again) == "warehouse_code_taken"
    other = staff_api.post("/api/v1/admin/warehouses", {**WAREHOUSE, "merchant_id": 2})
    assert other.status_code == 201


def test_warehouse_input_is_validated(staff_api):
    response = staff_api.post("/api/v1/admin/warehouses", {**WAREHOUSE, "priority": -1})
    assert response.status_code == 400 and code(response) == "validation_error"
    response = staff_api.post("/api/v1/admin/warehouses", {"code": "X"})
    assert response.status_code == 400


def test_a_warehouse_with_stock_cannot_be_deleted(staff_api, shops):
    mine, _ = shops
    stock(11, 1, at=mine)
    response = staff_api.delete(f"/api/v1/admin/warehouses/{mine.pk}")
    assert response.status_code == 409 and code(response) == "warehouse_has_stock"


def test_merchant_staff_see_and_manage_only_their_shops_warehouses(merchant_api, shops):
    mine, theirs = shops
    listed = merchant_api.get("/api/v1/admin/warehouses").json()
    assert [w["id"] for w in listed["results"]] == [mine.pk]
    assert merchant_api.get(f"/api/v1/admin/warehouses/{mine.pk}").status_code == 200
    for response in (
        merchant_api.get(f"/api/v1/admin/warehouses/{theirs.pk}"),
        merchant_api.patch(f"/api/v1/admin/warehouses/{theirs.pk}", {"name": "mine now"}),
        merchant_api.delete(f"/api/v1/admin/warehouses/{theirs.pk}"),
    ):
        assert response.status_code == 404 and code(response) == "warehouse_not_found"
    theirs.refresh_from_db()
    assert theirs.name == "Test warehouse"
    created = merchant_api.post("/api/v1/admin/warehouses", {**WAREHOUSE, "merchant_id": 1})
    assert created.status_code == 201
    foreign = merchant_api.post("/api/v1/admin/warehouses", {**WAREHOUSE, "merchant_id": 2})
    assert foreign.status_code == 403 and code(foreign) == "not_your_merchant"


def test_the_merchant_of_a_warehouse_cannot_be_changed(staff_api, shops):
    mine, _ = shops
    staff_api.patch(f"/api/v1/admin/warehouses/{mine.pk}", {"merchant_id": 2})
    mine.refresh_from_db()
    assert mine.merchant_id == 1


# --- Stock ----------------------------------------------------------------------------------


def test_inbound_and_adjust(staff_api, staff, shops):
    mine, _ = shops
    response = staff_api.post(
        "/api/v1/admin/stock/inbound",
        {"warehouse_id": mine.pk, "sku_id": 11, "quantity": 30, "reason": "PO-7"},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["on_hand"], body["reserved"], body["available"], body["merchant_id"]) == (
        30,
        0,
        30,
        1,
    )
    response = staff_api.post(
        "/api/v1/admin/stock/adjust",
        {"warehouse_id": mine.pk, "sku_id": 11, "counted": 28, "reason": "count"},
    )
    assert response.status_code == 200 and response.json()["on_hand"] == 28
    assert list(StockLedgerEntry.objects.order_by("id").values_list("operation", "delta")) == [
        ("inbound", 30),
        ("adjust", -2),
    ]
    assert set(StockLedgerEntry.objects.values_list("actor_user_id", flat=True)) == {staff.pk}


@pytest.mark.parametrize(
    "payload",
    [
        {"sku_id": 11, "quantity": 0, "reason": "x"},
        {"sku_id": 11, "quantity": -1, "reason": "x"},
        {"sku_id": 11, "quantity": 2},
        {"sku_id": 11, "quantity": "many", "reason": "x"},
    ],
)
def test_inbound_input_is_validated(staff_api, shops, payload):
    response = staff_api.post(
        "/api/v1/admin/stock/inbound", {"warehouse_id": shops[0].pk, **payload}
    )
    assert response.status_code == 400 and code(response) == "validation_error"
    assert not StockRecord.objects.exists()


def test_inbound_of_an_unknown_or_foreign_sku(staff_api, shops):
    mine, _ = shops
    unknown = staff_api.post(
        "/api/v1/admin/stock/inbound",
        {"warehouse_id": mine.pk, "sku_id": 999, "quantity": 1, "reason": "x"},
    )
    assert unknown.status_code == 404 and code(unknown) == "sku_not_found"
    foreign = staff_api.post(
        "/api/v1/admin/stock/inbound",
        {"warehouse_id": mine.pk, "sku_id": 21, "quantity": 1, "reason": "x"},
    )
    assert foreign.status_code == 422 and code(foreign) == "sku_not_of_merchant"


def test_adjust_below_reserved_is_422(staff_api, shops):
    mine, _ = shops
    stock(11, 10, at=mine, reserved=6)
    response = staff_api.post(
        "/api/v1/admin/stock/adjust",
        {"warehouse_id": mine.pk, "sku_id": 11, "counted": 5, "reason": "count"},
    )
    assert response.status_code == 422 and code(response) == "below_reserved"


def test_merchant_staff_move_stock_only_in_their_warehouses(merchant_api, shops):
    mine, theirs = shops
    ok = merchant_api.post(
        "/api/v1/admin/stock/inbound",
        {"warehouse_id": mine.pk, "sku_id": 11, "quantity": 3, "reason": "x"},
    )
    assert ok.status_code == 200
    for path, extra in (("inbound", {"quantity": 3}), ("adjust", {"counted": 3})):
        response = merchant_api.post(
            f"/api/v1/admin/stock/{path}",
            {"warehouse_id": theirs.pk, "sku_id": 21, "reason": "x", **extra},
        )
        assert response.status_code == 404 and code(response) == "warehouse_not_found"
    assert not StockRecord.objects.filter(warehouse=theirs).exists()


def test_stock_list_filters_and_scope(
    staff_api, merchant_api, shops, django_assert_max_num_queries
):
    mine, theirs = shops
    low = stock(11, 5, at=mine, threshold=5)
    fine = stock(12, 50, at=mine, threshold=5)
    foreign = stock(21, 1, at=theirs, threshold=5)

    def ids(client, query=""):
        return [r["id"] for r in client.get(f"/api/v1/admin/stock{query}").json()["results"]]

    with django_assert_max_num_queries(4):  # user, count, page (warehouses joined)
        assert ids(staff_api) == [low.pk, fine.pk, foreign.pk]
    assert ids(staff_api, "?sku_id=12") == [fine.pk]
    assert ids(staff_api, f"?warehouse_id={theirs.pk}") == [foreign.pk]
    assert ids(staff_api, "?low=true") == [low.pk, foreign.pk]
    assert ids(staff_api, "?low=false") == [fine.pk]
    assert ids(merchant_api) == [low.pk, fine.pk]
    assert ids(merchant_api, "?low=true") == [low.pk]
    assert staff_api.get("/api/v1/admin/stock?sku_id=abc").status_code == 400
    row = staff_api.get("/api/v1/admin/stock?sku_id=11").json()["results"][0]
    assert row["is_low"] is True and row["warehouse_code"] == "MINE"


def test_threshold_is_changed_within_scope(staff_api, merchant_api, shops):
    mine, theirs = shops
    record, foreign = stock(11, 5, at=mine), stock(21, 5, at=theirs)
    response = merchant_api.patch(f"/api/v1/admin/stock/{record.pk}", {"low_stock_threshold": 8})
    assert response.status_code == 200 and response.json()["low_stock_threshold"] == 8
    response = merchant_api.patch(f"/api/v1/admin/stock/{foreign.pk}", {"low_stock_threshold": 8})
    assert response.status_code == 404
    response = staff_api.patch(f"/api/v1/admin/stock/{foreign.pk}", {"low_stock_threshold": -1})
    assert response.status_code == 400


def test_ledger_list_filters_and_scope(staff_api, merchant_api, shops):
    mine, theirs = shops
    for warehouse_id, sku_id in ((mine.pk, 11), (mine.pk, 12), (theirs.pk, 21)):
        response = staff_api.post(
            "/api/v1/admin/stock/inbound",
            {"warehouse_id": warehouse_id, "sku_id": sku_id, "quantity": 2, "reason": "x"},
        )
        assert response.status_code == 200
    rows = staff_api.get("/api/v1/admin/stock/ledger?sku_id=11").json()["results"]
    assert [(r["sku_id"], r["operation"], r["delta"]) for r in rows] == [(11, "inbound", 2)]
    assert set(rows[0]) >= {"actor", "reason", "ref", "on_hand_before", "reserved_after"}
    assert staff_api.get("/api/v1/admin/stock/ledger").json()["count"] == 3
    mine_only = merchant_api.get("/api/v1/admin/stock/ledger").json()
    assert {r["sku_id"] for r in mine_only["results"]} == {11, 12}
    assert merchant_api.get("/api/v1/admin/stock/ledger?sku_id=21").json()["count"] == 0


# --- Storefront -----------------------------------------------------------------------------


def test_availability_is_public(shops):
    mine, _ = shops
    stock(11, 10, at=mine, reserved=3)
    response = APIClient().get("/api/v1/skus/availability?ids=11,12,11")
    assert response.status_code == 200
    assert response.json() == [
        {"sku_id": 11, "available": 7, "in_stock": True},
        {"sku_id": 12, "available": 0, "in_stock": False},
    ]


@pytest.mark.parametrize(
    "query",
    ["", "?ids=", "?ids=a,b", "?ids=-1", "?ids=1.5", "?ids=" + ",".join(map(str, range(1, 102)))],
)
def test_availability_rejects_bad_ids(query):
    response = APIClient().get(f"/api/v1/skus/availability{query}")
    assert response.status_code == 400 and code(response) == "validation_error"
