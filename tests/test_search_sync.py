"""Search (contexts/search): the index follows the catalog, inventory and ordering through their
events (delivered after each commit, as in production), on each adapter."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from contexts.catalog.models import Sku
from contexts.catalog.services import merchants, products
from contexts.catalog.tests.support import STAFF, build_catalog, make_product
from contexts.inventory.events import StockChanged
from contexts.ordering import api as ordering_api
from contexts.ordering.events import OrderCompleted, OrderPaid, OrderPlaced, PlacedLine
from contexts.search import services
from contexts.search.data import OrderQuery, ProductQuery
from contexts.search.models import ProductSales, SkuStock
from contexts.search.tasks import reindex
from contexts.search.tests.fixtures import search_index_fixture  # noqa: F401 (fixture "index")
from shared.events import publish
from shared.testing import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def hits(text: str = "", **filters):
    return {
        h.spu_id: h
        for h in services.search_index().products_search(ProductQuery(text=text, **filters)).hits
    }


def stock_event(sku_id: int, available: int) -> StockChanged:
    return StockChanged(
        sku_id=sku_id,
        warehouse_id=1,
        on_hand=available,
        reserved=0,
        available=available,
        sku_available=available,
        operation="inbound",
    )


def test_a_published_product_is_found_with_its_category_brand_and_attributes(index):
    cat = build_catalog()
    spu = make_product(cat, title="Organic tee", brand=cat.brand, materials=("cotton",))
    draft = make_product(cat, title="Organic hoodie", publish=False)

    found = hits("organic")
    assert set(found) == {spu.pk}
    hit = found[spu.pk]
    assert (hit.brand_name, hit.category_id, hit.min_price) == (
        "Acme",
        cat.tshirts.pk,
        Decimal("10.00"),
    )
    assert set(hits(category_id=cat.apparel.pk)) == {spu.pk}
    assert set(hits("cotton")) == set(hits("apparel")) == {spu.pk}
    assert draft.pk not in hits()


def test_price_changes_and_unpublishing_reach_the_index(index):
    cat = build_catalog()
    spu = make_product(cat, title="Linen shirt")
    sku = Sku.objects.get(spu=spu)

    products.sku_update(principal=STAFF, sku_id=sku.pk, data={"price": "25.50"})
    assert hits("linen")[spu.pk].min_price == Decimal("25.50")

    products.spu_unpublish(principal=STAFF, spu_id=spu.pk)
    assert hits("linen") == {}
    products.spu_publish(principal=STAFF, spu_id=spu.pk)
    assert set(hits("linen")) == {spu.pk}


def test_a_suspended_shop_leaves_the_index(index):
    cat = build_catalog()
    spu = make_product(cat, title="Wool scarf")
    merchants.merchant_update(merchant_id=cat.shop.pk, data={"status": "suspended"})
    assert hits("wool") == {}
    merchants.merchant_update(merchant_id=cat.shop.pk, data={"status": "active"})
    assert set(hits("wool")) == {spu.pk}


def test_stock_events_apply_in_aggregate_order(index):
    cat = build_catalog()
    spu = make_product(cat, title="Denim jacket")
    sku = Sku.objects.get(spu=spu)
    assert hits("denim")[spu.pk].in_stock is False

    with transaction.atomic():
        publish(stock_event(sku.pk, 5))
    assert hits("denim", in_stock=True)[spu.pk].in_stock is True
    version = SkuStock.objects.get(sku_id=sku.pk).version

    # A report older than the one applied (delivered late) changes nothing.
    assert services.sku_stock_apply(sku_id=sku.pk, available=0, version=version - 1) is False
    assert services.sku_stock_apply(sku_id=sku.pk, available=0, version=version) is False
    assert hits("denim", in_stock=True)[spu.pk].in_stock is True
    with transaction.atomic():
        publish(stock_event(sku.pk, 0))
    assert hits("denim", in_stock=True) == {}


def test_completed_orders_count_into_sales_once(index):
    cat = build_catalog()
    spu = make_product(
        cat, title="Canvas bag", skus=[(("red", "S"), "5.00"), (("red", "M"), "5.00")]
    )
    a, b = Sku.objects.filter(spu=spu).order_by("pk")
    event = OrderCompleted(
        order_no="O1",
        trade_no="T1",
        buyer_id=1,
        merchant_id=cat.shop.pk,
        pay_amount=Decimal("25.00"),
        actor="buyer",
        lines=(
            PlacedLine(sku_id=a.pk, quantity=2, unit_price=Decimal("5.00")),
            PlacedLine(sku_id=b.pk, quantity=3, unit_price=Decimal("5.00")),
        ),
    )
    with transaction.atomic():
        publish(event)
    assert hits("canvas")[spu.pk].sales_count == 5

    from shared.events.relay import relay_once

    relay_once()  # the inbox keeps a second pass from counting again
    assert hits("canvas")[spu.pk].sales_count == 5


def test_the_reindex_command_rebuilds_the_index_from_the_catalog(index):
    cat = build_catalog()
    kept = make_product(cat, title="Silk tie")
    index.products_replace_all(iter([]))
    assert hits() == {}

    out = io.StringIO()
    call_command("search_reindex", stdout=out, stderr=io.StringIO())

    assert set(hits("silk")) == {kept.pk}
    assert "1 products" in out.getvalue()
    index.products_replace_all(iter([]))
    # The nightly beat job, run through Celery (eagerly); its result read without .get(), which
    # refuses once another test's worker marked this process as running tasks.
    ran = reindex.apply()
    assert ran.successful() and ran.result == {"products": 1, "orders": 0}
    assert set(hits("silk")) == {kept.pk}


def test_orders_are_indexed_from_ordering_whatever_the_order_of_their_events(index, monkeypatch):
    state = {"status": "paid"}

    def orders_for_search(*, order_nos):
        return {
            n: ordering_api.OrderSearchSource(
                order_no=n,
                trade_no="T" + n,
                buyer_id=7,
                merchant_id=3,
                status=state["status"],
                receiver_name="张三",
                receiver_phone="13800001234",
                pay_amount=Decimal("12.00"),
                created_at=datetime(2026, 11, 1, tzinfo=UTC),
            )
            for n in order_nos
        }

    monkeypatch.setattr(ordering_api, "orders_for_search", orders_for_search)
    paid = OrderPaid(
        order_no="O9",
        trade_no="T9",
        buyer_id=7,
        merchant_id=3,
        pay_amount=Decimal("12.00"),
        payment_ref="p",
    )
    placed = OrderPlaced(
        order_no="O9",
        trade_no="T9",
        buyer_id=7,
        merchant_id=3,
        pay_amount=Decimal("12.00"),
        lines=(),
    )
    with transaction.atomic():  # the later event first: the document is ordering's current state
        publish(paid)
    with transaction.atomic():
        publish(placed)
    [hit] = services.search_index().orders_search(OrderQuery(phone="1234")).hits
    assert (hit.order_no, hit.status, hit.buyer_id) == ("O9", "paid", 7)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_keep_the_newest_stock_and_every_sold_unit():
    cat = build_catalog()
    spu = make_product(cat, title="Straw hat")
    sku = Sku.objects.get(spu=spu)
    versions = [5, 2, 8, 1, 7, 3, 6, 4]

    results = run_concurrently(
        len(versions),
        lambda n: services.sku_stock_apply(
            sku_id=sku.pk, available=versions[n] * 10, version=versions[n]
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)]
    row = SkuStock.objects.get(sku_id=sku.pk)
    assert (row.version, row.available) == (8, 80)

    results = run_concurrently(8, lambda n: services.sales_record(sku_quantities={sku.pk: 1}))
    assert not [r for r in results if isinstance(r, Exception)]
    assert ProductSales.objects.get(spu_id=spu.pk).units == 8
    assert hits("straw")[spu.pk].sales_count == 8
