"""The search port: an index of listed products and of orders, queried by the storefront and by
staff. Chosen by `settings.SEARCH_INDEX` (a dotted path): Elasticsearch when ELASTICSEARCH_URL is
set (adapters/elastic.py), else the embedded full-text index in the database
(adapters/embedded.py: SQLite FTS5 or MariaDB/MySQL FULLTEXT). Both pass the same contract tests
(tests/test_contract.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from contexts.search.data import (
    OrderDocument,
    OrderPage,
    OrderQuery,
    ProductDocument,
    ProductPage,
    ProductQuery,
    Suggestion,
)
from shared.ports import adapter


class SearchIndex(Protocol):
    def products_upsert(self, documents: Sequence[ProductDocument]) -> None:
        """Add or replace these products' documents (by spu_id), visible to the next search."""
        ...

    def products_delete(self, spu_ids: Iterable[int]) -> None:
        """Remove these products (absent ones are ignored)."""
        ...

    def products_replace_all(self, documents: Iterable[ProductDocument]) -> int:
        """Replace the whole product index with `documents` (a full reindex); searches keep
        answering from the old contents until the new ones are complete. Returns the count."""
        ...

    def products_search(self, query: ProductQuery) -> ProductPage:
        """Listed products matching the text (every latin word, some pair of each CJK run;
        no text matches all) and the filters, sorted and paged, with facets."""
        ...

    def products_suggest(self, prefix: str, *, limit: int = 10) -> tuple[Suggestion, ...]:
        """Products whose title has a word starting with `prefix` (its last word as a
        prefix, the others whole), best sellers first."""
        ...

    def orders_upsert(self, documents: Sequence[OrderDocument]) -> None: ...

    def orders_replace_all(self, documents: Iterable[OrderDocument]) -> int: ...

    def orders_search(self, query: OrderQuery) -> OrderPage:
        """Orders matching every given criterion, newest first."""
        ...


def search_index() -> SearchIndex:
    return adapter("SEARCH_INDEX")
