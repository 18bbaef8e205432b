"""Keeping the index in step with the catalog, inventory and ordering.

A product's document is always rebuilt whole from the catalog's current state (api.
products_for_search), so product events may arrive late, twice or out of order. Two figures come
with events whose order matters: a SKU's availability (inventory's StockChanged, applied in
aggregate-version order in SkuStock) and units sold (ordering's OrderCompleted, counted once per
event in ProductSales). The document takes, per SKU, the newer of search's and the catalog's
availability (by version), and the higher of the two sales counters: the catalog applies the same
events through its own handlers, at its own pace.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from django.db import transaction
from django.db.models import F
from tqdm import tqdm

from contexts.catalog import api as catalog_api
from contexts.ordering import api as ordering_api
from contexts.search.data import AttributeValue, OrderDocument, ProductDocument
from contexts.search.models import ProductSales, SkuStock
from contexts.search.ports import search_index
from shared import read_cache
from shared.events import aggregates_lock

REINDEX_BATCH = 500
# Per-product and per-SKU locks (the event bus's aggregate locks, on streams of search's own):
# two syncs of one product run one after the other, so the later one reads the newer state and
# writes its document last (to Elasticsearch too), and the embedded index's delete-and-insert of
# one product never interleaves. Taken SKU first, then products in id order: no deadlock.
PRODUCT_LOCKS = "search.product"
SKU_LOCKS = "search.sku"


def _documents(spu_ids: Iterable[int]) -> tuple[list[ProductDocument], list[int]]:
    """(documents of the listed products among `spu_ids`, the ids to remove from the index)."""
    ids = sorted(set(spu_ids))
    sources = catalog_api.products_for_search(spu_ids=ids)
    stock = {
        row.sku_id: row
        for row in SkuStock.objects.filter(
            sku_id__in=[sku.sku_id for source in sources.values() for sku in source.skus]
        )
    }
    sales = dict(ProductSales.objects.filter(spu_id__in=ids).values_list("spu_id", "units"))
    documents = []
    for spu_id in ids:
        source = sources.get(spu_id)
        if source is None or not source.listed:
            continue
        in_stock = False
        for sku in source.skus:
            own = stock.get(sku.sku_id)
            available = own.available if own and own.version > sku.stock_version else sku.available
            in_stock = in_stock or (sku.sellable and available > 0)
        documents.append(
            ProductDocument(
                spu_id=spu_id,
                merchant_id=source.merchant_id,
                title=source.title,
                subtitle=source.subtitle,
                brand_id=source.brand_id,
                brand_name=source.brand_name,
                category_id=source.category_id,
                category_ids=source.category_ids,
                category_names=source.category_names,
                attributes=tuple(
                    AttributeValue(a.attribute_id, a.attribute_name, a.value_id, a.value)
                    for a in source.attributes
                ),
                min_price=source.min_price,
                max_price=source.max_price,
                sales_count=max(source.sales_count, sales.get(spu_id, 0)),
                rating_avg=source.rating_avg,
                in_stock=in_stock,
                published_at=source.published_at,
                image_url=source.image_url,
            )
        )
    listed = {d.spu_id for d in documents}
    return documents, [i for i in ids if i not in listed]


def products_sync(*, spu_ids: Iterable[int], listings_changed: bool = True) -> int:
    """Rebuild these products' documents from the catalog: listed ones are (re)indexed, the
    others (unpublished, deleted, of a suspended shop) removed. Returns how many are indexed.

    Once committed, the cached product lists and keyword searches are dropped (they are read
    from this index), unless the caller knows nothing they show changed (`listings_changed`)."""
    ids = sorted(set(spu_ids))
    with transaction.atomic():
        if listings_changed:
            read_cache.bump_on_commit([read_cache.LISTINGS])
        aggregates_lock(stream=PRODUCT_LOCKS, aggregate_ids=ids)
        documents, gone = _documents(ids)
        index = search_index()
        if documents:
            index.products_upsert(documents)
        if gone:
            index.products_delete(gone)
    return len(documents)


def sku_stock_apply(*, sku_id: int, available: int, version: int) -> bool:
    """Record inventory's figure of this aggregate `version` for the SKU and refresh its
    product; a version at or below the recorded one is ignored. Returns whether it applied."""
    skus = catalog_api.get_skus(sku_ids=[sku_id])
    if sku_id not in skus:
        return False
    spu_id = skus[sku_id].spu_id
    with transaction.atomic():
        aggregates_lock(stream=SKU_LOCKS, aggregate_ids=[sku_id])
        # Under the SKU's lock: the figure this change replaces (None: the first one).
        before = SkuStock.objects.filter(sku_id=sku_id).values_list("available", flat=True).first()
        updated = SkuStock.objects.filter(sku_id=sku_id, version__lt=version).update(
            available=available, version=version, spu_id=spu_id
        )
        if not updated:
            if before is not None:
                return False
            SkuStock.objects.create(
                sku_id=sku_id, spu_id=spu_id, available=available, version=version
            )
        # Listings show only "in stock": a change that keeps the SKU on the same side of zero
        # leaves them as they are (an order's every unit would otherwise empty the cache).
        flipped = before is None or (before > 0) != (available > 0)
        products_sync(spu_ids=[spu_id], listings_changed=flipped)
    return True


def sales_record(*, sku_quantities: Mapping[int, int]) -> None:
    """Count completed units into search's per-product counter (once per event: the bus's
    inbox) and refresh the products, under the products' locks (taken in id order)."""
    skus = catalog_api.get_skus(sku_ids=list(sku_quantities))
    per_spu: dict[int, int] = {}
    for sku_id, quantity in sku_quantities.items():
        if sku_id in skus:
            spu_id = skus[sku_id].spu_id
            per_spu[spu_id] = per_spu.get(spu_id, 0) + quantity
    with transaction.atomic():
        aggregates_lock(stream=PRODUCT_LOCKS, aggregate_ids=per_spu)
        for spu_id in sorted(per_spu):
            if not ProductSales.objects.filter(spu_id=spu_id).update(
                units=F("units") + per_spu[spu_id]
            ):
                ProductSales.objects.create(spu_id=spu_id, units=per_spu[spu_id])
        products_sync(spu_ids=per_spu)


def _order_document(source: ordering_api.OrderSearchSource) -> OrderDocument:
    return OrderDocument(
        order_no=source.order_no,
        trade_no=source.trade_no,
        buyer_id=source.buyer_id,
        merchant_id=source.merchant_id,
        status=source.status,
        receiver_name=source.receiver_name,
        receiver_phone=source.receiver_phone,
        pay_amount=source.pay_amount,
        placed_at=source.created_at,
    )


def orders_sync(*, order_nos: Iterable[str]) -> int:
    """Rebuild these orders' documents from ordering's current state (so the order in which
    their events arrive does not matter)."""
    sources = ordering_api.orders_for_search(order_nos=order_nos)
    search_index().orders_upsert([_order_document(s) for s in sources.values()])
    return len(sources)


def _all_product_documents(progress: bool) -> Iterator[ProductDocument]:
    bar = tqdm(desc="products", unit="doc", disable=not progress)
    after = 0
    while ids := catalog_api.listed_product_ids(after_id=after, limit=REINDEX_BATCH):
        documents, _ = _documents(ids)
        yield from documents
        bar.update(len(documents))
        after = ids[-1]
    bar.close()


def _all_order_documents(progress: bool) -> Iterator[OrderDocument]:
    bar = tqdm(desc="orders", unit="doc", disable=not progress)
    cursor = 0
    while True:
        cursor, sources = ordering_api.orders_for_search_after(cursor=cursor, limit=REINDEX_BATCH)
        if not sources:
            break
        yield from (_order_document(s) for s in sources)
        bar.update(len(sources))
    bar.close()


def products_reindex(*, progress: bool = False) -> int:
    """Rebuild the whole product index from the catalog (on Elasticsearch into a new index,
    then an alias swap: searches never see a half-built index). Returns the count."""
    return search_index().products_replace_all(_all_product_documents(progress))


def orders_reindex(*, progress: bool = False) -> int:
    """Rebuild the whole order index from ordering. Returns the count."""
    return search_index().orders_replace_all(_all_order_documents(progress))
