"""Search's reads: validate and complete a query, then ask the index."""

from __future__ import annotations

from django.conf import settings

from contexts.catalog import api as catalog_api
from contexts.search.data import (
    OrderPage,
    OrderQuery,
    ProductPage,
    ProductQuery,
    Suggestion,
)
from contexts.search.domain import MAX_PAGE_WINDOW
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


def storefront_listing(query: catalog_api.ListingQuery) -> catalog_api.ListingPage | None:
    """The catalog's storefront listing (`GET /api/v1/products`), answered by the index (the
    listing provider search registers in its AppConfig.ready): the same filters and sorts,
    without text or facets. Declined (the catalog's SQL answers) when
    settings.SEARCH_SERVES_LISTING is off, or beyond the index's result window.

    Consistency: the index follows the catalog, inventory and ordering through their events;
    with eager delivery (no broker, or CELERY_TASK_ALWAYS_EAGER) a change is in the index when
    the request that made it returns; through a worker it lags by the relay's delay (see
    README, Search)."""
    if not settings.SEARCH_SERVES_LISTING or query.page * query.page_size > MAX_PAGE_WINDOW:
        return None
    page = search_index().products_search(
        ProductQuery(
            category_id=query.category_id,
            brand_id=query.brand_id,
            merchant_id=query.merchant_id,
            attribute_groups=query.attribute_groups,
            in_stock=query.in_stock,
            sort=query.sort,
            page=query.page,
            page_size=query.page_size,
            facets=False,
        )
    )
    return catalog_api.ListingPage(total=page.total, spu_ids=tuple(h.spu_id for h in page.hits))
