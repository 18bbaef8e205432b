"""Rendered storefront reads, cached whole and invalidated by version counters.

A cached read is the JSON body (bytes) of a successful GET, stored under a key made of the
request's normalized URL (scheme, host, path, query parameters sorted by name: the pagination
links DRF writes into a body are sorted the same way, so equal keys mean equal bytes), the
accepted media type, and the current value of every *namespace* the answer depends on. A write
that changes what a buyer sees bumps the namespaces it touches (`bump_on_commit`, from the
owning context's service or event handler): the keys of every answer built before it stop being
asked for, and superseded entries simply expire. Nothing is ever deleted or scanned.

Namespaces used by the storefront (names here, so that a context can bump a namespace another
context reads without importing it):

- STOREFRONT: everything (shop, category, brand, attribute names; a shop suspended);
- LISTINGS: product lists and keyword searches (catalog writes, index writes);
- product_page(spu_id): one product page.

Why it stays correct:
- bumps run after the write commits (`transaction.on_commit`): a reader that filled the new
  version necessarily read the committed state; one that read the old state stored it under the
  old version, which nobody asks for any more;
- a reader reads the versions BEFORE computing its answer, so an answer is never filed under a
  version newer than the state it was computed from;
- a namespace's first value (and its value after an eviction) is random, never a value an
  earlier generation used, so an evicted counter cannot resurrect old entries;
- with the cache unreachable, reads are computed (uncached) and bumps are lost; entries expire
  after settings.STOREFRONT_CACHE_SECONDS, which bounds how stale an answer can be after an
  outage (and how long superseded entries use memory).

Only bodies are cached, never headers a view set itself. Per-user answers must say so
(`per_user=True`, the user's id joins the key); the storefront's answers are the same for
everyone (tested). 0 database queries on a hit.
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


def _key(view, request, namespaces: Sequence[str], per_user: bool) -> str | None:
    current = cache_or_default("read cache", lambda: versions(namespaces), default=None)
    if current is None:
        return None
    query = urlencode(sorted(request.query_params.lists()), doseq=True)
    user = request.user.pk if per_user and request.user.is_authenticated else None
    parts = (
        type(view).__qualname__,
        request.scheme,
        request.get_host(),
        request.path,
        query,
        request.accepted_media_type,
        user,
        *zip(namespaces, current, strict=True),
    )
    return _ENTRY_KEY.format(hashlib.sha256(repr(parts).encode()).hexdigest())


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
            key = _key(view, request, names, per_user)
            if key is not None:
                body = cache_or_default("read cache", lambda: cache.get(key), default=None)
                if body is not None:
                    return HttpResponse(body, content_type=_media_type(renderer))
            response = get(view, request, *args, **kwargs)
            if not isinstance(response, Response) or response.status_code != 200:
                return response
            body = renderer.render(
                response.data, request.accepted_media_type, view.get_renderer_context()
            )
            if key is not None:
                cache_or_default(
                    "read cache", lambda: cache.set(key, body, timeout=seconds), default=None
                )
            return HttpResponse(body, content_type=_media_type(renderer))

        return cached

    return decorate
