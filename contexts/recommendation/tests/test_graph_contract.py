"""The graph port's contract: every test runs against each adapter (the `graph` fixture): the SQL
tables, and the embedded Cypher engine running the Neo4j adapter's very Cypher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contexts.recommendation.data import ProductNode, Relation, Scored

T0 = datetime(2026, 11, 1, tzinfo=UTC)
P, V, C = Relation.PURCHASED, Relation.VIEWED, Relation.CARTED


def record(graph, user: str, ids, relation=P, at=T0):
    graph.interactions_record(user_key=user, spu_ids=ids, relation=relation, at=at)


def ids(scored) -> list[int]:
    return [s.spu_id for s in scored]


def test_co_occurrence_counts_distinct_shoppers_best_first_ties_by_id(graph):
    record(graph, "u:1", [10, 11, 12])
    record(graph, "u:2", [10, 11])
    record(graph, "u:3", [10, 13])
    record(graph, "u:3", [10, 13])  # again: still one shopper
    record(graph, "u:4", [11, 12])  # never bought 10
    assert graph.co_occurring(spu_ids=[10], relation=P, limit=10) == (
        Scored(11, 2.0),
        Scored(12, 1.0),
        Scored(13, 1.0),
    )
    assert ids(graph.co_occurring(spu_ids=[10], relation=P, limit=2)) == [11, 12]


def test_co_occurrence_of_several_products_leaves_them_out(graph):
    record(graph, "u:1", [10, 11, 12])
    record(graph, "u:2", [11, 13])
    assert graph.co_occurring(spu_ids=[10, 11], relation=P, limit=10) == (
        Scored(12, 1.0),
        Scored(13, 1.0),
    )
    assert graph.co_occurring(spu_ids=[], relation=P, limit=10) == ()


def test_relations_are_separate(graph):
    record(graph, "u:1", [10, 11], relation=V)
    record(graph, "u:2", [10, 12], relation=C)
    assert ids(graph.co_occurring(spu_ids=[10], relation=V, limit=10)) == [11]
    assert ids(graph.co_occurring(spu_ids=[10], relation=C, limit=10)) == [12]
    assert graph.co_occurring(spu_ids=[10], relation=P, limit=10) == ()


def test_user_products_latest_first(graph):
    record(graph, "u:1", [10], at=T0)
    record(graph, "u:1", [11], at=T0 + timedelta(hours=1))
    record(graph, "u:1", [12, 13], at=T0 + timedelta(hours=2))
    record(graph, "u:1", [10], at=T0 + timedelta(hours=3))  # seen again: latest now
    record(graph, "u:2", [14], at=T0 + timedelta(hours=4))
    assert graph.user_products(user_key="u:1", relation=P, limit=10) == (10, 12, 13, 11)
    assert graph.user_products(user_key="u:1", relation=P, limit=2) == (10, 12)
    assert graph.user_products(user_key="u:9", relation=P, limit=10) == ()


def test_similar_links_are_replaced_and_read_by_best_score(graph):
    graph.similar_replace(spu_id=10, similar=[Scored(11, 0.5), Scored(12, 0.9)])
    graph.similar_replace(spu_id=13, similar=[Scored(11, 0.7)])
    assert graph.similar(spu_ids=[10], limit=10) == (Scored(12, 0.9), Scored(11, 0.5))
    assert graph.similar(spu_ids=[10, 13], limit=10) == (Scored(12, 0.9), Scored(11, 0.7))
    graph.similar_replace(spu_id=10, similar=[Scored(14, 0.3)])
    assert graph.similar(spu_ids=[10], limit=10) == (Scored(14, 0.3),)
    graph.similar_replace(spu_id=10, similar=[])
    assert graph.similar(spu_ids=[10], limit=10) == ()
    assert graph.similar(spu_ids=[10, 11], limit=1) == ()


def test_popularity_store_wide_and_per_category(graph):
    graph.products_upsert(
        [ProductNode(10, 1, 5.0), ProductNode(11, 1, 6.0), ProductNode(12, 2, 7.0)]
    )
    record(graph, "u:1", [10, 12])
    record(graph, "u:2", [12])
    record(graph, "u:3", [11, 12])
    assert graph.popular(relation=P, limit=10) == (
        Scored(12, 3.0),
        Scored(10, 1.0),
        Scored(11, 1.0),
    )
    assert ids(graph.popular(relation=P, limit=10, category_id=1)) == [10, 11]
    graph.products_upsert([ProductNode(12, 1, 7.0)])  # moved to category 1
    assert ids(graph.popular(relation=P, limit=10, category_id=1)) == [12, 10, 11]
    assert graph.popular(relation=P, limit=10, category_id=2) == ()


def test_clear_forgets_everything(graph):
    graph.products_upsert([ProductNode(10, 1, 5.0)])
    record(graph, "u:1", [10, 11])
    graph.similar_replace(spu_id=10, similar=[Scored(11, 0.5)])
    graph.clear()
    assert graph.popular(relation=P, limit=10) == ()
    assert graph.similar(spu_ids=[10], limit=10) == ()
    assert graph.user_products(user_key="u:1", relation=P, limit=10) == ()
