"""The graph port on Neo4j (settings.NEO4J_URL, with NEO4J_USER / NEO4J_PASSWORD), through the
official driver. The Cypher is adapters/cypher.py's, run in the tests by the embedded engine
(adapters/ladybug.py) since no Bolt server installs on the project's machines."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings

from contexts.recommendation.adapters.cypher import CypherGraph

CONSTRAINTS = (
    "CREATE CONSTRAINT rec_user_key IF NOT EXISTS FOR (u:User) REQUIRE u.key IS UNIQUE",
    "CREATE CONSTRAINT rec_product_id IF NOT EXISTS FOR (p:Product) REQUIRE p.id IS UNIQUE",
    "CREATE CONSTRAINT rec_category_id IF NOT EXISTS FOR (c:Category) REQUIRE c.id IS UNIQUE",
)


class Neo4jGraph(CypherGraph):
    def __init__(self, driver=None, *, database: str | None = None) -> None:
        if driver is None:
            import neo4j

            auth = None
            if settings.NEO4J_USER:
                auth = (settings.NEO4J_USER, settings.NEO4J_PASSWORD)
            driver = neo4j.GraphDatabase.driver(settings.NEO4J_URL, auth=auth)
        self._driver = driver
        self._database = database or settings.NEO4J_DATABASE or None
        self._constraints_made = False

    def _ensure_constraints(self) -> None:
        # MERGE on a label and key is only safe under concurrency with a uniqueness constraint.
        if not self._constraints_made:
            for statement in CONSTRAINTS:
                self._driver.execute_query(statement, database_=self._database)
            self._constraints_made = True

    def _run(self, query: str, params: dict[str, Any]) -> list[tuple]:
        records, _, _ = self._driver.execute_query(query, params, database_=self._database)
        return [tuple(record.values()) for record in records]

    def _write(self, statements: Sequence[tuple[str, dict[str, Any]]]) -> None:
        self._ensure_constraints()

        def work(tx) -> None:
            for query, params in statements:
                tx.run(query, params).consume()

        with self._driver.session(database=self._database) as session:
            session.execute_write(work)
