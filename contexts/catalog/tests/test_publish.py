"""Publishing: at least one active SKU priced above zero, an active merchant; the rule keeps
holding for published products; events in the outbox."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.catalog.models import Sku, Spu
from contexts.catalog.services import merchants, products
from contexts.catalog.tests.support import STAFF, error_code, events, make_product


def _publish(api, spu):
    return api.post(f"/api/v1/admin/products/{spu.pk}/publish")


@pytest.mark.parametrize(
    "skus",
    [[], [(("red", "S"), "0.00")]],
    ids=["no-sku", "free-sku"],
)
def test_publishing_needs_a_sku_priced_above_zero(cat, owner_api, skus):
    spu = make_product(cat, skus=skus, publish=False)
    response = _publish(owner_api, spu)
    assert response.status_code == 422
    assert error_code(response) == "publish_requires_priced_sku"
    assert Spu.objects.get(pk=spu.pk).status == "draft"
    assert events("catalog.product.published.v1") == []


def test_an_inactive_sku_does_not_count(cat, owner_api):
    spu = make_product(cat, publish=False)
    Sku.objects.filter(spu=spu).update(status=Sku.Status.INACTIVE)
    assert error_code(_publish(owner_api, spu)) == "publish_requires_priced_sku"


def test_a_suspended_merchant_cannot_publish(cat, owner_api):
    spu = make_product(cat, publish=False)
    merchants.merchant_update(merchant_id=cat.shop.pk, data={"status": "suspended"})
    response = _publish(owner_api, spu)
    assert response.status_code == 422
    assert error_code(response) == "merchant_suspended"


def test_publish_and_unpublish_publish_events(cat, owner_api):
    spu = make_product(cat, skus=[(("red", "S"), "0.00"), (("red", "M"), "25.50")], publish=False)
    published = _publish(owner_api, spu)
    assert published.status_code == 200
    assert published.json()["status"] == "published"
    assert published.json()["published_at"]
    [event] = events("catalog.product.published.v1")
    assert event == {
        "spu_id": spu.pk,
        "merchant_id": cat.shop.pk,
        "category_id": cat.tshirts.pk,
        "brand_id": None,
        "title": "Tee",
        "min_price": "0.00",
        "max_price": "25.50",
    }
    # Publishing again changes nothing and publishes nothing.
    assert _publish(owner_api, spu).status_code == 200
    assert len(events("catalog.product.published.v1")) == 1

    unpublished = owner_api.post(f"/api/v1/admin/products/{spu.pk}/unpublish")
    assert unpublished.json()["status"] == "unpublished"
    assert events("catalog.product.unpublished.v1") == [
        {"spu_id": spu.pk, "merchant_id": cat.shop.pk}
    ]
    again = owner_api.post(f"/api/v1/admin/products/{spu.pk}/unpublish")
    assert again.status_code == 409
    assert error_code(again) == "product_not_published"


def test_a_published_product_keeps_a_sellable_sku(cat, owner_api):
    spu = make_product(cat, skus=[(("red", "S"), "10.00"), (("red", "M"), "0.00")])
    priced = Sku.objects.get(spu=spu, price=Decimal("10.00"))
    free = Sku.objects.get(spu=spu, price=Decimal("0.00"))

    for response in (
        owner_api.delete(f"/api/v1/admin/skus/{priced.pk}"),
        owner_api.patch(f"/api/v1/admin/skus/{priced.pk}", {"price": "0.00"}),
        owner_api.patch(f"/api/v1/admin/skus/{priced.pk}", {"status": "inactive"}),
    ):
        assert response.status_code == 422, response.json()
        assert error_code(response) == "published_product_needs_priced_sku"
    bulk = owner_api.post(
        "/api/v1/admin/skus/bulk-price",
        {"items": [{"sku_id": priced.pk, "price": "0.00"}]},
        format="json",
    )
    assert bulk.status_code == 422  # a bulk price sheet never zeroes an active SKU at all
    assert error_code(bulk) == "sku_price_not_positive"
    priced.refresh_from_db()
    assert (priced.price, priced.status, priced.deleted_at) == (Decimal("10.00"), "active", None)
    assert events("catalog.price.changed.v1") == []

    # Another SKU taking over makes the change fine.
    products.sku_update(principal=STAFF, sku_id=free.pk, data={"price": Decimal("3.00")})
    assert owner_api.delete(f"/api/v1/admin/skus/{priced.pk}").status_code == 204
    spu.refresh_from_db()
    assert (spu.min_price, spu.max_price) == (Decimal("3.00"), Decimal("3.00"))


def test_unpublished_and_draft_products_are_not_purchasable(cat):
    from contexts.catalog import api

    spu = make_product(cat, publish=False)
    sku = Sku.objects.get(spu=spu)
    assert api.get_skus(sku_ids=[sku.pk])[sku.pk].purchasable is False
    products.spu_publish(principal=STAFF, spu_id=spu.pk)
    assert api.get_skus(sku_ids=[sku.pk])[sku.pk].purchasable is True
    products.spu_unpublish(principal=STAFF, spu_id=spu.pk)
    assert api.get_skus(sku_ids=[sku.pk])[sku.pk].purchasable is False
