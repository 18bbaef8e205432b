"""Which providers are enabled, their adapters, and one circuit breaker per provider.

PAYMENTS_PROVIDERS lists the enabled codes; PAYMENTS_PROVIDER_<CODE> holds each adapter's
dotted path (only enabled ones are ever imported). Every outbound call goes through
`provider_call`, so a provider that keeps failing or timing out opens its breaker
(PAYMENTS_BREAKER_FAIL_MAX failures, PAYMENTS_BREAKER_RESET_SECONDS until a trial call) and
further calls fail fast with ProviderUnavailable (503 payment_provider_unavailable).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pybreaker
from django.conf import settings

from contexts.payments.ports import PaymentProvider, ProviderError
from shared.errors import NotFound, ServiceUnavailable, ValidationFailed
from shared.ports import adapter

logger = logging.getLogger(__name__)
T = TypeVar("T")

_breakers: dict[tuple[str, int, float], pybreaker.CircuitBreaker] = {}
_lock = threading.Lock()


class ProviderUnavailable(ServiceUnavailable):
    default_code = "payment_provider_unavailable"
    default_message = "The payment provider is unavailable; try again shortly."


def enabled_codes() -> tuple[str, ...]:
    return tuple(settings.PAYMENTS_PROVIDERS)


def setting_name(code: str) -> str:
    return f"PAYMENTS_PROVIDER_{code.upper()}"


def is_enabled(code: str) -> bool:
    return code in enabled_codes()


def provider_for(code: str) -> PaymentProvider:
    """The adapter of an enabled provider (404 not_found otherwise: a callback URL of a
    provider we do not use reveals nothing)."""
    if not is_enabled(code):
        raise NotFound("No such payment provider.")
    return adapter(setting_name(code))


def provider_for_new_payment(code: str) -> PaymentProvider:
    if not is_enabled(code):
        raise ValidationFailed(
            "This payment provider is not available.",
            code="validation_error",
            details={"fields": {"provider": ["Not an enabled provider."]}},
        )
    return adapter(setting_name(code))


def _is_permanent(exc: BaseException) -> bool:
    # A refusal that says nothing about the provider's health (a bad request, an unknown
    # number) must not open the breaker.
    return isinstance(exc, ProviderError) and exc.permanent


def breaker_for(code: str) -> pybreaker.CircuitBreaker:
    fail_max = settings.PAYMENTS_BREAKER_FAIL_MAX
    reset = float(settings.PAYMENTS_BREAKER_RESET_SECONDS)
    key = (code, fail_max, reset)
    with _lock:
        found = _breakers.get(key)
        if found is None:
            found = _breakers[key] = pybreaker.CircuitBreaker(
                fail_max=fail_max,
                reset_timeout=reset,
                exclude=[_is_permanent],
                name=f"payments.{code}",
            )
    return found


def breakers_reset() -> None:
    """Forget every breaker's state (tests)."""
    with _lock:
        _breakers.clear()


def provider_call(code: str, operation: Callable[..., T], /, **kwargs: Any) -> T:
    """Call `operation(**kwargs)` (a bound adapter method) through the provider's breaker.

    ProviderError passes through (the caller decides); an open breaker is ProviderUnavailable.
    """
    try:
        return breaker_for(code).call(operation, **kwargs)
    except pybreaker.CircuitBreakerError as exc:
        logger.warning(
            "payment provider circuit open",
            extra={"provider": code, "operation": getattr(operation, "__name__", "")},
        )
        raise ProviderUnavailable() from exc
