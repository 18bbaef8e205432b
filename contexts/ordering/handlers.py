"""Ordering's reactions to other contexts' events (subscribed in apps.py, stable names)."""

from __future__ import annotations

from contexts.logistics.events import ShipmentDelivered
from contexts.ordering import services


def shipment_delivered_order_deliver(event: ShipmentDelivered) -> None:
    """A parcel was delivered: the order becomes delivered once all its parcels are (and
    everything it holds has shipped). Idempotent: a repeat, or an order already delivered,
    completed or refunding, changes nothing."""
    services.order_deliver_if_all_parcels_delivered(order_no=event.order_no)
