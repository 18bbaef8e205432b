"""Payments' commands; this package re-exports what the transport layer (views, tasks,
handlers, admin, api) calls."""

from contexts.payments.services.agreements import (
    agreement_charge,
    agreement_end,
    agreement_end_submit,
    agreement_start,
    agreements_end_pending,
)
from contexts.payments.services.notifications import notification_process
from contexts.payments.services.payables import (
    payable_kinds,
    payable_resolve,
    payable_source_register,
)
from contexts.payments.services.payments import (
    CHANNELS,
    payable_payments_close,
    payment_close_now,
    payment_create,
    payment_query_now,
)
from contexts.payments.services.providers import (
    ProviderUnavailable,
    breakers_reset,
    enabled_codes,
    is_enabled,
)
from contexts.payments.services.reconciliation import bill_check, payments_reconcile
from contexts.payments.services.refunds import (
    refund_for_refused_payment,
    refund_for_trade,
    refund_query_now,
    refund_request,
    refund_retry,
    refund_submit,
)
from contexts.payments.services.sandbox import sandbox_agreement_sign, sandbox_pay
from contexts.payments.services.transfers import (
    transfer_query_now,
    transfer_request,
    transfer_submit,
    transfers_poll,
)

__all__ = [
    "CHANNELS",
    "ProviderUnavailable",
    "agreement_charge",
    "agreement_end",
    "agreement_end_submit",
    "agreement_start",
    "agreements_end_pending",
    "bill_check",
    "breakers_reset",
    "enabled_codes",
    "is_enabled",
    "notification_process",
    "payable_kinds",
    "payable_payments_close",
    "payable_resolve",
    "payable_source_register",
    "payment_close_now",
    "payment_create",
    "payment_query_now",
    "payments_reconcile",
    "refund_for_refused_payment",
    "refund_for_trade",
    "refund_query_now",
    "refund_request",
    "refund_retry",
    "refund_submit",
    "sandbox_agreement_sign",
    "sandbox_pay",
    "transfer_query_now",
    "transfer_request",
    "transfer_submit",
    "transfers_poll",
]
