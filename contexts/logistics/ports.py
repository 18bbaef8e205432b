"""The carrier port: what logistics needs from a carrier (SF Express, the sandbox carrier, an
in-memory fake in tests), and its data types.

A carrier is chosen by its code among `settings.LOGISTICS_CARRIERS`; the adapter of code `sf` is
named by `settings.LOGISTICS_CARRIER_SF` (a dotted path, `shared.ports.adapter`). Adapters read
their own settings (URLs, partner ids, check words) and never log them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from django.conf import settings

from shared.errors import BusinessRuleViolation, ServiceUnavailable, ValidationFailed
from shared.ports import adapter


@dataclass(frozen=True)
class Receiver:
    name: str
    phone: str
    province_code: str
    city_code: str
    district_code: str
    detail: str


@dataclass(frozen=True)
class WaybillRequest:
    reference: str  # our unique reference of the parcel (the carrier's order id)
    receiver: Receiver
    pieces: int  # units in the parcel


@dataclass(frozen=True)
class Waybill:
    tracking_number: str
    label: dict[str, str] = field(default_factory=dict)  # what a label printer needs


@dataclass(frozen=True)
class RouteEvent:
    tracking_number: str
    occurred_at: datetime  # aware
    code: str  # the carrier's own operation code
    kind: str  # domain.RouteKind
    description: str = ""
    location: str = ""


@dataclass(frozen=True)
class PushAnswer:
    status: int
    content_type: str
    body: bytes


class CarrierUnavailable(ServiceUnavailable):
    """The carrier did not answer in time, answered garbage, or its circuit breaker is open."""

    default_code = "carrier_unavailable"


class CarrierRefused(BusinessRuleViolation):
    """The carrier answered and said no (an address it does not serve, a bad account ...)."""

    default_code = "carrier_refused"


class PushRejected(ValidationFailed):
    """A push whose digest or shape is wrong: nothing of it is used."""

    default_code = "push_rejected"


class Carrier(Protocol):
    code: str
    supports_push: bool  # pushes its route events (else tracking is polled)

    def waybill_create(self, request: WaybillRequest) -> Waybill:
        """Ask the carrier for an electronic waybill: its tracking number and label data."""
        ...

    def route_query(self, tracking_numbers: Sequence[str]) -> list[RouteEvent]:
        """The route events the carrier knows for these numbers (any order, repeats allowed)."""
        ...

    def push_verify(self, headers: Mapping[str, str], body: bytes) -> list[RouteEvent]:
        """The route events of a push the carrier sent us; PushRejected on a bad digest."""
        ...

    def push_answer(self, ok: bool) -> PushAnswer:
        """What the carrier expects back from a push (it retries unless told ok)."""
        ...


def carrier_codes() -> tuple[str, ...]:
    """The enabled carriers' codes (settings.LOGISTICS_CARRIERS)."""
    return tuple(code.lower() for code in settings.LOGISTICS_CARRIERS)


def carrier(code: str) -> Carrier:
    """The adapter of an enabled carrier; a 400 `unknown_carrier` for any other code."""
    code = code.lower()
    if code not in carrier_codes():
        raise ValidationFailed(
            "Unknown carrier.",
            code="unknown_carrier",
            details={"fields": {"carrier_code": [f"One of: {', '.join(carrier_codes())}."]}},
        )
    return adapter(f"LOGISTICS_CARRIER_{code.upper()}")
