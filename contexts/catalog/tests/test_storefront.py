"""Storefront list (every filter and sort), detail, and their query budgets."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.catalog.models import Sku, Spu
from contexts.catalog.ports import document_store
from contexts.catalog.services import merchants, products, stock, taxonomy
from contexts.catalog.tests.support import STAFF, make_product, make_shelf

LIST = "/api/v1/products"


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [p["id"] for p in response.json()["results"]]


@pytest.fixture
def shelf(cat):
    """Five published products spread over categories, brands, shops, prices and values, plus a
    draft and an unpublished one that must never show."""
    p = make_shelf(cat)
    hidden = make_product(cat, title="gone")
    products.spu_unpublish(principal=STAFF, spu_id=hidden.pk)
    now = timezone.now()
    for n, name in enumerate(("tee", "dress", "shirt", "phone", "sock")):
        Spu.objects.filter(pk=p[name].pk).update(
            published_at=now - timedelta(hours=n), sales_count=[3, 9, 1, 7, 5][n]
        )
    return {name: spu.pk for name, spu in p.items()}


def names(shelf, response) -> list[str]:
    by_id = {v: k for k, v in shelf.items()}
    return [by_id[i] for i in ids(response)]


def test_default_sort_is_newest_and_hides_unpublished(shelf, anon_api):
    response = anon_api.get(LIST)
    assert names(shelf, response) == ["tee", "dress", "shirt", "phone", "sock"]
    item = response.json()["results"][0]
    assert item["price"] == "10.00" and item["max_price"] == "30.00"
    assert item["brand"] == {"id": item["brand"]["id"], "name": "Acme"}
    assert "cost_price" not in item


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["tee", "dress", "shirt", "phone", "sock"]),
        ("price_asc", ["sock", "tee", "shirt", "dress", "phone"]),
        ("price_desc", ["phone", "dress", "shirt", "tee", "sock"]),
        ("sales", ["dress", "phone", "sock", "tee", "shirt"]),
    ],
)
def test_sorts(shelf, anon_api, sort, expected):
    assert names(shelf, anon_api.get(LIST, {"sort": sort})) == expected


def test_category_filter_includes_descendants(shelf, cat, anon_api):
    assert sorted(names(shelf, anon_api.get(LIST, {"category": cat.apparel.pk}))) == [
        "dress",
        "shirt",
        "sock",
        "tee",
    ]
    assert sorted(names(shelf, anon_api.get(LIST, {"category": cat.men.pk}))) == [
        "shirt",
        "sock",
        "tee",
    ]
    assert names(shelf, anon_api.get(LIST, {"category": cat.tshirts.pk})) == ["tee", "sock"]
    assert names(shelf, anon_api.get(LIST, {"category": 999999})) == []


def test_brand_and_merchant_filters(shelf, cat, anon_api):
    assert names(shelf, anon_api.get(LIST, {"brand": cat.other_brand.pk})) == ["dress"]
    assert names(shelf, anon_api.get(LIST, {"merchant": cat.other_shop.pk})) == ["phone", "sock"]


def test_price_range_is_on_sku_prices(shelf, anon_api):
    # The tee's 30.00 SKU is in range although its "from" price (10.00) is not.
    assert names(shelf, anon_api.get(LIST, {"min_price": "25", "max_price": "60"})) == [
        "tee",
        "dress",
    ]
    assert names(shelf, anon_api.get(LIST, {"max_price": "9.99"})) == ["sock"]
    assert names(shelf, anon_api.get(LIST, {"min_price": "60"})) == ["phone"]
    bad = anon_api.get(LIST, {"min_price": "10", "max_price": "5"})
    assert bad.status_code == 400


def test_attribute_value_filters(shelf, cat, anon_api):
    def attr(*value_names):
        return names(shelf, anon_api.get(LIST, {"attr": cat.v(*value_names)}))

    assert attr("red") == ["tee", "shirt", "sock"]
    assert attr("red", "blue") == ["tee", "dress", "shirt", "sock"]  # one attribute: OR
    assert attr("red", "M") == ["shirt"]  # two attributes: the same SKU has both
    assert attr("blue", "M") == ["tee"]
    assert attr("cotton") == ["tee"]  # descriptive value of the product
    assert attr("red", "cotton") == ["tee"]
    assert names(shelf, anon_api.get(LIST, {"attr": [999999]})) == []
    assert anon_api.get(LIST, {"attr": "x"}).status_code == 400


def test_in_stock_filter_uses_the_local_stock_mirror(shelf, anon_api):
    tee_blue = Sku.objects.get(spu_id=shelf["tee"], price=Decimal("30.00"))
    phone = Sku.objects.get(spu_id=shelf["phone"])
    stock.sku_stock_apply(sku_id=tee_blue.pk, available=3, version=1)
    stock.sku_stock_apply(sku_id=phone.pk, available=1, version=1)
    response = anon_api.get(LIST, {"in_stock": "true"})
    assert names(shelf, response) == ["tee", "phone"]
    assert all(item["in_stock"] for item in response.json()["results"])
    # In stock AND in the price range: the same SKU must satisfy both.
    assert names(shelf, anon_api.get(LIST, {"in_stock": "true", "max_price": "20"})) == []
    assert names(shelf, anon_api.get(LIST, {"in_stock": "1", "min_price": "20"})) == [
        "tee",
        "phone",
    ]
    listed = {p["id"]: p["in_stock"] for p in anon_api.get(LIST).json()["results"]}
    assert listed[shelf["dress"]] is False


def test_inactive_skus_and_suspended_merchants_are_hidden(shelf, cat, anon_api):
    Sku.objects.filter(spu_id=shelf["tee"], price=Decimal("10.00")).update(status="inactive")
    assert names(shelf, anon_api.get(LIST, {"max_price": "15"})) == ["sock"]
    merchants.merchant_update(merchant_id=cat.other_shop.pk, data={"status": "suspended"})
    assert names(shelf, anon_api.get(LIST)) == ["tee", "dress", "shirt"]
    assert anon_api.get(f"{LIST}/{shelf['phone']}").status_code == 404


def test_pagination(shelf, anon_api):
    first = anon_api.get(LIST, {"page_size": 2})
    assert first.json()["count"] == 5
    assert names(shelf, first) == ["tee", "dress"]
    assert names(shelf, anon_api.get(LIST, {"page_size": 2, "page": 3})) == ["sock"]
    assert anon_api.get(LIST, {"page": 9}).status_code == 404


def test_detail_aggregates_product_skus_availability_and_content(cat, anon_api, inventory):
    """Availability comes from the stock mirror (inventory's events), never a call to inventory."""
    spu = make_product(
        cat,
        brand=cat.brand,
        skus=[(("red", "S"), "10.00"), (("blue", "S"), "12.00"), (("blue", "M"), "14.00")],
        materials=("cotton",),
        description=[{"type": "text", "text": "Soft cotton"}],
    )
    skus = list(Sku.objects.filter(spu=spu).order_by("pk"))
    products.sku_update(principal=STAFF, sku_id=skus[2].pk, data={"status": "inactive"})
    stock.sku_stock_apply(sku_id=skus[0].pk, available=4, version=1)
    inventory.stock[skus[0].pk] = 99  # what a call to inventory would have answered
    inventory.calls.clear()

    response = anon_api.get(f"{LIST}/{spu.pk}")
    assert response.status_code == 200
    body = response.json()
    assert inventory.calls == []
    assert [(s["id"], s["available"], s["in_stock"]) for s in body["skus"]] == [
        (skus[0].pk, 4, True),
        (skus[1].pk, 0, False),
    ]
    assert body["skus"][0]["spec"] == "Colour: red / Size: S"
    assert body["skus"][0]["value_ids"] == sorted(cat.v("red", "S"))
    assert [(g["code"], [v["value"] for v in g["values"]]) for g in body["sales_attributes"]] == [
        ("colour", ["red", "blue"]),
        ("size", ["S"]),
    ]
    assert body["attributes"][0]["values"] == [{"id": cat.v("cotton")[0], "value": "cotton"}]
    assert [c["name"] for c in body["breadcrumb"]] == ["Apparel", "Men", "T-Shirts"]
    assert body["description"] == [{"type": "text", "text": "Soft cotton"}]
    assert (body["price"], body["max_price"]) == ("10.00", "12.00")
    assert body["rating"] == {"avg": "0.00", "count": 0}
    assert body["merchant"]["name"] == "Shop A"
    assert "cost_price" not in response.content.decode()


def test_detail_of_a_draft_or_unknown_product_is_not_found(cat, anon_api):
    draft = make_product(cat, publish=False)
    assert anon_api.get(f"{LIST}/{draft.pk}").status_code == 404
    assert anon_api.get(f"{LIST}/999999").status_code == 404


def _many_products(cat, count: int) -> None:
    for n in range(count):
        make_product(
            cat,
            title=f"P{n}",
            brand=cat.brand if n % 2 else None,
            merchant=cat.shop if n % 3 else cat.other_shop,
            skus=[(("red", "S"), "10.00"), (("blue", "M"), f"{11 + n}.00")],
            materials=("cotton",),
        )


@pytest.mark.parametrize("page_size", [5, 50])
def test_list_query_count_does_not_grow_with_the_page(
    cat, anon_api, django_assert_max_num_queries, page_size
):
    _many_products(cat, page_size)
    params = {
        "page_size": page_size,
        "category": cat.apparel.pk,
        "attr": cat.v("red", "S", "cotton"),
        "min_price": "1",
        "max_price": "500",
        "in_stock": "false",
        "sort": "price_desc",
    }
    with django_assert_max_num_queries(10):
        response = anon_api.get(LIST, params)
    assert len(response.json()["results"]) == page_size
    with django_assert_max_num_queries(10):
        assert len(ids(anon_api.get(LIST, {"page_size": page_size}))) == page_size


@pytest.mark.parametrize("sku_count", [1, 30])
def test_detail_query_count_does_not_grow_with_the_skus(
    cat, anon_api, django_assert_max_num_queries, sku_count
):
    combos = [(c, s) for c in ("red", "blue", "black") for s in ("S", "M", "L")]
    spu = make_product(cat, skus=[(combos[0], "1.00")], materials=("cotton", "wool"))
    # 30 SKUs need more combinations than the fixture's 3 x 3: add size values.
    for n in range(sku_count - 1):
        new = taxonomy.attribute_value_create(attribute_id=cat.size.pk, value=f"EU{n}")
        products.sku_create(
            principal=STAFF,
            spu_id=spu.pk,
            value_ids=[cat.values["red"].pk, new.pk],
            price=Decimal("2.00"),
        )
    document_store().content_put(spu_id=spu.pk, blocks=[{"type": "text", "text": "x"}])
    with django_assert_max_num_queries(15):
        response = anon_api.get(f"{LIST}/{spu.pk}")
    assert response.status_code == 200
    assert len(response.json()["skus"]) == sku_count


def test_the_list_total_is_counted_once_per_query_while_cached(cat, anon_api, settings):
    settings.LIST_COUNT_CACHE_SECONDS = 30
    _many_products(cat, 3)
    first = anon_api.get(LIST, {"page_size": 2})
    total = first.json()["count"]
    assert total >= 3
    # Same query again: the COUNT is not run; another filter counts on its own.
    again = _queries_of(anon_api, {"page_size": 2})
    assert not any("COUNT(" in sql for sql in again)
    other = _queries_of(anon_api, {"page_size": 2, "sort": "price_asc"})
    assert any("COUNT(" in sql for sql in other)
    assert anon_api.get(LIST, {"page_size": 2}).json()["count"] == total


def _queries_of(client, params) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(LIST, params).status_code == 200
    return [q["sql"] for q in captured.captured_queries]
