"""Pure rules of recommendation: who a shopper is in the graph, how similar two products are,
how trending scores decay, and how the feed blends its sources."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from contexts.recommendation.data import ProductFeatures, Scored

# Signal weights in trending: a purchase says more than a cart add, which says more than a view.
TRENDING_WEIGHTS = {"view": 1.0, "cart": 3.0, "purchase": 5.0}


def user_key(*, user_id: int | None = None, visitor_id: str | None = None) -> str:
    """The shopper's node key: a signed-in buyer ("u:<id>"), else the client's visitor id
    ("v:<id>"). A guest cart is "c:<cart id>". Keys never carry an e-mail or a name."""
    if user_id is not None:
        return f"u:{user_id}"
    if visitor_id:
        return f"v:{visitor_id}"
    raise ValueError("a shopper is a user or a visitor")


def cart_key(cart_id: int) -> str:
    return f"c:{cart_id}"


def similarity(a: ProductFeatures, b: ProductFeatures) -> float:
    """How alike two products are, in [0, 1]: shared depth of the category path (half the
    weight), shared attribute values (Jaccard, a quarter), closeness of price (a sixth: 1 at the
    same price, 0 at a ratio of 3 or more) and the same brand (the rest). Products of unrelated
    categories score 0 whatever else they share."""
    shared_depth = 0
    for x, y in zip(a.category_ids, b.category_ids, strict=False):
        if x != y:
            break
        shared_depth += 1
    if shared_depth == 0:
        return 0.0
    category = shared_depth / max(len(a.category_ids), len(b.category_ids))
    union = a.attribute_value_ids | b.attribute_value_ids
    attributes = len(a.attribute_value_ids & b.attribute_value_ids) / len(union) if union else 0.0
    price = 0.0
    if a.price and b.price and a.price > 0 and b.price > 0:
        ratio = float(max(a.price, b.price) / min(a.price, b.price))
        price = max(0.0, 1.0 - math.log(ratio) / math.log(3))
    brand = 1.0 if a.brand_id is not None and a.brand_id == b.brand_id else 0.0
    return round(0.5 * category + 0.25 * attributes + price / 6 + brand / 12, 6)


def most_similar(
    product: ProductFeatures, candidates: Iterable[ProductFeatures], *, limit: int
) -> list[Scored]:
    """The `limit` candidates most similar to `product` (itself and zero scores left out),
    best first, ties by id."""
    scored = [
        Scored(c.spu_id, s)
        for c in candidates
        if c.spu_id != product.spu_id and (s := similarity(product, c)) > 0
    ]
    scored.sort(key=lambda x: (-x.score, x.spu_id))
    return scored[:limit]


def decayed_weight(
    weight: float, *, at: datetime, epoch: datetime, half_life_hours: float
) -> float:
    """`weight` scaled up by 2^(hours since epoch / half-life). Adding these forward-scaled
    weights ranks items exactly as summing each signal decayed to "now" would (every score
    shares the same factor 2^-(now-epoch)), without rewriting any score as time passes. A float
    holds it for about 1000 half-lives after the epoch (~2.8 years at 24 h): the rebuild job
    rewrites the scores anew well within that."""
    hours = (at - epoch).total_seconds() / 3600
    return weight * 2.0 ** (hours / half_life_hours)


def blend(
    sources: Sequence[tuple[float, Sequence[Scored]]],
    *,
    exclude: Iterable[int] = (),
    limit: int,
) -> list[int]:
    """The personalised feed's order: each source's list contributes weight / (rank + 1) per
    product (reciprocal-rank fusion, so sources of different score scales mix fairly), summed
    over sources; products in `exclude` (already bought, or the seeds themselves) are left out;
    ties by id."""
    excluded = set(exclude)
    totals: dict[int, float] = {}
    for weight, items in sources:
        for rank, item in enumerate(items):
            if item.spu_id in excluded:
                continue
            totals[item.spu_id] = totals.get(item.spu_id, 0.0) + weight / (rank + 1)
    return [spu for spu, _ in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]


def merge_ranked(
    lists: Iterable[Sequence[int]], *, exclude: Iterable[int], limit: int
) -> list[int]:
    """Interleave several ranked lists (first of each, then second of each, ...), without
    duplicates or excluded ids: the cart's sections from its products' sections."""
    excluded = set(exclude)
    seen: set[int] = set()
    out: list[int] = []
    columns = [list(x) for x in lists]
    for rank in range(max((len(c) for c in columns), default=0)):
        for column in columns:
            if rank < len(column) and column[rank] not in excluded and column[rank] not in seen:
                seen.add(column[rank])
                out.append(column[rank])
                if len(out) == limit:
                    return out
    return out


def top_scores(scores: Mapping[int, float], *, limit: int) -> list[Scored]:
    return [Scored(k, v) for k, v in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]
