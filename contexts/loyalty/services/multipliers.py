"""Bonus earn multipliers that contexts above loyalty grant (a paid membership's points
multiplier, ...).

Loyalty sits below them, so it cannot read them: each registers a provider under a unique
name from its AppConfig.ready() (`loyalty.api.register_earn_multiplier`), answering a user's
multiplier at the moment points are earned (1 when it grants none). Rule: the bonus is the
highest of the providers' answers (bonuses from several sources do not stack), never below 1,
and it multiplies the member level's multiplier: points = floor(amount x rate x level
multiplier x bonus).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from decimal import Decimal

logger = logging.getLogger(__name__)

EarnMultiplierProvider = Callable[[int], Decimal]
ONE = Decimal(1)

_lock = threading.Lock()
_providers: dict[str, EarnMultiplierProvider] = {}


def earn_multiplier_register(*, name: str, provider: EarnMultiplierProvider) -> None:
    """Register (or, under the same name, replace) a bonus multiplier provider."""
    with _lock:
        _providers[name] = provider


def earn_multiplier_unregister(*, name: str) -> None:
    with _lock:
        _providers.pop(name, None)


def bonus_multiplier(*, user_id: int) -> Decimal:
    """The highest multiplier any provider grants the user now, at least 1."""
    with _lock:
        providers = list(_providers.values())
    best = ONE
    for provider in providers:
        value = provider(user_id)
        if not isinstance(value, Decimal) or not value.is_finite():
            raise TypeError(f"an earn multiplier must be a finite Decimal, got {value!r}")
        best = max(best, value)
    return best


__all__ = [
    "EarnMultiplierProvider",
    "bonus_multiplier",
    "earn_multiplier_register",
    "earn_multiplier_unregister",
]
