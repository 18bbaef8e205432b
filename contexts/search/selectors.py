"""Search's reads: validate and complete a query, then ask the index."""

from __future__ import annotations

from contexts.catalog import api as catalog_api
from contexts.search.data import (
    OrderPage,
    OrderQuery,
    ProductPage,
    ProductQuery,
    Suggestion,
)
from contexts.search.ports import search_index


def attribute_groups(value_ids: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Attribute value ids grouped by their attribute (alternatives within a group). An unknown
    value id is a group of its own, which nothing matches."""
    attribute_of = catalog_api.attribute_value_attributes(value_ids=value_ids)
    groups: dict[object, list[int]] = {}
    for value_id in dict.fromkeys(value_ids):
        groups.setdefault(attribute_of.get(value_id, ("unknown", value_id)), []).append(value_id)
    return tuple(tuple(ids) for ids in groups.values())


def products_search(*, query: ProductQuery) -> ProductPage:
    return search_index().products_search(query)


def products_suggest(*, prefix: str, limit: int = 10) -> tuple[Suggestion, ...]:
    return search_index().products_suggest(prefix, limit=limit)


def orders_search(*, query: OrderQuery) -> OrderPage:
    return search_index().orders_search(query)
