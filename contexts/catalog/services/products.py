"""Products (SPU) and their SKUs: create, edit, soft delete, publish/unpublish, prices.

Rules enforced here:
* a merchant's staff manage only their own shop's products (someone else's product or SKU is
  not found, creating one for another shop is 403 not_your_merchant);
* a SKU is a valid combination of the category's sales-attribute values (domain.py), unique
  among the product's live SKUs (the product row lock serialises SKU writes, the unique index
  backs it);
* a published product always keeps at least one active SKU priced above zero: publishing
  requires it, and a SKU change that would break it is refused (422) with nothing written;
* every price change writes a PriceHistory row and publishes catalog.price.changed.v1;
* every change publishes its event in the same transaction (outbox).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, Max, Min, OuterRef
from django.utils import timezone

from contexts.catalog import domain, selectors
from contexts.catalog.events import (
    PriceChanged,
    ProductPublished,
    ProductUnpublished,
    ProductUpdated,
)
from contexts.catalog.models import (
    Attribute,
    Brand,
    Category,
    Merchant,
    PriceHistory,
    Sku,
    SkuValue,
    Spu,
    SpuAttributeValue,
)
from contexts.catalog.ports import document_store
from contexts.catalog.services._common import invalid, only, storefront_changed
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotFound
from shared.events import publish
from shared.money import quantize

SPU_FIELDS = ("title", "subtitle", "category_id", "brand_id", "main_image_url", "gallery")
SKU_FIELDS = (
    "price",
    "market_price",
    "cost_price",
    "barcode",
    "weight_grams",
    "image_url",
    "status",
)


@dataclass(frozen=True)
class PriceUpdate:
    sku_id: int
    price: Decimal


# --- Helpers --------------------------------------------------------------------------------


def _spu_for_write(*, principal: Principal, spu_id: int) -> Spu:
    """Lock a live product the principal manages (the lock serialises all writes to it and its
    SKUs); NotFound for a missing one or anyone else's."""
    spu = Spu.objects.select_for_update().filter(pk=spu_id, deleted_at__isnull=True).first()
    not_found = NotFound("Product not found.", code="product_not_found")
    if spu is None:
        raise not_found
    principal.require("catalog.product.write", merchant_id=spu.merchant_id, not_found=not_found)
    return spu


def _updated(spu: Spu, changed: Iterable[str]) -> None:
    storefront_changed([spu.pk])
    publish(
        ProductUpdated(
            spu_id=spu.pk,
            merchant_id=spu.merchant_id,
            status=spu.status,
            changed=tuple(sorted(set(changed))),
        )
    )


def _category_for(category_id: int) -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise invalid("category_id", "No category has this id.", code="unknown_category")
    return category


def _brand_check(brand_id: int | None) -> None:
    if brand_id is not None and not Brand.objects.filter(pk=brand_id).exists():
        raise invalid("brand_id", "No brand has this id.", code="unknown_brand")


def _descriptive_values_check(*, category: Category, value_ids: Sequence[int]) -> list[int]:
    """Descriptive values must exist and belong to a descriptive attribute of the category."""
    value_ids = list(dict.fromkeys(value_ids))
    refs = selectors.value_refs(value_ids=value_ids)
    unknown = [v for v in value_ids if v not in refs]
    if unknown:
        raise invalid(
            "attribute_value_ids", f"Unknown values: {unknown}.", code="unknown_attribute_value"
        )
    allowed = selectors.category_attribute_ids(category=category, kind=Attribute.Kind.DESCRIPTIVE)
    not_allowed = [v for v in value_ids if refs[v].attribute_id not in allowed]
    if not_allowed:
        raise BusinessRuleViolation(
            "A value does not belong to a descriptive attribute of the product's category.",
            code="attribute_value_not_allowed",
            details={"value_ids": not_allowed},
        )
    return value_ids


def _sellable() -> Exists:
    return Exists(
        Sku.objects.filter(
            spu=OuterRef("pk"), deleted_at__isnull=True, status=Sku.Status.ACTIVE, price__gt=0
        )
    )


def _published_keep_sellable(spu_ids: Iterable[int]) -> None:
    """Refuse a change that leaves a published product without an active SKU priced > 0."""
    broken = list(
        Spu.objects.filter(pk__in=set(spu_ids), status=Spu.Status.PUBLISHED)
        .exclude(_sellable())
        .values_list("pk", flat=True)
    )
    if broken:
        raise BusinessRuleViolation(
            "A published product needs at least one active SKU with a price above zero: "
            "unpublish it first.",
            code="published_product_needs_priced_sku",
            details={"spu_ids": sorted(broken)},
        )


def _spu_prices_refresh(*, spu_ids: Iterable[int]) -> None:
    """Recompute the denormalised min/max price of these products from their live active
    SKUs (used by the price sort and the list's "from" price)."""
    spu_ids = set(spu_ids)
    none = (None, None)
    ranges = {
        row["spu_id"]: (row["lo"], row["hi"])
        for row in Sku.objects.filter(
            spu_id__in=spu_ids, deleted_at__isnull=True, status=Sku.Status.ACTIVE
        )
        .values("spu_id")
        .annotate(lo=Min("price"), hi=Max("price"))
    }
    Spu.objects.bulk_update(
        [
            Spu(
                pk=spu_id,
                min_price=ranges.get(spu_id, none)[0],
                max_price=ranges.get(spu_id, none)[1],
            )
            for spu_id in spu_ids
        ],
        ["min_price", "max_price"],
    )


def _money(value: Decimal | None) -> Decimal | None:
    return quantize(value) if value is not None else None


# --- Products -------------------------------------------------------------------------------


@transaction.atomic
def spu_create(
    *,
    principal: Principal,
    merchant_id: int,
    category_id: int,
    title: str,
    subtitle: str = "",
    brand_id: int | None = None,
    main_image_url: str = "",
    gallery: Sequence[str] = (),
    description: Sequence[Mapping[str, Any]] | None = None,
    attribute_value_ids: Sequence[int] = (),
) -> Spu:
    """Create a draft product for a shop the principal manages (403 not_your_merchant otherwise).
    `description` is the rich content (blocks, see domain.content_blocks_check), stored in the
    document store; `attribute_value_ids` are descriptive values of the category."""
    principal.require("catalog.product.write", merchant_id=merchant_id)
    if not Merchant.objects.filter(pk=merchant_id).exists():
        raise invalid("merchant_id", "No merchant has this id.", code="unknown_merchant")
    category = _category_for(category_id)
    _brand_check(brand_id)
    value_ids = _descriptive_values_check(category=category, value_ids=attribute_value_ids)
    blocks = domain.content_blocks_check(description) if description is not None else None
    spu = Spu.objects.create(
        merchant_id=merchant_id,
        category=category,
        brand_id=brand_id,
        title=title,
        subtitle=subtitle,
        main_image_url=main_image_url,
        gallery=list(gallery),
    )
    SpuAttributeValue.objects.bulk_create(
        [SpuAttributeValue(spu=spu, value_id=v) for v in value_ids]
    )
    _updated(spu, ["created"])
    if blocks is not None:
        document_store().content_put(spu_id=spu.pk, blocks=blocks)
    return spu


@transaction.atomic
def spu_update(*, principal: Principal, spu_id: int, data: Mapping[str, Any]) -> Spu:
    """Edit a product. The category cannot change while the product has live SKUs (their
    combinations belong to it: 422 category_locked_by_skus)."""
    spu = _spu_for_write(principal=principal, spu_id=spu_id)
    changes = only(data, SPU_FIELDS)
    category = None
    if "category_id" in changes and changes["category_id"] != spu.category_id:
        category = _category_for(changes["category_id"])
        if Sku.objects.live().filter(spu=spu).exists():
            raise BusinessRuleViolation(
                "The product has SKUs: their combinations belong to its category.",
                code="category_locked_by_skus",
            )
    if "brand_id" in changes:
        _brand_check(changes["brand_id"])
    if "gallery" in changes:
        changes["gallery"] = list(changes["gallery"])
    for key, value in changes.items():
        setattr(spu, key, value)
    spu.save()
    changed = set(changes)
    if "attribute_value_ids" in data or category is not None:
        current = list(spu.attribute_values.values_list("value_id", flat=True))
        wanted = data.get("attribute_value_ids", current)
        value_ids = _descriptive_values_check(category=category or spu.category, value_ids=wanted)
        spu.attribute_values.exclude(value_id__in=value_ids).delete()
        SpuAttributeValue.objects.bulk_create(
            [SpuAttributeValue(spu=spu, value_id=v) for v in value_ids if v not in current]
        )
        changed.add("attribute_value_ids")
    if "description" in data:
        blocks = domain.content_blocks_check(data["description"] or [])
        changed.add("description")
    if changed:
        _updated(spu, changed)
    if "description" in data:
        document_store().content_put(spu_id=spu.pk, blocks=blocks)
    return spu


@transaction.atomic
def spu_delete(*, principal: Principal, spu_id: int) -> None:
    """Soft-delete a product that is not on sale (409 product_published: unpublish first) and
    its SKUs. Orders keep referring to the ids, so rows are never removed."""
    spu = _spu_for_write(principal=principal, spu_id=spu_id)
    if spu.status == Spu.Status.PUBLISHED:
        raise Conflict("Unpublish the product first.", code="product_published")
    now = timezone.now()
    spu.deleted_at = now
    spu.save(update_fields=["deleted_at", "updated_at"])
    Sku.objects.live().filter(spu=spu).update(deleted_at=now, updated_at=now)
    _updated(spu, ["deleted"])


@transaction.atomic
def spu_publish(*, principal: Principal, spu_id: int) -> Spu:
    """Put a product on sale. Requires an active merchant and at least one active SKU with a
    price above zero (422). Publishing a published product changes nothing."""
    spu = _spu_for_write(principal=principal, spu_id=spu_id)
    if spu.status == Spu.Status.PUBLISHED:
        return spu
    merchant_active = Merchant.objects.filter(
        pk=spu.merchant_id, status=Merchant.Status.ACTIVE
    ).exists()
    skus = [
        domain.SkuState(active=status == Sku.Status.ACTIVE, price=price)
        for status, price in Sku.objects.live().filter(spu=spu).values_list("status", "price")
    ]
    domain.publish_check(merchant_active=merchant_active, skus=skus)
    spu.status = Spu.Status.PUBLISHED
    spu.published_at = timezone.now()
    spu.save(update_fields=["status", "published_at", "updated_at"])
    storefront_changed([spu.pk])
    publish(
        ProductPublished(
            spu_id=spu.pk,
            merchant_id=spu.merchant_id,
            category_id=spu.category_id,
            brand_id=spu.brand_id,
            title=spu.title,
            min_price=spu.min_price,
            max_price=spu.max_price,
        )
    )
    return spu


@transaction.atomic
def spu_unpublish(*, principal: Principal, spu_id: int) -> Spu:
    """Take a published product off sale (409 product_not_published otherwise)."""
    spu = _spu_for_write(principal=principal, spu_id=spu_id)
    if spu.status != Spu.Status.PUBLISHED:
        raise Conflict("The product is not published.", code="product_not_published")
    spu.status = Spu.Status.UNPUBLISHED
    spu.save(update_fields=["status", "updated_at"])
    storefront_changed([spu.pk])
    publish(ProductUnpublished(spu_id=spu.pk, merchant_id=spu.merchant_id))
    return spu


# --- SKUs -----------------------------------------------------------------------------------


def _price_history(sku: Sku, old: Decimal | None, new: Decimal, principal: Principal, reason: str):
    return PriceHistory(
        sku=sku, old_price=old, new_price=new, changed_by_user_id=principal.user_id, reason=reason
    )


@transaction.atomic
def sku_create(
    *,
    principal: Principal,
    spu_id: int,
    value_ids: Sequence[int],
    price: Decimal,
    market_price: Decimal | None = None,
    cost_price: Decimal | None = None,
    barcode: str = "",
    weight_grams: int = 0,
    image_url: str = "",
    status: str = Sku.Status.ACTIVE,
) -> Sku:
    """Add a SKU: one value for each sales attribute of the product's category, a combination
    no live SKU of the product has (see domain.sku_combination_check). Its first price is
    recorded in the price history."""
    spu = _spu_for_write(principal=principal, spu_id=spu_id)
    refs = selectors.value_refs(value_ids=value_ids)
    key = domain.sku_combination_check(
        requested_value_ids=list(value_ids),
        known_values=refs,
        sales_attribute_ids=selectors.category_attribute_ids(
            category=spu.category, kind=Attribute.Kind.SALES
        ),
        existing_keys=set(Sku.objects.live().filter(spu=spu).values_list("spec_key", flat=True)),
    )
    price = quantize(price)
    sku = Sku.objects.create(
        spu=spu,
        spec_key=key,
        spec=domain.spec_text([refs[v] for v in value_ids]),
        price=price,
        market_price=_money(market_price),
        cost_price=_money(cost_price),
        barcode=barcode,
        weight_grams=weight_grams,
        image_url=image_url,
        status=status,
    )
    SkuValue.objects.bulk_create(
        [SkuValue(sku=sku, attribute_id=refs[v].attribute_id, value_id=v) for v in value_ids]
    )
    _price_history(sku, None, price, principal, "created").save()
    _spu_prices_refresh(spu_ids=[spu.pk])
    _updated(spu, ["skus"])
    return sku


def _sku_for_write(*, principal: Principal, sku_id: int) -> tuple[Spu, Sku]:
    spu_id = Sku.objects.live().filter(pk=sku_id).values_list("spu_id", flat=True).first()
    if spu_id is None:
        raise NotFound("SKU not found.", code="sku_not_found")
    try:
        spu = _spu_for_write(principal=principal, spu_id=spu_id)
    except NotFound as exc:
        raise NotFound("SKU not found.", code="sku_not_found") from exc
    locked = Sku.objects.select_for_update().filter(pk=sku_id, deleted_at__isnull=True).first()
    if locked is None:
        raise NotFound("SKU not found.", code="sku_not_found")
    return spu, locked


@transaction.atomic
def sku_update(*, principal: Principal, sku_id: int, data: Mapping[str, Any]) -> Sku:
    """Edit a SKU (its combination is fixed: delete it and add another to change it). A new
    price writes a PriceHistory row and publishes catalog.price.changed.v1."""
    spu, sku = _sku_for_write(principal=principal, sku_id=sku_id)
    changes = only(data, SKU_FIELDS)
    for key in ("price", "market_price", "cost_price"):
        if key in changes:
            changes[key] = _money(changes[key])
    old_price = sku.price
    for key, value in changes.items():
        setattr(sku, key, value)
    sku.save()
    price_changed = "price" in changes and changes["price"] != old_price
    storefront_changed([spu.pk])
    if price_changed:
        _price_history(sku, old_price, sku.price, principal, "update").save()
        publish(
            PriceChanged(sku_id=sku.pk, spu_id=spu.pk, old_price=old_price, new_price=sku.price)
        )
    _spu_prices_refresh(spu_ids=[spu.pk])
    _published_keep_sellable([spu.pk])
    other_changes = set(changes) - {"price"}
    if other_changes:
        _updated(spu, ["skus"])
    return sku


@transaction.atomic
def sku_delete(*, principal: Principal, sku_id: int) -> None:
    """Soft-delete a SKU (orders keep its id). Its combination becomes free again. Refused for
    the last sellable SKU of a published product (422)."""
    spu, sku = _sku_for_write(principal=principal, sku_id=sku_id)
    sku.deleted_at = timezone.now()
    sku.save(update_fields=["deleted_at", "updated_at"])
    _spu_prices_refresh(spu_ids=[spu.pk])
    _published_keep_sellable([spu.pk])
    _updated(spu, ["skus"])


@transaction.atomic
def sku_prices_bulk_update(*, principal: Principal, updates: Sequence[PriceUpdate]) -> list[Sku]:
    """Change many SKU prices, all or nothing.

    Every SKU must exist and belong to a shop the principal manages (404 sku_not_found lists the
    others, nothing is written); a SKU may appear once (400 duplicate_sku); an active SKU cannot
    be priced at zero (422 sku_price_not_positive, nothing written). Each changed price
    writes a PriceHistory row and publishes catalog.price.changed.v1; unchanged ones write
    nothing. Products are locked in id order, so concurrent bulk updates never deadlock.
    """
    sku_ids = [u.sku_id for u in updates]
    duplicates = sorted({s for s in sku_ids if sku_ids.count(s) > 1})
    if duplicates:
        raise invalid("items", f"SKUs listed twice: {duplicates}.", code="duplicate_sku")
    spu_of = dict(
        Sku.objects.live()
        .filter(pk__in=sku_ids, spu__deleted_at__isnull=True)
        .values_list("pk", "spu_id")
    )
    spus = {
        spu.pk: spu
        for spu in Spu.objects.select_for_update()
        .filter(pk__in=set(spu_of.values()), deleted_at__isnull=True)
        .order_by("pk")
    }
    missing = sorted(
        s
        for s in sku_ids
        if s not in spu_of
        or spu_of[s] not in spus
        or not principal.can("catalog.product.write", merchant_id=spus[spu_of[s]].merchant_id)
    )
    if missing:
        raise NotFound(
            "Some SKUs were not found.", code="sku_not_found", details={"sku_ids": missing}
        )
    skus = {
        sku.pk: sku for sku in Sku.objects.select_for_update().filter(pk__in=sku_ids).order_by("pk")
    }
    free = sorted(
        u.sku_id
        for u in updates
        if quantize(u.price) <= 0 and skus[u.sku_id].status == Sku.Status.ACTIVE
    )
    if free:
        # Zero is a typo in a price sheet, not a price: an active SKU would be sold for nothing.
        raise BusinessRuleViolation(
            "An active SKU cannot be priced at zero; deactivate it first.",
            code="sku_price_not_positive",
            details={"sku_ids": free},
        )
    history, changed = [], []
    for update in updates:
        sku = skus[update.sku_id]
        new_price = quantize(update.price)
        if new_price == sku.price:
            continue
        history.append(_price_history(sku, sku.price, new_price, principal, "bulk"))
        publish(
            PriceChanged(sku_id=sku.pk, spu_id=sku.spu_id, old_price=sku.price, new_price=new_price)
        )
        sku.price = new_price
        sku.updated_at = timezone.now()
        changed.append(sku)
    Sku.objects.bulk_update(changed, ["price", "updated_at"])
    PriceHistory.objects.bulk_create(history)
    touched = {sku.spu_id for sku in changed}
    storefront_changed(touched)
    _spu_prices_refresh(spu_ids=touched)
    _published_keep_sellable(touched)
    return [skus[s] for s in sku_ids]


@transaction.atomic
def spu_sales_record(*, sku_quantities: Mapping[int, int]) -> None:
    """Add sold units to each product's sales count (the storefront's "sales" sort).

    Counted when an order completes, so cancelled and refunded orders never inflate it. One
    UPDATE per product with F() so concurrent completions never lose an increment; products are
    updated in id order so two completions never deadlock.
    """
    per_spu: dict[int, int] = {}
    for spu_id, sku_id in Sku.objects.filter(pk__in=list(sku_quantities)).values_list(
        "spu_id", "pk"
    ):
        per_spu[spu_id] = per_spu.get(spu_id, 0) + sku_quantities[sku_id]
    for spu_id in sorted(per_spu):
        Spu.objects.filter(pk=spu_id).update(sales_count=F("sales_count") + per_spu[spu_id])
    storefront_changed(per_spu)
