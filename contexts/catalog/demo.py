"""Demo catalog for local development, load tests and the project-wide demo command.

Three shops, a three-level category tree, brands, colour/size sales attributes, a material
descriptive attribute, and published products with SKUs. Bulk-inserted in batches so that
`products=35_000, skus_per_product=3` (~100k SKUs) loads in a few minutes on MariaDB; products
skip the per-product services (and their events): demo rows are born published and consistent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from itertools import product as cartesian

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from contexts.catalog import domain
from contexts.catalog.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    CategoryAttribute,
    Merchant,
    PriceHistory,
    Sku,
    SkuValue,
    Spu,
    SpuAttributeValue,
)
from contexts.catalog.ports import document_store

BATCH = 5000
DEMO_MERCHANTS = ("Demo Shop Alpha", "Demo Shop Beta", "Demo Shop Gamma")
DEMO_BRANDS = ("Acme", "Northwind", "Contoso", "Globex", "Initech", "Umbrella")
COLOURS = ("Red", "Blue", "Black", "White", "Green", "Grey", "Yellow", "Pink")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
MATERIALS = ("Cotton", "Polyester", "Wool", "Linen")
TREE = {
    "Apparel": {"Men": ("T-Shirts", "Shirts", "Jeans"), "Women": ("Dresses", "Tops", "Skirts")},
    "Shoes": {"Running": ("Road", "Trail"), "Casual": ("Sneakers", "Loafers")},
    "Home": {"Bedding": ("Sheets", "Pillows"), "Bath": ("Towels", "Robes")},
}


def _attribute(code: str, name: str, kind: str, sort: int, values: Sequence[str]):
    attribute, _ = Attribute.objects.get_or_create(
        code=code, defaults={"name": name, "kind": kind, "sort_order": sort}
    )
    for order, value in enumerate(values):
        AttributeValue.objects.get_or_create(
            attribute=attribute, value=value, defaults={"sort_order": order}
        )
    return attribute, list(AttributeValue.objects.filter(attribute=attribute).order_by("pk"))


def _child(parent: Category | None, name: str, order: int) -> Category:
    siblings = (
        Category.objects.filter(depth=1)
        if parent is None
        else Category.objects.filter(path__startswith=parent.path, depth=parent.depth + 1)
    )
    existing = siblings.filter(name=name).first()
    if existing is not None:
        return existing
    node = Category(name=name, sort_order=order)
    if parent is None:
        return Category.objects.add_root(instance=node)
    return Category.objects.add_child(parent, instance=node)


def _taxonomy() -> tuple[list[Category], list[Brand], dict[str, list[AttributeValue]]]:
    """The shared reference data, created once (get-or-create everywhere)."""
    colour, colours = _attribute("colour", "Colour", Attribute.Kind.SALES, 0, COLOURS)
    size, sizes = _attribute("size", "Size", Attribute.Kind.SALES, 1, SIZES)
    material, materials = _attribute(
        "material", "Material", Attribute.Kind.DESCRIPTIVE, 2, MATERIALS
    )
    leaves: list[Category] = []
    for r, (root_name, middles) in enumerate(TREE.items()):
        root = _child(None, root_name, r)
        for attribute in (colour, size, material):
            CategoryAttribute.objects.get_or_create(
                category=root, attribute=attribute, defaults={"sort_order": attribute.sort_order}
            )
        for m, (middle_name, leaf_names) in enumerate(middles.items()):
            middle = _child(root, middle_name, m)
            leaves.extend(_child(middle, leaf, n) for n, leaf in enumerate(leaf_names))
    brands = [Brand.objects.get_or_create(name=name)[0] for name in DEMO_BRANDS]
    return leaves, brands, {"colour": colours, "size": sizes, "material": materials}


def _merchants(owner_user_ids: Sequence[int]) -> list[Merchant]:
    merchants = []
    for n, name in enumerate(DEMO_MERCHANTS):
        owner = owner_user_ids[n % len(owner_user_ids)] if owner_user_ids else 0
        merchant, _ = Merchant.objects.get_or_create(
            name=name, defaults={"owner_user_id": owner, "commission_rate": Decimal("0.0500")}
        )
        merchants.append(merchant)
    return merchants


def _price(n: int, k: int) -> Decimal:
    return Decimal(19 + (n * 37) % 480) + Decimal(k * 5) + Decimal("0.90")


def _create_batch(
    *,
    start: int,
    count: int,
    skus_per_product: int,
    merchants: list[Merchant],
    leaves: list[Category],
    brands: list[Brand],
    values: dict[str, list[AttributeValue]],
) -> None:
    """Insert `count` published products numbered from `start`, with their SKUs, values,
    price history and content, in a handful of bulk statements."""
    colours, sizes, materials = values["colour"], values["size"], values["material"]
    combos = list(cartesian(colours, sizes))
    now = timezone.now()
    spus = []
    for n in range(start, start + count):
        prices = [_price(n, k) for k in range(skus_per_product)]
        spus.append(
            Spu(
                title=f"Demo product {n + 1}",
                subtitle=f"{COLOURS[n % len(COLOURS)]} edition",
                merchant=merchants[n % len(merchants)],
                category=leaves[n % len(leaves)],
                brand=brands[n % len(brands)],
                main_image_url=f"https://picsum.photos/seed/demo{n + 1}/600/600",
                status=Spu.Status.PUBLISHED,
                sales_count=(n * 7919) % 5000,
                min_price=min(prices),
                max_price=max(prices),
                published_at=now - timedelta(minutes=n),
            )
        )
    Spu.objects.bulk_create(spus, batch_size=BATCH)
    # MySQL does not return primary keys from a bulk insert: read them back by natural key (the
    # demo titles are numbered; the newest row of a title is this batch's).
    spu_ids = dict(
        Spu.objects.filter(title__in=[spu.title for spu in spus])
        .order_by("id")
        .values_list("title", "id")
    )
    for spu in spus:
        spu.pk = spu_ids[spu.title]
    skus, sku_values = [], []
    for n, spu in enumerate(spus, start=start):
        for k in range(skus_per_product):
            # Stepping by 7 (coprime with 48 combinations) keeps a product's SKUs distinct.
            colour, size = combos[(n + k * 7) % len(combos)]
            refs = [
                domain.ValueRef(v.pk, v.attribute_id, name, v.value, order)
                for v, name, order in ((colour, "Colour", 0), (size, "Size", 1))
            ]
            sku = Sku(
                spu=spu,
                spec_key=domain.spec_key([colour.pk, size.pk]),
                spec=domain.spec_text(refs),
                price=_price(n, k),
                market_price=_price(n, k) + Decimal(20),
                cost_price=(_price(n, k) * Decimal("0.6")).quantize(Decimal("0.01")),
                barcode=f"69{n:08d}{k:02d}",
                weight_grams=200 + (n % 10) * 50,
            )
            skus.append(sku)
            sku_values.append((sku, colour, size))
    Sku.objects.bulk_create(skus, batch_size=BATCH)
    sku_ids = {
        (spu_id, spec_key): pk
        for spu_id, spec_key, pk in Sku.objects.filter(spu__in=[spu.pk for spu in spus])
        .order_by("id")
        .values_list("spu_id", "spec_key", "id")
    }
    for sku in skus:
        sku.pk = sku_ids[(sku.spu_id, sku.spec_key)]
    SkuValue.objects.bulk_create(
        [
            SkuValue(sku=sku, attribute_id=v.attribute_id, value=v)
            for sku, colour, size in sku_values
            for v in (colour, size)
        ],
        batch_size=BATCH,
    )
    SpuAttributeValue.objects.bulk_create(
        [
            SpuAttributeValue(spu=spu, value=materials[n % len(materials)])
            for n, spu in enumerate(spus)
        ],
        batch_size=BATCH,
    )
    PriceHistory.objects.bulk_create(
        [PriceHistory(sku=sku, new_price=sku.price, reason="demo") for sku in skus],
        batch_size=BATCH,
    )
    document_store().content_put_many(
        contents={
            spu.pk: [
                {"type": "heading", "text": spu.title},
                {"type": "text", "text": "A demo product with a structured description."},
                {"type": "image", "url": spu.main_image_url, "alt": spu.title},
            ]
            for spu in spus
        }
    )


def demo_catalog_create(
    *,
    products: int = 20,
    skus_per_product: int = 3,
    progress: bool = False,
    owner_user_ids: Sequence[int] = (),
) -> dict[int, list[int]]:
    """Create the demo catalog and return the live SKU ids of each demo merchant.

    Idempotent enough to re-run: reference data is get-or-create, and products are only added
    up to `products` in all for the demo shops (nothing when they already have that many).
    `owner_user_ids` (e.g. demo accounts' ids) become the shops' owners, in turn; without them
    the shops have owner 0 (nobody). At most len(COLOURS) * len(SIZES) SKUs per product.
    """
    skus_per_product = max(1, min(skus_per_product, len(COLOURS) * len(SIZES)))
    with transaction.atomic():
        leaves, brands, values = _taxonomy()
        merchants = _merchants(owner_user_ids)
    merchant_ids = [m.pk for m in merchants]
    existing = Spu.objects.filter(merchant_id__in=merchant_ids).count()
    missing = max(products - existing, 0)
    with tqdm(total=missing, desc="catalog products", unit="spu", disable=not progress) as bar:
        for offset in range(0, missing, BATCH):
            count = min(BATCH, missing - offset)
            with transaction.atomic():
                _create_batch(
                    start=existing + offset,
                    count=count,
                    skus_per_product=skus_per_product,
                    merchants=merchants,
                    leaves=leaves,
                    brands=brands,
                    values=values,
                )
            bar.update(count)
    result: dict[int, list[int]] = {merchant_id: [] for merchant_id in merchant_ids}
    rows = (
        Sku.objects.filter(spu__merchant_id__in=merchant_ids, deleted_at__isnull=True)
        .order_by("pk")
        .values_list("spu__merchant_id", "pk")
    )
    for merchant_id, sku_id in rows.iterator(chunk_size=BATCH):
        result[merchant_id].append(sku_id)
    return result
