"""Shipments (parcels) and their tracking.

A parcel is created for an order by ordering (through `logistics.api.shipment_create`, inside
ordering's transaction with the order row locked, so parcels of one order are created one at a
time): with a tracking number the merchant typed, or with an e-waybill the carrier makes.

Route events arrive by push (verified by the carrier adapter) or by polling; each is stored once
per parcel (its fingerprint: time, code, text), in one transaction with the parcel row locked,
so the same push delivered twice, or a push racing a poll, adds each event once. The parcel's
status follows its events (domain.shipment_status); `logistics.tracking.updated.v1` is published
when something new was recorded, `logistics.shipment.delivered.v1` once, when it becomes
delivered.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from contexts.logistics import domain
from contexts.logistics.events import (
    ReturnParcelDelivered,
    ReturnParcelTracked,
    ShipmentCreated,
    ShipmentDelivered,
    ShippedLine,
    TrackingUpdated,
)
from contexts.logistics.models import Shipment, ShipmentLine, TrackingEvent
from contexts.logistics.ports import (
    CarrierRefused,
    CarrierUnavailable,
    PushAnswer,
    Receiver,
    RouteEvent,
    WaybillRequest,
    carrier,
    carrier_codes,
)
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from shared.events import publish

logger = logging.getLogger(__name__)

POLL = "shipment.poll"


def shipment_not_found() -> NotFound:
    return NotFound("Shipment not found.", code="shipment_not_found")


def shipped_quantities(order_no: str) -> dict[int, int]:
    """Units of each SKU already in a parcel of the order."""
    totals: dict[int, int] = defaultdict(int)
    for sku_id, quantity in ShipmentLine.objects.filter(
        shipment__order_no=order_no, shipment__purpose=Shipment.OUTBOUND
    ).values_list("sku_id", "quantity"):
        totals[sku_id] += quantity
    return dict(totals)


@transaction.atomic
def shipment_create(
    *,
    order_no: str,
    merchant_id: int,
    buyer_id: int,
    ordered: Mapping[int, int],
    lines: Mapping[int, int] | None,
    carrier_code: str,
    tracking_number: str = "",
    waybill: bool = False,
    receiver: Receiver | None = None,
) -> Shipment:
    """A parcel of an order. `ordered`: units of each SKU the order holds; `lines`: what goes in
    this parcel (None: everything not shipped yet). The caller holds the order's lock.

    Refused, with nothing written: an unknown carrier or both/neither of a tracking number and
    `waybill` (400), a SKU not in the order or more units than are left to ship (422
    `over_shipped`), nothing left (422 `nothing_to_ship`), a tracking number the carrier already
    has on another parcel (409), the carrier unavailable (503) or refusing (422)."""
    adapter = carrier(carrier_code)
    tracking_number = tracking_number.strip()
    if bool(tracking_number) == bool(waybill):
        raise ValidationFailed(
            "Give a tracking number or ask for an e-waybill (waybill: true), not both.",
            details={"fields": {"tracking_number": ["A tracking number, or waybill: true."]}},
        )
    shipped = shipped_quantities(order_no)
    if lines is None:
        lines = {
            sku: quantity - shipped.get(sku, 0)
            for sku, quantity in ordered.items()
            if quantity > shipped.get(sku, 0)
        }
        if not lines:
            raise BusinessRuleViolation(
                "Everything in this order has shipped already.", code="nothing_to_ship"
            )
    errors = domain.over_shipped(ordered=dict(ordered), shipped=shipped, requested=dict(lines))
    if errors:
        raise BusinessRuleViolation(
            "These lines cannot ship.", code="over_shipped", details={"fields": errors}
        )
    label: dict[str, str] = {}
    if waybill:
        # The order's own parcels only: a buyer's return parcel does not take a number.
        parcel_no = (
            Shipment.objects.filter(order_no=order_no, purpose=Shipment.OUTBOUND).count() + 1
        )
        made = adapter.waybill_create(
            WaybillRequest(
                reference=f"{order_no}-{parcel_no}",
                receiver=receiver or Receiver("", "", "", "", "", ""),
                pieces=sum(lines.values()),
            )
        )
        tracking_number, label = made.tracking_number, dict(made.label)
    receiver = receiver or Receiver("", "", "", "", "", "")
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                order_no=order_no,
                merchant_id=merchant_id,
                buyer_id=buyer_id,
                carrier_code=adapter.code,
                tracking_number=tracking_number,
                label=label,
                receiver_name=receiver.name,
                receiver_phone=receiver.phone,
                province_code=receiver.province_code,
                city_code=receiver.city_code,
                district_code=receiver.district_code,
                address_detail=receiver.detail,
            )
    except IntegrityError as exc:
        raise _tracking_number_taken() from exc
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, sku_id=sku, quantity=quantity)
        for sku, quantity in sorted(lines.items())
    )
    publish(
        ShipmentCreated(
            shipment_id=shipment.pk,
            order_no=order_no,
            merchant_id=merchant_id,
            buyer_id=buyer_id,
            carrier_code=shipment.carrier_code,
            tracking_number=tracking_number,
            lines=tuple(ShippedLine(sku_id=s, quantity=q) for s, q in sorted(lines.items())),
        )
    )
    return shipment


def _tracking_number_taken() -> Conflict:
    return Conflict(
        "This tracking number is already on another parcel.", code="tracking_number_taken"
    )


@transaction.atomic
def return_parcel_register(
    *,
    reference: str,
    order_no: str,
    merchant_id: int,
    buyer_id: int,
    carrier_code: str,
    tracking_number: str,
    lines: Mapping[int, int],
) -> Shipment:
    """A buyer's parcel back to the merchant, tracked like any parcel (polled or pushed) but
    not one of the order's: it never counts as shipped and publishes ReturnParcelTracked /
    ReturnParcelDelivered (with `reference`) instead of the order's tracking events.

    Idempotent per `reference`: the same carrier and number again answer the parcel
    registered; another number for it is a 409 return_parcel_registered. Refused, with nothing
    written: an unknown carrier (400), an empty or over-long number (400), a number the
    carrier already has on another return parcel or on any outbound parcel (a merchant's
    parcel to a buyer is never a parcel back: 409 tracking_number_taken). Numbers are unique
    per purpose, so a return registration never blocks the merchant's later outbound parcel
    with that number."""
    adapter = carrier(carrier_code)
    tracking_number = (tracking_number or "").strip()
    if not tracking_number or len(tracking_number) > 64:
        raise ValidationFailed(
            "A tracking number of 1 to 64 characters.",
            details={"fields": {"tracking_number": ["1 to 64 characters."]}},
        )
    if not reference or len(reference) > 64:
        raise ValidationFailed(
            "A reference of 1 to 64 characters.",
            details={"fields": {"reference": ["1 to 64 characters."]}},
        )
    existing = (
        Shipment.objects.filter(purpose=Shipment.RETURN, reference=reference).order_by("id").first()
    )
    if existing is not None:
        if (existing.carrier_code, existing.tracking_number) != (adapter.code, tracking_number):
            raise Conflict(
                "A return parcel is already registered for this reference.",
                code="return_parcel_registered",
            )
        return existing
    if Shipment.objects.filter(
        carrier_code=adapter.code, tracking_number=tracking_number, purpose=Shipment.OUTBOUND
    ).exists():
        raise _tracking_number_taken()
    try:
        with transaction.atomic():
            shipment = Shipment.objects.create(
                order_no=order_no,
                merchant_id=merchant_id,
                buyer_id=buyer_id,
                purpose=Shipment.RETURN,
                reference=reference,
                carrier_code=adapter.code,
                tracking_number=tracking_number,
            )
    except IntegrityError as exc:
        raise _tracking_number_taken() from exc
    ShipmentLine.objects.bulk_create(
        ShipmentLine(shipment=shipment, sku_id=sku, quantity=quantity)
        for sku, quantity in sorted(lines.items())
    )
    return shipment


@transaction.atomic
def tracking_record(*, shipment_id: int, events: Sequence[RouteEvent], polled: bool = False) -> int:
    """Store a parcel's route events not stored yet and move its status; returns how many were
    new. Publishes TrackingUpdated when any was, ShipmentDelivered when the parcel became
    delivered. `polled`: the carrier was just asked (the poll time is kept)."""
    shipment = Shipment.objects.select_for_update().get(pk=shipment_id)
    now = timezone.now()
    known = set(shipment.tracking.values_list("fingerprint", flat=True))
    fresh: dict[str, TrackingEvent] = {}
    for event in events:
        fingerprint = domain.route_fingerprint(
            occurred_at=event.occurred_at, code=event.code, description=event.description
        )
        if fingerprint in known or fingerprint in fresh:
            continue
        fresh[fingerprint] = TrackingEvent(
            shipment=shipment,
            occurred_at=event.occurred_at,
            code=event.code[:16],
            kind=event.kind,
            description=event.description[:255],
            location=event.location[:100],
            fingerprint=fingerprint,
            received_at=now,
        )
    fields = ["updated_at"]
    if polled:
        shipment.last_polled_at = now
        fields.append("last_polled_at")
    if fresh:
        TrackingEvent.objects.bulk_create(fresh.values())
        timeline = list(
            shipment.tracking.order_by("occurred_at", "id").values_list("kind", "occurred_at")
        )
        before = shipment.status
        status = domain.shipment_status(before, [kind for kind, _ in timeline])
        latest_kind, latest_at = timeline[-1]
        shipment.status, shipment.last_event_at = status.value, latest_at
        fields += ["status", "last_event_at"]
        became_delivered = (
            status == domain.ShipmentStatus.DELIVERED and before != domain.ShipmentStatus.DELIVERED
        )
        if became_delivered:
            shipment.delivered_at = next(
                (at for kind, at in timeline if kind == domain.RouteKind.DELIVERED), latest_at
            )
            fields.append("delivered_at")
        shipment.save(update_fields=fields)
        ids = {
            "shipment_id": shipment.pk,
            "order_no": shipment.order_no,
            "merchant_id": shipment.merchant_id,
            "buyer_id": shipment.buyer_id,
        }
        progress = {
            "status": shipment.status,
            "latest_kind": latest_kind,
            "latest_at": latest_at,
            "added": len(fresh),
        }
        if shipment.purpose == Shipment.RETURN:
            # A buyer's parcel back: its own events (ordering's delivery is not about it).
            ids["reference"] = shipment.reference
            publish(ReturnParcelTracked(**ids, **progress))
            if became_delivered:
                publish(ReturnParcelDelivered(**ids, delivered_at=shipment.delivered_at))
        else:
            publish(TrackingUpdated(**ids, **progress))
            if became_delivered:
                publish(ShipmentDelivered(**ids, delivered_at=shipment.delivered_at))
    else:
        shipment.save(update_fields=fields)
    return len(fresh)


def _record_by_number(carrier_code: str, events: Sequence[RouteEvent], *, polled: bool) -> int:
    by_number: dict[str, list[RouteEvent]] = defaultdict(list)
    for event in events:
        by_number[event.tracking_number].append(event)
    # A number may be on an outbound and a return parcel (unique per purpose): both follow it.
    found: dict[str, list[int]] = defaultdict(list)
    for number, pk in Shipment.objects.filter(
        carrier_code=carrier_code, tracking_number__in=list(by_number)
    ).values_list("tracking_number", "pk"):
        found[number].append(pk)
    return sum(
        tracking_record(shipment_id=pk, events=batch, polled=polled)
        for number, batch in by_number.items()
        for pk in found.get(number, ())
    )


def shipment_poll(*, shipment_id: int, principal: Principal) -> Shipment:
    """Ask the parcel's carrier for its route now (shipment.poll over its shop; another shop's
    parcel is not found). 503 when the carrier is unavailable, nothing written."""
    shipment = Shipment.objects.filter(pk=shipment_id).first()
    if shipment is None:
        raise shipment_not_found()
    principal.require(POLL, merchant_id=shipment.merchant_id, not_found=shipment_not_found())
    events = carrier(shipment.carrier_code).route_query([shipment.tracking_number])
    tracking_record(
        shipment_id=shipment.pk,
        events=[e for e in events if e.tracking_number == shipment.tracking_number],
        polled=True,
    )
    return Shipment.objects.get(pk=shipment.pk)


def shipments_poll_due(*, limit: int = 200) -> int:
    """The polling beat task: ask the carriers about parcels not delivered yet whose carrier
    does not push (at most every LOGISTICS_POLL_INTERVAL_SECONDS) or whose last news is older
    than LOGISTICS_POLL_STALE_SECONDS (a push carrier gone quiet). Oldest poll first, `limit`
    parcels per run; a carrier unavailable or refusing is skipped until the next run. Returns
    how many route events were new."""
    now = timezone.now()
    interval = now - timedelta(seconds=settings.LOGISTICS_POLL_INTERVAL_SECONDS)
    stale = now - timedelta(seconds=settings.LOGISTICS_POLL_STALE_SECONDS)
    added = 0
    for code in carrier_codes():
        adapter = carrier(code)
        due = Shipment.objects.filter(carrier_code=adapter.code).exclude(
            status=domain.ShipmentStatus.DELIVERED
        )
        if adapter.supports_push:
            due = due.filter(Q(last_event_at__lt=stale) | Q(last_event_at__isnull=True)).filter(
                Q(last_polled_at__lt=stale) | Q(last_polled_at__isnull=True),
                created_at__lt=stale,
            )
        else:
            due = due.filter(Q(last_polled_at__lt=interval) | Q(last_polled_at__isnull=True))
        rows = list(
            due.order_by("last_polled_at", "id").values_list("pk", "tracking_number")[:limit]
        )
        if not rows:
            continue
        try:
            events = adapter.route_query([number for _, number in rows])
        except (CarrierUnavailable, CarrierRefused) as exc:
            logger.warning("tracking poll skipped", extra={"carrier": code, "error": exc.code})
            continue
        added += _record_by_number(adapter.code, events, polled=False)
        Shipment.objects.filter(pk__in=[pk for pk, _ in rows]).update(last_polled_at=now)
    return added


def push_receive(*, carrier_code: str, headers: Mapping[str, str], body: bytes) -> PushAnswer:
    """A carrier's route push: verified by its adapter (400 push_rejected, nothing stored, on a
    bad digest), then each route event stored once. Events of numbers we do not know are
    ignored (the answer is still ok, or the carrier would push them forever)."""
    if carrier_code.lower() not in carrier_codes():
        raise NotFound("No such carrier.")
    adapter = carrier(carrier_code)
    if not adapter.supports_push:
        raise NotFound("This carrier does not push.")
    events = adapter.push_verify(headers, body)
    added = _record_by_number(adapter.code, events, polled=False)
    logger.info("route push", extra={"carrier": adapter.code, "events": len(events), "new": added})
    return adapter.push_answer(True)
