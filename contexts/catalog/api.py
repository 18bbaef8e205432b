"""The catalog's PUBLIC facade: the only functions other contexts call.

They return frozen dataclasses from data.py, never models or querysets, and refer to SKUs,
products, merchants and categories by id.

Storefront listing: a context that indexes the listed products (search) registers a
`ListingProvider` from its AppConfig.ready() with `register_listing_provider`; `GET
/api/v1/products` then asks it for the queries it can answer (see data.ListingQuery) and keeps
its own SQL for the others, or when the provider declines.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from contexts.catalog import selectors
from contexts.catalog.data import (
    LISTING_SORTS,
    ListingPage,
    ListingProvider,
    ListingQuery,
    MerchantInfo,
    ProductSearchSource,
    SearchAttributeSource,
    SearchSkuSource,
    SkuInfo,
    StoredImage,
)
from contexts.catalog.models import Merchant, Sku, Spu
from contexts.catalog.services import media as _media
from contexts.catalog.services import page_extras as _page_extras
from contexts.catalog.services import stock as _stock

__all__ = [
    "LISTING_SORTS",
    "ListingPage",
    "ListingProvider",
    "ListingQuery",
    "MerchantInfo",
    "ProductSearchSource",
    "SkuInfo",
    "StoredImage",
    "attribute_value_attributes",
    "categories_ancestor_ids",
    "get_merchant",
    "get_merchants",
    "get_skus",
    "image_store",
    "listed_product_ids",
    "merchant_names",
    "merchant_product_ids",
    "products_for_search",
    "register_listing_provider",
    "register_product_page_extra",
    "spu_merchants",
]


def register_listing_provider(provider: ListingProvider) -> None:
    """Serve the storefront listing from `provider` where it can (one provider: a second
    registration is a ValueError)."""
    selectors.listing_provider_register(provider)


def _sku_info(sku: Sku) -> SkuInfo:
    spu = sku.spu
    return SkuInfo(
        sku_id=sku.pk,
        spu_id=spu.pk,
        merchant_id=spu.merchant_id,
        category_id=spu.category_id,
        brand_id=spu.brand_id,
        title=spu.title,
        spec=sku.spec,
        image_url=sku.image_url or spu.main_image_url,
        price=sku.price,
        weight_grams=sku.weight_grams,
        purchasable=(
            spu.status == Spu.Status.PUBLISHED
            and sku.status == Sku.Status.ACTIVE
            and spu.merchant.status == Merchant.Status.ACTIVE
            and sku.price > 0
        ),
    )


def _merchant_info(merchant: Merchant) -> MerchantInfo:
    return MerchantInfo(
        merchant_id=merchant.pk,
        name=merchant.name,
        is_active=merchant.status == Merchant.Status.ACTIVE,
        owner_user_id=merchant.owner_user_id,
        commission_rate=merchant.commission_rate,
    )


def get_skus(*, sku_ids: Iterable[int]) -> dict[int, SkuInfo]:
    """SKUs by id in one query; unknown or deleted ids are absent from the result.

    `purchasable` is True only while the product is published, the SKU active, the merchant
    active and the price above zero: cart and checkout refuse the others.
    """
    return {sku.pk: _sku_info(sku) for sku in selectors.skus_by_ids(sku_ids=sku_ids)}


def get_merchant(*, merchant_id: int) -> MerchantInfo | None:
    """The shop with this id, or None."""
    merchants = selectors.merchants_by_ids(merchant_ids=[merchant_id])
    return _merchant_info(merchants[0]) if merchants else None


def get_merchants(*, merchant_ids: Iterable[int]) -> dict[int, MerchantInfo]:
    """The shops among `merchant_ids` that exist, by id, in one query."""
    return {m.pk: _merchant_info(m) for m in selectors.merchants_by_ids(merchant_ids=merchant_ids)}


def merchant_names(*, merchant_ids: Iterable[int]) -> dict[int, str]:
    """Each existing shop's name by id, for staff pages that show merchant ids."""
    return {pk: info.name for pk, info in get_merchants(merchant_ids=merchant_ids).items()}


def spu_merchants(*, spu_ids: Iterable[int]) -> dict[int, int]:
    """Each existing (not deleted) product's shop, by product (SPU) id, in one query; unknown
    ids are absent (promotions check the products an activity names)."""
    return selectors.spu_merchants(spu_ids=spu_ids)


def categories_ancestor_ids(*, category_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """For each known category id: the ids of the category and of all its ancestors, root
    first (so a rule scoped to a parent category can match a product of a subcategory)."""
    return selectors.categories_ancestor_ids(category_ids=category_ids)


def sku_stock_resync(
    *,
    availability_of: Callable[[list[int]], Mapping[int, int]],
    sku_ids: Iterable[int] | None = None,
    progress: bool = False,
) -> int:
    """Reconcile the storefront's stock mirror with inventory's figures: `availability_of(batch)`
    answers {sku_id: available} for a batch of SKU ids (all live SKUs when `sku_ids` is None).
    A mirrored figure newer than the batch's read is kept. Returns how many SKUs were synced.
    Called by inventory, downstream of the catalog, which never calls inventory itself."""
    return _stock.sku_stock_resync(
        availability_of=availability_of, sku_ids=sku_ids, progress=progress
    )


def products_for_search(*, spu_ids: Iterable[int]) -> dict[int, ProductSearchSource]:
    """What a search index shows and filters on, for each existing (not deleted) product among
    `spu_ids`, in a fixed number of queries; `listed` says whether the storefront shows it."""
    products = selectors.products_for_search(spu_ids=spu_ids)
    ancestors = selectors.categories_ancestor_ids(category_ids={p.category_id for p in products})
    names = selectors.categories_by_ids(
        category_ids={cid for ids in ancestors.values() for cid in ids}
    )
    out: dict[int, ProductSearchSource] = {}
    for spu in products:
        attributes: dict[int, SearchAttributeSource] = {}
        for link in spu.attribute_values.all():
            value = link.value
            attributes[value.pk] = SearchAttributeSource(
                value.attribute_id, value.attribute.name, value.pk, value.value
            )
        skus = []
        for sku in spu.skus.all():
            sellable = sku.status == Sku.Status.ACTIVE
            skus.append(
                SearchSkuSource(sku.pk, sku.price, sellable, sku.available_stock, sku.stock_version)
            )
            if sellable:
                for sv in sku.values.all():
                    attributes[sv.value_id] = SearchAttributeSource(
                        sv.attribute_id, sv.attribute.name, sv.value_id, sv.value.value
                    )
        category_ids = ancestors.get(spu.category_id, (spu.category_id,))
        out[spu.pk] = ProductSearchSource(
            spu_id=spu.pk,
            merchant_id=spu.merchant_id,
            title=spu.title,
            subtitle=spu.subtitle,
            listed=spu.status == Spu.Status.PUBLISHED
            and spu.merchant.status == Merchant.Status.ACTIVE,
            category_id=spu.category_id,
            category_ids=category_ids,
            category_names=tuple(names.get(cid, "") for cid in category_ids),
            brand_id=spu.brand_id,
            brand_name=spu.brand.name if spu.brand else "",
            image_url=spu.main_image_url,
            min_price=spu.min_price,
            max_price=spu.max_price,
            sales_count=spu.sales_count,
            rating_avg=spu.rating_avg,
            rating_count=spu.rating_count,
            published_at=spu.published_at,
            skus=tuple(skus),
            attributes=tuple(
                sorted(attributes.values(), key=lambda a: (a.attribute_id, a.value_id))
            ),
        )
    return out


def listed_product_ids(*, after_id: int = 0, limit: int = 500) -> list[int]:
    """Ids of the products the storefront shows, above `after_id`, ascending, at most `limit`
    (a full search reindex walks them in batches)."""
    return selectors.listed_product_ids(after_id=after_id, limit=limit)


def attribute_value_attributes(*, value_ids: Iterable[int]) -> dict[int, int]:
    """The attribute of each existing attribute value among `value_ids` (one query)."""
    return {vid: ref.attribute_id for vid, ref in selectors.value_refs(value_ids=value_ids).items()}


def merchant_product_ids(*, merchant_id: int) -> list[int]:
    """Ids of the shop's products that are not deleted (whatever their status), ascending."""
    return selectors.merchant_product_ids(merchant_id=merchant_id)


def image_store(*, upload, folder: str) -> StoredImage:
    """Store an uploaded image in the media storage under `folder/YYYY/MM/<32 hex>.<ext>`
    (after-sales evidence ...): at most MEDIA_MAX_UPLOAD_BYTES (400 file_too_large), a JPEG,
    PNG, GIF or WebP by its content (400 unsupported_media). The caller checks who may upload."""
    stored = _media.image_store(upload=upload, folder=folder)
    return StoredImage(
        name=stored.name, url=stored.url, content_type=stored.content_type, size=stored.size
    )


def register_product_page_extra(name: str, provider: Callable[..., object]) -> None:
    """Let a context above the catalog add a section to the storefront product page, under
    `extras.<name>`: `provider(spu_id=...)` answers it (JSON-able). Must be cheap: every product
    page read calls it. Registering under the same name again replaces the provider."""
    _page_extras.PRODUCT_PAGE_EXTRAS.register(name, provider)
