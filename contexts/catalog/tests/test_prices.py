"""Prices: every change writes a history row and a catalog.price.changed.v1 event; the bulk
update is all or nothing."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection

from contexts.catalog.models import PriceHistory, Sku, Spu
from contexts.catalog.services import products
from contexts.catalog.tests.support import STAFF, build_catalog, error_code, events, make_product

BULK = "/api/v1/admin/skus/bulk-price"


def test_a_price_change_writes_history_and_an_event(cat, owner_api):
    spu = make_product(cat, skus=[(("red", "S"), "10.00"), (("red", "M"), "12.00")])
    sku = Sku.objects.get(spu=spu, price=Decimal("10.00"))
    response = owner_api.patch(f"/api/v1/admin/skus/{sku.pk}", {"price": "8.50"})
    assert response.status_code == 200
    assert response.json()["price"] == "8.50"
    assert events("catalog.price.changed.v1") == [
        {"sku_id": sku.pk, "spu_id": spu.pk, "old_price": "10.00", "new_price": "8.50"}
    ]
    history = owner_api.get(f"/api/v1/admin/skus/{sku.pk}/price-history").json()
    assert [(h["old_price"], h["new_price"]) for h in history["results"]] == [
        ("10.00", "8.50"),
        (None, "10.00"),
    ]
    assert history["results"][0]["changed_by_user_id"] == cat.owner.pk
    spu.refresh_from_db()
    assert spu.min_price == Decimal("8.50")

    # The same price again is no change: no row, no event.
    owner_api.patch(f"/api/v1/admin/skus/{sku.pk}", {"price": "8.50"})
    assert PriceHistory.objects.filter(sku=sku).count() == 2
    assert len(events("catalog.price.changed.v1")) == 1


def test_bulk_price_update(cat, owner_api):
    spu = make_product(cat, skus=[(("red", "S"), "10.00"), (("red", "M"), "12.00")])
    other = make_product(cat, title="Other", skus=[(("blue", "S"), "30.00")])
    a, b = Sku.objects.filter(spu=spu).order_by("pk")
    c = Sku.objects.get(spu=other)
    response = owner_api.post(
        BULK,
        {
            "items": [
                {"sku_id": a.pk, "price": "9.00"},
                {"sku_id": b.pk, "price": "12.00"},
                {"sku_id": c.pk, "price": "35.00"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert [i["price"] for i in response.json()["items"]] == ["9.00", "12.00", "35.00"]
    changed = events("catalog.price.changed.v1")
    assert [(e["sku_id"], e["old_price"], e["new_price"]) for e in changed] == [
        (a.pk, "10.00", "9.00"),
        (c.pk, "30.00", "35.00"),
    ]
    assert PriceHistory.objects.filter(reason="bulk").count() == 2
    assert Spu.objects.get(pk=spu.pk).min_price == Decimal("9.00")
    assert Spu.objects.get(pk=other.pk).max_price == Decimal("35.00")


def test_bulk_price_update_is_all_or_nothing(cat, owner_api):
    spu = make_product(cat, skus=[(("red", "S"), "10.00")])
    foreign = make_product(cat, merchant=cat.other_shop, skus=[(("blue", "S"), "30.00")])
    mine = Sku.objects.get(spu=spu)
    theirs = Sku.objects.get(spu=foreign)
    for items, status, code in (
        ([{"sku_id": mine.pk, "price": "1.00"}, {"sku_id": 999999, "price": "1"}], 404, None),
        ([{"sku_id": mine.pk, "price": "1.00"}, {"sku_id": theirs.pk, "price": "1"}], 404, None),
        ([{"sku_id": mine.pk, "price": "1.00"}, {"sku_id": mine.pk, "price": "2"}], 400, None),
        ([{"sku_id": mine.pk, "price": "-1.00"}], 400, "validation_error"),
        ([], 400, "validation_error"),
    ):
        response = owner_api.post(BULK, {"items": items}, format="json")
        assert response.status_code == status, response.json()
        if code:
            assert error_code(response) == code
    missing = owner_api.post(
        BULK,
        {"items": [{"sku_id": mine.pk, "price": "1"}, {"sku_id": theirs.pk, "price": "1"}]},
        format="json",
    )
    assert error_code(missing) == "sku_not_found"
    assert missing.json()["error"]["details"] == {"sku_ids": [theirs.pk]}
    assert Sku.objects.get(pk=mine.pk).price == Decimal("10.00")
    assert Sku.objects.get(pk=theirs.pk).price == Decimal("30.00")
    assert PriceHistory.objects.exclude(reason="created").count() == 0
    assert events("catalog.price.changed.v1") == []


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_updates_over_the_same_products_do_not_deadlock():
    cat = build_catalog()
    spus = [
        make_product(cat, title=f"P{n}", skus=[(("red", "S"), "10.00"), (("red", "M"), "11.00")])
        for n in range(4)
    ]
    sku_ids = list(Sku.objects.filter(spu__in=spus).order_by("pk").values_list("pk", flat=True))
    barrier = threading.Barrier(4)
    errors: list[Exception] = []

    def bulk(n: int):
        # Each thread lists the SKUs in a different order; locks are still taken by id.
        order = sku_ids[n:] + sku_ids[:n] if n % 2 else list(reversed(sku_ids))
        try:
            barrier.wait()
            products.sku_prices_bulk_update(
                principal=STAFF,
                updates=[products.PriceUpdate(sku_id=s, price=Decimal(20 + n)) for s in order],
            )
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=bulk, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    final = set(Sku.objects.filter(pk__in=sku_ids).values_list("price", flat=True))
    assert len(final) == 1  # one whole batch won last: never a mix
    assert PriceHistory.objects.filter(reason="bulk").count() == 4 * len(sku_ids)
