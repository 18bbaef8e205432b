"""Helpers the catalog's services share."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.errors import ValidationFailed


def invalid(field: str, message: str, *, code: str = "validation_error") -> ValidationFailed:
    """A 400 shaped like DRF's own validation errors: details.fields = {field: [message]}."""
    return ValidationFailed(
        f"The request is invalid: {message}", code=code, details={"fields": {field: [message]}}
    )


def only(data: Mapping[str, Any], allowed: Iterable[str]) -> dict[str, Any]:
    """The keys of an update that the service accepts (the serializer already dropped others)."""
    allowed = set(allowed)
    return {k: v for k, v in data.items() if k in allowed}
