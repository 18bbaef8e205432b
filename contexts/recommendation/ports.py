"""Recommendation's two ports.

RecommendationGraph: shoppers, products and categories and what links them (PURCHASED, VIEWED,
CARTED, SIMILAR_TO), asked for co-occurrence ("bought together", "viewed also viewed"), similar
products, a shopper's history and popularity. Chosen by `settings.RECOMMENDATION_GRAPH`: Neo4j
when NEO4J_URL is set (adapters/neo4j.py), else tables in the database (adapters/sql.py). The
Cypher is shared with an embedded Cypher engine (adapters/ladybug.py), which runs it in the tests;
every adapter passes the same contract tests (tests/test_graph_contract.py).

TrendingStore: per-category trending scores with time decay. Chosen by
`settings.RECOMMENDATION_TRENDING`: Redis sorted sets when REDIS_URL is set
(adapters/redis_trending.py), else a table (adapters/sql.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from contexts.recommendation.data import ProductNode, Relation, Scored
from shared.ports import adapter


class RecommendationGraph(Protocol):
    def interactions_record(
        self, *, user_key: str, spu_ids: Sequence[int], relation: Relation, at: datetime
    ) -> None:
        """The shopper did `relation` to each product (again): the link exists once per
        (shopper, product, relation), counting how often and stamped with the latest time."""
        ...

    def products_upsert(self, products: Sequence[ProductNode]) -> None:
        """Create or update product nodes with their category."""
        ...

    def similar_replace(self, *, spu_id: int, similar: Sequence[Scored]) -> None:
        """Replace the product's SIMILAR_TO links with `similar` (scores kept on the links)."""
        ...

    def co_occurring(
        self, *, spu_ids: Sequence[int], relation: Relation, limit: int
    ) -> tuple[Scored, ...]:
        """Products other than `spu_ids` that shoppers linked to any of `spu_ids` by
        `relation` also linked to by it, scored by the number of such shoppers, best first,
        ties by id."""
        ...

    def similar(self, *, spu_ids: Sequence[int], limit: int) -> tuple[Scored, ...]:
        """Products similar to any of `spu_ids` (not among them), by their best SIMILAR_TO score,
        ties by id."""
        ...

    def user_products(self, *, user_key: str, relation: Relation, limit: int) -> tuple[int, ...]:
        """The products the shopper linked to by `relation`, latest first, ties by id."""
        ...

    def popular(
        self, *, relation: Relation, limit: int, category_id: int | None = None
    ) -> tuple[Scored, ...]:
        """Products by the number of shoppers linked to them by `relation` (optionally of one
        leaf category), best first, ties by id."""
        ...

    def clear(self) -> None:
        """Forget every node and link (the rebuild job starts from here)."""
        ...


class TrendingStore(Protocol):
    def bump(self, *, category_ids: Iterable[int], spu_id: int, amount: float) -> None:
        """Add `amount` (already decayed forward, domain.decayed_weight) to the product's score
        in each category and in the store-wide list (category 0)."""
        ...

    def top(self, *, category_id: int, limit: int) -> tuple[Scored, ...]:
        """The highest scores of the category (0: store-wide), best first, ties by id."""
        ...

    def remove(self, *, spu_ids: Iterable[int]) -> None:
        """Drop these products from every list (they left the storefront)."""
        ...

    def clear(self) -> None: ...


def recommendation_graph() -> RecommendationGraph:
    return adapter("RECOMMENDATION_GRAPH")


def trending_store() -> TrendingStore:
    return adapter("RECOMMENDATION_TRENDING")
