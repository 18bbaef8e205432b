"""The catalog's public api (what cart, ordering, logistics and settlement call)."""

from __future__ import annotations

from decimal import Decimal

from contexts.catalog import api
from contexts.catalog.models import Sku
from contexts.catalog.services import merchants, products
from contexts.catalog.tests.support import STAFF, make_product


def test_get_skus_in_one_query(cat, django_assert_num_queries):
    spu = make_product(cat, brand=cat.brand, skus=[(("red", "S"), "10.00"), (("red", "M"), "0.00")])
    priced, free = Sku.objects.filter(spu=spu).order_by("pk")
    products.sku_update(principal=STAFF, sku_id=priced.pk, data={"weight_grams": 300})
    Sku.objects.filter(pk=free.pk).update(image_url="https://cdn.example.com/free.png")
    spu.main_image_url = "https://cdn.example.com/main.png"
    spu.save()
    with django_assert_num_queries(1):
        skus = api.get_skus(sku_ids=[priced.pk, free.pk, 999999])
    assert set(skus) == {priced.pk, free.pk}
    assert skus[priced.pk] == api.SkuInfo(
        sku_id=priced.pk,
        spu_id=spu.pk,
        merchant_id=cat.shop.pk,
        category_id=cat.tshirts.pk,
        brand_id=cat.brand.pk,
        title="Tee",
        spec="Colour: red / Size: S",
        image_url="https://cdn.example.com/main.png",
        price=Decimal("10.00"),
        weight_grams=300,
        purchasable=True,
    )
    assert skus[free.pk].image_url == "https://cdn.example.com/free.png"
    assert skus[free.pk].purchasable is False  # price 0


def test_purchasable_follows_sku_status_merchant_and_deletion(cat):
    spu = make_product(cat, skus=[(("red", "S"), "10.00"), (("red", "M"), "11.00")])
    a, b = Sku.objects.filter(spu=spu).order_by("pk")
    products.sku_update(principal=STAFF, sku_id=b.pk, data={"status": "inactive"})
    assert api.get_skus(sku_ids=[b.pk])[b.pk].purchasable is False
    merchants.merchant_update(merchant_id=cat.shop.pk, data={"status": "suspended"})
    assert api.get_skus(sku_ids=[a.pk])[a.pk].purchasable is False
    products.sku_update(principal=STAFF, sku_id=b.pk, data={"status": "active"})
    products.sku_delete(principal=STAFF, sku_id=b.pk)
    assert api.get_skus(sku_ids=[a.pk, b.pk]).keys() == {a.pk}


def test_categories_ancestor_ids(cat):
    assert api.categories_ancestor_ids(category_ids=[cat.tshirts.pk, cat.electronics.pk, 0]) == {
        cat.tshirts.pk: (cat.apparel.pk, cat.men.pk, cat.tshirts.pk),
        cat.electronics.pk: (cat.electronics.pk,),
    }
