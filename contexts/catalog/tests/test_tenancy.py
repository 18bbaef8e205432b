"""Catalog's adapter for shared.auth's tenancy port: who owns or staffs which shop, looked up
once per request."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from contexts.catalog.adapters.tenancy import CatalogTenancy
from contexts.catalog.services import merchants
from contexts.catalog.tests.support import client_for, make_product
from shared import auth


def test_owner_and_staff_roles_come_from_shops_and_staff_rows(cat):
    tenancy = CatalogTenancy()
    assert tenancy.merchant_roles(user_id=cat.owner.pk) == {cat.shop.pk: auth.MERCHANT_OWNER}
    assert tenancy.merchant_roles(user_id=cat.shop_staff.pk) == {cat.shop.pk: auth.MERCHANT_STAFF}
    # Owner of one shop and staff of another: both, each with its role.
    merchants.merchant_staff_add(merchant_id=cat.other_shop.pk, user_id=cat.owner.pk)
    assert tenancy.merchant_roles(user_id=cat.owner.pk) == {
        cat.shop.pk: auth.MERCHANT_OWNER,
        cat.other_shop.pk: auth.MERCHANT_STAFF,
    }
    assert tenancy.merchant_roles(user_id=cat.staff_user.pk) == {}


def _shop_lookups(context: CaptureQueriesContext) -> list[str]:
    # The tenancy query is the one reading the staff table (as a subquery of the shop query).
    return [q["sql"] for q in context.captured_queries if "catalog_merchantstaff" in q["sql"]]


def test_a_request_looks_the_callers_shops_up_once(cat):
    spu = make_product(cat)
    api = client_for(cat.owner)
    # Permission class, selector and service all ask the principal: one lookup of the shops.
    with CaptureQueriesContext(connection) as context:
        response = api.patch(f"/api/v1/admin/products/{spu.pk}", {"title": "Renamed"})
    assert response.status_code == 200, response.json()
    assert len(_shop_lookups(context)) == 1


def test_platform_staff_requests_skip_the_shop_lookup(cat, staff_api):
    with CaptureQueriesContext(connection) as context:
        response = staff_api.get("/api/v1/admin/products")
    assert response.status_code == 200
    assert _shop_lookups(context) == []
