"""The embedded default of both ports, on the project's database: the graph as link rows
(GraphLink, GraphProduct, GraphSimilar; co-occurrence is a self-join answered in one query) and
trending scores as rows of TrendingScore."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max

from contexts.recommendation.data import ProductNode, Relation, Scored
from contexts.recommendation.models import GraphLink, GraphProduct, GraphSimilar, TrendingScore


def _scored(rows) -> tuple[Scored, ...]:
    return tuple(Scored(int(spu_id), float(score)) for spu_id, score in rows)


class SqlGraph:
    def interactions_record(
        self, *, user_key: str, spu_ids: Sequence[int], relation: Relation, at: datetime
    ) -> None:
        for spu_id in sorted(set(spu_ids)):
            link = GraphLink.objects.filter(
                user_key=user_key, relation=relation.value, spu_id=spu_id
            )
            if link.update(times=F("times") + 1, last_at=at):
                continue
            try:
                with transaction.atomic():
                    GraphLink.objects.create(
                        user_key=user_key, relation=relation.value, spu_id=spu_id, last_at=at
                    )
            except IntegrityError:  # a concurrent signal created it first: count ours on it
                link.update(times=F("times") + 1, last_at=at)

    def products_upsert(self, products: Sequence[ProductNode]) -> None:
        rows = {
            p.spu_id: GraphProduct(spu_id=p.spu_id, category_id=p.category_id, price=p.price)
            for p in products
        }
        existing = set(
            GraphProduct.objects.filter(spu_id__in=list(rows)).values_list("spu_id", flat=True)
        )
        GraphProduct.objects.bulk_update(
            [r for i, r in rows.items() if i in existing], ["category_id", "price"], batch_size=500
        )
        GraphProduct.objects.bulk_create(
            [r for i, r in rows.items() if i not in existing],
            batch_size=500,
            ignore_conflicts=True,  # a concurrent upsert created it: same node
        )

    def similar_replace(self, *, spu_id: int, similar: Sequence[Scored]) -> None:
        with transaction.atomic():
            GraphSimilar.objects.filter(spu_id=spu_id).delete()
            GraphSimilar.objects.bulk_create(
                [GraphSimilar(spu_id=spu_id, similar_id=s.spu_id, score=s.score) for s in similar]
            )

    def co_occurring(
        self, *, spu_ids: Sequence[int], relation: Relation, limit: int
    ) -> tuple[Scored, ...]:
        ids = sorted(set(spu_ids))
        if not ids or limit <= 0:
            return ()
        shoppers = GraphLink.objects.filter(relation=relation.value, spu_id__in=ids).values(
            "user_key"
        )
        rows = (
            GraphLink.objects.filter(relation=relation.value, user_key__in=shoppers)
            .exclude(spu_id__in=ids)
            .values("spu_id")
            .annotate(score=Count("user_key", distinct=True))
            .order_by("-score", "spu_id")
            .values_list("spu_id", "score")[:limit]
        )
        return _scored(rows)

    def similar(self, *, spu_ids: Sequence[int], limit: int) -> tuple[Scored, ...]:
        ids = sorted(set(spu_ids))
        if not ids or limit <= 0:
            return ()
        rows = (
            GraphSimilar.objects.filter(spu_id__in=ids)
            .exclude(similar_id__in=ids)
            .values("similar_id")
            .annotate(best=Max("score"))
            .order_by("-best", "similar_id")
            .values_list("similar_id", "best")[:limit]
        )
        return _scored(rows)

    def user_products(self, *, user_key: str, relation: Relation, limit: int) -> tuple[int, ...]:
        if limit <= 0:
            return ()
        rows = (
            GraphLink.objects.filter(user_key=user_key, relation=relation.value)
            .order_by("-last_at", "spu_id")
            .values_list("spu_id", flat=True)[:limit]
        )
        return tuple(rows)

    def popular(
        self, *, relation: Relation, limit: int, category_id: int | None = None
    ) -> tuple[Scored, ...]:
        if limit <= 0:
            return ()
        links = GraphLink.objects.filter(relation=relation.value)
        if category_id is not None:
            links = links.filter(
                spu_id__in=GraphProduct.objects.filter(category_id=category_id).values("spu_id")
            )
        rows = (
            links.values("spu_id")
            .annotate(score=Count("user_key", distinct=True))
            .order_by("-score", "spu_id")
            .values_list("spu_id", "score")[:limit]
        )
        return _scored(rows)

    def clear(self) -> None:
        GraphLink.objects.all().delete()
        GraphSimilar.objects.all().delete()
        GraphProduct.objects.all().delete()


class SqlTrendingStore:
    def bump(self, *, category_ids: Iterable[int], spu_id: int, amount: float) -> None:
        for category_id in sorted({0, *category_ids}):
            row = TrendingScore.objects.filter(category_id=category_id, spu_id=spu_id)
            if row.update(score=F("score") + amount):
                continue
            try:
                with transaction.atomic():
                    TrendingScore.objects.create(
                        category_id=category_id, spu_id=spu_id, score=amount
                    )
            except IntegrityError:  # created concurrently: add ours to it
                row.update(score=F("score") + amount)

    def top(self, *, category_id: int, limit: int) -> tuple[Scored, ...]:
        rows = (
            TrendingScore.objects.filter(category_id=category_id)
            .order_by("-score", "spu_id")
            .values_list("spu_id", "score")[: max(limit, 0)]
        )
        return _scored(rows)

    def remove(self, *, spu_ids: Iterable[int]) -> None:
        TrendingScore.objects.filter(spu_id__in=list(spu_ids)).delete()

    def clear(self) -> None:
        TrendingScore.objects.all().delete()
