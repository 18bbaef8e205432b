"""Logistics' PUBLIC facade: what checkout calls to price shipping, and what ordering calls to
ship parcels and read them (logistics never calls ordering: it publishes events)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from contexts.logistics import domain, ports, selectors, services
from contexts.logistics.data import (
    FreightItem,
    FreightQuote,
    ShipmentAddress,
    ShipmentInfo,
    ShipmentLineInfo,
    TrackingInfo,
)
from shared.money import ZERO

__all__ = [
    "FreightItem",
    "FreightQuote",
    "ShipmentAddress",
    "ShipmentInfo",
    "ShipmentLineInfo",
    "TrackingInfo",
    "carrier_codes",
    "quote_freight",
    "return_parcel_register",
    "shipment_create",
    "shipments_for_order",
]


def quote_freight(
    *, merchant_id: int, province_code: str, items: Sequence[FreightItem]
) -> FreightQuote:
    """Freight for one merchant group using the merchant's default template. A merchant
    without a default template does not deliver (deliverable=False, reason "no_template"):
    checkout refuses the group rather than ship it free.

    The group is one shipment: pieces and weights (weight_grams x quantity) add up, and the
    free-shipping threshold is compared with the sum of the items' amounts (at or above it:
    free). A province the template does not deliver to gives deliverable=False."""
    template = selectors.default_freight_template(merchant_id=merchant_id)
    charge = domain.freight_charge(
        selectors.freight_plan(template) if template is not None else None,
        province_code=province_code,
        quantity=sum(item.quantity for item in items),
        weight_grams=sum(item.weight_grams * item.quantity for item in items),
        amount=sum((item.amount for item in items), ZERO),
    )
    return FreightQuote(
        merchant_id=merchant_id,
        amount=charge.amount,
        deliverable=charge.deliverable,
        template_id=template.pk if template is not None else None,
        reason=charge.reason,
    )


# --- Shipments ------------------------------------------------------------------------------


def _shipment_info(shipment, *, with_tracking: bool) -> ShipmentInfo:
    return ShipmentInfo(
        id=shipment.pk,
        order_no=shipment.order_no,
        merchant_id=shipment.merchant_id,
        buyer_id=shipment.buyer_id,
        carrier_code=shipment.carrier_code,
        tracking_number=shipment.tracking_number,
        status=shipment.status,
        lines=tuple(ShipmentLineInfo(line.sku_id, line.quantity) for line in shipment.lines.all()),
        label={str(k): str(v) for k, v in (shipment.label or {}).items()},
        created_at=shipment.created_at,
        delivered_at=shipment.delivered_at,
        tracking=tuple(
            TrackingInfo(
                occurred_at=event.occurred_at,
                code=event.code,
                kind=event.kind,
                description=event.description,
                location=event.location,
            )
            for event in shipment.tracking.all()
        )
        if with_tracking
        else (),
    )


def carrier_codes() -> tuple[str, ...]:
    """The codes of the enabled carriers (settings.LOGISTICS_CARRIERS)."""
    return ports.carrier_codes()


def shipment_create(
    *,
    order_no: str,
    merchant_id: int,
    buyer_id: int,
    ordered: Mapping[int, int],
    carrier_code: str,
    lines: Mapping[int, int] | None = None,
    tracking_number: str = "",
    waybill: bool = False,
    address: ShipmentAddress | None = None,
) -> ShipmentInfo:
    """Ship a parcel of an order: `ordered` is what the order holds (SKU id -> units), `lines`
    what this parcel holds (None: all not shipped yet). With `tracking_number` the merchant's
    own number, with `waybill=True` an e-waybill from the carrier (number and label data
    returned; `address` is the receiver's). Call it inside the transaction holding the order's
    lock (the check against what already shipped relies on it).

    Errors (nothing written): 400 unknown carrier / number and waybill both or neither, 422
    over_shipped / nothing_to_ship / carrier_refused, 409 tracking_number_taken, 503
    carrier_unavailable. Publishes logistics.shipment.created.v1."""
    receiver = (
        None
        if address is None
        else ports.Receiver(
            name=address.name,
            phone=address.phone,
            province_code=address.province_code,
            city_code=address.city_code,
            district_code=address.district_code,
            detail=address.detail,
        )
    )
    shipment = services.shipment_create(
        order_no=order_no,
        merchant_id=merchant_id,
        buyer_id=buyer_id,
        ordered=ordered,
        lines=lines,
        carrier_code=carrier_code,
        tracking_number=tracking_number,
        waybill=waybill,
        receiver=receiver,
    )
    return _shipment_info(shipment, with_tracking=False)


def shipments_for_order(*, order_no: str, with_tracking: bool = False) -> tuple[ShipmentInfo, ...]:
    """Every parcel of an order, oldest first (with their route events, oldest first, when
    asked). The caller checks who may see them."""
    return tuple(
        _shipment_info(shipment, with_tracking=with_tracking)
        for shipment in selectors.shipments_of_order(order_no=order_no)
    )


def return_parcel_register(
    *,
    reference: str,
    order_no: str,
    merchant_id: int,
    buyer_id: int,
    carrier_code: str,
    tracking_number: str,
    lines: Mapping[int, int],
) -> ShipmentInfo:
    """Track a buyer's parcel back to the merchant (after-sales: `reference`
    "aftersales:<request_no>", `lines` SKU id -> units in it), joining the caller's
    transaction. It is polled (or pushed) like any parcel, but it is not one of the order's
    (never in `shipments_for_order`, never counted as shipped): its route publishes
    logistics.return_parcel.tracked.v1 and, once, logistics.return_parcel.delivered.v1,
    both with `reference`.

    Idempotent per reference (same carrier and number: the parcel registered; another number:
    409 return_parcel_registered). 400 unknown carrier or empty number, 409
    tracking_number_taken when the carrier's number is on another parcel; nothing written."""
    shipment = services.return_parcel_register(
        reference=reference,
        order_no=order_no,
        merchant_id=merchant_id,
        buyer_id=buyer_id,
        carrier_code=carrier_code,
        tracking_number=tracking_number,
        lines=lines,
    )
    return _shipment_info(shipment, with_tracking=False)
