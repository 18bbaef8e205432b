"""The product page's uncached path (rows shaped by a plain function) answers exactly what the
serializer answers for the model-based selector, byte for byte, in a constant number of queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.catalog import selectors
from contexts.catalog.models import Sku
from contexts.catalog.ports import document_store
from contexts.catalog.rest import serializers as s
from contexts.catalog.services import products, stock, taxonomy
from contexts.catalog.tests.support import STAFF, make_product
from shared.errors import NotFound
from shared.rest.parsers import JSONRenderer


def _both(spu_id: int) -> tuple[bytes, bytes]:
    rows = s.product_page_out(selectors.storefront_product_page_rows(spu_id=spu_id))
    model = s.ProductDetailOut(selectors.storefront_product_detail(spu_id=spu_id)).data
    return JSONRenderer().render(rows), JSONRenderer().render(model)


def test_the_rows_give_the_serializers_exact_answer(cat):
    plain = make_product(cat, title="Plain", category=cat.electronics, skus=[(("black",), "5")])
    rich = make_product(
        cat,
        title="Rich \u4e2d\u6587",
        brand=cat.brand,
        skus=[(("blue", "M"), "30.10"), (("red", "S"), "12.00"), (("red", "L"), "99.99")],
        materials=("wool", "cotton"),
        description=[{"type": "text", "text": "soft"}, {"type": "image", "url": "http://x/y.png"}],
    )
    products.spu_update(
        principal=STAFF, spu_id=rich.pk, data={"gallery": ["a.png", "b.png"], "subtitle": "sub"}
    )
    blue_m, red_s, red_l = Sku.objects.filter(spu=rich).order_by("pk")
    products.sku_update(
        principal=STAFF, sku_id=red_s.pk, data={"market_price": Decimal("15"), "weight_grams": 7}
    )
    stock.sku_stock_apply(sku_id=red_s.pk, available=4, version=1)
    # A negative figure (the mirror never writes one, a resync might): shown as 0.
    Sku.objects.filter(pk=blue_m.pk).update(available_stock=-3)
    products.sku_update(principal=STAFF, sku_id=red_l.pk, data={"status": "inactive"})
    taxonomy.attribute_value_update(value_id=cat.values["red"].pk, data={"sort_order": 9})
    document_store().content_put(spu_id=plain.pk, blocks=[])
    for spu in (plain, rich):
        rows, model = _both(spu.pk)
        assert rows == model


def test_unlisted_products_are_not_found_either_way(cat):
    draft = make_product(cat, publish=False)
    for spu_id in (draft.pk, 987654):
        with pytest.raises(NotFound):
            selectors.storefront_product_page_rows(spu_id=spu_id)


@pytest.mark.parametrize("sku_count", [1, 3])
def test_the_rows_take_a_constant_number_of_queries(cat, django_assert_num_queries, sku_count):
    combos = [("red", "S"), ("blue", "M"), ("black", "L")][:sku_count]
    spu = make_product(cat, skus=[(c, "1.00") for c in combos], materials=("cotton",))
    document_store().content_put(spu_id=spu.pk, blocks=[{"type": "text", "text": "x"}])
    with django_assert_num_queries(6):
        selectors.storefront_product_page_rows(spu_id=spu.pk)
