"""The cached storefront reads (shared/read_cache.py) with the real contexts: a write that changes
what a buyer sees is visible on the very next read of the product page, the product list and
the keyword search, through the services and the event relay (after commit, as in production);
a cache hit costs no database query; nothing on these answers depends on who asks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.cache import cache

from contexts.catalog.models import Sku
from contexts.catalog.services import products, taxonomy
from contexts.catalog.tests.support import STAFF, build_catalog, client_for, make_product
from contexts.inventory import services as inventory
from contexts.inventory.tests.support import warehouse
from shared.auth import SYSTEM
from tests.support import make_user

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/api/v1/products"
SEARCH = "/api/v1/search/products"


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.STOREFRONT_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def shop():
    cat = build_catalog()
    tee = make_product(
        cat, title="Cotton tee", skus=[(("red", "S"), "10.00"), (("blue", "M"), "12.00")]
    )
    make_product(cat, title="Wool tee", skus=[(("red", "M"), "30.00")])
    store = warehouse(merchant_id=cat.shop.pk)
    sku_ids = list(Sku.objects.filter(spu=tee).order_by("pk").values_list("pk", flat=True))
    for sku_id in sku_ids:
        inventory.stock_inbound(warehouse_id=store.pk, sku_id=sku_id, quantity=5, principal=SYSTEM)
    return cat, tee, sku_ids, store


def _listed(body, spu_id) -> dict:
    return next(p for p in body["results"] if p["id"] == spu_id)


def _reads(tee):
    """The product page, the list, the price-sorted in-stock list and the keyword search."""
    anon = client_for()
    page = anon.get(f"{LIST}/{tee.pk}")
    listing = anon.get(LIST, {"page_size": 10})
    sorted_in_stock = anon.get(LIST, {"sort": "price_asc", "in_stock": "true"})
    search = anon.get(SEARCH, {"q": "tee"})
    for response in (page, listing, sorted_in_stock, search):
        assert response.status_code == 200, response.content
    return page.json(), listing.json(), sorted_in_stock.json(), search.json()


def test_a_price_change_is_visible_at_once_everywhere(shop):
    _, tee, sku_ids, _ = shop
    page, listing, _, search = _reads(tee)
    assert page["price"] == "10.00" and page["skus"][0]["price"] == "10.00"
    assert _listed(listing, tee.pk)["price"] == "10.00"
    assert _listed(search, tee.pk)["price"] == "10.00"
    assert _reads(tee)[0] == page  # served from the cache from now on

    products.sku_update(principal=STAFF, sku_id=sku_ids[0], data={"price": Decimal("8.50")})

    page, listing, sorted_in_stock, search = _reads(tee)
    assert page["price"] == "8.50" and page["skus"][0]["price"] == "8.50"
    assert _listed(listing, tee.pk)["price"] == "8.50"
    assert _listed(sorted_in_stock, tee.pk)["price"] == "8.50"
    assert _listed(search, tee.pk)["price"] == "8.50"

    products.sku_prices_bulk_update(
        principal=STAFF, updates=[products.PriceUpdate(sku_id=sku_ids[0], price=Decimal("40"))]
    )
    page, listing, sorted_in_stock, search = _reads(tee)
    assert page["price"] == "12.00" and page["max_price"] == "40.00"
    assert [p["price"] for p in sorted_in_stock["results"]] == ["12.00"]  # the sort moved too
    assert _listed(search, tee.pk)["price"] == "12.00"


def test_a_stock_change_is_visible_at_once_on_the_page_and_in_the_lists(shop):
    _, tee, sku_ids, store = shop
    page, listing, sorted_in_stock, search = _reads(tee)
    assert [s["available"] for s in page["skus"]] == [5, 5]
    assert _listed(listing, tee.pk)["in_stock"] is True
    assert [p["id"] for p in sorted_in_stock["results"]] == [tee.pk]

    # A change that keeps the SKU in stock: the page shows the new figure.
    inventory.stock_adjust(warehouse_id=store.pk, sku_id=sku_ids[0], counted=2, principal=SYSTEM)
    page = _reads(tee)[0]
    assert [s["available"] for s in page["skus"]] == [2, 5]

    # Both SKUs sold out: out of stock on the page, in the list and its in-stock filter.
    for sku_id in sku_ids:
        inventory.stock_adjust(warehouse_id=store.pk, sku_id=sku_id, counted=0, principal=SYSTEM)
    page, listing, sorted_in_stock, search = _reads(tee)
    assert [(s["available"], s["in_stock"]) for s in page["skus"]] == [(0, False), (0, False)]
    assert _listed(listing, tee.pk)["in_stock"] is False
    assert sorted_in_stock["results"] == []
    assert _listed(search, tee.pk)["in_stock"] is False
    assert client_for().get(SEARCH, {"q": "tee", "in_stock": "true"}).json()["count"] == 0

    inventory.stock_inbound(warehouse_id=store.pk, sku_id=sku_ids[1], quantity=3, principal=SYSTEM)
    page, listing, sorted_in_stock, _ = _reads(tee)
    assert [s["available"] for s in page["skus"]] == [0, 3]
    assert _listed(listing, tee.pk)["in_stock"] is True
    assert [p["id"] for p in sorted_in_stock["results"]] == [tee.pk]


def test_publishing_unpublishing_and_renames_are_visible_at_once(shop, settings):
    settings.LIST_COUNT_CACHE_SECONDS = 30  # the list's total is cached too, as in production
    cat, tee, _, _ = shop
    page, listing, _, _ = _reads(tee)
    assert page["title"] == "Cotton tee" and listing["count"] == 2

    products.spu_update(principal=STAFF, spu_id=tee.pk, data={"title": "Organic tee"})
    page, listing, _, search = _reads(tee)
    assert page["title"] == "Organic tee" and _listed(listing, tee.pk)["title"] == "Organic tee"
    assert _listed(search, tee.pk)["title"] == "Organic tee"

    taxonomy.category_update(category_id=cat.tshirts.pk, data={"name": "Tees"})
    page = client_for().get(f"{LIST}/{tee.pk}").json()
    assert page["category"]["name"] == "Tees" and page["breadcrumb"][-1]["name"] == "Tees"

    products.spu_unpublish(principal=STAFF, spu_id=tee.pk)
    assert client_for().get(f"{LIST}/{tee.pk}").status_code == 404
    listing = client_for().get(LIST, {"page_size": 10}).json()
    assert tee.pk not in [p["id"] for p in listing["results"]] and listing["count"] == 1
    assert tee.pk not in [p["id"] for p in client_for().get(SEARCH, {"q": "tee"}).json()["results"]]
    products.spu_publish(principal=STAFF, spu_id=tee.pk)
    assert client_for().get(f"{LIST}/{tee.pk}").status_code == 200
    listing = client_for().get(LIST, {"page_size": 10}).json()
    assert tee.pk in [p["id"] for p in listing["results"]] and listing["count"] == 2


def test_a_cache_hit_runs_no_query_and_a_miss_a_constant_number(
    shop, django_assert_num_queries, django_assert_max_num_queries
):
    _, tee, _, _ = shop
    anon = client_for()
    urls = [
        (f"{LIST}/{tee.pk}", {}),
        (LIST, {"page_size": 20}),
        (LIST, {"sort": "price_asc", "in_stock": "true", "min_price": "1"}),
        (SEARCH, {"q": "tee"}),
    ]
    for url, params in urls:
        with django_assert_max_num_queries(12):
            first = anon.get(url, params)
        with django_assert_num_queries(0):
            again = anon.get(url, params)
        assert again.status_code == 200
        assert again.content == first.content
        assert again["Content-Type"] == first["Content-Type"] == "application/json"


def test_the_same_query_in_another_order_is_one_entry_with_the_same_bytes(
    shop, django_assert_num_queries
):
    anon = client_for()
    first = anon.get(f"{LIST}?page_size=1&sort=price_asc&in_stock=false")
    with django_assert_num_queries(0):
        again = anon.get(f"{LIST}?in_stock=false&sort=price_asc&page_size=1")
    assert again.content == first.content
    assert first.json()["next"]  # the link is written with sorted parameters either way


def test_the_answers_do_not_depend_on_who_asks(shop, settings):
    """Nothing per-user is on these answers, so one cached copy serves everyone: each answer,
    computed without the cache for a buyer, a staff member and an anonymous visitor, is the
    same. (A view that answers per user must declare `per_user=True`: shared/tests.)"""
    cat, tee, _, _ = shop
    settings.STOREFRONT_CACHE_SECONDS = 0
    clients = [client_for(), client_for(make_user()), client_for(cat.staff_user)]
    for url, params in (
        (f"{LIST}/{tee.pk}", {}),
        (LIST, {}),
        (SEARCH, {"q": "tee"}),
        ("/api/v1/search/suggest", {"q": "te"}),
    ):
        bodies = {c.get(url, params).content for c in clients}
        assert len(bodies) == 1, url
    settings.STOREFRONT_CACHE_SECONDS = 60
    buyer_first = client_for(make_user()).get(f"{LIST}/{tee.pk}").content
    assert client_for().get(f"{LIST}/{tee.pk}").content == buyer_first


def test_errors_are_not_cached_and_a_later_product_is_found(shop):
    cat, _, _, _ = shop
    anon = client_for()
    assert anon.get(LIST, {"sort": "cheapest"}).status_code == 400
    missing = make_product(cat, title="Later", publish=False)
    assert anon.get(f"{LIST}/{missing.pk}").status_code == 404
    products.spu_publish(principal=STAFF, spu_id=missing.pk)
    assert anon.get(f"{LIST}/{missing.pk}").status_code == 200


def test_the_browsable_api_is_not_served_from_the_json_cache(shop):
    _, tee, _, _ = shop
    json_body = client_for().get(f"{LIST}/{tee.pk}").content
    html = client_for().get(f"{LIST}/{tee.pk}", HTTP_ACCEPT="text/html")
    assert html["Content-Type"].startswith("text/html")
    assert html.content != json_body


def test_cached_answers_are_still_throttled(shop, monkeypatch):
    from shared.rest.throttling import AnonRateThrottle

    _, tee, _, _ = shop
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min"})
    anon = client_for()
    statuses = [anon.get(f"{LIST}/{tee.pk}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
