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
