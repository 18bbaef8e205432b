"""The cache is an optimisation: when it is unreachable, a request degrades instead of failing.

Throttles stop limiting, listings count exactly, availability is read from the database. Each
kind of failure is logged as a warning at most once per CACHE_WARNING_INTERVAL_SECONDS per process
(an outage under load would otherwise write one line per request). Where the cache holds state
that a rule cannot do without (the sign-in lockout counters), callers use `cache_required`
instead, which answers 503 service_unavailable.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from shared.errors import ServiceUnavailable

try:  # redis-py is installed wherever REDIS_URL can be set; the local-memory cache needs none
    from redis.exceptions import RedisError
except ImportError:  # pragma: no cover
    RedisError = OSError

logger = logging.getLogger("ecommerce.cache")

CACHE_ERRORS: tuple[type[BaseException], ...] = (RedisError, OSError)  # OSError: socket errors
CACHE_WARNING_INTERVAL_SECONDS = 60.0

T = TypeVar("T")

_last_warning: dict[str, float] = {}
_warning_lock = threading.Lock()


def _warn(operation: str, exc: BaseException) -> None:
    now = time.monotonic()
    with _warning_lock:
        last = _last_warning.get(operation)
        if last is not None and now - last < CACHE_WARNING_INTERVAL_SECONDS:
            return
        _last_warning[operation] = now
    logger.warning(
        "cache unavailable, %s degraded: %s", operation, type(exc).__name__, extra={"op": operation}
    )


def cache_or_default(operation: str, call: Callable[[], T], *, default: T) -> T:
    """`call()`, or `default` (with a rate-limited warning) when the cache cannot be reached."""
    try:
        return call()
    except CACHE_ERRORS as exc:
        _warn(operation, exc)
        return default


def cache_required(operation: str, call: Callable[[], T]) -> T:
    """`call()`; when the cache cannot be reached, 503 service_unavailable (warning logged)."""
    try:
        return call()
    except CACHE_ERRORS as exc:
        _warn(operation, exc)
        raise ServiceUnavailable() from exc
