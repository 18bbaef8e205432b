"""The Cypher of the graph port, shared by the Neo4j adapter (adapters/neo4j.py) and the
embedded Cypher engine (adapters/ladybug.py), which runs the very same strings in the tests.

The graph: (:User {key})-[:PURCHASED|VIEWED|CARTED {times, at}]->(:Product {id, category_id,
price})-[:IN_CATEGORY]->(:Category {id}), and (:Product)-[:SIMILAR_TO {score}]->(:Product).
`at` is seconds since the Unix epoch. Relationship types cannot be query parameters in Cypher:
each query is spelled once per relation, from the Relation enum only (never from input).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from contexts.recommendation.data import ProductNode, Relation, Scored


def _per_relation(template: str) -> dict[Relation, str]:
    return {relation: template.replace("{rel}", relation.value) for relation in Relation}


RECORD = _per_relation(
    "MERGE (u:User {key: $user_key}) "
    "WITH u UNWIND $spu_ids AS pid "
    "MERGE (p:Product {id: pid}) "
    "MERGE (u)-[r:{rel}]->(p) "
    "ON CREATE SET r.times = 1, r.at = $at "
    "ON MATCH SET r.times = r.times + 1, r.at = $at"
)
PRODUCTS_UNLINK = "MATCH (p:Product)-[r:IN_CATEGORY]->(:Category) WHERE p.id IN $spu_ids DELETE r"
PRODUCTS_UPSERT = (
    "UNWIND $rows AS row "
    "MERGE (p:Product {id: row.id}) "
    "SET p.category_id = row.category_id, p.price = row.price "
    "MERGE (c:Category {id: row.category_id}) "
    "MERGE (p)-[:IN_CATEGORY]->(c)"
)
SIMILAR_UNLINK = "MATCH (p:Product {id: $spu_id})-[s:SIMILAR_TO]->(:Product) DELETE s"
SIMILAR_LINK = (
    "MERGE (p:Product {id: $spu_id}) "
    "WITH p UNWIND $rows AS row "
    "MERGE (o:Product {id: row.id}) "
    "MERGE (p)-[s:SIMILAR_TO]->(o) "
    "SET s.score = row.score"
)
CO_OCCURRING = _per_relation(
    "MATCH (p:Product)<-[:{rel}]-(u:User)-[:{rel}]->(o:Product) "
    "WHERE p.id IN $spu_ids AND NOT o.id IN $spu_ids "
    "RETURN o.id AS spu_id, count(DISTINCT u) AS score "
    "ORDER BY score DESC, spu_id ASC LIMIT $limit"
)
SIMILAR = (
    "MATCH (p:Product)-[s:SIMILAR_TO]->(o:Product) "
    "WHERE p.id IN $spu_ids AND NOT o.id IN $spu_ids "
    "RETURN o.id AS spu_id, max(s.score) AS score "
    "ORDER BY score DESC, spu_id ASC LIMIT $limit"
)
USER_PRODUCTS = _per_relation(
    "MATCH (u:User {key: $user_key})-[r:{rel}]->(p:Product) "
    "RETURN p.id AS spu_id, r.at AS at "
    "ORDER BY at DESC, spu_id ASC LIMIT $limit"
)
POPULAR = _per_relation(
    "MATCH (u:User)-[:{rel}]->(p:Product) "
    "RETURN p.id AS spu_id, count(DISTINCT u) AS score "
    "ORDER BY score DESC, spu_id ASC LIMIT $limit"
)
POPULAR_IN_CATEGORY = _per_relation(
    "MATCH (u:User)-[:{rel}]->(p:Product)-[:IN_CATEGORY]->(c:Category {id: $category_id}) "
    "RETURN p.id AS spu_id, count(DISTINCT u) AS score "
    "ORDER BY score DESC, spu_id ASC LIMIT $limit"
)
CLEAR = "MATCH (n) DETACH DELETE n"


class CypherGraph:
    """The graph port over Cypher; a subclass says how a statement runs (`_run`: rows as
    tuples in RETURN order) and how a batch of writes is made atomic (`_write`)."""

    def _run(self, query: str, params: dict[str, Any]) -> list[tuple]:
        raise NotImplementedError

    def _write(self, statements: Sequence[tuple[str, dict[str, Any]]]) -> None:
        for query, params in statements:
            self._run(query, params)

    def interactions_record(
        self, *, user_key: str, spu_ids: Sequence[int], relation: Relation, at: datetime
    ) -> None:
        ids = sorted({int(i) for i in spu_ids})
        if ids:
            params = {"user_key": user_key, "spu_ids": ids, "at": at.timestamp()}
            self._write([(RECORD[relation], params)])

    def products_upsert(self, products: Sequence[ProductNode]) -> None:
        if not products:
            return
        rows = [
            {"id": int(p.spu_id), "category_id": int(p.category_id), "price": float(p.price)}
            for p in products
        ]
        self._write(
            [
                (PRODUCTS_UNLINK, {"spu_ids": [r["id"] for r in rows]}),
                (PRODUCTS_UPSERT, {"rows": rows}),
            ]
        )

    def similar_replace(self, *, spu_id: int, similar: Sequence[Scored]) -> None:
        statements: list[tuple[str, dict[str, Any]]] = [(SIMILAR_UNLINK, {"spu_id": int(spu_id)})]
        rows = [{"id": int(s.spu_id), "score": float(s.score)} for s in similar]
        if rows:
            statements.append((SIMILAR_LINK, {"spu_id": int(spu_id), "rows": rows}))
        self._write(statements)

    def _scored(self, query: str, params: dict[str, Any]) -> tuple[Scored, ...]:
        return tuple(Scored(int(row[0]), float(row[1])) for row in self._run(query, params))

    def co_occurring(
        self, *, spu_ids: Sequence[int], relation: Relation, limit: int
    ) -> tuple[Scored, ...]:
        ids = sorted({int(i) for i in spu_ids})
        if not ids or limit <= 0:
            return ()
        return self._scored(CO_OCCURRING[relation], {"spu_ids": ids, "limit": limit})

    def similar(self, *, spu_ids: Sequence[int], limit: int) -> tuple[Scored, ...]:
        ids = sorted({int(i) for i in spu_ids})
        if not ids or limit <= 0:
            return ()
        return self._scored(SIMILAR, {"spu_ids": ids, "limit": limit})

    def user_products(self, *, user_key: str, relation: Relation, limit: int) -> tuple[int, ...]:
        if limit <= 0:
            return ()
        rows = self._run(USER_PRODUCTS[relation], {"user_key": user_key, "limit": limit})
        return tuple(int(row[0]) for row in rows)

    def popular(
        self, *, relation: Relation, limit: int, category_id: int | None = None
    ) -> tuple[Scored, ...]:
        if limit <= 0:
            return ()
        if category_id is None:
            return self._scored(POPULAR[relation], {"limit": limit})
        params = {"category_id": int(category_id), "limit": limit}
        return self._scored(POPULAR_IN_CATEGORY[relation], params)

    def clear(self) -> None:
        self._write([(CLEAR, {})])
