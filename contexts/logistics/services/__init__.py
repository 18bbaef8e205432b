"""Logistics' commands: freight templates (`freight`) and shipments with their tracking
(`shipments`). This package re-exports what the transport layer calls."""

from contexts.logistics.services.freight import (
    TEMPLATE_FIELDS,
    WRITE,
    RuleDraft,
    freight_template_create,
    freight_template_delete,
    freight_template_update,
)
from contexts.logistics.services.shipments import (
    push_receive,
    return_parcel_register,
    shipment_create,
    shipment_poll,
    shipments_poll_due,
    tracking_record,
)

__all__ = [
    "TEMPLATE_FIELDS",
    "WRITE",
    "RuleDraft",
    "freight_template_create",
    "freight_template_delete",
    "freight_template_update",
    "push_receive",
    "return_parcel_register",
    "shipment_create",
    "shipment_poll",
    "shipments_poll_due",
    "tracking_record",
]
