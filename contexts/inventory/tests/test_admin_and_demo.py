"""Django admin pages, and the demo stock loader."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from contexts.inventory import api as inventory_api
from contexts.inventory.demo import demo_stock_create
from contexts.inventory.models import Reservation, StockLedgerEntry, StockRecord, Warehouse
from contexts.inventory.tests.support import request, stock, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_() -> Client:
    user = get_user_model().objects.create_superuser(email="root@example.com", password="pw")
    client = Client()
    client.force_login(user)
    return client


def test_admin_pages_load(admin_client_):
    record = stock(1, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 2))])
    for name in ("warehouse", "stockrecord", "stockledgerentry", "reservation"):
        response = admin_client_.get(f"/admin/inventory/{name}/")
        assert response.status_code == 200, name
    assert admin_client_.get(f"/admin/inventory/stockrecord/{record.pk}/change/").status_code == 200
    assert admin_client_.get("/admin/inventory/stockledgerentry/add/").status_code == 403
    assert admin_client_.get("/admin/inventory/stockrecord/add/").status_code == 403


def test_admin_creates_warehouses_through_the_service(admin_client_):
    response = admin_client_.post(
        "/admin/inventory/warehouse/add/",
        {
            "merchant_id": 4,
            "code": "GZ-1",
            "name": "Guangzhou",
            "province_code": "440000",
            "city_code": "440100",
            "is_active": "on",
            "priority": 3,
        },
    )
    assert response.status_code == 302
    assert Warehouse.objects.get().code == "GZ-1"


def test_admin_changes_only_the_threshold_of_a_stock_record(admin_client_):
    record = stock(1, 10)
    admin_client_.post(
        f"/admin/inventory/stockrecord/{record.pk}/change/",
        {"low_stock_threshold": 4, "on_hand": 999},
    )
    record.refresh_from_db()
    assert (record.low_stock_threshold, record.on_hand) == (4, 10)


def test_admin_action_releases_the_selected_orders(admin_client_):
    record = stock(1, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 2))])
    response = admin_client_.post(
        "/admin/inventory/reservation/",
        {"action": "release_orders", "_selected_action": [Reservation.objects.get().pk]},
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.reserved == 0


def test_demo_stock_creates_warehouses_and_records_idempotently():
    skus = {3: list(range(1, 6001)), 5: [7001, 7002]}  # more than one insert batch
    created = demo_stock_create(sku_ids_by_merchant=skus, quantity_range=(20, 30))
    assert created == 6000 * 2 + 2  # merchant 3 also has a second warehouse
    assert sorted(Warehouse.objects.values_list("merchant_id", "province_code")) == [
        (3, "110000"),
        (3, "310000"),
        (5, "110000"),
    ]
    assert StockRecord.objects.count() == created
    assert StockLedgerEntry.objects.filter(operation="inbound").count() == created
    on_hands = set(StockRecord.objects.values_list("on_hand", flat=True))
    assert min(on_hands) >= 20 and max(on_hands) <= 30
    assert inventory_api.availability(sku_ids=[7001])[7001].available >= 20

    assert demo_stock_create(sku_ids_by_merchant=skus) == 0
    assert demo_stock_create(sku_ids_by_merchant={**skus, 5: [7001, 7002, 7003]}) == 1
    assert Warehouse.objects.count() == 3


def test_demo_stock_existing_record_is_kept():
    wh = warehouse(3, code="DEMO-3")
    stock(1, 999, at=wh)
    demo_stock_create(sku_ids_by_merchant={3: [1, 2]})
    assert StockRecord.objects.get(warehouse=wh, sku_id=1).on_hand == 999


def test_admin_does_not_delete_a_warehouse_with_stock(admin_client_):
    from shared.audit.models import AuditRecord

    record = stock(1, 10)
    url = f"/admin/inventory/warehouse/{record.warehouse_id}/delete/"
    response = admin_client_.post(url, {"post": "yes"}, follow=True)
    assert response.status_code == 200
    assert Warehouse.objects.filter(pk=record.warehouse_id).exists()
    assert not AuditRecord.objects.exists()


def test_admin_warehouse_edit_is_audited_and_release_goes_through_the_service(admin_client_):
    from shared.audit.models import AuditRecord

    record = stock(1, 10)
    inventory_api.reserve(requests=[request("SO-1", (1, 2))])
    admin_client_.post(
        "/admin/inventory/reservation/",
        {"action": "release_orders", "_selected_action": [Reservation.objects.get().pk]},
    )
    release = AuditRecord.objects.get(action="release_order")
    assert (release.before["status"], release.after["status"]) == ("held", "released")
    assert release.actor == "root@example.com"
    assert record.warehouse_id
