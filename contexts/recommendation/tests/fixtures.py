"""Fixtures of recommendation's tests: `graph`, run once per adapter of the graph port (the
SQL tables; the embedded Cypher engine running the shared Cypher; and the Neo4j adapter itself,
its driver calls answered by the embedded engine through a Bolt-shaped shim, since no Neo4j
server installs here), and `trending`,
once per trending store (the table, and Redis when REDIS_URL is set), each installed as its
setting's adapter."""

from __future__ import annotations

from uuid import uuid4

import pytest
from django.conf import settings

from contexts.recommendation.adapters.ladybug import LadybugGraph
from contexts.recommendation.adapters.neo4j import Neo4jGraph
from contexts.recommendation.adapters.sql import SqlGraph, SqlTrendingStore
from shared.ports import use_adapter


class _Record:
    def __init__(self, row: tuple) -> None:
        self._row = row

    def values(self) -> list:
        return list(self._row)


class _Result:
    def consume(self) -> None:
        return None


class LadybugBoltShim:
    """The part of the `neo4j` driver's API the Neo4j adapter uses (`execute_query`, `session`
    and `execute_write`), answered by an embedded Ladybug graph: the adapter's own code and its
    Cypher run for real. Neo4j's constraint DDL has no Ladybug spelling (Ladybug's schema is
    made by LadybugGraph) and is recorded, not run."""

    def __init__(self) -> None:
        self.graph = LadybugGraph()
        self.constraints: list[str] = []

    def execute_query(self, query, parameters=None, *, database_=None):
        if query.startswith("CREATE CONSTRAINT"):
            self.constraints.append(query)
            return [], None, None
        rows = self.graph._run(query, parameters or {})
        return [_Record(row) for row in rows], None, None

    def session(self, *, database=None):
        shim = self

        class Session:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return False

            def execute_write(self, work):
                statements = []

                class Tx:
                    def run(self, query, parameters=None):
                        statements.append((query, parameters or {}))
                        return _Result()

                work(Tx())
                shim.graph._write(statements)

        return Session()


@pytest.fixture(params=["sql", "cypher", "neo4j"], name="graph")
def graph_fixture(request, db):
    if request.param == "sql":
        instance = SqlGraph()
    elif request.param == "cypher":
        instance = LadybugGraph()
    else:
        instance = Neo4jGraph(driver=LadybugBoltShim(), database="neo4j")
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
