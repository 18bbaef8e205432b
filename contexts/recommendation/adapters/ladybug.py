"""The graph port on Ladybug (the maintained fork of Kùzu), an embedded Cypher engine: it runs
the Neo4j adapter's Cypher (adapters/cypher.py) in-process, so the tests exercise those queries
for real where no Bolt server can be installed. Ladybug needs a schema up front (node and
relationship tables), created here; Neo4j creates labels on first use."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from contexts.recommendation.adapters.cypher import CypherGraph
from contexts.recommendation.data import Relation

SCHEMA = (
    "CREATE NODE TABLE IF NOT EXISTS User(key STRING, PRIMARY KEY(key))",
    "CREATE NODE TABLE IF NOT EXISTS Product(id INT64, category_id INT64, price DOUBLE, "
    "PRIMARY KEY(id))",
    "CREATE NODE TABLE IF NOT EXISTS Category(id INT64, PRIMARY KEY(id))",
    *(
        f"CREATE REL TABLE IF NOT EXISTS {relation.value}(FROM User TO Product, times INT64, "
        "at DOUBLE)"
        for relation in Relation
    ),
    "CREATE REL TABLE IF NOT EXISTS SIMILAR_TO(FROM Product TO Product, score DOUBLE)",
    "CREATE REL TABLE IF NOT EXISTS IN_CATEGORY(FROM Product TO Category)",
)


class LadybugGraph(CypherGraph):
    """A graph in a Ladybug database at `path` (":memory:" by default). One connection, used by
    one thread at a time; a batch of writes runs in one transaction."""

    def __init__(self, path: str = ":memory:") -> None:
        import ladybug

        self._db = ladybug.Database(path)
        self._conn = ladybug.Connection(self._db)
        self._lock = threading.Lock()
        for statement in SCHEMA:
            self._conn.execute(statement)

    def _execute(self, query: str, params: dict[str, Any]) -> list[tuple]:
        result = self._conn.execute(query, params)
        rows = []
        while result.has_next():
            rows.append(tuple(result.get_next()))
        return rows

    def _run(self, query: str, params: dict[str, Any]) -> list[tuple]:
        with self._lock:
            return self._execute(query, params)

    def _write(self, statements: Sequence[tuple[str, dict[str, Any]]]) -> None:
        with self._lock:
            self._conn.execute("BEGIN TRANSACTION")
            try:
                for query, params in statements:
                    self._execute(query, params)
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
