"""Merchants (shops) and their staff: staff-only admin API, and the public api."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.catalog import api
from contexts.catalog.adapters.tenancy import CatalogTenancy
from contexts.catalog.models import Merchant
from contexts.catalog.services import merchants
from contexts.catalog.tests.support import (
    client_for,
    error_code,
    events,
    make_product,
    make_user,
)
from shared.auth import MERCHANT_STAFF
from shared.errors import ValidationFailed

URL = "/api/v1/admin/merchants"


def test_staff_create_list_update_and_delete_merchants(cat, staff_api):
    owner = make_user()
    created = staff_api.post(
        URL, {"name": "Shop C", "owner_user_id": owner.pk, "commission_rate": "0.0800"}
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "active"
    assert body["commission_rate"] == "0.0800"
    merchant_id = body["id"]

    listed = staff_api.get(URL)
    assert listed.status_code == 200
    assert {m["name"] for m in listed.json()["results"]} == {"Shop A", "Shop B", "Shop C"}

    updated = staff_api.patch(f"{URL}/{merchant_id}", {"status": "suspended"})
    assert updated.status_code == 200
    assert updated.json()["status"] == "suspended"
    assert events("catalog.merchant.updated.v1")[-2:] == [
        {
            "merchant_id": merchant_id,
            "name": "Shop C",
            "status": status,
            "owner_user_id": owner.pk,
            "commission_rate": "0.0800",
        }
        for status in ("active", "suspended")
    ]
    assert staff_api.get(URL, {"status": "suspended"}).json()["count"] == 1

    assert staff_api.delete(f"{URL}/{merchant_id}").status_code == 204
    assert staff_api.get(f"{URL}/{merchant_id}").status_code == 404


def test_merchant_admin_is_staff_only(cat, owner_api, anon_api):
    assert anon_api.get(URL).status_code == 401
    response = owner_api.get(URL)
    assert response.status_code == 403
    assert error_code(response) == "permission_denied"
    assert owner_api.patch(f"{URL}/{cat.shop.pk}", {"name": "Mine"}).status_code == 403


def test_merchant_rules(cat, staff_api):
    taken = staff_api.post(URL, {"name": "Shop A", "owner_user_id": cat.owner.pk})
    assert taken.status_code == 409
    assert error_code(taken) == "merchant_name_taken"

    unknown_owner = staff_api.post(URL, {"name": "Shop X", "owner_user_id": 987654})
    assert unknown_owner.status_code == 400
    assert error_code(unknown_owner) == "unknown_user"

    rate = staff_api.post(
        URL, {"name": "Shop Y", "owner_user_id": cat.owner.pk, "commission_rate": "1.5000"}
    )
    assert rate.status_code == 422
    assert error_code(rate) == "invalid_commission_rate"

    make_product(cat, publish=False)
    in_use = staff_api.delete(f"{URL}/{cat.shop.pk}")
    assert in_use.status_code == 409
    assert error_code(in_use) == "merchant_has_products"
    assert Merchant.objects.filter(pk=cat.shop.pk).exists()


def test_staff_members_are_added_and_removed(cat, staff_api):
    helper = make_user()
    added = staff_api.post(f"{URL}/{cat.other_shop.pk}/staff", {"user_id": helper.pk})
    assert added.status_code == 200
    assert added.json()["staff_user_ids"] == [helper.pk]
    assert CatalogTenancy().merchant_roles(user_id=helper.pk) == {cat.other_shop.pk: MERCHANT_STAFF}

    assert staff_api.delete(f"{URL}/{cat.other_shop.pk}/staff/{helper.pk}").status_code == 204
    assert CatalogTenancy().merchant_roles(user_id=helper.pk) == {}
    again = staff_api.delete(f"{URL}/{cat.other_shop.pk}/staff/{helper.pk}")
    assert again.status_code == 404
    assert error_code(again) == "staff_not_found"


def test_public_api_merchant_info(cat):
    info = api.get_merchant(merchant_id=cat.shop.pk)
    assert info == api.MerchantInfo(
        merchant_id=cat.shop.pk,
        name="Shop A",
        is_active=True,
        owner_user_id=cat.owner.pk,
        commission_rate=Decimal("0.0500"),
    )
    assert api.get_merchant(merchant_id=999999) is None
    assert set(api.get_merchants(merchant_ids=[cat.shop.pk, cat.other_shop.pk, 999999])) == {
        cat.shop.pk,
        cat.other_shop.pk,
    }


@pytest.mark.parametrize("huge", [2**63, 2**64 + 1, 10**30])
def test_ids_no_row_can_have_are_unknown_to_the_public_api_not_an_error(cat, huge):
    # Other contexts pass ids from a URL or a body as they came; SQLite refused these as query
    # parameters (OverflowError, a 500 in settlement's PUT .../merchants/{id}/profile).
    product = make_product(cat)
    sku_id = product.skus.first().pk
    assert api.get_merchant(merchant_id=huge) is None
    assert set(api.get_merchants(merchant_ids=[cat.shop.pk, huge])) == {cat.shop.pk}
    assert api.merchant_names(merchant_ids=[huge]) == {}
    assert set(api.get_skus(sku_ids=[sku_id, huge, -huge])) == {sku_id}
    assert api.spu_merchants(spu_ids=[product.pk, huge]) == {product.pk: cat.shop.pk}
    assert set(api.categories_ancestor_ids(category_ids=[cat.men.pk, huge])) == {cat.men.pk}
    assert set(api.products_for_search(spu_ids=[huge])) == set()


def test_a_plain_user_is_not_merchant_side(cat):
    response = client_for(make_user()).get("/api/v1/admin/products")
    assert response.status_code == 403


def test_a_shop_owner_must_be_an_identity_user_in_the_api_and_the_service(cat, staff_api):
    # Changing the owner to nobody is refused by the API and by the service the admin uses.
    patched = staff_api.patch(f"{URL}/{cat.shop.pk}", {"owner_user_id": 987654})
    assert patched.status_code == 400 and error_code(patched) == "unknown_user"
    with pytest.raises(ValidationFailed) as created:
        merchants.merchant_create(name="Shop Z", owner_user_id=987654)
    assert created.value.code == "unknown_user"
    with pytest.raises(ValidationFailed) as updated:
        merchants.merchant_update(merchant_id=cat.shop.pk, data={"owner_user_id": 987654})
    assert updated.value.code == "unknown_user"
    cat.shop.refresh_from_db()
    assert cat.shop.owner_user_id == cat.owner.pk
    assert not Merchant.objects.filter(name="Shop Z").exists()
