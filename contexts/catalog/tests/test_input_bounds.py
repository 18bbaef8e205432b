"""Numbers too large for their columns are 400 validation_error, never a database error (500);
the largest value a column holds is accepted."""

from __future__ import annotations

import pytest

from contexts.catalog.models import Brand, Category, Sku
from contexts.catalog.tests.support import client_for, error_code, make_product

INT_OVER = 2**31  # one past a signed 32-bit column (IntegerField, PositiveIntegerField)
INT_UNDER = -(2**31) - 1
BIGINT_OVER = 2**63  # one past a BIGINT id column
HUGE = 10**30

# (who, method, url under /api/v1/, body, the field refused): url and body may name {spu}, {sku},
# {category}, {attribute}, {brand}, {merchant}, {value}.
OVERSIZED = [
    ("staff", "post", "admin/categories", {"name": "X", "sort_order": INT_OVER}, "sort_order"),
    ("staff", "post", "admin/categories", {"name": "X", "sort_order": INT_UNDER}, "sort_order"),
    ("staff", "post", "admin/categories", {"name": "X", "parent_id": BIGINT_OVER}, "parent_id"),
    ("staff", "patch", "admin/categories/{category}", {"sort_order": HUGE}, "sort_order"),
    (
        "staff",
        "put",
        "admin/categories/{category}/attributes",
        {"attribute_ids": [HUGE]},
        "attribute_ids",
    ),
    ("staff", "post", "admin/brands", {"name": "X", "sort_order": INT_OVER}, "sort_order"),
    ("staff", "patch", "admin/brands/{brand}", {"sort_order": INT_OVER}, "sort_order"),
    (
        "staff",
        "post",
        "admin/attributes",
        {"name": "X", "code": "x", "kind": "sales", "sort_order": INT_OVER},
        "sort_order",
    ),
    ("staff", "patch", "admin/attributes/{attribute}", {"sort_order": INT_OVER}, "sort_order"),
    (
        "staff",
        "post",
        "admin/attributes/{attribute}/values",
        {"value": "X", "sort_order": INT_OVER},
        "sort_order",
    ),
    ("staff", "patch", "admin/attribute-values/{value}", {"sort_order": INT_OVER}, "sort_order"),
    (
        "staff",
        "post",
        "admin/merchants",
        {"name": "X", "owner_user_id": BIGINT_OVER},
        "owner_user_id",
    ),
    ("staff", "patch", "admin/merchants/{merchant}", {"owner_user_id": HUGE}, "owner_user_id"),
    ("staff", "post", "admin/merchants/{merchant}/staff", {"user_id": BIGINT_OVER}, "user_id"),
    (
        "owner",
        "post",
        "admin/products",
        {"merchant_id": BIGINT_OVER, "category_id": 1, "title": "X"},
        "merchant_id",
    ),
    ("owner", "patch", "admin/products/{spu}", {"category_id": BIGINT_OVER}, "category_id"),
    ("owner", "patch", "admin/products/{spu}", {"brand_id": HUGE}, "brand_id"),
    (
        "owner",
        "patch",
        "admin/products/{spu}",
        {"attribute_value_ids": [HUGE]},
        "attribute_value_ids",
    ),
    (
        "owner",
        "post",
        "admin/products/{spu}/skus",
        {"value_ids": [HUGE], "price": "1"},
        "value_ids",
    ),
    (
        "owner",
        "post",
        "admin/products/{spu}/skus",
        {"value_ids": [], "price": "1", "weight_grams": INT_OVER},
        "weight_grams",
    ),
    ("owner", "patch", "admin/skus/{sku}", {"weight_grams": INT_OVER}, "weight_grams"),
    ("owner", "patch", "admin/skus/{sku}", {"weight_grams": -1}, "weight_grams"),
    ("owner", "patch", "admin/skus/{sku}", {"price": "1" * 13}, "price"),
    ("owner", "patch", "admin/skus/{sku}", {"market_price": "1e999"}, "market_price"),
    ("owner", "patch", "admin/skus/{sku}", {"cost_price": "0.001"}, "cost_price"),
    (
        "owner",
        "post",
        "admin/skus/bulk-price",
        {"items": [{"sku_id": BIGINT_OVER, "price": "1"}]},
        "items",
    ),
    (
        "owner",
        "post",
        "admin/skus/bulk-price",
        {"items": [{"sku_id": "{sku}", "price": "1e15"}]},
        "items",
    ),
    ("buyer", "post", "products/{spu}/reviews", {"sku_id": BIGINT_OVER, "rating": 5}, "sku_id"),
]


def _fill(value, ids: dict[str, int]):
    if isinstance(value, str):
        return int(value.format(**ids)) if value.startswith("{") else value
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.fixture
def ids(cat) -> dict[str, int]:
    spu = make_product(cat)
    return {
        "spu": spu.pk,
        "sku": Sku.objects.get(spu=spu).pk,
        "category": cat.tshirts.pk,
        "attribute": cat.colour.pk,
        "value": cat.values["red"].pk,
        "brand": cat.brand.pk,
        "merchant": cat.shop.pk,
    }


@pytest.mark.parametrize(("who", "method", "url", "body", "field"), OVERSIZED)
def test_oversized_numbers_are_validation_errors(cat, ids, who, method, url, body, field):
    user = {"staff": cat.staff_user, "owner": cat.owner, "buyer": cat.other_owner}[who]
    client = client_for(user)
    response = getattr(client, method)(
        f"/api/v1/{url.format(**ids)}", _fill(body, ids), format="json"
    )
    assert response.status_code == 400, response.content
    assert error_code(response) == "validation_error"
    assert set(response.json()["error"]["details"]["fields"]) == {field}


def test_the_largest_values_the_columns_hold_are_accepted(cat, ids):
    staff, owner = client_for(cat.staff_user), client_for(cat.owner)
    category = staff.post(
        "/api/v1/admin/categories", {"name": "Last", "sort_order": INT_OVER - 1}, format="json"
    )
    assert category.status_code == 201, category.json()
    brand = staff.post(
        "/api/v1/admin/brands", {"name": "First", "sort_order": INT_UNDER + 1}, format="json"
    )
    assert brand.status_code == 201, brand.json()
    sku = owner.patch(
        f"/api/v1/admin/skus/{ids['sku']}",
        {"weight_grams": INT_OVER - 1, "price": "999999999999.99"},
        format="json",
    )
    assert sku.status_code == 200, sku.json()
    assert Category.objects.get(pk=category.json()["id"]).sort_order == INT_OVER - 1
    assert Brand.objects.get(pk=brand.json()["id"]).sort_order == INT_UNDER + 1
    assert Sku.objects.get(pk=ids["sku"]).weight_grams == INT_OVER - 1
