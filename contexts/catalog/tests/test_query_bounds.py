"""Hostile query strings and path ids on every catalog list endpoint: never a 500, never an
absurd number in SQL. Bad filters are 400 validation_error; a page past the end is DRF's 404."""

from __future__ import annotations

import pytest

from contexts.catalog.models import Sku
from contexts.catalog.tests.support import client_for, error_code, make_product, make_user

HUGE = "99999999999999999999999"
OVER_BIGINT = str(2**63)

# (who, url, query): url may name {spu} and {sku}, a product and SKU of the test catalog.
HOSTILE = [
    ("anon", "/api/v1/products", {"page": HUGE}),
    ("anon", "/api/v1/products", {"page": "-1"}),
    ("anon", "/api/v1/products", {"page": "abc"}),
    ("anon", "/api/v1/products", {"page_size": HUGE}),
    ("anon", "/api/v1/products", {"page_size": "-5"}),
    ("anon", "/api/v1/products", {"category": "abc"}),
    ("anon", "/api/v1/products", {"category": HUGE}),
    ("anon", "/api/v1/products", {"category": OVER_BIGINT}),
    ("anon", "/api/v1/products", {"brand": HUGE}),
    ("anon", "/api/v1/products", {"merchant": HUGE}),
    ("anon", "/api/v1/products", {"merchant": "-1"}),
    ("anon", "/api/v1/products", {"min_price": "1e999"}),
    ("anon", "/api/v1/products", {"max_price": "NaN"}),
    ("anon", "/api/v1/products", {"max_price": "-Infinity"}),
    ("anon", "/api/v1/products", {"min_price": "1" * 40}),
    ("anon", "/api/v1/products", {"attr": "x"}),
    ("anon", "/api/v1/products", {"attr": HUGE}),
    ("anon", "/api/v1/products", {"attr": "0"}),
    ("anon", "/api/v1/products", {"in_stock": "maybe"}),
    ("anon", "/api/v1/products", {"sort": "'; drop table x"}),
    ("anon", f"/api/v1/products/{HUGE}", {}),
    ("anon", "/api/v1/products/{spu}/reviews", {"page": HUGE}),
    ("anon", "/api/v1/products/{spu}/reviews", {"page": "0"}),
    ("anon", "/api/v1/products/{spu}/reviews", {"page": "-3"}),
    ("anon", "/api/v1/products/{spu}/reviews", {"page": "abc"}),
    ("anon", "/api/v1/products/{spu}/reviews", {"page": "2"}),
    ("anon", "/api/v1/products/{spu}/reviews", {"page_size": HUGE}),
    ("anon", f"/api/v1/products/{HUGE}/reviews", {}),
    ("anon", "/api/v1/categories", {"page": HUGE}),
    ("anon", "/api/v1/brands", {"page": HUGE}),
    ("staff", "/api/v1/admin/merchants", {"page": HUGE}),
    ("staff", "/api/v1/admin/merchants", {"page_size": HUGE, "status": "x" * 300}),
    ("staff", f"/api/v1/admin/merchants/{HUGE}", {}),
    ("staff", "/api/v1/admin/categories", {"page": HUGE}),
    ("staff", f"/api/v1/admin/categories/{HUGE}", {}),
    ("staff", f"/api/v1/admin/categories/{HUGE}/attributes", {}),
    ("staff", "/api/v1/admin/brands", {"page": HUGE}),
    ("staff", "/api/v1/admin/attributes", {"kind": "x" * 300}),
    ("staff", "/api/v1/admin/products", {"page": HUGE}),
    ("staff", "/api/v1/admin/products", {"merchant": "abc"}),
    ("staff", "/api/v1/admin/products", {"merchant": HUGE}),
    ("staff", "/api/v1/admin/products", {"status": "x" * 300, "search": "%" * 300}),
    ("owner", "/api/v1/admin/products", {"merchant": HUGE, "page_size": HUGE}),
    ("staff", f"/api/v1/admin/products/{HUGE}/skus", {}),
    ("staff", "/api/v1/admin/skus/{sku}/price-history", {"page": HUGE}),
    ("owner", "/api/v1/admin/skus/{sku}/price-history", {"page": "-1"}),
    ("staff", f"/api/v1/admin/skus/{HUGE}/price-history", {}),
]


@pytest.mark.parametrize(("who", "url", "query"), HOSTILE)
def test_hostile_list_queries_are_4xx_in_the_envelope(cat, who, url, query):
    spu = make_product(cat)
    sku = Sku.objects.get(spu=spu)
    user = {"anon": None, "staff": cat.staff_user, "owner": cat.owner}[who]
    response = client_for(user).get(url.format(spu=spu.pk, sku=sku.pk), query)
    assert response.status_code in (200, 400, 404), response.content
    if response.status_code == 400:
        assert error_code(response) == "validation_error"
    elif response.status_code == 404:
        assert error_code(response) in {
            "not_found",
            "product_not_found",
            "merchant_not_found",
            "category_not_found",
            "sku_not_found",
        }


@pytest.mark.parametrize(
    "query",
    [
        {"category": HUGE},
        {"category": OVER_BIGINT},
        {"category": "0"},
        {"brand": HUGE},
        {"merchant": OVER_BIGINT},
        {"attr": HUGE},
        {"min_price": "1e999"},
        {"min_price": "1" * 40},
        {"max_price": "NaN"},
    ],
)
def test_out_of_range_storefront_filters_are_validation_errors(cat, query):
    response = client_for().get("/api/v1/products", query)
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert set(response.json()["error"]["details"]["fields"]) == set(query)


@pytest.mark.parametrize("merchant", ["abc", HUGE, "0"])
def test_a_malformed_merchant_filter_on_admin_products_is_a_validation_error(cat, merchant):
    response = client_for(cat.staff_user).get("/api/v1/admin/products", {"merchant": merchant})
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert set(response.json()["error"]["details"]["fields"]) == {"merchant"}


@pytest.mark.parametrize("page", [HUGE, "0", "-1", "abc", "2"])
def test_a_review_page_past_the_end_or_malformed_is_a_404(cat, page):
    spu = make_product(cat)
    response = client_for().get(f"/api/v1/products/{spu.pk}/reviews", {"page": page})
    assert response.status_code == 404
    assert error_code(response) == "not_found"
    assert response.json()["error"]["message"] == "Invalid page."


def test_review_pages_follow_the_shared_pagination(cat, purchases):
    spu = make_product(cat, skus=[(("red", "S"), "1.00"), (("red", "M"), "1.00")])
    skus = list(Sku.objects.filter(spu=spu).order_by("pk"))
    ids = []
    for n in range(3):
        buyer = make_user()
        purchases.add((buyer.pk, skus[n % 2].pk))
        response = client_for(buyer).post(
            f"/api/v1/products/{spu.pk}/reviews", {"sku_id": skus[n % 2].pk, "rating": 5}
        )
        assert response.status_code == 201, response.json()
        ids.append(response.json()["id"])
    url = f"/api/v1/products/{spu.pk}/reviews"
    last = client_for().get(url, {"page_size": 2, "page": "last"}).json()
    assert last["count"] == 3
    assert [r["id"] for r in last["results"]] == [ids[0]]
    assert last["next"] is None and "page=" not in last["previous"]
    assert client_for().get(url, {"page_size": 2, "page": 3}).status_code == 404
    empty = client_for().get(f"/api/v1/products/{make_product(cat).pk}/reviews").json()
    assert empty == {"count": 0, "next": None, "previous": None, "results": []}
