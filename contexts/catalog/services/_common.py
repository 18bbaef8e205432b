"""Helpers the catalog's services share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared import read_cache
from shared.errors import ValidationFailed


def invalid(field: str, message: str, *, code: str = "validation_error") -> ValidationFailed:
    """A 400 shaped like DRF's own validation errors: details.fields = {field: [message]}."""
    return ValidationFailed(
        f"The request is invalid: {message}", code=code, details={"fields": {field: [message]}}
    )


def storefront_changed(spu_ids: Iterable[int] = (), *, listings: bool = True) -> None:
    """After the current transaction commits, drop the cached storefront reads showing these
    products (their pages; with `listings`, every product list and keyword search too)."""
    namespaces = [read_cache.product_page(spu_id) for spu_id in spu_ids]
    read_cache.bump_on_commit([*namespaces, read_cache.LISTINGS] if listings else namespaces)


def storefront_wide_change() -> None:
    """After commit, drop every cached storefront read: a name or a shop many pages show
    changed (category, brand, attribute, merchant)."""
    read_cache.bump_on_commit([read_cache.STOREFRONT])


def only(data: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    """The keys of an update that the service accepts (the serializer already dropped others)."""
    allowed = set(allowed)
    return {k: v for k, v in data.items() if k in allowed}
