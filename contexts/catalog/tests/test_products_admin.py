"""Products CRUD on the admin API: staff manage every shop, a merchant's staff only its own."""

from __future__ import annotations

from contexts.catalog.models import Sku, Spu
from contexts.catalog.ports import document_store
from contexts.catalog.tests.support import client_for, error_code, events, make_product

PRODUCTS = "/api/v1/admin/products"


def _payload(cat, **extra):
    return {
        "merchant_id": cat.shop.pk,
        "category_id": cat.tshirts.pk,
        "title": "Plain tee",
        "brand_id": cat.brand.pk,
        "gallery": ["a.png", "b.png"],
        "description": [
            {"type": "heading", "text": "Soft"},
            {"type": "image", "url": "https://cdn/x.png", "alt": "x"},
        ],
        "attribute_value_ids": cat.v("cotton"),
        **extra,
    }


def test_merchant_staff_create_and_manage_their_own_products(cat):
    api = client_for(cat.shop_staff)
    created = api.post(PRODUCTS, _payload(cat), format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["status"] == "draft"
    assert body["merchant"] == {"id": cat.shop.pk, "name": "Shop A"}
    assert body["attribute_value_ids"] == cat.v("cotton")
    assert body["description"][0] == {"type": "heading", "text": "Soft"}
    spu_id = body["id"]
    assert events("catalog.product.updated.v1")[-1]["changed"] == ["created"]

    updated = api.patch(
        f"{PRODUCTS}/{spu_id}",
        {"title": "Plainer tee", "description": [{"type": "text", "text": "New"}]},
        format="json",
    )
    assert updated.status_code == 200
    assert updated.json()["title"] == "Plainer tee"
    assert document_store().content_get(spu_id=spu_id) == [{"type": "text", "text": "New"}]
    assert events("catalog.product.updated.v1")[-1]["changed"] == ["description", "title"]

    assert [p["id"] for p in api.get(PRODUCTS).json()["results"]] == [spu_id]
    assert api.delete(f"{PRODUCTS}/{spu_id}").status_code == 204
    assert Spu.objects.get(pk=spu_id).deleted_at is not None
    assert api.get(f"{PRODUCTS}/{spu_id}").status_code == 404


def test_a_merchant_cannot_touch_another_merchants_products(cat, other_owner_api):
    spu = make_product(cat, publish=False)
    sku = Sku.objects.get(spu=spu)

    forbidden = other_owner_api.post(PRODUCTS, _payload(cat), format="json")
    assert forbidden.status_code == 403
    assert error_code(forbidden) == "not_your_merchant"

    for response in (
        other_owner_api.get(f"{PRODUCTS}/{spu.pk}"),
        other_owner_api.patch(f"{PRODUCTS}/{spu.pk}", {"title": "Mine"}, format="json"),
        other_owner_api.delete(f"{PRODUCTS}/{spu.pk}"),
        other_owner_api.post(f"{PRODUCTS}/{spu.pk}/publish"),
        other_owner_api.get(f"{PRODUCTS}/{spu.pk}/skus"),
        other_owner_api.post(
            f"{PRODUCTS}/{spu.pk}/skus", {"value_ids": cat.v("blue", "M"), "price": "1.00"}
        ),
        other_owner_api.get(f"/api/v1/admin/skus/{sku.pk}"),
        other_owner_api.patch(f"/api/v1/admin/skus/{sku.pk}", {"price": "1.00"}),
        other_owner_api.delete(f"/api/v1/admin/skus/{sku.pk}"),
        other_owner_api.get(f"/api/v1/admin/skus/{sku.pk}/price-history"),
    ):
        assert response.status_code == 404, response.json()
    assert other_owner_api.get(PRODUCTS).json()["count"] == 0
    assert other_owner_api.get(PRODUCTS, {"merchant": cat.shop.pk}).json()["count"] == 0
    spu.refresh_from_db()
    assert spu.title == "Tee" and spu.deleted_at is None


def test_staff_see_and_filter_every_product(cat, staff_api):
    make_product(cat, title="A tee", publish=False)
    make_product(cat, title="B tee", merchant=cat.other_shop)
    assert staff_api.get(PRODUCTS).json()["count"] == 2
    assert staff_api.get(PRODUCTS, {"merchant": cat.other_shop.pk}).json()["count"] == 1
    assert staff_api.get(PRODUCTS, {"status": "draft"}).json()["results"][0]["title"] == "A tee"
    assert staff_api.get(PRODUCTS, {"search": "b t"}).json()["count"] == 1
    created = staff_api.post(PRODUCTS, _payload(cat, merchant_id=cat.other_shop.pk), format="json")
    assert created.status_code == 201


def test_product_input_rules(cat, staff_api):
    wool_in_electronics = staff_api.post(
        PRODUCTS,
        _payload(cat, category_id=cat.electronics.pk, attribute_value_ids=cat.v("wool")),
        format="json",
    )
    assert wool_in_electronics.status_code == 422
    assert error_code(wool_in_electronics) == "attribute_value_not_allowed"
    sales_value = staff_api.post(
        PRODUCTS, _payload(cat, attribute_value_ids=cat.v("red")), format="json"
    )
    assert error_code(sales_value) == "attribute_value_not_allowed"
    for field, code in (
        ("category_id", "unknown_category"),
        ("brand_id", "unknown_brand"),
        ("merchant_id", "unknown_merchant"),
    ):
        response = staff_api.post(PRODUCTS, _payload(cat, **{field: 999999}), format="json")
        assert response.status_code == 400 and error_code(response) == code
    bad_content = staff_api.post(
        PRODUCTS, _payload(cat, description=[{"type": "script"}]), format="json"
    )
    assert error_code(bad_content) == "invalid_content"
    assert Spu.objects.count() == 0


def test_category_is_locked_once_the_product_has_skus(cat, staff_api):
    spu = make_product(cat, publish=False)
    response = staff_api.patch(f"{PRODUCTS}/{spu.pk}", {"category_id": cat.women.pk}, format="json")
    assert response.status_code == 422
    assert error_code(response) == "category_locked_by_skus"


def test_a_published_product_is_not_deleted(cat, staff_api):
    spu = make_product(cat)
    response = staff_api.delete(f"{PRODUCTS}/{spu.pk}")
    assert response.status_code == 409
    assert error_code(response) == "product_published"


def test_an_empty_update_publishes_nothing(cat, staff_api):
    spu = make_product(cat, publish=False)
    before = len(events("catalog.product.updated.v1"))
    assert staff_api.patch(f"{PRODUCTS}/{spu.pk}", {}, format="json").status_code == 200
    assert len(events("catalog.product.updated.v1")) == before
