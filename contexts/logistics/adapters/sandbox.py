"""The sandbox carrier (development and the demo): e-waybills at once, and believable tracking
progress on a timer, computed from the waybill number itself (it holds its creation time), so
it needs no state, survives restarts and answers the same events to every poll.

A parcel is picked up `LOGISTICS_SANDBOX_STEP_SECONDS` after its waybill is made, then departs
the sorting centre, goes out for delivery and is delivered, one step apart. It never pushes:
tracking is polled (the beat task, or the re-poll endpoint). A number it did not make has no
route.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from contexts.logistics.domain import RouteKind
from contexts.logistics.ports import PushAnswer, PushRejected, RouteEvent, Waybill, WaybillRequest

NUMBER = re.compile(r"^SBX(\d{13})(\d{4})$")
STEPS = (
    ("50", RouteKind.PICKED_UP, "Picked up by the courier", "Origin station"),
    ("30", RouteKind.IN_TRANSIT, "Departed the sorting centre", "Sorting centre"),
    ("44", RouteKind.OUT_FOR_DELIVERY, "Out for delivery", "Destination station"),
    ("80", RouteKind.DELIVERED, "Delivered: signed for by the receiver", "Destination"),
)


class SandboxCarrier:
    code = "sandbox"
    supports_push = False

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.clock = clock or timezone.now

    @property
    def step(self) -> timedelta:
        return timedelta(seconds=float(settings.LOGISTICS_SANDBOX_STEP_SECONDS))

    def waybill_create(self, request: WaybillRequest) -> Waybill:
        created_ms = int(self.clock().timestamp() * 1000)
        number = f"SBX{created_ms:013d}{secrets.randbelow(10_000):04d}"
        return Waybill(
            tracking_number=number,
            label={
                "waybill_no": number,
                "carrier": "Sandbox Express",
                "dest_code": request.receiver.province_code[:2] or "00",
                "pieces": str(request.pieces),
            },
        )

    def route_query(self, tracking_numbers: Sequence[str]) -> list[RouteEvent]:
        now = self.clock()
        events = []
        for number in tracking_numbers:
            found = NUMBER.match(number)
            if found is None:
                continue
            created = datetime.fromtimestamp(int(found.group(1)) / 1000, tz=UTC)
            for index, (code, kind, text, place) in enumerate(STEPS, start=1):
                at = created + index * self.step
                if at > now:
                    break
                events.append(
                    RouteEvent(
                        tracking_number=number,
                        occurred_at=at,
                        code=code,
                        kind=kind.value,
                        description=text,
                        location=place,
                    )
                )
        return events

    def push_verify(self, headers: Mapping[str, str], body: bytes) -> list[RouteEvent]:
        raise PushRejected("The sandbox carrier does not push.")

    def push_answer(self, ok: bool) -> PushAnswer:
        return PushAnswer(200, "application/json", json.dumps({"ok": ok}).encode())
