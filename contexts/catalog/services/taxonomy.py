"""Categories (a tree of any depth), brands, attributes and their values. Staff-only.

Rows that products or SKUs use are never deleted from under them (409 ..._in_use), and renaming
an attribute or a value rewrites the readable spec of the SKUs that show it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q

from contexts.catalog import domain, selectors
from contexts.catalog.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    CategoryAttribute,
    Sku,
    SkuValue,
    Spu,
    SpuAttributeValue,
)
from contexts.catalog.services._common import invalid, only, storefront_wide_change
from shared.errors import BusinessRuleViolation, Conflict, NotFound

CATEGORY_FIELDS = ("name", "icon_url", "sort_order", "is_active")
BRAND_FIELDS = ("name", "logo_url", "sort_order", "is_active")
ATTRIBUTE_FIELDS = ("name", "code", "kind", "sort_order")
VALUE_FIELDS = ("value", "sort_order")
SPEC_REFRESH_BATCH = 2000


# --- Categories -----------------------------------------------------------------------------


def _live_skus_in_subtree(category: Category) -> bool:
    return Sku.objects.filter(
        spu__category__path__startswith=category.path,
        deleted_at__isnull=True,
        spu__deleted_at__isnull=True,
    ).exists()


def _sales_attributes_locked() -> Conflict:
    return Conflict(
        "Products of this category have SKUs built on its sales attributes.",
        code="sales_attributes_locked",
    )


def _category(category_id: int) -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound("Category not found.", code="category_not_found")
    return category


@transaction.atomic
def category_create(
    *,
    name: str,
    parent_id: int | None = None,
    icon_url: str = "",
    sort_order: int = 0,
    is_active: bool = True,
) -> Category:
    """Add a category under `parent_id` (a root when None), as its parent's last child."""
    node = Category(name=name, icon_url=icon_url, sort_order=sort_order, is_active=is_active)
    if parent_id is None:
        try:
            with transaction.atomic():
                return Category.objects.add_root(instance=node)
        except IntegrityError as exc:  # two roots raced for the same path
            raise Conflict("Please retry.", code="category_path_taken") from exc
    parent = Category.objects.filter(pk=parent_id).first()
    if parent is None:
        raise invalid("parent_id", "No category has this id.", code="unknown_category")
    return Category.objects.add_child(parent, instance=node)


def _move_check(category: Category, parent: Category | None) -> None:
    """A subtree with live SKUs must inherit the same sales attributes after a move: its SKUs'
    combinations are built on them (409 sales_attributes_locked)."""
    own = set(
        CategoryAttribute.objects.filter(
            category=category, attribute__kind=Attribute.Kind.SALES
        ).values_list("attribute_id", flat=True)
    )
    inherited = (
        selectors.category_attribute_ids(category=parent, kind=Attribute.Kind.SALES)
        if parent is not None
        else set()
    )
    current = selectors.category_attribute_ids(category=category, kind=Attribute.Kind.SALES)
    if own | inherited != current and _live_skus_in_subtree(category):
        raise _sales_attributes_locked()


@transaction.atomic
def category_update(*, category_id: int, data: Mapping[str, Any]) -> Category:
    """Edit a category; `parent_id` in data moves it (with its subtree) under another parent,
    or to the roots when None. A category cannot move under itself or its descendants (422
    category_cycle), nor where it would inherit other sales attributes (see _move_check)."""
    storefront_wide_change()  # its name shows on many pages
    category = _category(category_id)
    changes = only(data, CATEGORY_FIELDS)
    for key, value in changes.items():
        setattr(category, key, value)
    if changes:
        category.save()
    if "parent_id" not in data:
        return category
    parent = None
    if data["parent_id"] is not None:
        parent = Category.objects.filter(pk=data["parent_id"]).first()
        if parent is None:
            raise invalid("parent_id", "No category has this id.", code="unknown_category")
        if parent.path.startswith(category.path):
            raise BusinessRuleViolation(
                "A category cannot move under itself or its descendants.", code="category_cycle"
            )
    current_parent_path = category.path[: -Category.steplen]
    if (parent.path if parent else "") == current_parent_path:
        return category
    _move_check(category, parent)
    if parent is None:
        Category.objects.move(category, Category.objects.get_first_root_node(), "last-sibling")
    else:
        Category.objects.move(category, parent, "last-child")
    category.refresh_from_db()
    return category


@transaction.atomic
def category_delete(*, category_id: int) -> None:
    """Delete a leaf category no product uses (409 category_has_children / category_in_use)."""
    storefront_wide_change()  # its name shows on many pages
    category = _category(category_id)
    if Category.objects.filter(path__startswith=category.path).exclude(pk=category.pk).exists():
        raise Conflict("Delete or move the subcategories first.", code="category_has_children")
    if Spu.objects.filter(category_id=category.pk).exists():
        raise Conflict("Products use this category.", code="category_in_use")
    category.delete()


@transaction.atomic
def category_attributes_set(
    *, category_id: int, attribute_ids: Sequence[int]
) -> list[CategoryAttribute]:
    """Set which attributes the category uses (its descendants inherit them), in the given
    order. An attribute that live SKUs or products of the category's subtree use cannot be
    removed (409 attribute_in_use), and no sales attribute can be added while the subtree has
    live SKUs (409 sales_attributes_locked: they would miss a value for it)."""
    category = _category(category_id)
    wanted = list(dict.fromkeys(attribute_ids))
    known = set(Attribute.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    unknown = [a for a in wanted if a not in known]
    if unknown:
        raise invalid("attribute_ids", f"Unknown attributes: {unknown}.", code="unknown_attribute")
    current = {
        link.attribute_id: link for link in CategoryAttribute.objects.filter(category=category)
    }
    removed = set(current) - set(wanted)
    if removed:
        in_subtree = Q(sku__spu__category__path__startswith=category.path)
        used = (
            SkuValue.objects.filter(
                in_subtree,
                attribute_id__in=removed,
                sku__deleted_at__isnull=True,
                sku__spu__deleted_at__isnull=True,
            ).exists()
            or SpuAttributeValue.objects.filter(
                value__attribute_id__in=removed,
                spu__category__path__startswith=category.path,
                spu__deleted_at__isnull=True,
            ).exists()
        )
        if used:
            raise Conflict(
                "Products of this category use an attribute being removed.",
                code="attribute_in_use",
                details={"attribute_ids": sorted(removed)},
            )
        CategoryAttribute.objects.filter(category=category, attribute_id__in=removed).delete()
    added = set(wanted) - set(current)
    inherited = selectors.category_attribute_ids(category=category, kind=Attribute.Kind.SALES)
    new_sales = set(
        Attribute.objects.filter(pk__in=added - inherited, kind=Attribute.Kind.SALES).values_list(
            "pk", flat=True
        )
    )
    if new_sales and _live_skus_in_subtree(category):
        raise _sales_attributes_locked()
    links = []
    for order, attribute_id in enumerate(wanted):
        link = current.get(attribute_id)
        if link is None:
            link = CategoryAttribute(category=category, attribute_id=attribute_id)
        link.sort_order = order
        link.save()
        links.append(link)
    return links


# --- Brands ---------------------------------------------------------------------------------


def _brand(brand_id: int) -> Brand:
    brand = Brand.objects.select_for_update().filter(pk=brand_id).first()
    if brand is None:
        raise NotFound("Brand not found.", code="brand_not_found")
    return brand


@transaction.atomic
def brand_create(
    *, name: str, logo_url: str = "", sort_order: int = 0, is_active: bool = True
) -> Brand:
    """A brand; names are unique (409 brand_name_taken)."""
    if Brand.objects.filter(name=name).exists():
        raise Conflict("A brand with this name exists.", code="brand_name_taken")
    return Brand.objects.create(
        name=name, logo_url=logo_url, sort_order=sort_order, is_active=is_active
    )


@transaction.atomic
def brand_update(*, brand_id: int, data: Mapping[str, Any]) -> Brand:
    storefront_wide_change()  # its name shows on many pages
    brand = _brand(brand_id)
    changes = only(data, BRAND_FIELDS)
    if (
        "name" in changes
        and Brand.objects.filter(name=changes["name"]).exclude(pk=brand.pk).exists()
    ):
        raise Conflict("A brand with this name exists.", code="brand_name_taken")
    for key, value in changes.items():
        setattr(brand, key, value)
    brand.save()
    return brand


@transaction.atomic
def brand_delete(*, brand_id: int) -> None:
    """Delete a brand no product uses (409 brand_in_use: deactivate it instead)."""
    storefront_wide_change()  # its name shows on many pages
    brand = _brand(brand_id)
    if Spu.objects.filter(brand_id=brand.pk).exists():
        raise Conflict("Products use this brand.", code="brand_in_use")
    brand.delete()


# --- Attributes and values ------------------------------------------------------------------


def _attribute(attribute_id: int) -> Attribute:
    attribute = Attribute.objects.select_for_update().filter(pk=attribute_id).first()
    if attribute is None:
        raise NotFound("Attribute not found.", code="attribute_not_found")
    return attribute


def _value(value_id: int) -> AttributeValue:
    value = AttributeValue.objects.select_for_update().filter(pk=value_id).first()
    if value is None:
        raise NotFound("Attribute value not found.", code="attribute_value_not_found")
    return value


def _attribute_in_use(attribute_id: int) -> bool:
    return (
        CategoryAttribute.objects.filter(attribute_id=attribute_id).exists()
        or SkuValue.objects.filter(attribute_id=attribute_id).exists()
        or SpuAttributeValue.objects.filter(value__attribute_id=attribute_id).exists()
    )


def sku_specs_refresh(*, sku_ids: Iterable[int]) -> int:
    """Rewrite the readable spec ("Colour: Red / Size: M") of these SKUs from their values.
    Returns how many SKUs were rewritten."""
    sku_ids = list(sku_ids)
    count = 0
    for start in range(0, len(sku_ids), SPEC_REFRESH_BATCH):
        batch = sku_ids[start : start + SPEC_REFRESH_BATCH]
        refs: dict[int, list[domain.ValueRef]] = defaultdict(list)
        for sv in SkuValue.objects.filter(sku_id__in=batch).select_related("value__attribute"):
            refs[sv.sku_id].append(
                domain.ValueRef(
                    value_id=sv.value_id,
                    attribute_id=sv.attribute_id,
                    attribute_name=sv.value.attribute.name,
                    value=sv.value.value,
                    attribute_sort=sv.value.attribute.sort_order,
                )
            )
        skus = [Sku(pk=sku_id, spec=domain.spec_text(refs.get(sku_id, []))) for sku_id in batch]
        Sku.objects.bulk_update(skus, ["spec"])
        count += len(skus)
    return count


@transaction.atomic
def attribute_create(*, name: str, code: str, kind: str, sort_order: int = 0) -> Attribute:
    """An attribute; codes are unique (409 attribute_code_taken)."""
    if Attribute.objects.filter(code=code).exists():
        raise Conflict("An attribute with this code exists.", code="attribute_code_taken")
    return Attribute.objects.create(name=name, code=code, kind=kind, sort_order=sort_order)


@transaction.atomic
def attribute_update(*, attribute_id: int, data: Mapping[str, Any]) -> Attribute:
    """Edit an attribute. Its kind (sales/descriptive) cannot change while anything uses it
    (409 attribute_in_use); a new name or order is written into the specs of its SKUs."""
    storefront_wide_change()  # its name shows on many pages
    attribute = _attribute(attribute_id)
    changes = only(data, ATTRIBUTE_FIELDS)
    if "kind" in changes and changes["kind"] != attribute.kind and _attribute_in_use(attribute.pk):
        raise Conflict("The attribute is in use: its kind is fixed.", code="attribute_in_use")
    if (
        "code" in changes
        and Attribute.objects.filter(code=changes["code"]).exclude(pk=attribute.pk).exists()
    ):
        raise Conflict("An attribute with this code exists.", code="attribute_code_taken")
    respec = any(
        key in changes and changes[key] != getattr(attribute, key) for key in ("name", "sort_order")
    )
    for key, value in changes.items():
        setattr(attribute, key, value)
    attribute.save()
    if respec:
        sku_specs_refresh(
            sku_ids=SkuValue.objects.filter(attribute_id=attribute.pk).values_list(
                "sku_id", flat=True
            )
        )
    return attribute


@transaction.atomic
def attribute_delete(*, attribute_id: int) -> None:
    """Delete an attribute no category, SKU or product uses (409 attribute_in_use)."""
    storefront_wide_change()  # its name shows on many pages
    attribute = _attribute(attribute_id)
    if _attribute_in_use(attribute.pk):
        raise Conflict("The attribute is in use.", code="attribute_in_use")
    attribute.delete()


@transaction.atomic
def attribute_value_create(*, attribute_id: int, value: str, sort_order: int = 0) -> AttributeValue:
    """A value of an attribute; unique within it (409 attribute_value_taken)."""
    attribute = _attribute(attribute_id)
    if AttributeValue.objects.filter(attribute=attribute, value=value).exists():
        raise Conflict("The attribute already has this value.", code="attribute_value_taken")
    return AttributeValue.objects.create(attribute=attribute, value=value, sort_order=sort_order)


@transaction.atomic
def attribute_value_update(*, value_id: int, data: Mapping[str, Any]) -> AttributeValue:
    """Rename or reorder a value; SKUs showing it get their spec rewritten."""
    storefront_wide_change()  # its name shows on many pages
    value = _value(value_id)
    changes = only(data, VALUE_FIELDS)
    if (
        "value" in changes
        and AttributeValue.objects.filter(attribute_id=value.attribute_id, value=changes["value"])
        .exclude(pk=value.pk)
        .exists()
    ):
        raise Conflict("The attribute already has this value.", code="attribute_value_taken")
    renamed = "value" in changes and changes["value"] != value.value
    for key, new in changes.items():
        setattr(value, key, new)
    value.save()
    if renamed:
        sku_specs_refresh(
            sku_ids=SkuValue.objects.filter(value_id=value.pk).values_list("sku_id", flat=True)
        )
    return value


@transaction.atomic
def attribute_value_delete(*, value_id: int) -> None:
    """Delete a value no SKU or product uses (409 attribute_value_in_use)."""
    storefront_wide_change()  # its name shows on many pages
    value = _value(value_id)
    if (
        SkuValue.objects.filter(value_id=value.pk).exists()
        or SpuAttributeValue.objects.filter(value_id=value.pk).exists()
    ):
        raise Conflict("SKUs or products use this value.", code="attribute_value_in_use")
    value.delete()
