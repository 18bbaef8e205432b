"""Recommendation's commands: taking signals in, keeping its product snapshots from the catalog,
and (re)computing the lists shown under each product.

A signal (a view, a cart add, a purchase) is taken once per source key (the event id, or the
client's signal id): its ledger row, its graph links and its trending bump are written together,
so a redelivered event or a retried POST changes nothing. The lists under a product page are
precomputed (ProductRecommendations): a purchase recomputes its products' lists at once, views
and cart adds mark them stale for the refresh task, and the rebuild job recomputes everything.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from tqdm import tqdm

from contexts.catalog import api as catalog_api
from contexts.recommendation import domain
from contexts.recommendation.data import ProductFeatures, ProductNode, Relation
from contexts.recommendation.models import ProductRecommendations, ProductSnapshot, Signal
from contexts.recommendation.ports import recommendation_graph, trending_store
from shared import read_cache
from shared.errors import NotFound

BATCH = 500
SNAPSHOT_FIELDS = [
    "title",
    "image_url",
    "min_price",
    "category_id",
    "category_ids",
    "brand_id",
    "attribute_value_ids",
    "listed",
    "updated_at",
]
SIMILAR_KEEP = 20
# Trending scores grow from this instant (domain.decayed_weight); the rebuild recomputes them.
TRENDING_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
RELATIONS = {
    Signal.Kind.VIEW: Relation.VIEWED,
    Signal.Kind.CART: Relation.CARTED,
    Signal.Kind.PURCHASE: Relation.PURCHASED,
}


GENERATION_KEY = "recommendation:generation"


def cache_generation() -> int:
    """The generation of every cached rendering (sections, feeds): bumped whenever a product
    changes (price, title, leaving the storefront), so no cached list shows it stale."""
    return cache.get_or_set(GENERATION_KEY, 1, None)


def cache_generation_bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # evicted or never set: any new value differs from the cached keys'
        cache.set(GENERATION_KEY, cache_generation() + 1, None)


def _products_changed_on_commit() -> None:
    """Once the write commits: every cached rendering showing products (sections, feeds, and
    the storefront product pages, whose `extras.recommendations` show other products) is
    superseded. After the commit, never before: a read between a bump and the commit would
    file the old state under the new generation."""

    def invalidate() -> None:
        cache_generation_bump()
        read_cache.bump([read_cache.RECOMMENDATIONS])

    transaction.on_commit(invalidate, robust=True)


def _lists_changed_on_commit(spu_ids: Sequence[int]) -> None:
    """Once the write commits: these products' cached sections are dropped, then their
    storefront pages superseded (in that order: a page rebuilt after its bump must not find the
    old sections). Only these pages: a purchase does not flush every page."""
    ids = tuple(spu_ids)

    def invalidate() -> None:
        cache.delete_many([sections_cache_key(i) for i in ids])
        read_cache.bump(read_cache.product_page(i) for i in ids)

    transaction.on_commit(invalidate, robust=True)


def sections_cache_key(spu_id: int) -> str:
    """Where a product's rendered sections are cached, with the generation they were rendered
    in (read together with the generation in one round trip)."""
    return f"recommendation:sections:{spu_id}"


def trending_amount(kind: str, at: datetime) -> float:
    return domain.decayed_weight(
        domain.TRENDING_WEIGHTS[kind],
        at=at,
        epoch=TRENDING_EPOCH,
        half_life_hours=settings.RECOMMENDATION_TRENDING_HALF_LIFE_HOURS,
    )


def _apply(*, kind: str, user_key: str, spu_ids: Sequence[int], at: datetime) -> None:
    """Write one signal into the graph and trending (products the storefront does not list
    are left out)."""
    snapshots = {
        s.spu_id: s
        for s in ProductSnapshot.objects.filter(spu_id__in=list(spu_ids), listed=True).only(
            "spu_id", "category_ids"
        )
    }
    ids = sorted(snapshots)
    if not ids:
        return
    recommendation_graph().interactions_record(
        user_key=user_key, spu_ids=ids, relation=RELATIONS[kind], at=at
    )
    trending = trending_store()
    amount = trending_amount(kind, at)
    for spu_id in ids:
        trending.bump(category_ids=snapshots[spu_id].category_ids, spu_id=spu_id, amount=amount)


def signal_take(
    *, key: str, kind: str, user_key: str, spu_ids: Iterable[int], at: datetime
) -> bool:
    """Take a signal in once per `key`: ledger row, graph links and trending bump in one
    transaction. Returns False when the key was taken before (nothing changes). A purchase
    recomputes its products' lists; other signals mark them stale."""
    ids = sorted(set(spu_ids))
    try:
        with transaction.atomic():
            Signal.objects.create(
                key=key, kind=kind, user_key=user_key, spu_ids=ids, occurred_at=at
            )
            _apply(kind=kind, user_key=user_key, spu_ids=ids, at=at)
            ProductRecommendations.objects.filter(spu_id__in=ids).update(stale=True)
    except IntegrityError:
        if Signal.objects.filter(key=key).exists():
            return False
        raise
    if kind == Signal.Kind.PURCHASE:
        product_lists_refresh(spu_ids=ids)
    return True


def view_record(
    *, user_id: int | None, visitor_id: str | None, spu_id: int, signal_id: str
) -> bool:
    """A storefront product view (the ingestion endpoint). The product must be listed (404
    product_not_found otherwise, asked through the catalog when recommendation has not seen it
    yet). Returns whether it was taken (False: this signal id was taken before)."""
    if not ProductSnapshot.objects.filter(spu_id=spu_id, listed=True).exists():
        # Asked of the catalog first: an unknown or unlisted id (anyone can post one) changes
        # nothing here, not even a cache generation.
        sources = catalog_api.products_for_search(spu_ids=[spu_id])
        if spu_id not in sources or not sources[spu_id].listed:
            raise NotFound("No such product.", code="product_not_found", details={"spu_id": spu_id})
        products_sync(spu_ids=[spu_id], sources=sources)
    key = domain.user_key(user_id=user_id, visitor_id=visitor_id)
    return signal_take(
        key=f"view:{key}:{signal_id}",
        kind=Signal.Kind.VIEW,
        user_key=key,
        spu_ids=[spu_id],
        at=timezone.now(),
    )


# --- Products --------------------------------------------------------------------------------


def _features(snapshot: ProductSnapshot) -> ProductFeatures:
    return ProductFeatures(
        spu_id=snapshot.spu_id,
        category_ids=tuple(snapshot.category_ids),
        brand_id=snapshot.brand_id,
        attribute_value_ids=frozenset(snapshot.attribute_value_ids),
        price=snapshot.min_price,
    )


def _shown(snapshot: ProductSnapshot) -> tuple:
    return tuple(getattr(snapshot, f) for f in SNAPSHOT_FIELDS if f != "updated_at")


def products_sync(
    *,
    spu_ids: Iterable[int],
    similar: bool = True,
    sources: dict[int, catalog_api.ProductSearchSource] | None = None,
) -> int:
    """Refresh these products' snapshots and graph nodes from the catalog (a constant number of
    queries per call; `sources`: already read from catalog_api.products_for_search); products
    no longer listed leave trending and every list. Cached renderings are superseded (after the
    commit) only when a snapshot changed or a listed product left: syncing an unchanged or
    unknown product flushes nothing. With `similar`, their SIMILAR_TO links are recomputed and
    their lists refreshed. Returns how many are listed."""
    ids = sorted(set(spu_ids))
    if sources is None:
        sources = catalog_api.products_for_search(spu_ids=ids)
    before = {s.spu_id: s for s in ProductSnapshot.objects.filter(spu_id__in=ids)}
    existing = set(before)
    rows, listed = [], []
    for spu_id, source in sources.items():
        rows.append(
            ProductSnapshot(
                spu_id=spu_id,
                title=source.title,
                image_url=source.image_url,
                min_price=source.min_price,
                category_id=source.category_id,
                category_ids=list(source.category_ids),
                brand_id=source.brand_id,
                attribute_value_ids=sorted({a.value_id for a in source.attributes}),
                listed=source.listed,
                updated_at=timezone.now(),
            )
        )
        if source.listed:
            listed.append(ProductNode(spu_id, source.category_id, float(source.min_price or 0)))
    ProductSnapshot.objects.bulk_update(
        [r for r in rows if r.spu_id in existing], SNAPSHOT_FIELDS, batch_size=BATCH
    )
    ProductSnapshot.objects.bulk_create(
        [r for r in rows if r.spu_id not in existing],
        batch_size=BATCH,
        ignore_conflicts=True,  # a concurrent sync created it from the same catalog state
    )
    gone = [i for i in ids if i not in sources or not sources[i].listed]
    ProductSnapshot.objects.filter(spu_id__in=[i for i in ids if i not in sources]).update(
        listed=False
    )
    recommendation_graph().products_upsert(listed)
    if gone:
        trending_store().remove(spu_ids=gone)
    left = any(before[i].listed for i in gone if i in before)
    changed = any(
        (r.listed if r.spu_id not in before else _shown(r) != _shown(before[r.spu_id]))
        for r in rows
    )
    if left or changed:
        _products_changed_on_commit()
    if similar and listed:
        similar_refresh(spu_ids=[p.spu_id for p in listed], neighbours=True)
        product_lists_refresh(spu_ids=[p.spu_id for p in listed])
    return len(listed)


def similar_refresh(*, spu_ids: Iterable[int], neighbours: bool = False) -> None:
    """Recompute the SIMILAR_TO links of these products against the listed products of their
    category path (domain.similarity), keeping the best SIMILAR_KEEP of each. With
    `neighbours`, the products found similar are recomputed too (a newly listed product enters
    their lists), and their page lists marked stale."""
    graph = recommendation_graph()
    ids = sorted(set(spu_ids))
    products = list(ProductSnapshot.objects.filter(spu_id__in=ids, listed=True))
    by_category: dict[int, list[ProductSnapshot]] = {}
    found: set[int] = set()
    for product in products:
        categories = tuple(product.category_ids) or (product.category_id,)
        for cid in categories:
            if cid not in by_category:
                by_category[cid] = _category_pool(cid)
        pool = [_features(c) for cid in categories for c in by_category[cid]]
        similar = domain.most_similar(_features(product), pool, limit=SIMILAR_KEEP)
        graph.similar_replace(spu_id=product.spu_id, similar=similar)
        found.update(s.spu_id for s in similar)
    if neighbours and (others := found - set(ids)):
        similar_refresh(spu_ids=others)
        ProductRecommendations.objects.filter(spu_id__in=others).update(stale=True)


def _category_pool(category_id: int) -> list[ProductSnapshot]:
    return list(
        ProductSnapshot.objects.filter(category_id=category_id, listed=True).order_by("spu_id")[
            :BATCH
        ]
    )


def product_lists_refresh(*, spu_ids: Iterable[int]) -> int:
    """Recompute the lists under these products' pages from the graph (listed products only,
    RECOMMENDATION_LIST_SIZE each) and drop their cached sections. Returns how many."""
    graph = recommendation_graph()
    size = settings.RECOMMENDATION_LIST_SIZE
    ids = sorted(set(spu_ids))
    lists = {}
    for spu_id in ids:
        lists[spu_id] = (
            graph.co_occurring(spu_ids=[spu_id], relation=Relation.PURCHASED, limit=size * 2),
            graph.co_occurring(spu_ids=[spu_id], relation=Relation.VIEWED, limit=size * 2),
            graph.similar(spu_ids=[spu_id], limit=size * 2),
        )
    shown = {i for scored in lists.values() for items in scored for i in (s.spu_id for s in items)}
    listed = set(
        ProductSnapshot.objects.filter(spu_id__in=shown, listed=True).values_list(
            "spu_id", flat=True
        )
    )
    now = timezone.now()
    rows = [
        ProductRecommendations(
            spu_id=spu_id,
            bought_together=[s.spu_id for s in bought if s.spu_id in listed][:size],
            viewed_also_viewed=[s.spu_id for s in viewed if s.spu_id in listed][:size],
            similar=[s.spu_id for s in similar if s.spu_id in listed][:size],
            computed_at=now,
            stale=False,
        )
        for spu_id, (bought, viewed, similar) in lists.items()
    ]
    existing = set(
        ProductRecommendations.objects.filter(spu_id__in=ids).values_list("spu_id", flat=True)
    )
    ProductRecommendations.objects.bulk_update(
        [r for r in rows if r.spu_id in existing],
        ["bought_together", "viewed_also_viewed", "similar", "computed_at", "stale"],
        batch_size=BATCH,
    )
    try:
        with transaction.atomic():
            ProductRecommendations.objects.bulk_create(
                [r for r in rows if r.spu_id not in existing], batch_size=BATCH
            )
    except IntegrityError:  # a concurrent refresh wrote some first: ours are as fresh
        for row in rows:
            if row.spu_id not in existing:
                ProductRecommendations.objects.update_or_create(
                    spu_id=row.spu_id,
                    defaults={
                        "bought_together": row.bought_together,
                        "viewed_also_viewed": row.viewed_also_viewed,
                        "similar": row.similar,
                        "computed_at": now,
                        "stale": False,
                    },
                )
    _lists_changed_on_commit(ids)
    return len(ids)


def stale_lists_refresh(*, limit: int = 1000) -> int:
    """Recompute up to `limit` lists marked stale by views and cart adds (the beat task)."""
    ids = list(
        ProductRecommendations.objects.filter(stale=True)
        .order_by("spu_id")
        .values_list("spu_id", flat=True)[:limit]
    )
    return product_lists_refresh(spu_ids=ids) if ids else 0


def _batches(ids: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def rebuild(*, progress: bool = False) -> dict[str, int]:
    """Rebuild the graph, trending and every product's lists from the catalog and the signal
    ledger: the offline job (nightly, or by hand). Safe to re-run: it starts from an empty graph
    and trending each time and replays the same ledger, so two runs give the same result."""
    graph, trending = recommendation_graph(), trending_store()
    graph.clear()
    trending.clear()
    product_ids: list[int] = []
    after = 0
    while batch := catalog_api.listed_product_ids(after_id=after, limit=BATCH):
        product_ids.extend(batch)
        after = batch[-1]
    listed_now = set(product_ids)
    for model in (ProductSnapshot, ProductRecommendations):
        # Rows of products no longer listed, found in Python: a NOT IN over every listed id
        # would pass SQLite's limit of bound parameters on a large catalog.
        stale = [i for i in model.objects.values_list("spu_id", flat=True) if i not in listed_now]
        for batch in _batches(stale):
            if model is ProductSnapshot:
                model.objects.filter(spu_id__in=batch).update(listed=False)
            else:
                model.objects.filter(spu_id__in=batch).delete()
    bar = tqdm(total=len(product_ids), desc="products", disable=not progress)
    for batch in _batches(product_ids):
        products_sync(spu_ids=batch, similar=False)
        bar.update(len(batch))
    bar.close()
    for batch in _batches(product_ids):
        similar_refresh(spu_ids=batch)
    signals = 0
    last_id = 0
    while rows := list(Signal.objects.filter(id__gt=last_id).order_by("id")[:BATCH]):
        for row in rows:
            _apply(kind=row.kind, user_key=row.user_key, spu_ids=row.spu_ids, at=row.occurred_at)
        signals += len(rows)
        last_id = rows[-1].id
    for batch in _batches(product_ids):
        product_lists_refresh(spu_ids=batch)
    return {"products": len(product_ids), "signals": signals}
