"""Demo data: shops, a three-level tree, published products with SKUs; re-runnable."""

from __future__ import annotations

from contexts.catalog.demo import DEMO_MERCHANTS, demo_catalog_create
from contexts.catalog.models import Category, Merchant, PriceHistory, Sku, Spu
from contexts.catalog.tests.support import client_for


def test_demo_catalog_is_created_once_and_browsable(db, django_assert_max_num_queries):
    result = demo_catalog_create(products=7, skus_per_product=4)
    merchants = Merchant.objects.filter(name__in=DEMO_MERCHANTS)
    assert set(result) == set(merchants.values_list("pk", flat=True))
    assert sum(len(ids) for ids in result.values()) == 28
    assert Spu.objects.filter(status="published").count() == 7
    assert Category.objects.filter(depth=3).exists() and not Category.objects.filter(depth=4)
    assert PriceHistory.objects.count() == 28
    for spu in Spu.objects.all():
        skus = Sku.objects.filter(spu=spu)
        assert skus.count() == 4
        assert len(set(skus.values_list("spec_key", flat=True))) == 4
        assert spu.min_price == min(s.price for s in skus)

    again = demo_catalog_create(products=7, skus_per_product=4)
    assert again == result
    assert Spu.objects.count() == 7
    demo_catalog_create(products=9, skus_per_product=4)
    assert Spu.objects.count() == 9

    api = client_for()
    with django_assert_max_num_queries(10):
        listing = api.get("/api/v1/products", {"page_size": 50})
    assert listing.json()["count"] == 9
    detail = api.get(f"/api/v1/products/{listing.json()['results'][0]['id']}").json()
    assert len(detail["skus"]) == 4 and detail["description"]
