"""Demo search index: the demo catalog is bulk-inserted without events, so the index is built
from it once (a full reindex; running it again rebuilds the same index)."""

from __future__ import annotations

from contexts.search import services


def demo_search_index_build(*, progress: bool = False) -> tuple[int, int]:
    """Index every listed product and every order. Returns (products, orders) indexed."""
    return (
        services.products_reindex(progress=progress),
        services.orders_reindex(progress=progress),
    )
