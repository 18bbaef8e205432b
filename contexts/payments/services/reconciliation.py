"""Reconciliation with the providers.

`payments_reconcile` (beat, every minute): payments pending longer than
PAYMENTS_RECONCILE_AFTER_MINUTES are queried at their provider and settled through the same
path as callbacks; refunds still requested are sent again and refunds processing are queried.
`bill_check` (beat, daily): each enabled provider's bill totals of a day against ours
(succeeded payments by paid_at, succeeded refunds by completed_at); a difference is recorded
as a BillMismatch for staff, a later agreeing check marks it resolved.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from contexts.payments.domain.states import PaymentState, RefundState
from contexts.payments.models import BillMismatch, Payment, Refund
from contexts.payments.ports import ProviderError
from contexts.payments.services.agreements import agreements_end_pending
from contexts.payments.services.payments import payment_query_now
from contexts.payments.services.providers import enabled_codes, provider_call, provider_for
from contexts.payments.services.refunds import refund_query_now
from shared.errors import AppError
from shared.money import ZERO

logger = logging.getLogger(__name__)


def payments_reconcile(*, batch_size: int = 200) -> dict[str, int]:
    """Query overdue pending payments and unfinished refunds; returns how many were looked at
    and how many changed state. A provider that fails is skipped until the next run."""
    cutoff = timezone.now() - timedelta(minutes=settings.PAYMENTS_RECONCILE_AFTER_MINUTES)
    enabled = enabled_codes()
    counts = {"payments": 0, "payments_settled": 0, "refunds": 0, "refunds_settled": 0}
    overdue = Payment.objects.filter(
        state=PaymentState.PENDING, created_at__lte=cutoff, provider__in=enabled
    ).values_list("payment_no", flat=True)[:batch_size]
    for payment_no in overdue:
        counts["payments"] += 1
        try:
            if payment_query_now(payment_no=payment_no).state != PaymentState.PENDING:
                counts["payments_settled"] += 1
        except (AppError, ProviderError) as exc:
            logger.warning(
                "reconciliation could not query a payment",
                extra={"payment_no": payment_no, "error": type(exc).__name__},
            )
    unfinished = Refund.objects.filter(
        state__in=[RefundState.REQUESTED, RefundState.PROCESSING],
        updated_at__lte=cutoff,
        payment__provider__in=enabled,
    ).values_list("refund_no", "state")[:batch_size]
    for refund_no, state in unfinished:
        counts["refunds"] += 1
        try:
            if refund_query_now(refund_no=refund_no).state != state:
                counts["refunds_settled"] += 1
        except (AppError, ProviderError) as exc:
            logger.warning(
                "reconciliation could not query a refund",
                extra={"refund_no": refund_no, "error": type(exc).__name__},
            )
    counts["agreements_ended"] = agreements_end_pending(batch_size=batch_size)
    return counts


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())
    return start, start + timedelta(days=1)


def our_totals(*, provider: str, day: date) -> dict[str, tuple[int, object]]:
    start, end = _day_bounds(day)
    paid = Payment.objects.filter(
        provider=provider, state=PaymentState.SUCCEEDED, paid_at__gte=start, paid_at__lt=end
    ).aggregate(n=Count("id"), total=Sum("amount"))
    refunded = Refund.objects.filter(
        payment__provider=provider,
        state=RefundState.SUCCEEDED,
        completed_at__gte=start,
        completed_at__lt=end,
    ).aggregate(n=Count("id"), total=Sum("amount"))
    return {
        BillMismatch.Kind.PAYMENTS: (paid["n"], paid["total"] or ZERO),
        BillMismatch.Kind.REFUNDS: (refunded["n"], refunded["total"] or ZERO),
    }


def bill_check(*, day: date | None = None) -> int:
    """Compare each enabled provider's bill of `day` (default: yesterday) with ours; returns
    how many mismatches are open for that day after the check."""
    day = day or (timezone.localdate() - timedelta(days=1))
    open_count = 0
    for code in enabled_codes():
        adapter = provider_for(code)
        try:
            bill = provider_call(code, adapter.bill_totals, day=day)
        except (AppError, ProviderError) as exc:
            logger.warning(
                "bill download failed", extra={"provider": code, "error": type(exc).__name__}
            )
            continue
        ours = our_totals(provider=code, day=day)
        theirs = {
            BillMismatch.Kind.PAYMENTS: (bill.payment_count, bill.payment_amount),
            BillMismatch.Kind.REFUNDS: (bill.refund_count, bill.refund_amount),
        }
        for kind, (our_count, our_amount) in ours.items():
            their_count, their_amount = theirs[kind]
            agree = our_count == their_count and our_amount == their_amount
            if agree:
                BillMismatch.objects.filter(provider=code, day=day, kind=kind).update(
                    resolved=True, checked_at=timezone.now()
                )
                continue
            open_count += 1
            logger.warning(
                "provider bill differs from ours",
                extra={"provider": code, "day": day.isoformat(), "kind": kind},
            )
            BillMismatch.objects.update_or_create(
                provider=code,
                day=day,
                kind=kind,
                defaults={
                    "our_count": our_count,
                    "our_amount": our_amount,
                    "their_count": their_count,
                    "their_amount": their_amount,
                    "checked_at": timezone.now(),
                    "resolved": False,
                },
            )
    return open_count
