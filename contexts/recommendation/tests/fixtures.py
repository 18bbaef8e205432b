"""Fixtures of recommendation's tests: `graph`, run once per adapter of the graph port (the
SQL tables, and the embedded Cypher engine running the Neo4j adapter's Cypher), and `trending`,
once per trending store (the table, and Redis when REDIS_URL is set), each installed as its
setting's adapter."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.conf import settings

from contexts.recommendation.adapters.ladybug import LadybugGraph
from contexts.recommendation.adapters.sql import SqlGraph, SqlTrendingStore
from shared.ports import use_adapter


@pytest.fixture(params=["sql", "cypher"], name="graph")
def graph_fixture(request, db):
    instance = SqlGraph() if request.param == "sql" else LadybugGraph()
    with use_adapter("RECOMMENDATION_GRAPH", instance):
        yield instance


@pytest.fixture(params=["sql", "redis"], name="trending")
def trending_fixture(request, db):
    if request.param == "sql":
        instance = SqlTrendingStore()
    else:
        if not settings.REDIS_URL:
            pytest.skip("REDIS_URL is not set")
        from contexts.recommendation.adapters.redis_trending import RedisTrendingStore

        instance = RedisTrendingStore(prefix=f"test-{uuid4().hex[:10]}:")
    with use_adapter("RECOMMENDATION_TRENDING", instance):
        yield instance
    instance.clear()
