"""ordering.order.completed.v1 counts sold units into the product's sales count."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from contexts.catalog.models import Sku, Spu
from contexts.catalog.tests.support import build_catalog, make_product
from contexts.ordering.events import OrderCompleted, PlacedLine
from shared.events import publish


def _completed(order_no: str, lines: list[tuple[int, int]]) -> OrderCompleted:
    return OrderCompleted(
        order_no=order_no,
        trade_no="T" + order_no,
        buyer_id=1,
        merchant_id=1,
        pay_amount=Decimal("10.00"),
        actor="buyer",
        lines=tuple(PlacedLine(sku_id=s, quantity=q, unit_price=Decimal("1.00")) for s, q in lines),
    )


@pytest.mark.django_db(transaction=True)
def test_completed_orders_add_their_units_once_per_event():
    cat = build_catalog()
    spu = make_product(cat, skus=[(("red", "S"), "1.00"), (("red", "M"), "1.00")])
    a, b = Sku.objects.filter(spu=spu).order_by("pk")
    before = Spu.objects.get(pk=spu.pk).sales_count
    event = _completed("O1", [(a.pk, 2), (b.pk, 3), (a.pk, 1)])
    with transaction.atomic():
        publish(event)
    assert Spu.objects.get(pk=spu.pk).sales_count == before + 6

    from shared.events.relay import relay_once

    relay_once()  # the inbox keeps a second pass from counting again
    assert Spu.objects.get(pk=spu.pk).sales_count == before + 6
