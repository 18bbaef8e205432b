"""Payments' read queries."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from contexts.payments.models import BillMismatch, Payment, PaymentAgreement, Refund, Transfer
from shared.auth import Principal
from shared.errors import NotFound


def _with_refunds(queryset: QuerySet[Payment]) -> QuerySet[Payment]:
    return queryset.prefetch_related(Prefetch("refunds", queryset=Refund.objects.order_by("id")))


def payment_get_for_buyer(*, buyer_id: int, payment_no: str) -> Payment:
    """The buyer's own payment (another buyer's is 404)."""
    payment = _with_refunds(
        Payment.objects.filter(buyer_id=buyer_id, payment_no=payment_no)
    ).first()
    if payment is None:
        raise NotFound("Payment not found.")
    return payment


def payment_get(*, payment_no: str) -> Payment | None:
    return _with_refunds(Payment.objects.filter(payment_no=payment_no)).first()


def payment_get_for_staff(*, principal: Principal, payment_no: str) -> Payment:
    principal.require("payment.read")
    payment = payment_get(payment_no=payment_no)
    if payment is None:
        raise NotFound("Payment not found.")
    return payment


def payment_list(
    *, principal: Principal, q: str = "", state: str = "", provider: str = ""
) -> QuerySet[Payment]:
    """Payments for staff, newest first; `q` matches a payment, trade or provider number."""
    principal.require("payment.read")
    queryset = _with_refunds(Payment.objects.all())
    if q:
        queryset = queryset.filter(
            Q(payment_no=q) | Q(trade_no=q) | Q(provider_ref=q) | Q(refunds__refund_no=q)
        ).distinct()
    if state:
        queryset = queryset.filter(state=state)
    if provider:
        queryset = queryset.filter(provider=provider)
    return queryset.order_by("-id")


def refund_list(*, principal: Principal, q: str = "", state: str = "") -> QuerySet[Refund]:
    principal.require("payment.read")
    queryset = Refund.objects.select_related("payment")
    if q:
        queryset = queryset.filter(
            Q(refund_no=q) | Q(payment__payment_no=q) | Q(payment__trade_no=q)
        )
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-id")


def bill_mismatch_list(*, principal: Principal, resolved: bool | None = None) -> QuerySet:
    principal.require("payment.read")
    queryset = BillMismatch.objects.all()
    if resolved is not None:
        queryset = queryset.filter(resolved=resolved)
    return queryset.order_by("-day", "provider", "kind")


def agreement_get(*, agreement_no: str) -> PaymentAgreement | None:
    return PaymentAgreement.objects.filter(agreement_no=agreement_no).first()


def transfer_get(*, transfer_no: str) -> Transfer | None:
    return Transfer.objects.filter(transfer_no=transfer_no).first()
