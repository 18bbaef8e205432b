"""The embedded search index: tables of this context in the application's own database with a
full-text index over Python-computed tokens (domain.index_tokens): SQLite FTS5, or an InnoDB
FULLTEXT index on MariaDB/MySQL queried in boolean mode (MariaDB has no ngram parser, hence
the tokens are computed here, see domain.TOKEN_PREFIX).

InnoDB applies full-text index changes at commit: a row written in a transaction is found by
MATCH only once that transaction commits (so the tests of this adapter commit).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import islice

from django.db import connection, transaction
from django.db.models import Count, F, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Floor

from contexts.search import domain
from contexts.search.data import (
    AttributeFacet,
    FacetBucket,
    Facets,
    OrderDocument,
    OrderPage,
    OrderQuery,
    PriceBucket,
    ProductDocument,
    ProductHit,
    ProductPage,
    ProductQuery,
    Suggestion,
)
from contexts.search.models import (
    IndexedOrder,
    IndexedProduct,
    IndexedProductAttribute,
    IndexedProductCategory,
)

FTS_TABLE = "search_product_fts"
BATCH = 500
FACET_SIZE = 20
ATTRIBUTE_FACETS = 10


def _sqlite() -> bool:
    return connection.vendor == "sqlite"


def _fts_expression(terms: tuple[domain.Term, ...], *, prefix_last: bool = False) -> str:
    """The engine's full-text query: every latin word, and any pair of each CJK run."""
    parts = []
    for index, term in enumerate(terms):
        tokens = [domain.stored(t) for t in term.tokens]
        prefix = prefix_last and index == len(terms) - 1 and not term.cjk
        if _sqlite():
            quoted = [f'"{t}"' + ("*" if prefix else "") for t in tokens]
            parts.append(quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")")
        else:
            words = [t + ("*" if prefix else "") for t in tokens]
            parts.append("+" + (words[0] if len(words) == 1 else "(" + " ".join(words) + ")"))
    return (" AND " if _sqlite() else " ").join(parts)


def _matching(products: QuerySet, expression: str, *, column: str = "tokens") -> QuerySet:
    """Products matching the full-text expression in `column` (tokens or title_tokens),
    annotated with `score` (higher is better)."""
    if _sqlite():
        expression = f"{{{column}}} : ({expression})"
        # The expression is a bound parameter; the table name is a constant.
        ids = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [expression])  # noqa: S608, S611
        score = RawSQL(  # noqa: S611
            f"SELECT -bm25({FTS_TABLE}) FROM {FTS_TABLE} "  # noqa: S608
            f"WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid = spu_id",
            [expression],
        )
        return products.filter(spu_id__in=ids).annotate(score=score)
    match = RawSQL(  # noqa: S611 (the column is one of two constants; the expression is bound)
        f"MATCH({column}) AGAINST (%s IN BOOLEAN MODE)", [expression]
    )
    return products.annotate(score=match).filter(score__gt=0)


def _filtered(query: ProductQuery) -> QuerySet:
    products = IndexedProduct.objects.all()
    if query.category_id is not None:
        products = products.filter(
            spu_id__in=IndexedProductCategory.objects.filter(category_id=query.category_id).values(
                "spu_id"
            )
        )
    if query.brand_id is not None:
        products = products.filter(brand_id=query.brand_id)
    if query.merchant_id is not None:
        products = products.filter(merchant_id=query.merchant_id)
    if query.price_min is not None:
        products = products.filter(min_price__gte=query.price_min)
    if query.price_max is not None:
        products = products.filter(min_price__lte=query.price_max)
    for group in query.attribute_groups:
        products = products.filter(
            spu_id__in=IndexedProductAttribute.objects.filter(value_id__in=group).values("spu_id")
        )
    if query.in_stock:
        products = products.filter(in_stock=True)
    return products


ORDERINGS = {
    "price_asc": (F("min_price").asc(nulls_last=True), F("spu_id").asc()),
    "price_desc": (F("min_price").desc(nulls_last=True), F("spu_id").desc()),
    "sales": (F("sales_count").desc(), F("spu_id").desc()),
    "newest": (F("published_at").desc(nulls_last=True), F("spu_id").desc()),
}


def _ranked(buckets: Iterable[FacetBucket], size: int) -> tuple[FacetBucket, ...]:
    return tuple(sorted(buckets, key=lambda b: (-b.count, b.key))[:size])


def _facets(products: QuerySet, interval: Decimal) -> Facets:
    brands = _ranked(
        (
            FacetBucket(row["brand_id"], row["brand_name"], row["n"])
            for row in products.exclude(brand_id=None)
            .order_by()
            .values("brand_id", "brand_name")
            .annotate(n=Count("spu_id"))
        ),
        FACET_SIZE,
    )
    categories = _ranked(
        (
            FacetBucket(row["category_id"], row["category_name"], row["n"])
            for row in products.order_by()
            .values("category_id", "category_name")
            .annotate(n=Count("spu_id"))
        ),
        FACET_SIZE,
    )
    prices = sorted(
        (
            PriceBucket(
                Decimal(int(row["bucket"])) * interval,
                Decimal(int(row["bucket"]) + 1) * interval,
                row["n"],
            )
            for row in products.exclude(min_price=None)
            .order_by()
            .annotate(bucket=Floor(F("min_price") / Value(interval)))
            .values("bucket")
            .annotate(n=Count("spu_id"))
        ),
        key=lambda b: b.low,
    )[: domain.MAX_PRICE_BUCKETS]
    values: dict[tuple[int, str], list[FacetBucket]] = defaultdict(list)
    for row in (
        IndexedProductAttribute.objects.filter(spu_id__in=products.order_by().values("spu_id"))
        .values("attribute_id", "attribute_name", "value_id", "value")
        .annotate(n=Count("spu_id"))
    ):
        values[(row["attribute_id"], row["attribute_name"])].append(
            FacetBucket(row["value_id"], row["value"], row["n"])
        )
    attributes = sorted(
        (
            AttributeFacet(attribute_id, name, _ranked(buckets, FACET_SIZE))
            for (attribute_id, name), buckets in values.items()
        ),
        key=lambda a: (-sum(b.count for b in a.values), a.attribute_id),
    )[:ATTRIBUTE_FACETS]
    return Facets(brands, categories, tuple(prices), tuple(attributes))


def _hit(row: IndexedProduct, terms: tuple[domain.Term, ...]) -> ProductHit:
    return ProductHit(
        spu_id=row.spu_id,
        title=row.title,
        subtitle=row.subtitle,
        merchant_id=row.merchant_id,
        brand_id=row.brand_id,
        brand_name=row.brand_name,
        category_id=row.category_id,
        min_price=row.min_price,
        max_price=row.max_price,
        sales_count=row.sales_count,
        rating_avg=row.rating_avg,
        in_stock=row.in_stock,
        published_at=row.published_at,
        image_url=row.image_url,
        highlight=domain.highlight(row.title, terms),
    )


def _order_document(row: IndexedOrder) -> OrderDocument:
    return OrderDocument(
        order_no=row.order_no,
        trade_no=row.trade_no,
        buyer_id=row.buyer_id,
        merchant_id=row.merchant_id,
        status=row.status,
        receiver_name=row.receiver_name,
        receiver_phone=row.receiver_phone,
        pay_amount=row.pay_amount,
        placed_at=row.placed_at,
    )


class EmbeddedSearchIndex:
    """The default search index (no external server): see the module docstring."""

    # --- products: writes -------------------------------------------------------------------

    @transaction.atomic
    def products_upsert(self, documents: Sequence[ProductDocument]) -> None:
        documents = list({d.spu_id: d for d in documents}.values())
        if not documents:
            return
        self._remove([d.spu_id for d in documents])
        IndexedProduct.objects.bulk_create(
            [
                IndexedProduct(
                    spu_id=d.spu_id,
                    merchant_id=d.merchant_id,
                    title=d.title,
                    subtitle=d.subtitle,
                    brand_id=d.brand_id,
                    brand_name=d.brand_name,
                    category_id=d.category_id,
                    category_name=d.category_name,
                    category_path=[
                        [cid, name]
                        for cid, name in zip(d.category_ids, d.category_names, strict=False)
                    ],
                    min_price=d.min_price,
                    max_price=d.max_price,
                    sales_count=d.sales_count,
                    rating_avg=d.rating_avg,
                    in_stock=d.in_stock,
                    published_at=d.published_at,
                    image_url=d.image_url,
                    tokens=self._tokens(d),
                    title_tokens=self._title_tokens(d),
                )
                for d in documents
            ]
        )
        IndexedProductCategory.objects.bulk_create(
            [
                IndexedProductCategory(spu_id=d.spu_id, category_id=cid)
                for d in documents
                for cid in dict.fromkeys(d.category_ids or (d.category_id,))
            ]
        )
        IndexedProductAttribute.objects.bulk_create(
            [
                IndexedProductAttribute(
                    spu_id=d.spu_id,
                    attribute_id=a.attribute_id,
                    attribute_name=a.attribute_name,
                    value_id=a.value_id,
                    value=a.value,
                )
                for d in documents
                for a in {a.value_id: a for a in d.attributes}.values()
            ]
        )
        if _sqlite():
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"INSERT INTO {FTS_TABLE} (rowid, tokens, title_tokens) VALUES (%s, %s, %s)",  # noqa: S608
                    [(d.spu_id, self._tokens(d), self._title_tokens(d)) for d in documents],
                )

    @staticmethod
    def _tokens(d: ProductDocument) -> str:
        return domain.weighted_tokens(
            {
                "title": [d.title, d.subtitle],
                "brand": [d.brand_name],
                "category": list(d.category_names),
                "attributes": [a.value for a in d.attributes],
            }
        )

    @staticmethod
    def _title_tokens(d: ProductDocument) -> str:
        return " ".join(
            domain.stored(t) for text in (d.title, d.brand_name) for t in domain.index_tokens(text)
        )

    def _remove(self, spu_ids: list[int]) -> None:
        for model in (IndexedProduct, IndexedProductCategory, IndexedProductAttribute):
            model.objects.filter(spu_id__in=spu_ids).delete()
        if _sqlite():
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({', '.join(['%s'] * len(spu_ids))})",  # noqa: S608
                    spu_ids,
                )

    @transaction.atomic
    def products_delete(self, spu_ids: Iterable[int]) -> None:
        ids = list(spu_ids)
        if ids:
            self._remove(ids)

    @transaction.atomic
    def products_replace_all(self, documents: Iterable[ProductDocument]) -> int:
        """One transaction: readers see the old contents until it commits."""
        for model in (IndexedProduct, IndexedProductCategory, IndexedProductAttribute):
            model.objects.all().delete()
        if _sqlite():
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {FTS_TABLE}")  # noqa: S608
        count = 0
        iterator = iter(documents)
        while batch := list(islice(iterator, BATCH)):
            self.products_upsert(batch)
            count += len(batch)
        return count

    # --- products: reads --------------------------------------------------------------------

    def products_search(self, query: ProductQuery) -> ProductPage:
        terms = domain.query_terms(query.text)
        products = _filtered(query)
        if terms:
            products = _matching(products, _fts_expression(terms))
        facets = _facets(products, query.price_interval) if query.facets else Facets()
        total = products.order_by().count()
        if query.sort == "relevance":
            ordering = (
                (F("score").desc(), F("sales_count").desc(), F("spu_id").desc())
                if terms
                else ORDERINGS["sales"]
            )
        else:
            ordering = ORDERINGS[query.sort]
        start = (query.page - 1) * query.page_size
        rows = products.order_by(*ordering)[start : start + query.page_size]
        return ProductPage(
            total=total,
            page=query.page,
            page_size=query.page_size,
            hits=tuple(_hit(row, terms) for row in rows),
            facets=facets,
        )

    def products_suggest(self, prefix: str, *, limit: int = 10) -> tuple[Suggestion, ...]:
        terms = domain.query_terms(prefix)
        if not terms:
            return ()
        rows = _matching(
            IndexedProduct.objects.all(),
            _fts_expression(terms, prefix_last=True),
            column="title_tokens",
        )
        rows = rows.order_by("-sales_count", "-spu_id").values_list("title", "spu_id")[:limit]
        return tuple(Suggestion(title, spu_id) for title, spu_id in rows)

    # --- orders -------------------------------------------------------------------------------

    @transaction.atomic
    def orders_upsert(self, documents: Sequence[OrderDocument]) -> None:
        documents = list({d.order_no: d for d in documents}.values())
        IndexedOrder.objects.filter(order_no__in=[d.order_no for d in documents]).delete()
        IndexedOrder.objects.bulk_create([IndexedOrder(**d.__dict__) for d in documents])

    @transaction.atomic
    def orders_replace_all(self, documents: Iterable[OrderDocument]) -> int:
        IndexedOrder.objects.all().delete()
        count = 0
        iterator = iter(documents)
        while batch := list(islice(iterator, BATCH)):
            self.orders_upsert(batch)
            count += len(batch)
        return count

    def orders_search(self, query: OrderQuery) -> OrderPage:
        orders = IndexedOrder.objects.all()
        if query.order_no:
            orders = orders.filter(order_no__startswith=query.order_no)
        if query.buyer_id is not None:
            orders = orders.filter(buyer_id=query.buyer_id)
        if query.merchant_id is not None:
            orders = orders.filter(merchant_id=query.merchant_id)
        if query.receiver:
            orders = orders.filter(receiver_name__icontains=query.receiver)
        if query.phone:
            orders = orders.filter(receiver_phone__endswith=query.phone)
        if query.statuses:
            orders = orders.filter(status__in=query.statuses)
        if query.placed_from is not None:
            orders = orders.filter(placed_at__gte=query.placed_from)
        if query.placed_to is not None:
            orders = orders.filter(placed_at__lt=query.placed_to)
        start = (query.page - 1) * query.page_size
        rows = orders.order_by("-placed_at", "-order_no")[start : start + query.page_size]
        return OrderPage(
            total=orders.count(),
            page=query.page,
            page_size=query.page_size,
            hits=tuple(_order_document(row) for row in rows),
        )
