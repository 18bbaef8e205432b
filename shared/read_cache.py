"""Rendered storefront reads, cached whole and invalidated by version counters.

A cached read is the JSON body (bytes) of a successful GET, stored under a key made of the
request's normalized URL (scheme, host, path, query parameters sorted by name: the pagination
links DRF writes into a body are sorted the same way, so equal keys mean equal bytes) and the
accepted media type, together with the values that every *namespace* the answer depends on had
when it was computed. A hit reads the entry and the namespaces' current values in one round trip
(MGET) and serves the body only if they are equal. A write that changes what a buyer sees bumps
the namespaces it touches (`bump_on_commit`, from the owning context's service or event handler):
every answer computed before it stops matching and is recomputed (and overwritten) on its next
request. Nothing is ever deleted or scanned.

Namespaces used by the storefront (names here, so that a context can bump a namespace another
context reads without importing it):

- STOREFRONT: everything (shop, category, brand, attribute names; a shop suspended);
- LISTINGS: product lists and keyword searches (catalog writes, index writes);
- RECOMMENDATIONS: every product page's `extras.recommendations` (recommendation bumps it when
  a product it shows changes; a recomputed list bumps just that product_page);
- product_page(spu_id): one product page.

Why it stays correct:
- bumps run after the write commits (`transaction.on_commit`): a reader that filled the new
  version necessarily read the committed state; one that read the old state filed it with the
  old version, which no longer matches;
- a reader reads the versions BEFORE computing its answer and files the answer with them, so an
  answer is never filed under a version newer than the state it was computed from (two readers
  racing to file one entry: whichever is older only causes a miss);
- a namespace's first value (and its value after an eviction) is random, never a value an
  earlier generation used, so an evicted counter cannot resurrect old entries;
- with the cache unreachable, reads are computed (uncached) and bumps are lost; entries expire
  after settings.STOREFRONT_CACHE_SECONDS, which bounds how stale an answer can be after an
  outage (and how long an entry nobody asks for again uses memory).

Only bodies are cached, never headers a view set itself, and never an answer the view marked
`uncacheable` (degraded: a section whose provider failed left out). Per-user answers must say so
(`per_user=True`, the user's id joins the key); the storefront's answers are the same for
everyone (tested). 0 database queries on a hit, one cache round trip.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable, Iterable, Sequence
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from rest_framework.response import Response

from shared.cache import cache_or_default

STOREFRONT = "storefront"
LISTINGS = "listings"
RECOMMENDATIONS = "recommendations"

_VERSION_KEY = "read-cache:ns:{}"
_ENTRY_KEY = "read-cache:entry:{}"


def product_page(spu_id: int) -> str:
    return f"product:{spu_id}"


def _fresh_version() -> int:
    return secrets.randbits(62)


def versions(namespaces: Sequence[str]) -> tuple[int, ...]:
    """The current value of each namespace (one round trip; a second when one is new)."""
    keys = [_VERSION_KEY.format(n) for n in namespaces]
    found = cache.get_many(keys)
    if len(found) < len(keys):
        for key in keys:
            if key not in found:
                cache.add(key, _fresh_version(), timeout=None)
        found = cache.get_many(keys)
    return tuple(found[key] for key in keys)


def bump(namespaces: Iterable[str]) -> None:
    """Invalidate every cached read that depends on one of these namespaces, now. Harmless if
    repeated (a repeat only costs misses). Call it after the write committed: `bump_on_commit`."""
    for namespace in dict.fromkeys(namespaces):
        key = _VERSION_KEY.format(namespace)

        def step(key=key) -> None:
            try:
                cache.incr(key)
            except ValueError:  # never read yet (or evicted): any fresh value invalidates
                cache.add(key, _fresh_version(), timeout=None)

        cache_or_default("read cache bump", step, default=None)


def bump_on_commit(namespaces: Iterable[str]) -> None:
    """`bump(namespaces)` once the current transaction commits (at once outside one)."""
    names = tuple(namespaces)
    transaction.on_commit(lambda: bump(names), robust=True)


def uncacheable(response: Response) -> Response:
    """Mark a view's answer as not to be cached (a degraded answer, e.g. a section left out
    because its provider failed: cached, it would hide the section until it expired)."""
    response.read_cache_skip = True
    return response


def _key(view, request, url_kwargs: dict, per_user: bool) -> str:
    query = urlencode(sorted(request.query_params.lists()), doseq=True)
    user = request.user.pk if per_user and request.user.is_authenticated else None
    parts = (
        type(view).__qualname__,
        request.scheme,
        request.get_host(),
        request.path,
        sorted(url_kwargs.items()),
        query,
        request.accepted_media_type,
        user,
    )
    return _ENTRY_KEY.format(hashlib.sha256(repr(parts).encode()).hexdigest())


def _lookup(key: str, namespaces: Sequence[str]) -> tuple[tuple[int, ...], bytes | None]:
    """(the namespaces' current versions, the cached body if it was computed under exactly
    those versions), read in one round trip (MGET: one snapshot of the entry and versions)."""
    version_keys = [_VERSION_KEY.format(n) for n in namespaces]
    found = cache.get_many([key, *version_keys])
    if any(k not in found for k in version_keys):
        return versions(namespaces), None
    current = tuple(found[k] for k in version_keys)
    entry = found.get(key)
    if entry is not None and entry[0] == current:
        return current, entry[1]
    return current, None


def _media_type(renderer) -> str:
    charset = getattr(renderer, "charset", None)
    return f"{renderer.media_type}; charset={charset}" if charset else renderer.media_type


def cached_get(
    namespaces: Sequence[str] | Callable[..., Sequence[str]], *, per_user: bool = False
) -> Callable:
    """Decorate an APIView's `get`: a 200 JSON answer is cached as rendered bytes under the
    request's normalized URL and the namespaces' versions (`namespaces(**url_kwargs)` when
    callable); an equal request is answered from those bytes without calling `get`. Errors,
    other statuses and other renderers (the browsable API) are never cached.
    settings.STOREFRONT_CACHE_SECONDS <= 0 turns it off."""

    def decorate(get: Callable) -> Callable:
        @functools.wraps(get)
        def cached(view, request, *args, **kwargs):
            seconds = settings.STOREFRONT_CACHE_SECONDS
            renderer = getattr(request, "accepted_renderer", None)
            if seconds <= 0 or renderer is None or renderer.format != "json":
                return get(view, request, *args, **kwargs)
            names = namespaces(**kwargs) if callable(namespaces) else namespaces
            key = _key(view, request, kwargs, per_user)
            current, body = cache_or_default(
                "read cache", lambda: _lookup(key, names), default=(None, None)
            )
            if body is not None:
                return HttpResponse(body, content_type=_media_type(renderer))
            response = get(view, request, *args, **kwargs)
            if (
                not isinstance(response, Response)
                or response.status_code != 200
                or getattr(response, "read_cache_skip", False)
            ):
                return response
            body = renderer.render(
                response.data, request.accepted_media_type, view.get_renderer_context()
            )
            if current is not None:  # filed under the versions read BEFORE computing it
                entry = (current, body)
                cache_or_default(
                    "read cache", lambda: cache.set(key, entry, timeout=seconds), default=None
                )
            return HttpResponse(body, content_type=_media_type(renderer))

        return cached

    return decorate
