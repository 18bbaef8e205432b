"""Money in providers' formats, converted in this one place.

Alipay takes yuan as a string with two decimals ("19.90"); WeChat Pay takes fen as an integer
(1990). Amounts are Decimal end to end; anything not a whole number of fen is refused, never
rounded (a 19.985 would otherwise be charged or refunded as 19.99).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

FEN = Decimal("0.01")


class AmountError(ValueError):
    """Not an amount a provider can take (not a number, negative, or finer than a fen)."""


def _exact(amount: Decimal | str) -> Decimal:
    try:
        value = Decimal(amount) if not isinstance(amount, Decimal) else amount
    except (InvalidOperation, TypeError) as exc:
        raise AmountError(f"not an amount: {amount!r}") from exc
    if not value.is_finite() or value < 0:
        raise AmountError(f"not a payable amount: {amount!r}")
    if value != value.quantize(FEN):
        raise AmountError(f"finer than a fen: {amount!r}")
    return value


def to_yuan_string(amount: Decimal) -> str:
    """Decimal yuan -> Alipay's "19.90"."""
    return f"{_exact(amount).quantize(FEN):f}"


def from_yuan_string(text: str) -> Decimal:
    """Alipay's "19.90" -> Decimal("19.90") (exact; "19.901" is refused)."""
    return _exact(text.strip() if isinstance(text, str) else text).quantize(FEN)


def to_fen(amount: Decimal) -> int:
    """Decimal yuan -> WeChat's integer fen: 19.90 -> 1990."""
    return int(_exact(amount) * 100)


def from_fen(fen: int) -> Decimal:
    """WeChat's integer fen -> Decimal yuan: 1990 -> 19.90."""
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise AmountError(f"not a fen amount: {fen!r}")
    return (Decimal(fen) / 100).quantize(FEN)
