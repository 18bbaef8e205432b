"""Named providers that a context above registers on a context below, to add a section to one
of its responses (the catalog's product page, the cart) without the lower context importing it.

    PAGE_EXTRAS = ExtensionPoint("catalog.product_page")      # in the lower context
    PAGE_EXTRAS.register("recommendations", provider)         # upper context's AppConfig.ready()
    PAGE_EXTRAS.collect(spu_id=5)  # {"recommendations": provider(spu_id=5)}

A provider that raises is logged and left out of that response: a section added from above
never breaks the page it is added to.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)


class ExtensionPoint:
    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self._providers: dict[str, Callable[..., Any]] = {}

    def register(self, key: str, provider: Callable[..., Any]) -> None:
        """Register (or, under the same key, replace) the provider of section `key`."""
        with self._lock:
            self._providers[key] = provider

    def unregister(self, key: str) -> None:
        with self._lock:
            self._providers.pop(key, None)

    def keys(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(sorted(self._providers))

    def collect(self, **kwargs: Any) -> dict[str, Any]:
        """Every provider's section for these arguments, by key (failed ones left out)."""
        return self.collect_reporting(**kwargs)[0]

    def collect_reporting(self, **kwargs: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
        """`collect`, and the keys of the providers that failed: an answer missing them is
        degraded, and must not be cached as if it were whole."""
        with self._lock:
            providers = sorted(self._providers.items())
        out: dict[str, Any] = {}
        failed: list[str] = []
        for key, provider in providers:
            try:
                out[key] = provider(**kwargs)
            except Exception:
                logger.exception("extension %s of %s failed", key, self.name)
                failed.append(key)
        return out, tuple(failed)
