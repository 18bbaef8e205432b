"""Builders shared by the catalog's tests: users, a small catalog, products with SKUs."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from contexts.catalog.models import Attribute, AttributeValue, Brand, Category, Merchant, Spu
from contexts.catalog.services import merchants, products, taxonomy
from shared import auth
from shared.auth import principal_from
from shared.events.models import OutboxEvent

_emails = itertools.count(1)
STAFF = principal_from(user_id=0, roles=[auth.STAFF])


def make_user(*, staff: bool = False):
    return get_user_model().objects.create_user(
        email=f"catalog-user{next(_emails)}@example.com", password="x", is_staff=staff
    )


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]["code"]


def events(event_type: str) -> list[dict]:
    return [row.payload for row in OutboxEvent.objects.filter(event_type=event_type).order_by("id")]


@dataclass
class Catalog:
    """Apparel > Men > T-Shirts, Apparel > Women; Electronics. Colour and size (sales) and
    material (descriptive) are linked to Apparel; Electronics uses only colour."""

    apparel: Category
    men: Category
    tshirts: Category
    women: Category
    electronics: Category
    colour: Attribute
    size: Attribute
    material: Attribute
    values: dict[str, AttributeValue]
    brand: Brand
    other_brand: Brand
    shop: Merchant
    other_shop: Merchant
    owner: object
    other_owner: object
    shop_staff: object
    staff_user: object
    created: list[Spu] = field(default_factory=list)

    def v(self, *names: str) -> list[int]:
        return [self.values[n].pk for n in names]


def build_catalog() -> Catalog:
    apparel = taxonomy.category_create(name="Apparel", sort_order=1)
    men = taxonomy.category_create(name="Men", parent_id=apparel.pk, sort_order=2)
    women = taxonomy.category_create(name="Women", parent_id=apparel.pk, sort_order=1)
    tshirts = taxonomy.category_create(name="T-Shirts", parent_id=men.pk)
    electronics = taxonomy.category_create(name="Electronics", sort_order=0)
    colour = taxonomy.attribute_create(name="Colour", code="colour", kind="sales", sort_order=0)
    size = taxonomy.attribute_create(name="Size", code="size", kind="sales", sort_order=1)
    material = taxonomy.attribute_create(name="Material", code="material", kind="descriptive")
    values = {}
    for attribute, names in (
        (colour, ("red", "blue", "black")),
        (size, ("S", "M", "L")),
        (material, ("cotton", "wool")),
    ):
        for order, name in enumerate(names):
            values[name] = taxonomy.attribute_value_create(
                attribute_id=attribute.pk, value=name, sort_order=order
            )
    taxonomy.category_attributes_set(
        category_id=apparel.pk, attribute_ids=[colour.pk, size.pk, material.pk]
    )
    taxonomy.category_attributes_set(category_id=electronics.pk, attribute_ids=[colour.pk])
    owner, other_owner, shop_staff = make_user(), make_user(), make_user()
    shop = merchants.merchant_create(
        name="Shop A", owner_user_id=owner.pk, commission_rate=Decimal("0.0500")
    )
    other_shop = merchants.merchant_create(name="Shop B", owner_user_id=other_owner.pk)
    merchants.merchant_staff_add(merchant_id=shop.pk, user_id=shop_staff.pk)
    return Catalog(
        apparel=apparel,
        men=men,
        tshirts=tshirts,
        women=women,
        electronics=electronics,
        colour=colour,
        size=size,
        material=material,
        values=values,
        brand=taxonomy.brand_create(name="Acme"),
        other_brand=taxonomy.brand_create(name="Globex"),
        shop=shop,
        other_shop=other_shop,
        owner=owner,
        other_owner=other_owner,
        shop_staff=shop_staff,
        staff_user=make_user(staff=True),
    )


def make_product(
    cat: Catalog,
    *,
    title: str = "Tee",
    merchant: Merchant | None = None,
    category: Category | None = None,
    brand: Brand | None = None,
    skus: list[tuple[tuple[str, ...], str]] = ((("red", "S"), "10.00"),),
    publish: bool = True,
    materials: tuple[str, ...] = (),
    description: list[dict] | None = None,
) -> Spu:
    """A product of `cat` through the services, with one SKU per (value names, price)."""
    spu = products.spu_create(
        principal=STAFF,
        merchant_id=(merchant or cat.shop).pk,
        category_id=(category or cat.tshirts).pk,
        brand_id=brand.pk if brand else None,
        title=title,
        attribute_value_ids=cat.v(*materials),
        description=description,
    )
    for names, price in skus:
        products.sku_create(
            principal=STAFF, spu_id=spu.pk, value_ids=cat.v(*names), price=Decimal(price)
        )
    if publish:
        products.spu_publish(principal=STAFF, spu_id=spu.pk)
    spu.refresh_from_db()
    return spu


def make_shelf(cat: Catalog) -> dict[str, Spu]:
    """Five published products spread over categories, brands, shops, prices and values, plus a
    draft that must never show (the storefront listing's tests, on SQL and on the index)."""
    shelf = {
        "tee": make_product(
            cat,
            title="tee",
            brand=cat.brand,
            skus=[(("red", "S"), "10.00"), (("blue", "M"), "30.00")],
            materials=("cotton",),
        ),
        "dress": make_product(
            cat,
            title="dress",
            category=cat.women,
            brand=cat.other_brand,
            skus=[(("blue", "S"), "50.00")],
            materials=("wool",),
        ),
        "shirt": make_product(cat, title="shirt", category=cat.men, skus=[(("red", "M"), "20.00")]),
        "phone": make_product(
            cat,
            title="phone",
            category=cat.electronics,
            merchant=cat.other_shop,
            skus=[(("black",), "99.00")],
        ),
        "sock": make_product(
            cat, title="sock", merchant=cat.other_shop, skus=[(("red", "L"), "5.00")]
        ),
    }
    make_product(cat, title="draft", publish=False)
    return shelf
