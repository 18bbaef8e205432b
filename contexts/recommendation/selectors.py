"""Recommendation's reads: the sections under a product page and a cart (precomputed lists,
a constant number of queries, cached briefly) and a buyer's feed."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.cache import cache

from contexts.cart import api as cart_api
from contexts.catalog import api as catalog_api
from contexts.recommendation import domain, services
from contexts.recommendation.data import RecommendedProduct, Relation, Scored, Sections
from contexts.recommendation.models import ProductRecommendations, ProductSnapshot
from contexts.recommendation.ports import (
    RecommendationGraph,
    recommendation_graph,
    trending_store,
)
from contexts.recommendation.services import sections_cache_key
from shared.errors import NotFound

SECTIONS_CACHE_SECONDS = 60
TRENDING_CACHE_SECONDS = 60
HISTORY = 20
# The feed's sources and their weights in the blend (domain.blend).
FEED_WEIGHTS = {"bought_together": 3.0, "carted_together": 2.0, "viewed": 1.5, "similar": 1.0}


def _products(ids_by_reason: Sequence[tuple[str, Sequence[int]]]) -> list[list[RecommendedProduct]]:
    """The listed products of each list, in its order (one query for all lists)."""
    wanted = {i for _, ids in ids_by_reason for i in ids}
    snapshots = (
        {
            s.spu_id: s
            for s in ProductSnapshot.objects.filter(spu_id__in=wanted, listed=True).only(
                "spu_id", "title", "image_url", "min_price"
            )
        }
        if wanted
        else {}
    )
    return [
        [
            RecommendedProduct(
                i, snapshots[i].title, snapshots[i].image_url, snapshots[i].min_price, reason
            )
            for i in ids
            if i in snapshots
        ]
        for reason, ids in ids_by_reason
    ]


def trending(*, category_id: int = 0, limit: int | None = None) -> tuple[Scored, ...]:
    """The category's trending products (0: store-wide), cached for a minute."""
    limit = limit or settings.RECOMMENDATION_LIST_SIZE
    key = f"recommendation:trending:{category_id}:{limit}"
    found = cache.get(key)
    if found is None:
        found = trending_store().top(category_id=category_id, limit=limit)
        cache.set(key, found, TRENDING_CACHE_SECONDS)
    return found


def product_sections(*, spu_id: int) -> Sections:
    """The lists under a product page: at most 2 queries (the precomputed row, the products)."""
    row = ProductRecommendations.objects.filter(spu_id=spu_id).first()
    if row is None:
        return Sections((), (), ())
    bought, viewed, similar = _products(
        [
            ("bought_together", row.bought_together),
            ("viewed_also_viewed", row.viewed_also_viewed),
            ("similar", row.similar),
        ]
    )
    return Sections(tuple(bought), tuple(viewed), tuple(similar))


def _json(products: Iterable[RecommendedProduct]) -> list[dict]:
    return [
        {
            "spu_id": p.spu_id,
            "title": p.title,
            "image_url": p.image_url,
            "min_price": None if p.min_price is None else str(p.min_price),
            "reason": p.reason,
        }
        for p in products
    ]


def product_sections_json(*, spu_id: int) -> dict:
    """What the product page shows under the product: from the cache when warm (one cache
    round trip, no query), for a minute and never past a change of a product (the cached value
    carries the generation it was rendered in, services.cache_generation)."""
    key = sections_cache_key(spu_id)
    found = cache.get_many([services.GENERATION_KEY, key])
    generation = found.get(services.GENERATION_KEY) or services.cache_generation()
    cached = found.get(key)
    if cached is not None and cached[0] == generation:
        return cached[1]
    sections = product_sections(spu_id=spu_id)
    rendered = {
        "bought_together": _json(sections.bought_together),
        "viewed_also_viewed": _json(sections.viewed_also_viewed),
        "similar": _json(sections.similar),
    }
    cache.set(key, (generation, rendered), SECTIONS_CACHE_SECONDS)
    return rendered


def cart_sections_json(*, spu_ids: Sequence[int]) -> dict:
    """What the cart shows: its products' "bought together" lists interleaved, then their
    similar products, without the cart's own products; store-wide trending for an empty cart.
    At most 2 queries (the precomputed rows, the products) and the cached trending list."""
    size = settings.RECOMMENDATION_LIST_SIZE
    in_cart = sorted(set(spu_ids))
    if not in_cart:
        [popular] = _products([("trending", [s.spu_id for s in trending(category_id=0)])])
        return {"bought_together": [], "similar": [], "trending": _json(popular)}
    rows = list(ProductRecommendations.objects.filter(spu_id__in=in_cart).order_by("spu_id"))
    bought = domain.merge_ranked([r.bought_together for r in rows], exclude=in_cart, limit=size)
    similar = domain.merge_ranked(
        [r.similar for r in rows], exclude=[*in_cart, *bought], limit=size
    )
    bought_products, similar_products = _products(
        [("bought_together", bought), ("similar", similar)]
    )
    return {"bought_together": _json(bought_products), "similar": _json(similar_products)}


def feed(*, user_id: int, limit: int | None = None) -> list[RecommendedProduct]:
    """A buyer's personalised feed: products bought and carted with what they bought and
    carted, viewed with what they viewed, and similar to all of these, blended
    (domain.blend) without what they already bought; filled up with store-wide trending
    (the cold start of a new buyer). Cached per buyer for RECOMMENDATION_FEED_CACHE_SECONDS."""
    limit = limit or settings.RECOMMENDATION_LIST_SIZE
    key = f"recommendation:feed:{services.cache_generation()}:{user_id}:{limit}"
    found = cache.get(key)
    if found is not None:
        return found
    graph = recommendation_graph()
    shopper = domain.user_key(user_id=user_id)
    bought = graph.user_products(user_key=shopper, relation=Relation.PURCHASED, limit=HISTORY)
    carted = graph.user_products(user_key=shopper, relation=Relation.CARTED, limit=HISTORY)
    viewed = graph.user_products(user_key=shopper, relation=Relation.VIEWED, limit=HISTORY)
    wide = limit * 3
    personal = personal_ranking(graph, bought=bought, carted=carted, viewed=viewed, limit=wide)
    popular = [s.spu_id for s in trending(category_id=0, limit=wide) if s.spu_id not in bought]
    [personal_products, popular_products] = _products(
        [("for_you", personal), ("trending", popular)]
    )
    shown = {p.spu_id for p in personal_products}
    found = (personal_products + [p for p in popular_products if p.spu_id not in shown])[:limit]
    cache.set(key, found, settings.RECOMMENDATION_FEED_CACHE_SECONDS)
    return found


def product_page(*, spu_id: int) -> dict:
    """A listed product's sections, with trending in its category (404 product_not_found
    for a product the storefront does not list)."""
    category_id = (
        ProductSnapshot.objects.filter(spu_id=spu_id, listed=True)
        .values_list("category_id", flat=True)
        .first()
    )
    if category_id is None:
        raise NotFound("No such product.", code="product_not_found", details={"spu_id": spu_id})
    sections = dict(product_sections_json(spu_id=spu_id))
    hot = [s.spu_id for s in trending(category_id=category_id) if s.spu_id != spu_id]
    [hot_products] = _products([("trending", hot)])
    sections["trending"] = _json(hot_products)
    return sections


def cart_sections_for_buyer(*, user_id: int) -> dict:
    """The sections of the buyer's cart (its selected, purchasable lines)."""
    sku_ids = [item.sku_id for item in cart_api.selected_items(user_id=user_id)]
    skus = catalog_api.get_skus(sku_ids=sku_ids) if sku_ids else {}
    return cart_sections_json(spu_ids=sorted({sku.spu_id for sku in skus.values()}))


def personal_ranking(
    graph: RecommendationGraph,
    *,
    bought: Sequence[int],
    carted: Sequence[int] = (),
    viewed: Sequence[int] = (),
    limit: int,
) -> list[int]:
    """The feed's personal part for a shopper with this history (the offline benchmark
    measures exactly this): co-purchased, co-carted, co-viewed and similar products blended
    (domain.blend, FEED_WEIGHTS), without what they bought."""
    sources = [
        (
            FEED_WEIGHTS["bought_together"],
            graph.co_occurring(spu_ids=bought, relation=Relation.PURCHASED, limit=limit),
        ),
        (
            FEED_WEIGHTS["carted_together"],
            graph.co_occurring(spu_ids=carted, relation=Relation.CARTED, limit=limit),
        ),
        (
            FEED_WEIGHTS["viewed"],
            graph.co_occurring(spu_ids=viewed, relation=Relation.VIEWED, limit=limit),
        ),
        (FEED_WEIGHTS["similar"], graph.similar(spu_ids=[*bought, *carted, *viewed], limit=limit)),
    ]
    return domain.blend(sources, exclude=bought, limit=limit)
