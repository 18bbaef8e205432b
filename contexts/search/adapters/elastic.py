"""The Elasticsearch search index (settings.ELASTICSEARCH_URL), queried with elasticsearch-dsl.

Two aliases, `<prefix>products` and `<prefix>orders`, each on one concrete index. A full reindex
builds a new concrete index, then moves the alias to it in one atomic `_aliases` call and drops
the old one: searches never see a half-built index.

Updates while a reindex runs are not lost at the swap: the new index carries a second alias,
`<alias>-next`, for as long as it is being built, and every write also goes there (a write that
finds no `-next` alias read its source before the reindex began reading, so the reindex has
that state or a newer one). The reindex loads its documents with `create`, which never
overwrites a document such a write already put in the new index; a delete there leaves a
tombstone (`deleted: true`, never matched by a search, removed after the swap) so that the
reindex cannot bring back, from an older read, a product removed meanwhile. Writers of one
document are serialised by the caller (search's per-product locks: the later write reads the
newer state), so the last write to reach the new index is the newest state.

Text analysis: the standard tokenizer, then `cjk_bigram` (Chinese, Japanese, Korean runs become
overlapping character pairs; the index keeps the single characters too, so a one-character query
finds them), the same rule the embedded index follows (contexts/search/domain.py). When the
cluster has the ik plugin (analysis-ik), new indices analyse text with its dictionary instead.
Latin words match with fuzziness AUTO (typo tolerance).
"""

from __future__ import annotations

import html
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from elasticsearch import Elasticsearch, NotFoundError
from elasticsearch.helpers import bulk
from elasticsearch_dsl import Q, Search

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

FACET_SIZE = 20
ATTRIBUTE_FACETS = 10
SEP = "\u001f"  # joins an id and its label in facet keys (never in a name)
TEXT_FIELDS = [
    f"title^{domain.BOOSTS['title']}",
    f"subtitle^{domain.BOOSTS['title']}",
    f"brand_name^{domain.BOOSTS['brand']}",
    f"category_names^{domain.BOOSTS['category']}",
    f"attribute_values^{domain.BOOSTS['attributes']}",
]

ANALYSIS = {
    "filter": {
        "cjk_pairs_and_chars": {"type": "cjk_bigram", "output_unigrams": True},
    },
    "analyzer": {
        "text_index": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cjk_pairs_and_chars"],
        },
        "text_search": {
            "type": "custom",
            "tokenizer": "standard",
            "filter": ["cjk_width", "lowercase", "cjk_bigram"],
        },
        "lower_keyword": {"type": "custom", "tokenizer": "keyword", "filter": ["lowercase"]},
    },
}
_TEXT = {"type": "text", "analyzer": "text_index", "search_analyzer": "text_search"}
_MONEY = {"type": "scaled_float", "scaling_factor": 100}
PRODUCT_MAPPING = {
    "properties": {
        "spu_id": {"type": "long"},
        "merchant_id": {"type": "long"},
        "title": {**_TEXT, "fields": {"raw": {"type": "keyword", "ignore_above": 256}}},
        "subtitle": _TEXT,
        "brand_id": {"type": "long"},
        "brand_name": _TEXT,
        "category_id": {"type": "long"},
        "category_ids": {"type": "long"},
        "category_names": _TEXT,
        "category_path": {"type": "keyword", "index": False},
        "attribute_values": _TEXT,
        "attribute_value_ids": {"type": "long"},
        "attributes": {"type": "keyword", "index": False},
        "brand_facet": {"type": "keyword"},
        "category_facet": {"type": "keyword"},
        "attribute_facets": {"type": "keyword"},
        "min_price": _MONEY,
        "max_price": _MONEY,
        "sales_count": {"type": "long"},
        "rating_avg": {"type": "scaled_float", "scaling_factor": 100},
        "in_stock": {"type": "boolean"},
        "published_at": {"type": "date"},
        "image_url": {"type": "keyword", "index": False},
        "suggest": {"type": "completion", "analyzer": "lower_keyword"},
        "deleted": {"type": "boolean"},  # a tombstone, only while a reindex builds the index
    }
}
ORDER_MAPPING = {
    "properties": {
        "order_no": {"type": "keyword"},
        "trade_no": {"type": "keyword"},
        "buyer_id": {"type": "long"},
        "merchant_id": {"type": "long"},
        "status": {"type": "keyword"},
        "receiver_name": {"type": "keyword"},
        "receiver_phone": {"type": "keyword"},
        "pay_amount": _MONEY,
        "placed_at": {"type": "date"},
    }
}


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


def _split(key: str) -> tuple[int, str]:
    ident, _, label = key.partition(SEP)
    return int(ident), label


def _wildcard_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


def _product_source(d: ProductDocument) -> dict[str, Any]:
    return {
        "spu_id": d.spu_id,
        "merchant_id": d.merchant_id,
        "title": d.title,
        "subtitle": d.subtitle,
        "brand_id": d.brand_id,
        "brand_name": d.brand_name,
        "category_id": d.category_id,
        "category_ids": list(d.category_ids or (d.category_id,)),
        "category_names": list(d.category_names),
        "attribute_values": [a.value for a in d.attributes],
        "attribute_value_ids": [a.value_id for a in d.attributes],
        "attributes": [
            [a.attribute_id, a.attribute_name, a.value_id, a.value] for a in d.attributes
        ],
        "brand_facet": f"{d.brand_id}{SEP}{d.brand_name}" if d.brand_id is not None else None,
        "category_facet": f"{d.category_id}{SEP}{d.category_name}",
        "attribute_facets": [
            f"{a.attribute_id}{SEP}{a.attribute_name}{SEP}{a.value_id}{SEP}{a.value}"
            for a in d.attributes
        ],
        "min_price": _money(d.min_price),
        "max_price": _money(d.max_price),
        "sales_count": d.sales_count,
        "rating_avg": str(d.rating_avg),
        "in_stock": d.in_stock,
        "published_at": d.published_at.isoformat() if d.published_at else None,
        "image_url": d.image_url,
        "suggest": {
            "input": domain.completion_inputs(d.title, d.brand_name),
            "weight": min(d.sales_count, 2**31 - 1),
        },
    }


def _order_source(d: OrderDocument) -> dict[str, Any]:
    return {
        "order_no": d.order_no,
        "trade_no": d.trade_no,
        "buyer_id": d.buyer_id,
        "merchant_id": d.merchant_id,
        "status": d.status,
        "receiver_name": d.receiver_name,
        "receiver_phone": d.receiver_phone,
        "pay_amount": str(d.pay_amount),
        "placed_at": d.placed_at.isoformat(),
    }


SORTS: dict[str, list[Any]] = {
    "price_asc": [{"min_price": {"order": "asc", "missing": "_last"}}, {"spu_id": "asc"}],
    "price_desc": [{"min_price": {"order": "desc", "missing": "_last"}}, {"spu_id": "desc"}],
    "sales": [{"sales_count": "desc"}, {"spu_id": "desc"}],
    "newest": [{"published_at": {"order": "desc", "missing": "_last"}}, {"spu_id": "desc"}],
}


def _ranked(buckets: Iterable[FacetBucket], size: int) -> tuple[FacetBucket, ...]:
    return tuple(sorted(buckets, key=lambda b: (-b.count, b.key))[:size])


class ElasticsearchSearchIndex:
    """See the module docstring. `client`, `prefix` and `refresh` are for tests (a client with
    a test server's node class, a unique prefix, writes visible at once)."""

    def __init__(
        self,
        url: str | None = None,
        *,
        client: Elasticsearch | None = None,
        prefix: str | None = None,
        refresh: bool = False,
    ) -> None:
        self.client = client or Elasticsearch(url or settings.ELASTICSEARCH_URL, request_timeout=10)
        self.prefix = settings.SEARCH_INDEX_PREFIX if prefix is None else prefix
        self.refresh = refresh
        self._ready: set[str] = set()
        self._ik: bool | None = None

    # --- indices and aliases ------------------------------------------------------------------

    def alias(self, kind: str) -> str:
        return f"{self.prefix}{kind}"

    def _mapping(self, kind: str) -> dict[str, Any]:
        return PRODUCT_MAPPING if kind == "products" else ORDER_MAPPING

    def has_ik(self) -> bool:
        """Whether the cluster has the ik Chinese analysis plugin (checked once)."""
        if self._ik is None:
            try:
                plugins = self.client.cat.plugins(format="json").body
            except Exception:  # a cluster that does not list plugins: keep the n-gram analysis
                plugins = []
            self._ik = any("ik" in str(p.get("component", "")).lower() for p in plugins)
        return self._ik

    def _analysis(self) -> dict[str, Any]:
        """The n-gram analysis, or with ik when present: words from its dictionary (ik_max_word
        when indexing, ik_smart when searching), lower-cased."""
        if not self.has_ik():
            return ANALYSIS
        analyzers = {
            **ANALYSIS["analyzer"],
            "text_index": {"type": "custom", "tokenizer": "ik_max_word", "filter": ["lowercase"]},
            "text_search": {"type": "custom", "tokenizer": "ik_smart", "filter": ["lowercase"]},
        }
        return {**ANALYSIS, "analyzer": analyzers}

    def _create(self, kind: str) -> str:
        name = f"{self.alias(kind)}-{time.time_ns()}"
        self.client.indices.create(
            index=name,
            settings={"number_of_shards": 1, "analysis": self._analysis()},
            mappings=self._mapping(kind),
        )
        return name

    def _concrete(self, kind: str) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias(kind)).body)
        except NotFoundError:
            return []

    def _ensure(self, kind: str) -> str:
        alias = self.alias(kind)
        if alias not in self._ready:
            if not self._concrete(kind):
                name = self._create(kind)
                self.client.indices.update_aliases(
                    actions=[{"add": {"index": name, "alias": alias}}]
                )
            self._ready.add(alias)
        return alias

    def building_alias(self, kind: str) -> str:
        """The alias of the index a reindex is building (present only while it runs)."""
        return f"{self.alias(kind)}-next"

    def _building(self, kind: str) -> bool:
        """Whether a reindex is building a new index now (asked at each write: a write must not
        miss one that started after its source was read)."""
        return bool(self.client.indices.exists_alias(name=self.building_alias(kind)))

    def _replace_all(self, kind: str, actions: Iterable[dict[str, Any]]) -> int:
        alias, building = self.alias(kind), self.building_alias(kind)
        old = self._concrete(kind)
        name = self._create(kind)
        try:
            # Before reading any source (`actions` is lazy): writes from now on reach it too.
            self.client.indices.update_aliases(
                actions=[{"add": {"index": name, "alias": building}}]
            )
            count, errors = bulk(
                self.client,
                ({**a, "_index": name, "_op_type": "create"} for a in actions),
                chunk_size=500,
                raise_on_error=False,
            )
            # 409: a write during the reindex put a newer document (or a tombstone) there.
            failed = [e for e in errors if next(iter(e.values())).get("status") != 409]
            if failed:
                raise RuntimeError(f"The reindex of {alias} failed: {failed[:3]}")
            count += len(errors)
            self.client.indices.refresh(index=name)
        except Exception:
            self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        self.client.indices.update_aliases(
            actions=[
                *({"remove": {"index": index, "alias": alias}} for index in old),
                {"remove": {"index": name, "alias": building}},
                {"add": {"index": name, "alias": alias}},
            ]
        )
        for index in old:
            self.client.indices.delete(index=index, ignore_unavailable=True)
        if kind == "products":
            self.client.delete_by_query(
                index=name, query={"term": {"deleted": True}}, refresh=True, conflicts="proceed"
            )
        self._ready.add(alias)
        return count

    def drop(self) -> None:
        """Delete both indices (tests)."""
        for kind in ("products", "orders"):
            for index in self._concrete(kind):
                self.client.indices.delete(index=index, ignore_unavailable=True)
        self._ready.clear()

    def _write(
        self,
        kind: str,
        actions: list[dict[str, Any]],
        building_actions: list[dict[str, Any]] | None = None,
    ) -> None:
        """Apply `actions` (no `_index`) to the live alias and, while a reindex runs, to the
        index it builds (`building_actions` there, when they differ: tombstones for deletes)."""
        if not actions:
            return
        alias = self._ensure(kind)
        bulk(
            self.client,
            ({**a, "_index": alias} for a in actions),
            refresh=self.refresh,
            raise_on_error=not any(a.get("_op_type") == "delete" for a in actions),
        )
        if not self._building(kind):
            return
        building = self.building_alias(kind)
        # require_alias: if the reindex swapped (or failed) meanwhile, the alias is gone and
        # the write above already reached the new index; never create an index by that name.
        _, errors = bulk(
            self.client,
            ({**a, "_index": building} for a in (building_actions or actions)),
            refresh=self.refresh,
            raise_on_error=False,
            require_alias=True,
        )
        failed = [
            e
            for e in errors
            if next(iter(e.values())).get("error", {}).get("type") != "index_not_found_exception"
        ]
        if failed:
            raise RuntimeError(f"A write to {building} failed: {failed[:3]}")

    # --- products: writes -----------------------------------------------------------------------

    def products_upsert(self, documents: Sequence[ProductDocument]) -> None:
        self._write(
            "products", [{"_id": d.spu_id, "_source": _product_source(d)} for d in documents]
        )

    def products_delete(self, spu_ids: Iterable[int]) -> None:
        ids = list(spu_ids)
        self._write(
            "products",
            [{"_op_type": "delete", "_id": i} for i in ids],
            [{"_id": i, "_source": {"spu_id": i, "deleted": True}} for i in ids],
        )

    def products_replace_all(self, documents: Iterable[ProductDocument]) -> int:
        return self._replace_all(
            "products", ({"_id": d.spu_id, "_source": _product_source(d)} for d in documents)
        )

    # --- products: reads --------------------------------------------------------------------

    def _filters(self, query: ProductQuery) -> list[Q]:
        filters = []
        if query.category_id is not None:
            filters.append(Q("term", category_ids=query.category_id))
        if query.brand_id is not None:
            filters.append(Q("term", brand_id=query.brand_id))
        if query.merchant_id is not None:
            filters.append(Q("term", merchant_id=query.merchant_id))
        price = {}
        if query.price_min is not None:
            price["gte"] = str(query.price_min)
        if query.price_max is not None:
            price["lte"] = str(query.price_max)
        if price:
            filters.append(Q("range", min_price=price))
        filters.extend(Q("terms", attribute_value_ids=list(g)) for g in query.attribute_groups)
        if query.in_stock:
            filters.append(Q("term", in_stock=True))
        return filters

    def products_search(self, query: ProductQuery) -> ProductPage:
        terms = domain.query_terms(query.text)
        must = [
            Q(
                "multi_match",
                query=term.text,
                fields=TEXT_FIELDS,
                operator="or",
                **({} if term.cjk else {"fuzziness": "AUTO", "prefix_length": 1}),
            )
            for term in terms
        ]
        search = (
            Search(using=self.client, index=self._ensure("products"))
            .query(
                Q(
                    "bool",
                    must=must or [Q("match_all")],
                    filter=self._filters(query),
                    # A tombstone a write during a reindex left (removed after the swap).
                    must_not=[Q("term", deleted=True)],
                )
            )
            .extra(track_total_hits=True)
        )
        if query.sort == "relevance":
            search = search.sort("_score", {"sales_count": "desc"}, {"spu_id": "desc"})
        else:
            search = search.sort(*SORTS[query.sort])
        if terms:
            search = search.highlight(
                "title", number_of_fragments=0, pre_tags=["<em>"], post_tags=["</em>"]
            ).highlight_options(encoder="html")
        if query.facets:
            search.aggs.bucket("brands", "terms", field="brand_facet", size=FACET_SIZE)
            search.aggs.bucket("categories", "terms", field="category_facet", size=FACET_SIZE)
            search.aggs.bucket(
                "prices",
                "histogram",
                field="min_price",
                interval=float(query.price_interval),
                min_doc_count=1,
            )
            search.aggs.bucket("attributes", "terms", field="attribute_facets", size=1000)
        start = (query.page - 1) * query.page_size
        response = search[start : start + query.page_size].execute()
        hits = []
        for hit in response.hits:
            source = hit.to_dict()
            marked = getattr(getattr(hit.meta, "highlight", None), "title", None)
            hits.append(
                ProductHit(
                    spu_id=source["spu_id"],
                    title=source["title"],
                    subtitle=source.get("subtitle", ""),
                    merchant_id=source["merchant_id"],
                    brand_id=source.get("brand_id"),
                    brand_name=source.get("brand_name", ""),
                    category_id=source["category_id"],
                    min_price=_decimal(source.get("min_price")),
                    max_price=_decimal(source.get("max_price")),
                    sales_count=source.get("sales_count", 0),
                    rating_avg=_decimal(source.get("rating_avg")) or Decimal("0.00"),
                    in_stock=source.get("in_stock", False),
                    published_at=_datetime(source.get("published_at")),
                    image_url=source.get("image_url", ""),
                    highlight=marked[0] if marked else html.escape(source["title"]),
                )
            )
        return ProductPage(
            total=response.hits.total.value,
            page=query.page,
            page_size=query.page_size,
            hits=tuple(hits),
            facets=self._facets(response.aggregations, query.price_interval)
            if query.facets
            else Facets(),
        )

    @staticmethod
    def _facets(aggs: Any, interval: Decimal) -> Facets:
        brands = _ranked(
            (FacetBucket(*_split(b.key), b.doc_count) for b in aggs.brands.buckets), FACET_SIZE
        )
        categories = _ranked(
            (FacetBucket(*_split(b.key), b.doc_count) for b in aggs.categories.buckets),
            FACET_SIZE,
        )
        prices = tuple(
            PriceBucket(
                Decimal(str(b.key)).quantize(Decimal("0.01")) // interval * interval,
                (Decimal(str(b.key)).quantize(Decimal("0.01")) // interval + 1) * interval,
                b.doc_count,
            )
            for b in aggs.prices.buckets[: domain.MAX_PRICE_BUCKETS]
            if b.doc_count
        )
        values: dict[tuple[int, str], list[FacetBucket]] = {}
        for b in aggs.attributes.buckets:
            attribute_id, name, value_id, value = b.key.split(SEP, 3)
            values.setdefault((int(attribute_id), name), []).append(
                FacetBucket(int(value_id), value, b.doc_count)
            )
        attributes = sorted(
            (
                AttributeFacet(attribute_id, name, _ranked(buckets, FACET_SIZE))
                for (attribute_id, name), buckets in values.items()
            ),
            key=lambda a: (-sum(b.count for b in a.values), a.attribute_id),
        )[:ATTRIBUTE_FACETS]
        return Facets(brands, categories, prices, tuple(attributes))

    def products_suggest(self, prefix: str, *, limit: int = 10) -> tuple[Suggestion, ...]:
        text = " ".join(prefix.split())
        if not domain.query_terms(text):
            return ()
        search = (
            Search(using=self.client, index=self._ensure("products"))
            .source(["title", "sales_count"])
            .suggest("titles", text, completion={"field": "suggest", "size": limit * 5})
            .extra(size=0)
        )
        response = search.execute()
        seen: dict[int, Suggestion] = {}
        ranked = []
        for option in response.suggest.titles[0].options:
            spu_id = int(option._id)
            if spu_id not in seen:
                seen[spu_id] = Suggestion(option._source.title, spu_id)
                ranked.append((-option._source.sales_count, -spu_id, seen[spu_id]))
        return tuple(s for *_, s in sorted(ranked, key=lambda r: r[:2])[:limit])

    # --- orders -------------------------------------------------------------------------------

    def orders_upsert(self, documents: Sequence[OrderDocument]) -> None:
        self._write("orders", [{"_id": d.order_no, "_source": _order_source(d)} for d in documents])

    def orders_replace_all(self, documents: Iterable[OrderDocument]) -> int:
        return self._replace_all(
            "orders", ({"_id": d.order_no, "_source": _order_source(d)} for d in documents)
        )

    def orders_search(self, query: OrderQuery) -> OrderPage:
        filters = []
        if query.order_no:
            filters.append(Q("prefix", order_no=query.order_no))
        if query.buyer_id is not None:
            filters.append(Q("term", buyer_id=query.buyer_id))
        if query.merchant_id is not None:
            filters.append(Q("term", merchant_id=query.merchant_id))
        if query.receiver:
            pattern = f"*{_wildcard_escape(query.receiver)}*"
            filters.append(
                Q("wildcard", receiver_name={"value": pattern, "case_insensitive": True})
            )
        if query.phone:
            filters.append(
                Q("wildcard", receiver_phone={"value": f"*{_wildcard_escape(query.phone)}"})
            )
        if query.statuses:
            filters.append(Q("terms", status=list(query.statuses)))
        placed = {}
        if query.placed_from is not None:
            placed["gte"] = query.placed_from.isoformat()
        if query.placed_to is not None:
            placed["lt"] = query.placed_to.isoformat()
        if placed:
            filters.append(Q("range", placed_at=placed))
        start = (query.page - 1) * query.page_size
        search = (
            Search(using=self.client, index=self._ensure("orders"))
            .query(Q("bool", filter=filters))
            .sort({"placed_at": "desc"}, {"order_no": "desc"})
            .extra(track_total_hits=True)
        )[start : start + query.page_size]
        response = search.execute()
        return OrderPage(
            total=response.hits.total.value,
            page=query.page,
            page_size=query.page_size,
            hits=tuple(
                OrderDocument(
                    order_no=h.order_no,
                    trade_no=h.trade_no,
                    buyer_id=h.buyer_id,
                    merchant_id=h.merchant_id,
                    status=h.status,
                    receiver_name=h.receiver_name,
                    receiver_phone=h.receiver_phone,
                    pay_amount=_decimal(h.pay_amount),
                    placed_at=_datetime(h.placed_at),
                )
                for h in response.hits
            ),
        )


def _datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
