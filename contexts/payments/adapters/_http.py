"""Outbound HTTP for the provider adapters: one place that sets the timeout and turns
transport failures into ProviderError (transient), naming the operation and never a key."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

import requests

from contexts.payments.domain.amounts import AmountError, from_fen, from_yuan_string
from contexts.payments.ports import ProviderError

_session = requests.Session()


def send(
    *,
    operation: str,
    method: str,
    url: str,
    timeout: float,
    headers: Mapping[str, str] | None = None,
    data: bytes | str | None = None,
) -> requests.Response:
    """One request; timeouts and connection errors raise ProviderError(code="timeout" or
    "connection"), which callers may retry."""
    try:
        return _session.request(
            method,
            url,
            headers=dict(headers or {}),
            data=data,
            timeout=timeout,
            allow_redirects=False,
        )
    except requests.Timeout as exc:
        raise ProviderError(f"{operation}: the provider timed out", code="timeout") from exc
    except requests.RequestException as exc:
        raise ProviderError(
            f"{operation}: the provider could not be reached", code="connection"
        ) from exc


def yuan(text: object, *, operation: str) -> Decimal:
    """A provider's yuan string as Decimal; anything else is a permanent ProviderError."""
    try:
        return from_yuan_string(str(text))
    except (AmountError, InvalidOperation) as exc:
        raise ProviderError(
            f"{operation}: the provider sent a bad amount", code="bad_amount", permanent=True
        ) from exc


def fen(value: object, *, operation: str) -> Decimal:
    """A provider's integer fen as Decimal yuan; anything else is a permanent ProviderError."""
    try:
        return from_fen(value)  # type: ignore[arg-type]
    except AmountError as exc:
        raise ProviderError(
            f"{operation}: the provider sent a bad amount", code="bad_amount", permanent=True
        ) from exc
