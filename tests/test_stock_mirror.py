"""The catalog's stock mirror is reconciled by inventory (downstream), with the real contexts."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from contexts.catalog.models import Sku
from contexts.inventory import api as inventory_api
from contexts.inventory.tasks import catalog_stock_resync


@pytest.mark.django_db
def test_the_nightly_task_copies_inventory_availability_into_the_catalog_mirror():
    call_command("load_demo_data", "--users", "1", "--products", "3", stdout=io.StringIO())
    Sku.objects.update(available_stock=0, stock_updated_at=None)

    catalog_stock_resync.delay()

    ids = list(Sku.objects.values_list("pk", flat=True))
    expected = {s: a.available for s, a in inventory_api.availability(sku_ids=ids).items()}
    assert any(expected.values())
    assert dict(Sku.objects.values_list("pk", "available_stock")) == expected


@pytest.mark.django_db
def test_staff_refresh_the_storefront_stock_of_chosen_skus_from_the_inventory_admin(client):
    from django.contrib.auth import get_user_model

    from contexts.inventory.models import StockRecord

    call_command("load_demo_data", "--users", "1", "--products", "3", stdout=io.StringIO())
    record = StockRecord.objects.filter(on_hand__gt=0).first()
    Sku.objects.update(available_stock=0, stock_updated_at=None)
    client.force_login(get_user_model().objects.get(email="admin@example.com"))

    response = client.post(
        "/admin/inventory/stockrecord/",
        {"action": "catalog_stock_refresh", "_selected_action": [record.pk]},
        follow=True,
    )

    assert response.status_code == 200
    expected = inventory_api.availability(sku_ids=[record.sku_id])[record.sku_id].available
    assert Sku.objects.get(pk=record.sku_id).available_stock == expected > 0
    assert Sku.objects.exclude(pk=record.sku_id).filter(available_stock__gt=0).count() == 0
