"""Sections that contexts above the catalog add to the storefront product page (recommendation's
"bought together" ...): each registers a provider `(spu_id) -> JSON-able` from its
AppConfig.ready() through `catalog.api.register_product_page_extra`; the page shows each under
`extras.<name>`. A provider must be cheap (the page is the hottest read): precomputed, cached."""

from __future__ import annotations

from shared.extensions import ExtensionPoint

PRODUCT_PAGE_EXTRAS = ExtensionPoint("catalog.product_page")


def product_page_extras(*, spu_id: int) -> tuple[dict, bool]:
    """The sections by name, and whether all of them answered (False: a degraded page, which
    must not be cached as if it were whole)."""
    sections, failed = PRODUCT_PAGE_EXTRAS.collect_reporting(spu_id=spu_id)
    return sections, not failed
