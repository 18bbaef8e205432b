"""Ordering's commands. Each module holds one business concept; this package re-exports the
functions the transport layer (views, tasks, api, admin) calls."""

from contexts.ordering.services.checkout import (
    CheckoutItem,
    PricingOptions,
    cart_checkout,
    cart_quote,
    checkout_preview,
    order_place,
)
from contexts.ordering.services.idempotency import (
    KEY_MAX_LENGTH,
    idempotency_keys_purge_expired,
    idempotent_response,
    request_fingerprint,
)
from contexts.ordering.services.pricing_steps import (
    PRICING_STEPS,
    pricing_step_register,
    pricing_step_replace,
)
from contexts.ordering.services.refunds import (
    order_line_refund_request,
    order_line_refund_settle,
    order_refund_view,
)
from contexts.ordering.services.special_orders import PlacedSpecialOrder, special_order_place
from contexts.ordering.services.timers import orders_auto_confirm, orders_cancel_unpaid
from contexts.ordering.services.transitions import (
    order_cancel,
    order_confirm_receipt,
    order_deliver,
    order_deliver_if_all_parcels_delivered,
    order_mark_paid,
    order_note_add,
    order_ship,
    order_shipment_create,
)

__all__ = [
    "KEY_MAX_LENGTH",
    "PRICING_STEPS",
    "CheckoutItem",
    "PlacedSpecialOrder",
    "PricingOptions",
    "cart_checkout",
    "cart_quote",
    "checkout_preview",
    "idempotency_keys_purge_expired",
    "idempotent_response",
    "order_cancel",
    "order_confirm_receipt",
    "order_deliver",
    "order_deliver_if_all_parcels_delivered",
    "order_line_refund_request",
    "order_line_refund_settle",
    "order_mark_paid",
    "order_note_add",
    "order_place",
    "order_refund_view",
    "order_ship",
    "order_shipment_create",
    "orders_auto_confirm",
    "orders_cancel_unpaid",
    "pricing_step_register",
    "pricing_step_replace",
    "request_fingerprint",
    "special_order_place",
]
