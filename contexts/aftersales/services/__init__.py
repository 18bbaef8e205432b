"""After-sales commands; the transport layer (views, tasks, handlers, admin) calls these."""

from contexts.aftersales.services._common import ARBITRATE, MANAGE
from contexts.aftersales.services.messages import evidence_upload, message_post
from contexts.aftersales.services.refunds import refund_reference, refund_settle
from contexts.aftersales.services.requests import (
    FOR_BUYER,
    FOR_MERCHANT,
    Application,
    request_apply,
    request_approve,
    request_arbitrate,
    request_inspect,
    request_reject,
    request_reship,
    request_ship_return,
    request_withdraw,
    requests_auto_approve,
    requests_auto_close,
    return_parcel_delivered,
)
from contexts.aftersales.services.tickets import (
    ticket_assign,
    ticket_open,
    ticket_reply,
    ticket_resolve,
    tickets_escalate,
)

__all__ = [
    "ARBITRATE",
    "FOR_BUYER",
    "FOR_MERCHANT",
    "MANAGE",
    "Application",
    "evidence_upload",
    "message_post",
    "refund_reference",
    "refund_settle",
    "request_apply",
    "request_approve",
    "request_arbitrate",
    "request_inspect",
    "request_reject",
    "request_reship",
    "request_ship_return",
    "request_withdraw",
    "requests_auto_approve",
    "requests_auto_close",
    "return_parcel_delivered",
    "ticket_assign",
    "ticket_open",
    "ticket_reply",
    "ticket_resolve",
    "tickets_escalate",
]
