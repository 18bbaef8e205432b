"""The local stock mirror: inventory.stock.changed.v1 keeps Sku.available_stock current."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from contexts.catalog import handlers
from contexts.catalog.models import Sku
from contexts.catalog.services import stock
from contexts.catalog.tests.support import build_catalog, make_product
from contexts.inventory.events import StockChanged
from shared.events import publish


def _event(sku_id: int, sku_available: int, **extra) -> StockChanged:
    return StockChanged(
        sku_id=sku_id,
        warehouse_id=1,
        on_hand=sku_available,
        reserved=0,
        available=sku_available,
        sku_available=sku_available,
        operation="inbound",
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_stock_changed_events_update_the_mirror_after_the_relay():
    cat = build_catalog()
    sku = Sku.objects.get(spu=make_product(cat))
    with transaction.atomic():
        publish(_event(sku.pk, 7))
    sku.refresh_from_db()
    assert sku.available_stock == 7


def test_an_older_version_never_rolls_the_mirror_back_whatever_its_occurred_at(cat):
    """(b) confirmed: the mirror kept the later `occurred_at`, taken before commit. Version 2
    committed last but was stamped first; delivered before version 1, it must still win."""
    sku = Sku.objects.get(spu=make_product(cat))
    now = timezone.now()
    handlers.stock_changed_mirror(_event(sku.pk, 5, occurred_at=now, aggregate_version=2))
    handlers.stock_changed_mirror(
        _event(sku.pk, 9, occurred_at=now + timedelta(seconds=1), aggregate_version=1)
    )
    handlers.stock_changed_mirror(_event(sku.pk, 5, occurred_at=now, aggregate_version=2))
    sku.refresh_from_db()
    assert sku.available_stock == 5
    handlers.stock_changed_mirror(
        _event(sku.pk, 0, occurred_at=now - timedelta(seconds=1), aggregate_version=3)
    )
    sku.refresh_from_db()
    assert sku.available_stock == 0


def figures_of(read):
    """What inventory hands the resync: {sku_id: available} read through `read`."""
    return lambda batch: {s: a.available for s, a in read(sku_ids=batch).items()}


def test_resync_copies_inventory_availability_in_batches(cat, inventory):
    spu = make_product(cat, skus=[(("red", "S"), "1.00"), (("red", "M"), "1.00")])
    a, b = Sku.objects.filter(spu=spu).order_by("pk")
    inventory.stock.update({a.pk: 3, b.pk: 0})
    Sku.objects.filter(pk=b.pk).update(available_stock=8)
    resynced = stock.sku_stock_resync(
        availability_of=figures_of(inventory.availability), batch_size=1
    )
    assert resynced == 2
    assert inventory.calls == [[a.pk], [b.pk]]
    assert dict(Sku.objects.values_list("pk", "available_stock")) == {a.pk: 3, b.pk: 0}


def test_a_stock_change_applied_while_a_resync_runs_is_not_rolled_back(cat, inventory):
    spu = make_product(cat, skus=[(("red", "S"), "1.00"), (("red", "M"), "1.00")])
    sold, untouched = Sku.objects.filter(spu=spu).order_by("pk")
    inventory.stock.update({sold.pk: 3, untouched.pk: 4})
    read_inventory = inventory.availability
    before_the_resync = timezone.now()

    def read_then_a_sale_lands(*, sku_ids):
        figures = read_inventory(sku_ids=sku_ids)
        # A unit of `sold` is sold after inventory was read; its event is applied at once.
        handlers.stock_changed_mirror(_event(sold.pk, 2, aggregate_version=5))
        return figures

    assert stock.sku_stock_resync(availability_of=figures_of(read_then_a_sale_lands)) == 2
    assert dict(Sku.objects.values_list("pk", "available_stock")) == {sold.pk: 2, untouched.pk: 4}
    # A version already applied, delivered again late, does not undo it either.
    handlers.stock_changed_mirror(
        _event(sold.pk, 9, occurred_at=before_the_resync, aggregate_version=5)
    )
    sold.refresh_from_db()
    assert sold.available_stock == 2
