"""Outbound calls of the carrier adapters: a timeout on every call and a circuit breaker per
adapter, so a carrier that hangs costs a request at most its timeout and, once it has failed
`fail_max` times in a row, nothing at all until `reset_timeout` has passed (a clean 503)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import pybreaker
import requests

from contexts.logistics.ports import CarrierUnavailable

logger = logging.getLogger(__name__)


class GuardedHttp:
    def __init__(
        self, *, name: str, timeout: float, fail_max: int = 5, reset_timeout: float = 30
    ) -> None:
        self.name = name
        self.timeout = timeout
        self.breaker = pybreaker.CircuitBreaker(
            fail_max=fail_max, reset_timeout=reset_timeout, name=name
        )
        self.session = requests.Session()

    def post_form(self, url: str, fields: Mapping[str, str]) -> requests.Response:
        """POST form fields; CarrierUnavailable on a timeout, a connection error, a 5xx or an
        open breaker (each but the last counts as a failure of the breaker)."""
        try:
            return self.breaker.call(self._post, url, fields)
        except pybreaker.CircuitBreakerError as exc:
            logger.warning("carrier breaker open", extra={"carrier": self.name})
            raise CarrierUnavailable("The carrier is unavailable; try again later.") from exc
        except (requests.RequestException, _ServerError) as exc:
            # The exception's text may hold the URL only; never the form (it carries digests).
            logger.warning(
                "carrier call failed",
                extra={"carrier": self.name, "error": type(exc).__name__},
            )
            raise CarrierUnavailable("The carrier did not answer; try again later.") from exc

    def _post(self, url: str, fields: Mapping[str, str]) -> requests.Response:
        response = self.session.post(
            url,
            data=dict(fields),
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"},
            timeout=self.timeout,
        )
        if response.status_code >= 500:
            raise _ServerError(response.status_code)
        return response


class _ServerError(Exception):
    pass
