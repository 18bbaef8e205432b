"""Search (contexts/search): the endpoints over the default (embedded) index with the real
catalog."""

from __future__ import annotations

import pytest

from contexts.catalog.tests.support import build_catalog, client_for, error_code, make_product
from tests.support import make_user

pytestmark = pytest.mark.django_db(transaction=True)
PRODUCTS = "/api/v1/search/products"


@pytest.fixture
def shop():
    cat = build_catalog()
    make_product(cat, title="Red cotton tee", brand=cat.brand, materials=("cotton",))
    make_product(
        cat,
        title="Blue wool tee",
        brand=cat.other_brand,
        materials=("wool",),
        skus=[(("blue", "M"), "30.00"), (("blue", "L"), "32.00")],
    )
    make_product(cat, title="Phone case", category=cat.electronics, skus=[(("black",), "150.00")])
    return cat


def test_keyword_search_answers_hits_and_facets(shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client_for().get(PRODUCTS, {"q": "tee", "sort": "price_desc"})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [h["title"] for h in body["results"]] == ["Blue wool tee", "Red cotton tee"]
    assert body["results"][0]["highlight"] == "Blue wool <em>tee</em>"
    assert body["results"][0]["price"] == "30.00"
    assert {b["name"]: b["count"] for b in body["facets"]["brands"]} == {"Acme": 1, "Globex": 1}
    assert body["facets"]["categories"] == [{"id": shop.tshirts.pk, "name": "T-Shirts", "count": 2}]
    assert body["facets"]["prices"] == [{"low": "0.00", "high": "100.00", "count": 2}]
    names = {a["name"] for a in body["facets"]["attributes"]}
    assert names == {"Colour", "Size", "Material"}


def test_filters_by_category_brand_price_and_attribute_values(shop):
    get = client_for().get
    assert get(PRODUCTS, {"category": shop.apparel.pk}).json()["count"] == 2
    assert get(PRODUCTS, {"brand": shop.brand.pk}).json()["count"] == 1
    assert get(PRODUCTS, {"price_min": "20", "price_max": "200"}).json()["count"] == 2
    red, blue, wool = shop.v("red", "blue", "wool")
    assert get(PRODUCTS, {"attr": [red, blue]}).json()["count"] == 2
    assert [h["title"] for h in get(PRODUCTS, {"attr": [blue, wool]}).json()["results"]] == [
        "Blue wool tee"
    ]
    assert get(PRODUCTS, {"attr": [999999]}).json()["count"] == 0
    assert get(PRODUCTS, {"in_stock": "true"}).json()["count"] == 0


def test_unknown_parameters_are_ignored_and_bad_values_refused(shop):
    get = client_for().get
    assert get(PRODUCTS, {"q": "tee", "utm_source": "x"}).json()["count"] == 2
    for params in (
        {"sort": "cheapest"},
        {"price_min": "10", "price_max": "5"},
        {"page": 0},
        {"page": 500, "page_size": 100},
        {"q": "x" * 101},
        {"q": "tee\u202e"},
        {"attr": "abc"},
    ):
        response = get(PRODUCTS, params)
        assert response.status_code == 400, params
        assert error_code(response) == "validation_error"


def test_suggestions_complete_titles(shop):
    response = client_for().get("/api/v1/search/suggest", {"q": "wo"})
    assert response.status_code == 200
    assert [s["text"] for s in response.json()["results"]] == ["Blue wool tee"]
    assert client_for().get("/api/v1/search/suggest").status_code == 400


def test_order_search_is_for_staff():
    url = "/api/v1/admin/search/orders"
    assert client_for().get(url).status_code == 401
    assert client_for(make_user()).get(url).status_code == 403
    staff = client_for(make_user(is_staff=True))
    response = staff.get(url, {"status": ["paid", "completed"], "phone": "138-0000"})
    assert response.status_code == 200
    assert response.json() == {"count": 0, "page": 1, "page_size": 20, "results": []}
    assert staff.get(url, {"status": "lost"}).status_code == 400


def test_the_demo_data_is_searchable_with_facets_and_suggestions():
    import io

    from django.core.management import call_command

    call_command("load_demo_data", users=1, products=4, skus_per_product=2, stdout=io.StringIO())
    body = client_for().get(PRODUCTS, {"q": "demo product"}).json()
    assert body["count"] == 4
    assert body["facets"]["brands"] and body["facets"]["categories"]
    suggestions = client_for().get("/api/v1/search/suggest", {"q": "dem"}).json()["results"]
    assert len(suggestions) == 4
