"""Logistics' public, versioned events (published through the outbox). Ids only: the receiver's
name, phone and address stay in logistics."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True)
class ShippedLine:
    sku_id: int
    quantity: int


@dataclass(frozen=True, kw_only=True)
class ShipmentCreated(DomainEvent):
    """A parcel of an order left with a carrier (with its tracking number)."""

    event_type: ClassVar[str] = "logistics.shipment.created.v1"
    aggregate: ClassVar[str] = "shipment_id"
    shipment_id: int
    order_no: str
    merchant_id: int
    buyer_id: int
    carrier_code: str
    tracking_number: str
    lines: tuple[ShippedLine, ...]


@dataclass(frozen=True, kw_only=True)
class TrackingUpdated(DomainEvent):
    """New route events were recorded for a parcel (by push or by polling)."""

    event_type: ClassVar[str] = "logistics.tracking.updated.v1"
    aggregate: ClassVar[str] = "shipment_id"
    shipment_id: int
    order_no: str
    merchant_id: int
    buyer_id: int
    status: str
    latest_kind: str
    latest_at: datetime
    added: int


@dataclass(frozen=True, kw_only=True)
class ShipmentDelivered(DomainEvent):
    """The carrier reported the parcel delivered (once per parcel)."""

    event_type: ClassVar[str] = "logistics.shipment.delivered.v1"
    aggregate: ClassVar[str] = "shipment_id"
    shipment_id: int
    order_no: str
    merchant_id: int
    buyer_id: int
    delivered_at: datetime


@dataclass(frozen=True, kw_only=True)
class ReturnParcelTracked(DomainEvent):
    """New route events were recorded for a return parcel (a buyer's parcel back to the
    merchant, registered by `reference`, e.g. "aftersales:<request_no>"). Return parcels never
    publish TrackingUpdated / ShipmentDelivered: those are about an order's delivery."""

    event_type: ClassVar[str] = "logistics.return_parcel.tracked.v1"
    aggregate: ClassVar[str] = "shipment_id"
    shipment_id: int
    reference: str
    order_no: str
    merchant_id: int
    buyer_id: int
    status: str
    latest_kind: str
    latest_at: datetime
    added: int


@dataclass(frozen=True, kw_only=True)
class ReturnParcelDelivered(DomainEvent):
    """The carrier reported a return parcel delivered to the merchant (once per parcel)."""

    event_type: ClassVar[str] = "logistics.return_parcel.delivered.v1"
    aggregate: ClassVar[str] = "shipment_id"
    shipment_id: int
    reference: str
    order_no: str
    merchant_id: int
    buyer_id: int
    delivered_at: datetime
