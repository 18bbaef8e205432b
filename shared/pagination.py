"""Pagination: page numbers with a capped page size, or a cursor for large feeds."""

from __future__ import annotations

import hashlib
from functools import cached_property

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response

from shared import read_cache
from shared.cache import cache_or_default


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def paginated(request, view, rows, serializer_class) -> Response:
    """One StandardPagination page of `rows` (a queryset or a list), each row through
    `serializer_class`, in the paginated response shape (count, next, previous, results)."""
    paginator = StandardPagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


class CachedCountPaginator(Paginator):
    """A paginator that remembers the total of a query for a few seconds.

    Counting every match of a storefront filter is the most expensive query of a listing and its
    exact value matters little to a shopper; the same SQL with the same parameters reuses the
    cached total for settings.LIST_COUNT_CACHE_SECONDS; with the cache unreachable it counts.
    The key carries the versions of the storefront read cache's `namespaces`: a change of the
    listings (a product published, a SKU sold out) is counted at once, as the page shows it.
    """

    namespaces = (read_cache.STOREFRONT, read_cache.LISTINGS)

    @cached_property
    def count(self) -> int:
        if not isinstance(self.object_list, QuerySet) or settings.LIST_COUNT_CACHE_SECONDS <= 0:
            return super().count
        try:
            sql, params = self.object_list.query.sql_with_params()
        except EmptyResultSet:  # a filter Django knows matches nothing (e.g. `id IN ()`)
            return 0
        versions = cache_or_default(
            "list count", lambda: read_cache.versions(self.namespaces), default=None
        )
        if versions is None:
            return super().count
        digest = hashlib.sha256(f"{sql}|{params!r}|{versions!r}".encode()).hexdigest()
        key = f"list-count:{digest}"
        total = cache_or_default("list count", lambda: cache.get(key), default=None)
        if total is None:
            total = super().count
            cache_or_default(
                "list count",
                lambda: cache.set(key, total, timeout=settings.LIST_COUNT_CACHE_SECONDS),
                default=None,
            )
        return total


class CachedCountPagination(StandardPagination):
    """StandardPagination for the storefront listing: its total is counted once per query until
    the listings change (or LIST_COUNT_CACHE_SECONDS pass)."""

    django_paginator_class = CachedCountPaginator


class FeedCursorPagination(CursorPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-id"
