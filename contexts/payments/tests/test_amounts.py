"""Money in the providers' formats: exact both ways, never rounded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.payments.domain.amounts import (
    AmountError,
    from_fen,
    from_yuan_string,
    to_fen,
    to_yuan_string,
)


def test_yuan_string_and_fen_round_trip_exactly():
    assert to_yuan_string(Decimal("19.90")) == "19.90"
    assert to_yuan_string(Decimal("19.9")) == "19.90"
    assert to_yuan_string(Decimal("0")) == "0.00"
    assert from_yuan_string("19.90") == Decimal("19.90")
    assert to_fen(Decimal("19.90")) == 1990
    assert to_fen(Decimal("0.01")) == 1
    assert from_fen(1990) == Decimal("19.90")
    assert from_fen(1) == Decimal("0.01")
    for cents in (0, 1, 9, 10, 99, 100, 1990, 123456789):
        yuan = from_fen(cents)
        assert to_fen(yuan) == cents
        assert from_yuan_string(to_yuan_string(yuan)) == yuan


@pytest.mark.parametrize(
    "amount",
    [Decimal("19.905"), Decimal("0.001"), Decimal("-1.00"), Decimal("NaN"), Decimal("Infinity")],
)
def test_a_fen_fraction_or_a_negative_is_refused_not_rounded(amount):
    with pytest.raises(AmountError):
        to_yuan_string(amount)
    with pytest.raises(AmountError):
        to_fen(amount)


@pytest.mark.parametrize("text", ["19.901", "-0.01", "NaN", "abc", ""])
def test_a_provider_amount_finer_than_a_fen_is_refused(text):
    with pytest.raises(AmountError):
        from_yuan_string(text)


@pytest.mark.parametrize("fen", [-1, 19.9, "1990", True, None])
def test_fen_must_be_a_non_negative_integer(fen):
    with pytest.raises(AmountError):
        from_fen(fen)
