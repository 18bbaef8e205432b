"""Versioned domain events as frozen dataclasses.

A subclass declares `event_type` (`<context>.<aggregate>.<happened>.v<N>`) and `aggregate`,
the name of the field holding the aggregate id (the Kafka message key). A breaking change to the
payload is a new class with a new version, never an edit of the old one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import typing
import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

_REGISTRY: dict[str, type[DomainEvent]] = {}
# Fields every event has, stored as outbox columns rather than in the payload.
ENVELOPE_FIELDS = ("event_id", "occurred_at", "aggregate_version")


@dataclasses.dataclass(frozen=True, kw_only=True)
class DomainEvent:
    event_type: ClassVar[str] = ""
    aggregate: ClassVar[str] = ""

    event_id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)
    occurred_at: dt.datetime = dataclasses.field(default_factory=timezone.now)
    # Assigned by the outbox when published (1, 2, ... per aggregate, in commit order); handlers
    # receive it so projections can ignore a stale event (shared.events.projections).
    aggregate_version: int = 0

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.event_type:
            return
        existing = _REGISTRY.get(cls.event_type)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise TypeError(f"event type {cls.event_type} is already taken by {existing}")
        _REGISTRY[cls.event_type] = cls

    @property
    def aggregate_id(self) -> str:
        return str(getattr(self, self.aggregate)) if self.aggregate else ""

    def payload(self) -> dict[str, Any]:
        """The event's own fields as JSON-safe values (Decimal and datetimes as strings)."""
        data = dataclasses.asdict(self)
        for envelope_field in ENVELOPE_FIELDS:
            data.pop(envelope_field)
        return json.loads(json.dumps(data, cls=DjangoJSONEncoder))

    @classmethod
    def from_payload(
        cls,
        *,
        event_id: uuid.UUID,
        occurred_at: dt.datetime,
        payload: dict[str, Any],
        aggregate_version: int = 0,
    ) -> DomainEvent:
        hints = typing.get_type_hints(cls)
        values = {}
        for f in dataclasses.fields(cls):
            if f.name in ENVELOPE_FIELDS or f.name not in payload:
                continue
            values[f.name] = _coerce(hints.get(f.name), payload[f.name])
        return cls(
            event_id=event_id,
            occurred_at=occurred_at,
            aggregate_version=aggregate_version,
            **values,
        )

    @property
    def stream(self) -> str:
        """The aggregate stream its versions count in: `<context>.<aggregate>`."""
        return ".".join(self.event_type.split(".")[:2])


def _coerce(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        for arg in typing.get_args(hint):
            if arg is not type(None):
                return _coerce(arg, value)
    if origin is tuple:
        args = typing.get_args(hint)
        inner = args[0] if args else Any
        return tuple(_coerce(inner, v) for v in value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint) and isinstance(value, dict):
        inner = typing.get_type_hints(hint)
        return hint(**{k: _coerce(inner.get(k), v) for k, v in value.items() if k in inner})
    if hint is Decimal:
        return Decimal(str(value))
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    if hint is uuid.UUID:
        return uuid.UUID(str(value))
    return value


def event_class_for(event_type: str) -> type[DomainEvent] | None:
    return _REGISTRY.get(event_type)


def registered_event_types() -> dict[str, type[DomainEvent]]:
    return dict(_REGISTRY)
