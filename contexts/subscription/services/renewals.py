"""The renewal beat (`renewals_run`, every few minutes; safe to re-run and to run twice at
once): takes a `now` so tests drive the clock.

1. Periods that ended: a cancelled membership expires; any other gets a renewal invoice for
   the next period (of its next plan after a downgrade) — one per period (a unique row) — and
   becomes past_due, benefits kept until grace_until = period end + SUBSCRIPTION_GRACE_DAYS.
2. Charges: a past-due renewal with auto-renew on a signed agreement is charged through
   payments when its next attempt is due, at most SUBSCRIPTION_MAX_ATTEMPTS times,
   SUBSCRIPTION_RETRY_HOURS apart. The attempt is counted (and the next one scheduled) in its
   own transaction before the provider is asked, with a key per attempt, so a concurrent or
   repeated run never charges an attempt twice.
3. Grace over and still unpaid: the membership expires and its open invoices are void.
Each membership is handled in its own transaction under its row lock, its state re-checked.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.payments import api as payments_api
from contexts.subscription import domain
from contexts.subscription.domain import MembershipState as S
from contexts.subscription.models import Invoice, Membership
from contexts.subscription.services.memberships import (
    PAYABLE_KIND,
    agreement_end,
    invoice_paid,
    invoices_void,
    membership_publish,
)
from shared.errors import AppError
from shared.ids import next_public_id

logger = logging.getLogger(__name__)


@dataclass
class RenewalRun:
    billed: list[str] = field(default_factory=list)  # member numbers
    charged: list[str] = field(default_factory=list)  # invoice numbers paid by a charge
    failed: list[str] = field(default_factory=list)  # invoice numbers whose charge failed
    expired: list[str] = field(default_factory=list)  # member numbers


def _grace() -> timedelta:
    return timedelta(days=settings.SUBSCRIPTION_GRACE_DAYS)


def _locked(pk: int) -> Membership:
    return Membership.objects.select_for_update().select_related("plan", "next_plan").get(pk=pk)


def _bill_period_end(pk: int, now: datetime, run: RenewalRun) -> None:
    with transaction.atomic():
        membership = _locked(pk)
        end = membership.current_period_end
        if membership.state not in (S.TRIALING, S.ACTIVE, S.CANCELLING) or end > now:
            return  # another run got here first
        if membership.state == S.CANCELLING:
            membership.state = domain.membership_move(membership.state, S.EXPIRED)
            invoices_void(membership)
            agreement_end(membership)
            membership.save()
            membership_publish(membership, "expired")
            run.expired.append(membership.member_no)
            return
        plan = membership.next_plan or membership.plan
        if not Invoice.objects.filter(
            membership=membership, kind=Invoice.Kind.RENEWAL, period_start=end
        ).exists():
            Invoice.objects.create(
                invoice_no=next_public_id("SI"),
                membership=membership,
                user_id=membership.user_id,
                plan=plan,
                kind=Invoice.Kind.RENEWAL,
                amount=plan.price,
                period_start=end,
                period_end=domain.period_end(end, plan.period),
                next_attempt_at=now,
            )
        invoices_void(membership, kinds=(Invoice.Kind.UPGRADE,))
        membership.state = domain.membership_move(membership.state, S.PAST_DUE)
        membership.grace_until = end + _grace()
        membership.save()
        membership_publish(membership, "past_due")
        run.billed.append(membership.member_no)


def _claim_attempt(invoice_pk: int, now: datetime) -> tuple[str, str, int] | None:
    """Count the next charge attempt of a renewal invoice (own transaction): (agreement_no,
    invoice_no, attempt), or None when nothing is to be charged now."""
    with transaction.atomic():
        membership_id = Invoice.objects.values_list("membership_id", flat=True).get(pk=invoice_pk)
        membership = _locked(membership_id)
        invoice = Invoice.objects.select_for_update().get(pk=invoice_pk)
        if (
            invoice.state != Invoice.State.OPEN
            or membership.state != S.PAST_DUE
            or not (membership.auto_renew and membership.agreement_no)
            or invoice.next_attempt_at is None
            or invoice.next_attempt_at > now
            or invoice.attempts >= settings.SUBSCRIPTION_MAX_ATTEMPTS
        ):
            return None
        invoice.attempts += 1
        retry_at = now + timedelta(hours=settings.SUBSCRIPTION_RETRY_HOURS)
        last = invoice.attempts >= settings.SUBSCRIPTION_MAX_ATTEMPTS
        invoice.next_attempt_at = None if last else retry_at
        invoice.save(update_fields=["attempts", "next_attempt_at", "updated_at"])
        return membership.agreement_no, invoice.invoice_no, invoice.attempts


def _charge(invoice_pk: int, now: datetime, run: RenewalRun) -> None:
    claimed = _claim_attempt(invoice_pk, now)
    if claimed is None:
        return
    agreement_no, invoice_no, attempt = claimed
    try:
        charge = payments_api.charge_agreement(
            agreement_no=agreement_no,
            kind=PAYABLE_KIND,
            source_ref=invoice_no,
            idempotency_key=f"renewal:{invoice_no}:{attempt}",
        )
    except AppError as exc:
        failure = exc.code
        charge = None
    else:
        failure = charge.failure_code or ("" if charge.state == "succeeded" else charge.state)
    if charge is not None and charge.state == "succeeded":
        # PaymentSucceeded says the same once delivered; invoice_paid takes it once.
        invoice_paid(
            invoice_no=invoice_no, payment_no=charge.payment_no, amount=charge.amount, paid_at=now
        )
        run.charged.append(invoice_no)
        return
    logger.info(
        "subscription renewal charge failed",
        extra={"invoice_no": invoice_no, "attempt": attempt, "code": failure},
    )
    Invoice.objects.filter(pk=invoice_pk).update(last_failure=failure[:64])
    run.failed.append(invoice_no)


def _expire_after_grace(pk: int, now: datetime, run: RenewalRun) -> None:
    with transaction.atomic():
        membership = _locked(pk)
        if membership.state != S.PAST_DUE or membership.grace_until > now:
            return
        membership.state = domain.membership_move(membership.state, S.EXPIRED)
        membership.grace_until = None
        invoices_void(membership)
        agreement_end(membership)
        membership.save()
        membership_publish(membership, "expired")
        run.expired.append(membership.member_no)


def renewals_run(*, now: datetime | None = None) -> RenewalRun:
    """One pass of the renewal beat (module docstring)."""
    now = now or timezone.now()
    run = RenewalRun()
    ended = Membership.objects.filter(
        state__in=(S.TRIALING, S.ACTIVE, S.CANCELLING), current_period_end__lte=now
    ).values_list("pk", flat=True)
    for pk in list(ended):
        try:
            _bill_period_end(pk, now, run)
        except IntegrityError:  # a concurrent run billed this period meanwhile
            continue
    due = Invoice.objects.filter(
        kind=Invoice.Kind.RENEWAL,
        state=Invoice.State.OPEN,
        next_attempt_at__lte=now,
        membership__state=S.PAST_DUE,
        membership__auto_renew=True,
    ).values_list("pk", flat=True)
    for pk in list(due):
        _charge(pk, now, run)
    lapsed = Membership.objects.filter(state=S.PAST_DUE, grace_until__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(lapsed):
        _expire_after_grace(pk, now, run)
    return run


def pending_expire(*, now: datetime | None = None, batch_size: int = 200) -> list[str]:
    """Expire pending memberships whose first invoice was made more than
    SUBSCRIPTION_PENDING_EXPIRY_HOURS ago and is still unpaid (beat
    `subscription.expire_pending`; takes `now` so tests drive the clock): the membership
    expires, the invoice is void and payments closes its pending payment (money arriving
    anyway is refunded, as for any void invoice). Safe to re-run and to run twice at once:
    each membership is claimed with SELECT ... FOR UPDATE SKIP LOCKED in its own transaction
    and its state and invoice re-checked under the lock. Answers the member numbers expired."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.SUBSCRIPTION_PENDING_EXPIRY_HOURS)
    stale = list(
        Invoice.objects.filter(
            kind=Invoice.Kind.INITIAL,
            state=Invoice.State.OPEN,
            created_at__lte=cutoff,
            membership__state=S.PENDING,
        )
        .order_by("membership_id")
        .values_list("membership_id", flat=True)
        .distinct()[:batch_size]
    )
    expired: list[str] = []
    for pk in stale:
        with transaction.atomic():
            membership = (
                Membership.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            )
            if membership is None or membership.state != S.PENDING:
                continue  # another run (or the buyer paying) holds or moved it
            open_initial = Invoice.objects.filter(
                membership=membership, kind=Invoice.Kind.INITIAL, state=Invoice.State.OPEN
            )
            if not open_initial.exists() or open_initial.filter(created_at__gt=cutoff).exists():
                continue  # paid meanwhile, or the buyer subscribed again (a new invoice)
            membership.state = domain.membership_move(membership.state, S.EXPIRED)
            invoices_void(membership)
            agreement_end(membership)
            membership.save()
            membership_publish(membership, "pending_expired")
            expired.append(membership.member_no)
    return expired
