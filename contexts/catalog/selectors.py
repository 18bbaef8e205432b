"""The catalog's read queries. Every list and detail runs a fixed number of queries whatever its
size (select_related / prefetch / Exists subqueries), and object-level permission lives here:
a merchant's side only ever sees its own shops' rows, so anyone else's is simply not found.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery

from contexts.catalog import domain
from contexts.catalog.data import ListingPage, ListingProvider, ListingQuery
from contexts.catalog.models import (
    Attribute,
    AttributeValue,
    Brand,
    Category,
    CategoryAttribute,
    Merchant,
    MerchantStaff,
    PriceHistory,
    Sku,
    SkuValue,
    Spu,
    SpuAttributeValue,
)
from contexts.catalog.ports import Review, document_store
from shared.auth import MERCHANT_OWNER, MERCHANT_STAFF, Principal
from shared.errors import NotFound
from shared.rest.fields import BIGINT_MAX


def _row_ids(ids: Iterable[int]) -> set[int]:
    """The ids among `ids` a row can have. Other contexts pass ids straight from a URL or a body;
    one past a BIGINT column names no row, and SQLite refuses it as a parameter (OverflowError,
    a 500) where MariaDB just finds nothing, so it is dropped before the query."""
    return {i for i in ids if 0 < i <= BIGINT_MAX}


# --- Merchants and who manages them ---------------------------------------------------------


def merchant_roles_of(*, user_id: int) -> dict[int, str]:
    """{merchant_id: "merchant_owner" | "merchant_staff"} for the shops the user owns or is
    staff of (owner wins), in one query."""
    staff_of = MerchantStaff.objects.filter(user_id=user_id).values("merchant_id")
    rows = (
        Merchant.objects.filter(Q(owner_user_id=user_id) | Q(pk__in=staff_of))
        .order_by("pk")
        .values_list("pk", "owner_user_id")
    )
    return {pk: MERCHANT_OWNER if owner == user_id else MERCHANT_STAFF for pk, owner in rows}


def merchant_list(*, status: str | None = None) -> QuerySet[Merchant]:
    merchants = Merchant.objects.prefetch_related("staff").order_by("id")
    return merchants.filter(status=status) if status else merchants


def merchant_get(*, merchant_id: int) -> Merchant:
    merchant = Merchant.objects.prefetch_related("staff").filter(pk=merchant_id).first()
    if merchant is None:
        raise NotFound("Merchant not found.", code="merchant_not_found")
    return merchant


def merchants_by_ids(*, merchant_ids: Iterable[int]) -> list[Merchant]:
    return list(Merchant.objects.filter(pk__in=_row_ids(merchant_ids)))


# --- Categories, brands, attributes ---------------------------------------------------------


@dataclass
class CategoryNode:
    category: Category
    children: list[CategoryNode] = field(default_factory=list)


def category_get(*, category_id: int) -> Category:
    category = Category.objects.filter(pk=category_id).first()
    if category is None:
        raise NotFound("Category not found.", code="category_not_found")
    return category


def category_tree(*, active_only: bool = False) -> list[CategoryNode]:
    """The whole tree in one query; siblings ordered by sort_order, then name. Below an
    inactive category nothing is shown when active_only."""
    categories = Category.objects.order_by("depth", "sort_order", "name", "id")
    if active_only:
        categories = categories.filter(is_active=True)
    nodes: dict[str, CategoryNode] = {}
    roots: list[CategoryNode] = []
    for category in categories:
        node = CategoryNode(category)
        nodes[category.path] = node
        if category.depth == 1:
            roots.append(node)
        else:
            parent = nodes.get(category.path[: -Category.steplen])
            if parent is not None:  # a hidden parent hides its subtree
                parent.children.append(node)
    return roots


def ancestor_paths(path: str) -> list[str]:
    """The paths of a node and of its ancestors, root first."""
    step = Category.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def category_parent_id(*, category: Category) -> int | None:
    if category.depth == 1:
        return None
    return (
        Category.objects.filter(path=category.path[: -Category.steplen])
        .values_list("pk", flat=True)
        .first()
    )


def category_breadcrumb(*, category: Category) -> list[Category]:
    """The category and its ancestors, root first, in one query."""
    return list(Category.objects.filter(path__in=ancestor_paths(category.path)).order_by("depth"))


def category_attribute_ids(*, category: Category, kind: str | None = None) -> set[int]:
    """Attributes the category uses, its own and those inherited from its ancestors."""
    links = CategoryAttribute.objects.filter(category__path__in=ancestor_paths(category.path))
    if kind:
        links = links.filter(attribute__kind=kind)
    return set(links.values_list("attribute_id", flat=True))


def category_attributes(*, category_id: int) -> list[CategoryAttribute]:
    """The attributes linked to this category itself (not the inherited ones)."""
    return list(
        CategoryAttribute.objects.filter(category_id=category_id)
        .select_related("attribute")
        .order_by("sort_order", "id")
    )


def categories_ancestor_ids(*, category_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """For each known category: its own id and its ancestors' ids, root first (two queries)."""
    paths = dict(Category.objects.filter(pk__in=_row_ids(category_ids)).values_list("pk", "path"))
    wanted = {p for path in paths.values() for p in ancestor_paths(path)}
    id_by_path = dict(Category.objects.filter(path__in=wanted).values_list("path", "pk"))
    return {
        cid: tuple(id_by_path[p] for p in ancestor_paths(path) if p in id_by_path)
        for cid, path in paths.items()
    }


def brand_list(*, active_only: bool = False) -> QuerySet[Brand]:
    brands = Brand.objects.order_by("sort_order", "name")
    return brands.filter(is_active=True) if active_only else brands


def brand_get(*, brand_id: int) -> Brand:
    brand = Brand.objects.filter(pk=brand_id).first()
    if brand is None:
        raise NotFound("Brand not found.", code="brand_not_found")
    return brand


def attribute_list(*, kind: str | None = None) -> QuerySet[Attribute]:
    attributes = Attribute.objects.prefetch_related("values").order_by("sort_order", "id")
    return attributes.filter(kind=kind) if kind else attributes


def attribute_get(*, attribute_id: int) -> Attribute:
    attribute = Attribute.objects.prefetch_related("values").filter(pk=attribute_id).first()
    if attribute is None:
        raise NotFound("Attribute not found.", code="attribute_not_found")
    return attribute


def value_refs(*, value_ids: Iterable[int]) -> dict[int, domain.ValueRef]:
    """The values among `value_ids` that exist, with their attribute, in one query."""
    rows = AttributeValue.objects.filter(pk__in=set(value_ids)).select_related("attribute")
    return {
        v.pk: domain.ValueRef(
            value_id=v.pk,
            attribute_id=v.attribute_id,
            attribute_name=v.attribute.name,
            value=v.value,
            attribute_sort=v.attribute.sort_order,
        )
        for v in rows
    }


# --- Storefront: product list ---------------------------------------------------------------

SORTS = {
    "newest": ("-published_at", "-id"),
    # A published product always has a sellable SKU, so its min_price is never NULL.
    "price_asc": ("min_price", "id"),
    "price_desc": ("-min_price", "-id"),
    "sales": ("-sales_count", "-id"),
}


@dataclass(frozen=True)
class ProductFilters:
    category_id: int | None = None
    brand_id: int | None = None
    merchant_id: int | None = None
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    attribute_value_ids: tuple[int, ...] = ()
    in_stock: bool = False
    sort: str = "newest"


def _sellable_skus() -> QuerySet[Sku]:
    """The live active SKUs of the product in the outer query."""
    return Sku.objects.filter(spu=OuterRef("pk"), deleted_at__isnull=True, status=Sku.Status.ACTIVE)


def _storefront_products() -> QuerySet[Spu]:
    """Published products of active merchants with their shop, brand and `in_stock`.

    Suspended shops are excluded by id rather than by joining the merchant's status, so that the
    page is read in the order of the (status, deleted_at, <sort key>) indexes with a LIMIT,
    instead of being sorted in full."""
    suspended = list(
        Merchant.objects.exclude(status=Merchant.Status.ACTIVE).values_list("pk", flat=True)
    )
    return (
        Spu.objects.filter(deleted_at__isnull=True, status=Spu.Status.PUBLISHED)
        .exclude(merchant_id__in=suspended)
        # Prefetched, not joined: with a join MariaDB starts from the small merchant table and
        # sorts every product; by themselves the products come in index order.
        .prefetch_related("merchant", "brand")
        .annotate(in_stock=Exists(_sellable_skus().filter(available_stock__gt=0)))
    )


def _attribute_groups(
    value_ids: Iterable[int],
) -> tuple[dict[int, list[int]], dict[int, list[int]]] | None:
    """The wanted values grouped by attribute: (sales attributes', descriptive ones'), or None
    when one of them does not exist (it matches nothing)."""
    wanted = set(value_ids)
    rows = AttributeValue.objects.filter(pk__in=wanted).values_list(
        "pk", "attribute_id", "attribute__kind"
    )
    sales: dict[int, list[int]] = defaultdict(list)
    descriptive: dict[int, list[int]] = defaultdict(list)
    for value_id, attribute_id, kind in rows:
        group = sales if kind == Attribute.Kind.SALES else descriptive
        group[attribute_id].append(value_id)
    if len(rows) < len(wanted):
        return None
    return sales, descriptive


def storefront_product_list(*, filters: ProductFilters) -> QuerySet[Spu]:
    """Published products of active merchants, filtered and sorted: one query for the page,
    one to count it, two for the page's merchants and brands, one to list the suspended shops
    and, when filtering on attribute values, one to look up their kinds.

    category: that category and all its descendants (materialised path prefix, resolved by a
    subquery). Price range, in-stock and sales-attribute values are conditions on ONE sellable
    SKU (a product matches when some active SKU satisfies all of them). Values of one attribute
    are alternatives (red OR blue); values of different attributes must all hold (red AND M).
    """
    products = _storefront_products()
    if filters.category_id is not None:
        root_path = Category.objects.filter(pk=filters.category_id).values("path")[:1]
        products = products.alias(root_path=Subquery(root_path)).filter(
            category__path__startswith=F("root_path")
        )
    if filters.brand_id is not None:
        products = products.filter(brand_id=filters.brand_id)
    if filters.merchant_id is not None:
        products = products.filter(merchant_id=filters.merchant_id)

    skus = _sellable_skus()
    sku_conditions = False
    if filters.min_price is not None:
        skus, sku_conditions = skus.filter(price__gte=filters.min_price), True
    if filters.max_price is not None:
        skus, sku_conditions = skus.filter(price__lte=filters.max_price), True
    if filters.in_stock:
        skus, sku_conditions = skus.filter(available_stock__gt=0), True
    if filters.attribute_value_ids:
        groups = _attribute_groups(filters.attribute_value_ids)
        if groups is None:  # an unknown value matches nothing
            return products.none()
        sales, descriptive = groups
        for value_ids in sales.values():
            skus, sku_conditions = skus.filter(values__value_id__in=value_ids), True
        for value_ids in descriptive.values():
            products = products.filter(
                Exists(SpuAttributeValue.objects.filter(spu=OuterRef("pk"), value_id__in=value_ids))
            )
    if sku_conditions:
        products = products.filter(Exists(skus))
    return products.order_by(*SORTS.get(filters.sort, SORTS["newest"]))


# --- Storefront listing: a registered provider (the search index) or the SQL above ----------

_LISTING_PROVIDER: list[ListingProvider] = []


def listing_provider_register(provider: ListingProvider) -> None:
    """The one provider the storefront listing asks first (another one is a ValueError; the
    same one again, from an app registry set up twice, changes nothing)."""
    if _LISTING_PROVIDER and _LISTING_PROVIDER[0] != provider:
        raise ValueError("A storefront listing provider is already registered.")
    _LISTING_PROVIDER[:] = [provider]


def _listing_query(filters: ProductFilters) -> ListingQuery | None:
    """The filters as a provider's query, or None when only the SQL listing answers them
    exactly: a price bound, or two conditions that must hold on the same SKU (in stock, a
    sales attribute's values), are per-SKU conditions an index of products cannot check; an
    unknown attribute value makes the SQL listing empty without a scan."""
    if filters.min_price is not None or filters.max_price is not None:
        return None
    groups: tuple[tuple[int, ...], ...] = ()
    if filters.attribute_value_ids:
        found = _attribute_groups(filters.attribute_value_ids)
        if found is None:
            return None
        sales, descriptive = found
        if len(sales) + filters.in_stock > 1:
            return None
        groups = tuple(tuple(ids) for ids in (*sales.values(), *descriptive.values()))
    return ListingQuery(
        category_id=filters.category_id,
        brand_id=filters.brand_id,
        merchant_id=filters.merchant_id,
        attribute_groups=groups,
        in_stock=filters.in_stock,
        sort=filters.sort if filters.sort in SORTS else "newest",
    )


class ProvidedListing:
    """A listing the provider answered, as the sliceable sequence a paginator reads: the count
    and the page's ids come from one call for the expected page; the page's products are then
    read from the catalog (the same fields as the SQL listing; a product unpublished since the
    provider last heard of it is left out of the page)."""

    def __init__(
        self, provider: ListingProvider, query: ListingQuery, *, page: int, page_size: int
    ) -> None:
        self._provider = provider
        self._query = query
        self._page_size = page_size
        self._answers: dict[int, ListingPage | None] = {}
        self.answered = self._answer(page) is not None

    def _answer(self, page: int) -> ListingPage | None:
        if page not in self._answers:
            self._answers[page] = self._provider(
                replace(self._query, page=page, page_size=self._page_size)
            )
        return self._answers[page]

    def count(self) -> int:
        first = next(iter(self._answers.values()))
        return first.total if first else 0

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list[Spu]:
        start = window.start or 0
        answer = self._answer(start // self._page_size + 1)
        ids = answer.spu_ids[: (window.stop or start + self._page_size) - start] if answer else ()
        by_id = {spu.pk: spu for spu in _storefront_products().filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]


def storefront_listing(
    *, filters: ProductFilters, page: int, page_size: int
) -> QuerySet[Spu] | ProvidedListing:
    """The storefront listing: from the registered provider when there is one and it answers
    this query (see _listing_query), else the catalog's SQL (storefront_product_list)."""
    query = _listing_query(filters) if _LISTING_PROVIDER else None
    if query is not None:
        provided = ProvidedListing(_LISTING_PROVIDER[0], query, page=page, page_size=page_size)
        if provided.answered:
            return provided
    return storefront_product_list(filters=filters)


# --- Storefront: product detail -------------------------------------------------------------


@dataclass(frozen=True)
class SkuAvailable:
    sku: Sku
    available: int


@dataclass(frozen=True)
class AttributeGroup:
    attribute_id: int
    name: str
    code: str
    values: list[dict[str, Any]]


@dataclass(frozen=True)
class ProductDetail:
    spu: Spu
    skus: list[SkuAvailable]
    sales_attributes: list[AttributeGroup]
    attributes: list[AttributeGroup]
    breadcrumb: list[Category]
    content: list[dict[str, Any]]


def _groups(values: Iterable[AttributeValue]) -> list[AttributeGroup]:
    """Values grouped by attribute, attributes and values in their display order."""
    by_attribute: dict[int, tuple[Attribute, dict[int, AttributeValue]]] = {}
    for v in values:
        by_attribute.setdefault(v.attribute_id, (v.attribute, {}))[1][v.pk] = v
    ordered = sorted(by_attribute.values(), key=lambda item: (item[0].sort_order, item[0].pk))
    return [
        AttributeGroup(
            attribute_id=attribute.pk,
            name=attribute.name,
            code=attribute.code,
            values=[
                {"id": v.pk, "value": v.value}
                for v in sorted(vals.values(), key=lambda v: (v.sort_order, v.pk))
            ],
        )
        for attribute, vals in ordered
    ]


def _on_storefront(spu_id: int) -> QuerySet[Spu]:
    """The product, if the storefront shows it: published, not deleted, of an active shop."""
    return Spu.objects.filter(
        pk=spu_id,
        deleted_at__isnull=True,
        status=Spu.Status.PUBLISHED,
        merchant__status=Merchant.Status.ACTIVE,
    )


def storefront_product_detail(*, spu_id: int) -> ProductDetail:
    """A published product with its active SKUs, their availability from the catalog's stock
    mirror (kept by inventory's events: the catalog is upstream of inventory and never calls it),
    its sales and descriptive attributes, category breadcrumb and rich content.

    A fixed number of queries whatever the number of SKUs. Unknown, unpublished and deleted
    products, and those of a suspended merchant, are not found.
    """
    spu = (
        _on_storefront(spu_id)
        .select_related("merchant", "brand", "category")
        .prefetch_related(
            Prefetch(
                "skus",
                queryset=Sku.objects.filter(deleted_at__isnull=True, status=Sku.Status.ACTIVE)
                .prefetch_related(
                    Prefetch("values", queryset=SkuValue.objects.select_related("value__attribute"))
                )
                .order_by("id"),
                to_attr="sellable_skus",
            ),
            Prefetch(
                "attribute_values",
                queryset=SpuAttributeValue.objects.select_related("value__attribute"),
            ),
        )
        .first()
    )
    if spu is None:
        raise NotFound("Product not found.", code="product_not_found")
    skus = spu.sellable_skus
    sales_values = [sv.value for sku in skus for sv in sku.values.all()]
    return ProductDetail(
        spu=spu,
        skus=[SkuAvailable(sku=s, available=max(s.available_stock, 0)) for s in skus],
        sales_attributes=_groups(sales_values),
        attributes=_groups(av.value for av in spu.attribute_values.all()),
        breadcrumb=category_breadcrumb(category=spu.category),
        content=document_store().content_get(spu_id=spu.pk) or [],
    )


@dataclass(frozen=True)
class ProductPageRows:
    """What `storefront_product_detail` reads, as plain rows (`.values()`): the product page's
    uncached path builds no model instance (rest/serializers.product_page_out shapes it)."""

    spu: dict[str, Any]
    skus: list[dict[str, Any]]
    sku_values: list[dict[str, Any]]
    attribute_values: list[dict[str, Any]]
    breadcrumb: list[dict[str, Any]]
    content: list[dict[str, Any]]


# An attribute value with its attribute, as read for the product page's groups.
_VALUE_COLUMNS = {
    "v_id": F("value_id"),
    "v_text": F("value__value"),
    "v_sort": F("value__sort_order"),
    "a_id": F("value__attribute_id"),
    "a_name": F("value__attribute__name"),
    "a_code": F("value__attribute__code"),
    "a_sort": F("value__attribute__sort_order"),
}


def storefront_product_page_rows(*, spu_id: int) -> ProductPageRows:
    """`storefront_product_detail` as rows: the same products are found (the others: 404
    product_not_found), the same figures read, in a fixed number of queries (5, and the
    document store's read)."""
    spu = (
        _on_storefront(spu_id)
        .values(
            "id",
            "title",
            "subtitle",
            "main_image_url",
            "gallery",
            "merchant_id",
            "brand_id",
            "category_id",
            "min_price",
            "max_price",
            "sales_count",
            "rating_avg",
            "rating_count",
            "published_at",
            merchant_name=F("merchant__name"),
            brand_name=F("brand__name"),
            category_name=F("category__name"),
            category_path=F("category__path"),
        )
        .first()
    )
    if spu is None:
        raise NotFound("Product not found.", code="product_not_found")
    skus = list(
        Sku.objects.filter(spu_id=spu_id, deleted_at__isnull=True, status=Sku.Status.ACTIVE)
        .order_by("id")
        .values(
            "id", "spec", "price", "market_price", "image_url", "weight_grams", "available_stock"
        )
    )
    sku_values = list(
        SkuValue.objects.filter(
            sku__spu_id=spu_id, sku__deleted_at__isnull=True, sku__status=Sku.Status.ACTIVE
        ).values("sku_id", **_VALUE_COLUMNS)
    )
    attribute_values = list(
        SpuAttributeValue.objects.filter(spu_id=spu_id).values(**_VALUE_COLUMNS)
    )
    breadcrumb = list(
        Category.objects.filter(path__in=ancestor_paths(spu["category_path"]))
        .order_by("depth")
        .values("id", "name")
    )
    return ProductPageRows(
        spu=spu,
        skus=skus,
        sku_values=sku_values,
        attribute_values=attribute_values,
        breadcrumb=breadcrumb,
        content=document_store().content_get(spu_id=spu_id) or [],
    )


# --- Admin side: products and SKUs ----------------------------------------------------------


def _managed(products: QuerySet[Spu], principal: Principal) -> QuerySet[Spu]:
    return principal.filter(products, "catalog.product.read")


def admin_product_list(
    *,
    principal: Principal,
    merchant_id: int | None = None,
    status: str | None = None,
    search: str | None = None,
) -> QuerySet[Spu]:
    """The products the principal manages (staff: all), newest first."""
    products = _managed(Spu.objects.live().select_related("merchant", "brand"), principal)
    if merchant_id is not None:
        products = products.filter(merchant_id=merchant_id)
    if status:
        products = products.filter(status=status)
    if search:
        products = products.filter(title__icontains=search)
    return products.order_by("-id")


def admin_product_get(*, principal: Principal, spu_id: int) -> Spu:
    """One live product the principal manages, with its SKUs and attribute values; NotFound for
    anyone else's."""
    spu = (
        _managed(Spu.objects.live(), principal)
        .select_related("merchant", "brand", "category")
        .prefetch_related(
            Prefetch(
                "skus",
                queryset=Sku.objects.live()
                .prefetch_related(
                    Prefetch("values", queryset=SkuValue.objects.select_related("value__attribute"))
                )
                .order_by("id"),
                to_attr="live_skus",
            ),
            "attribute_values",
        )
        .filter(pk=spu_id)
        .first()
    )
    if spu is None:
        raise NotFound("Product not found.", code="product_not_found")
    return spu


def admin_product_content(*, spu_id: int) -> list[dict[str, Any]]:
    return document_store().content_get(spu_id=spu_id) or []


def admin_sku_list(*, principal: Principal, spu_id: int) -> list[Sku]:
    spu = admin_product_get(principal=principal, spu_id=spu_id)
    return spu.live_skus


def admin_sku_get(*, principal: Principal, sku_id: int) -> Sku:
    """One live SKU of a product the principal manages; NotFound otherwise."""
    skus = Sku.objects.live().filter(pk=sku_id, spu__deleted_at__isnull=True)
    skus = principal.filter(skus, "catalog.product.read", field="spu__merchant_id")
    sku = (
        skus.select_related("spu")
        .prefetch_related(
            Prefetch("values", queryset=SkuValue.objects.select_related("value__attribute"))
        )
        .first()
    )
    if sku is None:
        raise NotFound("SKU not found.", code="sku_not_found")
    return sku


def sku_price_history(*, principal: Principal, sku_id: int) -> QuerySet[PriceHistory]:
    sku = admin_sku_get(principal=principal, sku_id=sku_id)
    return PriceHistory.objects.filter(sku_id=sku.pk).order_by("-created_at", "-id")


# --- Other contexts' reads (api.py) ---------------------------------------------------------


def spu_merchants(*, spu_ids: Iterable[int]) -> dict[int, int]:
    """{spu_id: merchant_id} of the live products among `spu_ids`, in one query."""
    return dict(
        Spu.objects.filter(pk__in=_row_ids(spu_ids), deleted_at__isnull=True).values_list(
            "pk", "merchant_id"
        )
    )


def skus_by_ids(*, sku_ids: Iterable[int]) -> list[Sku]:
    """Live SKUs of live products among `sku_ids`, with product and merchant, in one query."""
    return list(
        Sku.objects.filter(
            pk__in=_row_ids(sku_ids), deleted_at__isnull=True, spu__deleted_at__isnull=True
        ).select_related("spu__merchant")
    )


# --- Reviews --------------------------------------------------------------------------------


def storefront_product_exists(*, spu_id: int) -> bool:
    return Spu.objects.filter(
        pk=spu_id, deleted_at__isnull=True, status=Spu.Status.PUBLISHED
    ).exists()


class ProductReviews:
    """A product's reviews, newest first, in the shape Django's Paginator pages through (so the
    shared pagination checks the page number against the count before the store is asked for
    a slice): `count()` is one read of the store, each slice another."""

    def __init__(self, *, spu_id: int) -> None:
        self.spu_id = spu_id

    def count(self) -> int:
        return document_store().rating_summary(spu_id=self.spu_id).count

    def __getitem__(self, window: slice) -> list[Review]:
        start, stop = window.start or 0, window.stop
        if stop is None or window.step is not None:
            raise TypeError("ProductReviews is read in bounded slices only")
        if stop <= start:
            return []
        return document_store().reviews_of_product(
            spu_id=self.spu_id, offset=start, limit=stop - start
        )


def product_reviews(*, spu_id: int) -> ProductReviews:
    """A published product's reviews, newest first, to be paginated; 404 for any other
    product."""
    if not storefront_product_exists(spu_id=spu_id):
        raise NotFound("Product not found.", code="product_not_found")
    return ProductReviews(spu_id=spu_id)


# --- Search sources (read by the search context through api.products_for_search) ------------


def products_for_search(*, spu_ids: Iterable[int]) -> list[Spu]:
    """Live products with shop, brand, category, SKUs and attribute values prefetched: a fixed
    number of queries whatever the batch size (ancestors are resolved by the caller)."""
    return list(
        Spu.objects.live()
        .filter(pk__in=_row_ids(spu_ids))
        .select_related("merchant", "brand", "category")
        .prefetch_related(
            Prefetch("skus", queryset=Sku.objects.live().order_by("id")),
            Prefetch(
                "skus__values", queryset=SkuValue.objects.select_related("attribute", "value")
            ),
            Prefetch(
                "attribute_values",
                queryset=SpuAttributeValue.objects.select_related("value__attribute"),
            ),
        )
        .order_by("id")
    )


def categories_by_ids(*, category_ids: Iterable[int]) -> dict[int, str]:
    return dict(Category.objects.filter(pk__in=_row_ids(category_ids)).values_list("pk", "name"))


def listed_product_ids(*, after_id: int, limit: int) -> list[int]:
    """Ids of published products of active shops above `after_id`, ascending (reindex)."""
    return list(
        Spu.objects.live()
        .filter(pk__gt=after_id, status=Spu.Status.PUBLISHED, merchant__status="active")
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )


def merchant_product_ids(*, merchant_id: int) -> list[int]:
    return list(
        Spu.objects.live()
        .filter(merchant_id=merchant_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
