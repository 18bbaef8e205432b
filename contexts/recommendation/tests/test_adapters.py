"""Adapter-specific rules beyond the contract: the SQL adapters count every concurrent signal
(real threads, on MariaDB under scripts/test.sh), the Neo4j adapter makes its uniqueness
constraints (what makes MERGE safe there) once, before its first write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contexts.recommendation.adapters.neo4j import Neo4jGraph
from contexts.recommendation.adapters.sql import SqlGraph, SqlTrendingStore
from contexts.recommendation.data import Relation
from contexts.recommendation.models import GraphLink, TrendingScore
from contexts.recommendation.tests.fixtures import LadybugBoltShim
from shared.testing import run_concurrently

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_links_of_one_shopper_and_product_all_count():
    graph = SqlGraph()
    results = run_concurrently(
        6,
        lambda n: graph.interactions_record(
            user_key="u:1", spu_ids=[10, 11], relation=Relation.VIEWED, at=T0
        ),
    )
    assert results == [None] * 6
    assert sorted(GraphLink.objects.values_list("spu_id", "times")) == [(10, 6), (11, 6)]


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_trending_bumps_add_up_exactly():
    trending = SqlTrendingStore()
    results = run_concurrently(6, lambda n: trending.bump(category_ids=[3], spu_id=10, amount=1.5))
    assert results == [None] * 6
    assert sorted(TrendingScore.objects.values_list("category_id", "score")) == [
        (0, 9.0),
        (3, 9.0),
    ]


def test_the_neo4j_adapter_makes_its_constraints_once_before_writing():
    driver = LadybugBoltShim()
    graph = Neo4jGraph(driver=driver, database="neo4j")
    graph.popular(relation=Relation.PURCHASED, limit=5)  # reads need none
    assert driver.constraints == []
    graph.interactions_record(user_key="u:1", spu_ids=[10], relation=Relation.PURCHASED, at=T0)
    graph.interactions_record(user_key="u:2", spu_ids=[10], relation=Relation.PURCHASED, at=T0)
    assert len(driver.constraints) == 3
    assert all("IS UNIQUE" in c for c in driver.constraints)
    assert graph.popular(relation=Relation.PURCHASED, limit=5)[0].score == 2.0
