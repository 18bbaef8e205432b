"""An in-memory carrier for tests: waybills numbered FAKE1, FAKE2 ...; route events are what
the test adds; pushes are JSON `{"secret": ..., "events": [...]}` checked against its secret."""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from contexts.logistics.ports import (
    CarrierUnavailable,
    PushAnswer,
    PushRejected,
    RouteEvent,
    Waybill,
    WaybillRequest,
)


class InMemoryCarrier:
    def __init__(self, code: str = "fake", *, supports_push: bool = False) -> None:
        self.code = code
        self.supports_push = supports_push
        self.routes: dict[str, list[RouteEvent]] = {}
        self.waybills: list[WaybillRequest] = []
        self.queries: list[tuple[str, ...]] = []
        self.down = False
        self.secret = "fake-push-secret"
        self._numbers = itertools.count(1)

    def add_route(
        self, number: str, kind: str, at: datetime, *, code: str = "", description: str = ""
    ) -> RouteEvent:
        event = RouteEvent(
            tracking_number=number,
            occurred_at=at,
            code=code or kind[:16],
            kind=kind,
            description=description or kind,
        )
        self.routes.setdefault(number, []).append(event)
        return event

    def waybill_create(self, request: WaybillRequest) -> Waybill:
        if self.down:
            raise CarrierUnavailable("The carrier is unavailable; try again later.")
        self.waybills.append(request)
        number = f"FAKE{next(self._numbers)}"
        return Waybill(tracking_number=number, label={"waybill_no": number})

    def route_query(self, tracking_numbers: Sequence[str]) -> list[RouteEvent]:
        if self.down:
            raise CarrierUnavailable("The carrier is unavailable; try again later.")
        self.queries.append(tuple(tracking_numbers))
        return [event for number in tracking_numbers for event in self.routes.get(number, [])]

    def push_verify(self, headers: Mapping[str, str], body: bytes) -> list[RouteEvent]:
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise PushRejected("Not a push.") from exc
        if not isinstance(data, dict) or data.get("secret") != self.secret:
            raise PushRejected("The push's digest does not match.")
        return [
            RouteEvent(
                tracking_number=item["number"],
                occurred_at=datetime.fromisoformat(item["at"]),
                code=item["kind"],
                kind=item["kind"],
                description=item.get("description", ""),
            )
            for item in data.get("events", [])
        ]

    def push_answer(self, ok: bool) -> PushAnswer:
        return PushAnswer(200, "application/json", json.dumps({"ok": ok}).encode())
