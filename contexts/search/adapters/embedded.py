"""The embedded search index: tables of this context in the application's own database with a
full-text index over Python-computed tokens (domain.index_tokens): SQLite FTS5, or an InnoDB
FULLTEXT index on MariaDB/MySQL queried in boolean mode (MariaDB has no ngram parser, hence
the tokens are computed here, see domain.TOKEN_PREFIX).

InnoDB applies full-text index changes at commit: a row written in a transaction is found by
MATCH only once that transaction commits (so the tests of this adapter commit).

A search with facets runs the full-text match once: one query returns the narrow columns of
every matching row (id, score, sort keys, brand, category, price in cents, attribute value ids),
and the total, facets, order and page are computed from them here; then the page's rows and the
facets' labels are read by primary key. (Counting each facet with its own GROUP BY re-ran the
match and the filters per facet: 70-470 ms at 20k products on MariaDB, see
tests/perf/bench_search.py.) Without facets (the storefront listing), the count and the page are
two indexed SQL queries with a LIMIT.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import islice
from operator import itemgetter

from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Min, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Round

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


# The narrow columns of a matching product, as `_matches` returns them (plain tuples: building
# an object per row costs more than the counting).
SPU, SCORE, SALES, CENTS, PUBLISHED, BRAND, CATEGORY, VALUES = range(8)


def _published_key() -> RawSQL:
    """published_at as a value that sorts like it, without building datetimes in Python."""
    if _sqlite():
        return RawSQL("search_product.published_at", [])  # ISO text, sorts as it reads
    # Arithmetic on the stored value (UNIX_TIMESTAMP would go through the session's time zone).
    return RawSQL("TIMESTAMPDIFF(MICROSECOND, '1970-01-01', search_product.published_at)", [])


def _matches(products: QuerySet, scored: bool) -> list[tuple]:
    """Every product of the (filtered, matched) query set: one query, run on a plain cursor
    (no Decimal, datetime or model built per row). Columns: SPU ... VALUES above; PUBLISHED
    is comparable within one engine (microseconds on MariaDB, ISO text on SQLite)."""
    rows = products.order_by().values_list(
        "spu_id",
        "score" if scored else Value(0.0),
        "sales_count",
        Cast(Round(F("min_price") * 100), BigIntegerField()),
        _published_key(),
        "brand_id",
        "category_id",
        "facet_value_ids",
    )
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _price_buckets(matches: list[tuple], interval: Decimal) -> tuple[PriceBucket, ...]:
    counts = Counter(map(itemgetter(CENTS), matches))
    counts.pop(None, None)
    width = Decimal(interval) * 100  # in cents; prices are positive, so // is the floor
    buckets: Counter[int] = Counter()
    if width == width.to_integral_value():  # integer division: no Decimal per price
        whole = int(width)
        for cents, n in counts.items():
            buckets[cents // whole] += n
    else:
        for cents, n in counts.items():
            buckets[int(Decimal(cents) // width)] += n
    return tuple(
        PriceBucket(Decimal(b) * interval, Decimal(b + 1) * interval, n)
        for b, n in sorted(buckets.items())[: domain.MAX_PRICE_BUCKETS]
    )


def _facets(matches: list[tuple], interval: Decimal) -> Facets:
    """The facets of the matched products, counted here (C-level counters over the columns);
    labels read by key afterwards, for the buckets shown only."""
    brands = Counter(map(itemgetter(BRAND), matches))
    brands.pop(None, None)
    categories = Counter(map(itemgetter(CATEGORY), matches))
    values = Counter(" ".join(map(itemgetter(VALUES), matches)).split())
    top_brands = _ranked((FacetBucket(k, "", n) for k, n in brands.items()), FACET_SIZE)
    top_categories = _ranked((FacetBucket(k, "", n) for k, n in categories.items()), FACET_SIZE)
    # One product per shown brand and category, to read its label from.
    wanted_brands = {b.key for b in top_brands}
    wanted_categories = {c.key for c in top_categories}
    brand_spu = {m[BRAND]: m[SPU] for m in matches if m[BRAND] in wanted_brands}
    category_spu = {m[CATEGORY]: m[SPU] for m in matches if m[CATEGORY] in wanted_categories}
    labels = {
        spu_id: (brand_name, category_name)
        for spu_id, brand_name, category_name in IndexedProduct.objects.filter(
            spu_id__in={*brand_spu.values(), *category_spu.values()}
        ).values_list("spu_id", "brand_name", "category_name")
    }
    # A product removed since the match (a concurrent sync) leaves its bucket without a label.
    return Facets(
        brands=tuple(
            FacetBucket(b.key, labels.get(brand_spu[b.key], ("", ""))[0], b.count)
            for b in top_brands
        ),
        categories=tuple(
            FacetBucket(c.key, labels.get(category_spu[c.key], ("", ""))[1], c.count)
            for c in top_categories
        ),
        prices=_price_buckets(matches, interval),
        attributes=_attribute_facets(Counter({int(k): n for k, n in values.items()})),
    )


def _attribute_facets(counts: Counter[int]) -> tuple[AttributeFacet, ...]:
    """Values grouped by attribute (labels from one row per value: the lowest product id, a
    loose scan of the (value_id, spu_id) index), attributes with the most matches first."""
    if not counts:
        return ()
    first = dict(
        IndexedProductAttribute.objects.filter(value_id__in=list(counts))
        .values("value_id")
        .annotate(spu_id=Min("spu_id"))
        .values_list("value_id", "spu_id")
    )
    labels = {
        row[0]: row[1:]
        for row in IndexedProductAttribute.objects.filter(
            spu_id__in=set(first.values()), value_id__in=list(first)
        ).values_list("value_id", "attribute_id", "attribute_name", "value")
    }
    values: dict[tuple[int, str], list[FacetBucket]] = defaultdict(list)
    for value_id, n in counts.items():
        if value_id in labels:
            attribute_id, attribute_name, value = labels[value_id]
            values[(attribute_id, attribute_name)].append(FacetBucket(value_id, value, n))
    return tuple(
        sorted(
            (
                AttributeFacet(attribute_id, name, _ranked(buckets, FACET_SIZE))
                for (attribute_id, name), buckets in values.items()
            ),
            key=lambda a: (-sum(b.count for b in a.values), a.attribute_id),
        )[:ATTRIBUTE_FACETS]
    )


def _page_ids(matches: list[tuple], sort: str, scored: bool, window: int) -> list[int]:
    """The ids of the first `window` matches in the order of `sort` (as ORDERINGS sorts)."""
    if sort == "relevance" and not scored:
        sort = "sales"
    if sort == "relevance":
        top = heapq.nlargest(window, matches, key=itemgetter(SCORE, SALES, SPU))
    elif sort == "sales":
        top = heapq.nlargest(window, matches, key=itemgetter(SALES, SPU))
    elif sort == "price_asc":
        top = heapq.nsmallest(
            window, matches, key=lambda m: (m[CENTS] is None, m[CENTS] or 0, m[SPU])
        )
    elif sort == "price_desc":
        top = heapq.nlargest(
            window, matches, key=lambda m: (m[CENTS] is not None, m[CENTS] or 0, m[SPU])
        )
    else:  # newest
        top = heapq.nlargest(
            window, matches, key=lambda m: (m[PUBLISHED] is not None, m[PUBLISHED], m[SPU])
        )
    return [m[SPU] for m in top]


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
                    facet_value_ids=" ".join(
                        str(v) for v in sorted({a.value_id for a in d.attributes})
                    ),
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
        start = (query.page - 1) * query.page_size
        if query.facets:
            matches = _matches(products, scored=bool(terms))
            ids = _page_ids(matches, query.sort, bool(terms), start + query.page_size)[start:]
            rows_by_id = {row.spu_id: row for row in IndexedProduct.objects.filter(spu_id__in=ids)}
            rows = [rows_by_id[i] for i in ids if i in rows_by_id]
            total, facets = len(matches), _facets(matches, query.price_interval)
        else:
            if query.sort == "relevance":
                ordering = (
                    (F("score").desc(), F("sales_count").desc(), F("spu_id").desc())
                    if terms
                    else ORDERINGS["sales"]
                )
            else:
                ordering = ORDERINGS[query.sort]
            rows = products.order_by(*ordering)[start : start + query.page_size]
            total, facets = products.order_by().count(), Facets()
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
