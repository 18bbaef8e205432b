"""The storefront listing (GET /api/v1/products) served by the search index (search registers
the catalog's listing provider), on each adapter: the same answers as the catalog's SQL
listing, changes visible through events at once (eager delivery), and the SQL kept for the
query shapes the index cannot answer exactly."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from contexts.catalog.models import Sku, Spu
from contexts.catalog.services import products
from contexts.catalog.tests.support import (
    STAFF,
    build_catalog,
    client_for,
    make_product,
    make_shelf,
)
from contexts.search import services
from contexts.search.tests.fixtures import search_index_fixture  # noqa: F401 (fixture "index")
from shared.events import publish
from tests.test_search_sync import stock_event

pytestmark = pytest.mark.django_db(transaction=True)
LIST = "/api/v1/products"


@pytest.fixture
def listing_from_index(settings):
    settings.SEARCH_SERVES_LISTING = True
    return settings


@pytest.fixture
def shelf(index, listing_from_index):
    cat = build_catalog()
    made = make_shelf(cat)
    cat.ids = {name: spu.pk for name, spu in made.items()}
    return cat


def get(params=None):
    response = client_for().get(LIST, params or {})
    assert response.status_code == 200, response.json()
    return response.json()


def names(cat, body) -> list[str]:
    by_id = {v: k for k, v in cat.ids.items()}
    return [by_id[item["id"]] for item in body["results"]]


def drop_from_index(spu_id: int) -> None:
    """Make the index disagree with the catalog: what the listing then shows says who served it."""
    services.search_index().products_delete([spu_id])


def in_stock(sku_id: int, available: int) -> None:
    with transaction.atomic():
        publish(stock_event(sku_id, available))


QUERIES = [
    {},
    {"sort": "price_asc"},
    {"sort": "price_desc"},
    {"sort": "sales"},
    {"sort": "newest", "page_size": 2, "page": 2},
    {"category": "apparel"},
    {"category": "men", "sort": "price_desc"},
    {"brand": "brand"},
    {"merchant": "other_shop"},
    {"attr": ["red"]},
    {"attr": ["red", "blue"]},
    {"attr": ["red", "cotton"]},
    {"attr": ["wool"], "in_stock": "true"},
    {"in_stock": "true", "sort": "price_asc"},
]


def _params(cat, query: dict) -> dict:
    ids = {
        "apparel": cat.apparel.pk,
        "men": cat.men.pk,
        "brand": cat.brand.pk,
        "other_shop": cat.other_shop.pk,
    }
    out = {k: ids.get(v, v) if isinstance(v, str) else v for k, v in query.items()}
    if "attr" in out:
        out["attr"] = cat.v(*out["attr"])
    return out


@pytest.mark.parametrize("query", QUERIES, ids=[str(q) for q in QUERIES])
def test_the_index_answers_as_the_sql_listing_does(shelf, listing_from_index, query):
    blue_tee = Sku.objects.get(spu_id=shelf.ids["tee"], price=Decimal("30.00"))
    in_stock(blue_tee.pk, 3)
    in_stock(Sku.objects.get(spu_id=shelf.ids["dress"]).pk, 1)
    params = _params(shelf, query)
    from_index = get(params)
    listing_from_index.SEARCH_SERVES_LISTING = False
    assert from_index == get(params)  # same items, fields, order, count and page links


def test_the_listing_is_read_from_the_index(shelf, listing_from_index):
    assert names(shelf, get()) == ["sock", "phone", "shirt", "dress", "tee"]
    drop_from_index(shelf.ids["shirt"])
    body = get()
    assert (body["count"], names(shelf, body)) == (4, ["sock", "phone", "dress", "tee"])
    # Switched off, or for a shape only the SQL answers exactly (a price bound, conditions on
    # the same SKU), the catalog's SQL lists it.
    assert "shirt" in names(shelf, get({"max_price": "1000"}))
    assert names(shelf, get({"attr": shelf.v("red", "M")})) == ["shirt"]
    listing_from_index.SEARCH_SERVES_LISTING = False
    assert get()["count"] == 5


def test_price_stock_and_unpublishing_show_in_the_listing_at_once(shelf):
    sock = Sku.objects.get(spu_id=shelf.ids["sock"])
    products.sku_update(principal=STAFF, sku_id=sock.pk, data={"price": "120.00"})
    body = get({"sort": "price_desc"})
    assert names(shelf, body)[0] == "sock"
    assert body["results"][0]["price"] == "120.00"

    assert get({"in_stock": "true"})["count"] == 0
    in_stock(sock.pk, 2)
    assert names(shelf, get({"in_stock": "true"})) == ["sock"]
    in_stock(sock.pk, 0)
    assert get({"in_stock": "true"})["count"] == 0

    products.spu_unpublish(principal=STAFF, spu_id=shelf.ids["sock"])
    body = get({"sort": "price_desc"})
    assert (body["count"], names(shelf, body)) == (4, ["phone", "dress", "shirt", "tee"])
    products.spu_publish(principal=STAFF, spu_id=shelf.ids["sock"])
    assert get()["count"] == 5


def test_a_product_unpublished_behind_the_index_is_never_shown(shelf):
    """Within the consistency window (a worker not yet past the event), the page is read from
    the catalog's published products: the index may still count it, the page never shows it."""
    Spu.objects.filter(pk=shelf.ids["tee"]).update(status=Spu.Status.UNPUBLISHED)  # no event yet
    body = get()
    assert (body["count"], names(shelf, body)) == (5, ["sock", "phone", "shirt", "dress"])


def test_pagination_envelope_and_errors(shelf):
    first = get({"page_size": 2})
    assert (first["count"], names(shelf, first)) == (5, ["sock", "phone"])
    assert first["previous"] is None and "page=2" in first["next"]
    last = get({"page_size": 2, "page": "last"})
    assert names(shelf, last) == ["tee"] and last["next"] is None
    client = client_for()
    assert client.get(LIST, {"page": 9}).status_code == 404
    assert client.get(LIST, {"page": "x"}).status_code == 404
    assert client.get(LIST, {"page": "9" * 5000}).status_code == 404
    assert client.get(LIST, {"page": "999999999", "page_size": 100}).status_code == 404
    assert client.get(LIST, {"sort": "cheapest"}).status_code == 400


@pytest.mark.parametrize("page_size", [5, 40])
def test_query_count_does_not_grow_with_the_page(index, listing_from_index, page_size):
    cat = build_catalog()
    for n in range(page_size):
        spu = make_product(cat, title=f"P{n}", brand=cat.brand if n % 2 else None)
    params = {"page_size": page_size, "category": cat.apparel.pk, "sort": "price_desc"}
    drop_from_index(spu.pk)  # served by the index: the dropped product is not listed
    with CaptureQueriesContext(transaction.get_connection()) as captured:
        body = get(params)
    assert body["count"] == page_size - 1
    assert len(captured.captured_queries) <= 8


def test_published_at_ties_are_broken_alike(shelf, listing_from_index):
    """`newest` sorts by publication time, then id: the index and the SQL agree on ties."""
    same = Spu.objects.get(pk=shelf.ids["tee"]).published_at
    for name in ("dress", "shirt"):
        Spu.objects.filter(pk=shelf.ids[name]).update(published_at=same - timedelta(0))
        services.products_sync(spu_ids=[shelf.ids[name]])
    from_index = names(shelf, get())
    listing_from_index.SEARCH_SERVES_LISTING = False
    assert from_index == names(shelf, get())
