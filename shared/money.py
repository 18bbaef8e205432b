"""Money on Decimal. One rounding rule for the whole product: half-up to the currency's minor unit.
Floats are refused: a float price is always a bug."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Minor units per ISO 4217 currency; CNY and most others use two decimals.
MINOR_UNITS = {"CNY": 2, "USD": 2, "EUR": 2, "JPY": 0, "KRW": 0}

MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2


def default_currency() -> str:
    return getattr(settings, "DEFAULT_CURRENCY", "CNY")


def quantum(currency: str | None = None) -> Decimal:
    places = MINOR_UNITS.get((currency or default_currency()).upper(), 2)
    return Decimal(1).scaleb(-places)


def to_decimal(value: Decimal | int | str) -> Decimal:
    """Parse an amount without rounding. Floats are rejected because they are not exact."""
    if isinstance(value, bool | float):
        raise TypeError("money must be Decimal, int or str, never float")
    try:
        result = Decimal(value)
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return result


def quantize(value: Decimal | int | str, currency: str | None = None) -> Decimal:
    """Round to the currency's minor unit, half-up (the product's single rounding rule)."""
    return to_decimal(value).quantize(quantum(currency), rounding=ROUND_HALF_UP)


def non_negative(value: Decimal) -> Decimal:
    """Totals never go below zero."""
    return value if value > 0 else ZERO


def money_field(**kwargs) -> models.DecimalField:
    """The one column type for money."""
    kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
    return models.DecimalField(**kwargs)
