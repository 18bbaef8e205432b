"""Serializer fields bounded by the columns they are stored in.

An unbounded `serializers.IntegerField` lets `{"sort_order": 99999999999}` through to the
database, which refuses it (MariaDB 1264 "out of range") and the client gets a 500. Every integer
and money input goes through one of these instead, so an oversized value is a 400
validation_error before any SQL runs.
"""

from __future__ import annotations

import re
from decimal import Decimal

from rest_framework import serializers

from shared.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS

# Django's IntegerField / PositiveIntegerField: a signed 32-bit column on every backend
# (MariaDB's INT UNSIGNED holds more, PostgreSQL's CHECK (>= 0) INTEGER does not).
INT_MIN = -(2**31)
INT_MAX = 2**31 - 1
# BigIntegerField / BigAutoField: ids, and ids of other contexts' rows.
BIGINT_MAX = 2**63 - 1


class BoundedIntegerField(serializers.IntegerField):
    """An integer with both bounds always set, by default the range of a signed 32-bit column.
    Bounds wider than a BIGINT column are a programming error, refused at class definition."""

    def __init__(self, *, min_value: int = INT_MIN, max_value: int = INT_MAX, **kwargs) -> None:
        if not -BIGINT_MAX - 1 <= min_value <= max_value <= BIGINT_MAX:
            raise ValueError(f"bounds {min_value}..{max_value} do not fit a BIGINT column")
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)


def int_field(**kwargs) -> BoundedIntegerField:
    """A signed integer stored in an IntegerField (e.g. sort_order): -2**31 .. 2**31-1."""
    return BoundedIntegerField(**kwargs)


def positive_int(**kwargs) -> BoundedIntegerField:
    """An integer stored in a PositiveIntegerField: 0 .. 2**31-1 (pass min_value=1 for a count
    that must be at least one)."""
    kwargs.setdefault("min_value", 0)
    return BoundedIntegerField(**kwargs)


def id_field(**kwargs) -> BoundedIntegerField:
    """A row id (BigAutoField, or another context's id in a BigIntegerField): 1 .. 2**63-1."""
    kwargs.setdefault("min_value", 1)
    kwargs.setdefault("max_value", BIGINT_MAX)
    return BoundedIntegerField(**kwargs)


class MoneyField(serializers.DecimalField):
    """A DecimalField that takes amounts in plain notation only ("12.50", 12.5): an exponent
    ("1e5") is how a spreadsheet mangles a number, never how a person writes a price."""

    default_error_messages = {"invalid": "A valid amount is required, like 12.50."}
    _PLAIN = re.compile(r"^-?\d+(\.\d+)?$")

    def to_internal_value(self, data):
        if isinstance(data, str) and not self._PLAIN.match(data.strip()):
            self.fail("invalid")
        if isinstance(data, float) and "e" in repr(data).lower():
            self.fail("invalid")
        return super().to_internal_value(data)


def money_amount(**kwargs) -> MoneyField:
    """An amount for a shared.money.money_field column (14 digits, 2 places, not negative by
    default, plain notation): more digits or places are a validation error, never a database
    one."""
    kwargs.setdefault("min_value", Decimal(0))
    return MoneyField(max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs)
