"""A buyer's membership: subscribe, pay (an invoice through payments), cancel at period end,
resume, change plan (upgrade now with proration, downgrade at the next renewal), auto-renew
agreements. Every change locks the membership row first (then its invoices), so two requests
of one member apply one after the other; each publishes MembershipChanged in its transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.payments import api as payments_api
from contexts.subscription import domain
from contexts.subscription.domain import MembershipState as S
from contexts.subscription.events import MembershipChanged
from contexts.subscription.models import Invoice, Membership, Plan
from shared.auth import Principal
from shared.errors import Conflict, NotFound
from shared.events import publish
from shared.ids import next_public_id

logger = logging.getLogger(__name__)

PAYABLE_KIND = "subscription"


@dataclass(frozen=True)
class Subscribed:
    membership: Membership
    invoice: Invoice | None


def membership_publish(membership: Membership, reason: str) -> None:
    publish(
        MembershipChanged(
            member_no=membership.member_no,
            user_id=membership.user_id,
            plan_id=membership.plan_id,
            state=membership.state,
            current_period_end=membership.current_period_end,
            reason=reason,
        )
    )


def membership_lock(*, user_id: int) -> Membership | None:
    return (
        Membership.objects.select_for_update()
        .select_related("plan", "next_plan")
        .filter(user_id=user_id)
        .first()
    )


def _own_membership(principal: Principal) -> Membership:
    principal.require("subscription.subscribe")
    membership = membership_lock(user_id=principal.user_id)
    if membership is None:
        raise NotFound("You have no membership.", code="not_subscribed")
    return membership


def _plan_for_buyer(plan_id: int) -> Plan:
    plan = Plan.objects.filter(pk=plan_id, is_active=True).first()
    if plan is None:
        raise NotFound("No such plan.")
    return plan


def invoices_void(membership: Membership, *, kinds: tuple[str, ...] | None = None) -> int:
    """Void the membership's open invoices (of those kinds) and have payments close their
    pending payments (after commit), so they can no longer be paid; a payment arriving for
    one anyway is refunded (invoice_paid)."""
    rows = Invoice.objects.filter(membership=membership, state=Invoice.State.OPEN)
    if kinds is not None:
        rows = rows.filter(kind__in=kinds)
    numbers = list(rows.values_list("invoice_no", flat=True))
    voided = Invoice.objects.filter(invoice_no__in=numbers, state=Invoice.State.OPEN).update(
        state=Invoice.State.VOID, updated_at=timezone.now()
    )
    for number in numbers:
        payments_api.close_payable_payments(kind=PAYABLE_KIND, source_ref=number)
    return voided


def agreement_end(membership: Membership) -> None:
    """Auto-renew ends with the agreement: payments ends it at the provider (after commit,
    idempotent), so it is never charged again. The caller saves the membership."""
    if membership.agreement_no:
        payments_api.end_agreement(agreement_no=membership.agreement_no)
    membership.agreement_no, membership.auto_renew = "", False


def _invoice_create(membership: Membership, *, plan: Plan, kind: str, amount: Decimal) -> Invoice:
    return Invoice.objects.create(
        invoice_no=next_public_id("SI"),
        membership=membership,
        user_id=membership.user_id,
        plan=plan,
        kind=kind,
        amount=amount,
    )


def _start_period(membership: Membership, *, plan: Plan, start: datetime) -> None:
    membership.plan = plan
    membership.current_period_start = start
    membership.current_period_end = domain.period_end(start, plan.period)
    membership.in_trial = False
    membership.grace_until = None
    membership.next_plan = None


@transaction.atomic
def subscribe(*, principal: Principal, plan_id: int, now: datetime | None = None) -> Subscribed:
    """Subscribe the buyer to an active plan. With a trial they never had, the membership is
    trialing at once (benefits now, the first invoice at the trial's end); otherwise it is
    pending with an initial invoice to pay (pay it through payments, kind "subscription").
    409 already_subscribed while a membership gives benefits (change plan instead); a repeat
    while pending voids the previous unpaid invoice and answers a new one."""
    principal.require("subscription.subscribe")
    now = now or timezone.now()
    plan = _plan_for_buyer(plan_id)
    membership = membership_lock(user_id=principal.user_id)
    if membership is not None and membership.state in domain.BENEFIT_STATES:
        raise Conflict(
            "You are already a member; change your plan instead.",
            code="already_subscribed",
            details={"state": membership.state},
        )
    if membership is None:
        try:
            with transaction.atomic():
                membership = Membership.objects.create(
                    member_no=next_public_id("SM"),
                    user_id=principal.user_id,
                    plan=plan,
                    state=S.PENDING.value,
                )
        except IntegrityError as exc:  # a concurrent subscribe of the same buyer won
            raise Conflict("A subscription is already being made.", code="conflict") from exc
    invoices_void(membership, kinds=(Invoice.Kind.INITIAL,))
    membership.plan = plan
    if plan.trial_days and not membership.trial_used:
        membership.state = domain.membership_move(membership.state, S.TRIALING)
        membership.current_period_start = now
        membership.current_period_end = domain.trial_end(now, plan.trial_days)
        membership.in_trial = True
        membership.trial_used = True
        membership.grace_until = None
        membership.next_plan = None
        membership.save()
        membership_publish(membership, "trial_started")
        return Subscribed(membership, None)
    if membership.state != S.PENDING:
        membership.state = domain.membership_move(membership.state, S.PENDING)
    membership.save()
    invoice = _invoice_create(membership, plan=plan, kind=Invoice.Kind.INITIAL, amount=plan.price)
    membership_publish(membership, "subscribed")
    return Subscribed(membership, invoice)


def _cancel(membership: Membership) -> Membership:
    if membership.state == S.CANCELLING:
        raise Conflict("Already cancelled at period end.", code="already_cancelled")
    if membership.state == S.EXPIRED:
        raise Conflict("The membership has ended.", code="not_subscribed")
    agreement_end(membership)  # nothing renews any more
    if membership.state in (S.PAST_DUE, S.PENDING):
        membership.state = domain.membership_move(membership.state, S.EXPIRED)
        membership.grace_until = None
        invoices_void(membership)
        membership.save()
        membership_publish(membership, "cancelled")
        return membership
    membership.state = domain.membership_move(membership.state, S.CANCELLING)
    membership.next_plan = None
    invoices_void(membership, kinds=(Invoice.Kind.UPGRADE,))
    membership.save()
    membership_publish(membership, "cancelled")
    return membership


@transaction.atomic
def cancel(*, principal: Principal, now: datetime | None = None) -> Membership:
    """Cancel at period end: benefits stay until the period ends, nothing renews. Past due
    (the period already ended, in grace) or pending, it ends now and its open invoices are
    void. 409 not_subscribed when expired, already_cancelled when cancelled."""
    return _cancel(_own_membership(principal))


@transaction.atomic
def membership_cancel_by_staff(*, principal: Principal, member_no: str) -> Membership:
    """Staff (subscription.manage) cancel a member's membership, with the buyer's rules."""
    principal.require("subscription.manage")
    membership = (
        Membership.objects.select_for_update()
        .select_related("plan")
        .filter(member_no=member_no)
        .first()
    )
    if membership is None:
        raise NotFound("No such membership.")
    return _cancel(membership)


@transaction.atomic
def resume(*, principal: Principal, now: datetime | None = None) -> Membership:
    """Undo a cancellation before the period ends (409 not_cancelled otherwise)."""
    now = now or timezone.now()
    membership = _own_membership(principal)
    if membership.state != S.CANCELLING or membership.current_period_end <= now:
        raise Conflict("There is no cancellation to undo.", code="not_cancelled")
    target = S.TRIALING if membership.in_trial else S.ACTIVE
    membership.state = domain.membership_move(membership.state, target)
    membership.save()
    membership_publish(membership, "resumed")
    return membership


@transaction.atomic
def change_plan(*, principal: Principal, plan_id: int, now: datetime | None = None) -> Subscribed:
    """Move to another active plan.

    * In a trial: the plan changes now, the trial goes on (nothing was paid).
    * Upgrade (a higher price): an upgrade invoice of the new price minus the unused credit
      of the paid period (domain.upgrade_charge); once paid, a new period of the new plan
      starts. Nothing to pay: it applies at once. An earlier unpaid upgrade invoice is void.
    * Downgrade (same or lower price): it takes effect at the next renewal.
    409 same_plan; 409 membership_not_changeable unless trialing or active.
    """
    now = now or timezone.now()
    membership = _own_membership(principal)
    plan = _plan_for_buyer(plan_id)
    if membership.state not in (S.TRIALING, S.ACTIVE):
        raise Conflict(
            "Only a trialing or active membership can change plan.",
            code="membership_not_changeable",
            details={"state": membership.state},
        )
    if plan.pk == membership.plan_id:
        raise Conflict("You already have this plan.", code="same_plan")
    invoices_void(membership, kinds=(Invoice.Kind.UPGRADE,))
    if membership.in_trial:
        membership.plan = plan
        membership.next_plan = None
        membership.save()
        membership_publish(membership, "changed")
        return Subscribed(membership, None)
    current = membership.plan
    if not domain.is_upgrade(old_price=current.price, new_price=plan.price):
        membership.next_plan = plan
        membership.save()
        membership_publish(membership, "downgraded")
        return Subscribed(membership, None)
    amount = domain.upgrade_charge(
        old_price=current.price,
        new_price=plan.price,
        period_start=membership.current_period_start,
        period_end=membership.current_period_end,
        now=now,
        paid_period=True,
    )
    if amount == 0:
        _start_period(membership, plan=plan, start=now)
        membership.save()
        membership_publish(membership, "upgraded")
        return Subscribed(membership, None)
    invoice = _invoice_create(membership, plan=plan, kind=Invoice.Kind.UPGRADE, amount=amount)
    return Subscribed(membership, invoice)


def _refund(invoice_no: str, payment_no: str, amount: Decimal, why: str) -> None:
    logger.warning(
        "subscription payment refunded",
        extra={"invoice_no": invoice_no, "payment_no": payment_no, "reason": why},
    )
    payments_api.refund_trade(
        trade_no=invoice_no,
        amount=amount,
        reason=f"subscription: {why}",
        idempotency_key=f"subscription-refund:{payment_no}",
    )


# What each kind of invoice needs the membership to be in when its money arrives.
_PAYABLE_IN = {
    Invoice.Kind.INITIAL: (S.PENDING,),
    Invoice.Kind.RENEWAL: (S.TRIALING, S.ACTIVE, S.PAST_DUE),
    Invoice.Kind.UPGRADE: (S.TRIALING, S.ACTIVE),
}


@transaction.atomic
def invoice_paid(
    *, invoice_no: str, payment_no: str, amount: Decimal, paid_at: datetime | None = None
) -> bool:
    """The money of an invoice arrived (PaymentSucceeded of kind "subscription", or a renewal
    charge): initial → active for a period from now; renewal → active for the period it
    billed; upgrade → a new period of the new plan from now. Once per invoice (a repeat, or the
    same payment seen twice, changes nothing and answers False). Money for a void invoice, for
    another amount, or arriving when the membership can no longer take it (expired) is
    refunded in full through payments."""
    paid_at = paid_at or timezone.now()
    found = Invoice.objects.filter(invoice_no=invoice_no).values("membership_id").first()
    if found is None:
        logger.error("payment for an unknown invoice", extra={"invoice_no": invoice_no[:40]})
        return False
    membership = (
        Membership.objects.select_for_update().select_related("plan").get(pk=found["membership_id"])
    )
    invoice = Invoice.objects.select_for_update().select_related("plan").get(invoice_no=invoice_no)
    if invoice.state == Invoice.State.PAID:
        if invoice.payment_no != payment_no:
            _refund(invoice_no, payment_no, amount, "invoice paid twice")
        return False
    if invoice.state == Invoice.State.VOID:
        _refund(invoice_no, payment_no, amount, "invoice void")
        return False
    if amount != invoice.amount:
        _refund(invoice_no, payment_no, amount, "amount mismatch")
        return False
    if membership.state not in _PAYABLE_IN[invoice.kind]:
        invoice.state = Invoice.State.VOID
        invoice.save(update_fields=["state", "updated_at"])
        _refund(invoice_no, payment_no, amount, f"membership {membership.state}")
        return False
    invoice.state = Invoice.State.PAID
    invoice.payment_no = payment_no
    invoice.paid_at = paid_at
    invoice.save(update_fields=["state", "payment_no", "paid_at", "updated_at"])
    if invoice.kind == Invoice.Kind.RENEWAL:
        membership.plan = invoice.plan
        membership.current_period_start = invoice.period_start
        membership.current_period_end = invoice.period_end
        membership.in_trial = False
        membership.grace_until = None
        membership.next_plan = None
        reason = "renewed"
    else:
        _start_period(membership, plan=invoice.plan, start=paid_at)
        reason = "paid" if invoice.kind == Invoice.Kind.INITIAL else "upgraded"
    membership.state = domain.membership_move(membership.state, S.ACTIVE)
    membership.save()
    membership_publish(membership, reason)
    return True


def auto_renew_start(*, principal: Principal, provider: str) -> payments_api.AgreementInfo:
    """Ask the provider for an auto-charge agreement for the buyer's membership (open
    its sign_url to sign it); renewals are then charged against it. 409 not_subscribed
    without a membership giving benefits."""
    with transaction.atomic():
        membership = _own_membership(principal)
        if membership.state not in domain.BENEFIT_STATES and membership.state != S.PENDING:
            raise Conflict("You have no membership to renew.", code="not_subscribed")
        member_no = membership.member_no
        # The rule the buyer agrees to: the renewing plan's period and price, from the next
        # period end (or today while pending).
        plan = membership.next_plan or membership.plan
        first = membership.current_period_end or timezone.now()
    return payments_api.start_agreement(
        buyer_id=principal.user_id,
        provider=provider,
        kind=PAYABLE_KIND,
        source_ref=member_no,
        period_months=domain.PERIOD_MONTHS[domain.Period(plan.period)],
        first_charge_on=timezone.localtime(first).date(),
        max_amount=plan.price,
    )


@transaction.atomic
def auto_renew_off(*, principal: Principal) -> Membership:
    """Stop charging renewals automatically (the buyer pays each renewal invoice by hand):
    the agreement is ended at the provider (payments.api.end_agreement); a repeat does
    nothing more."""
    membership = _own_membership(principal)
    agreement_end(membership)
    membership.save(update_fields=["agreement_no", "auto_renew", "updated_at"])
    return membership


@transaction.atomic
def agreement_changed(*, member_no: str, buyer_id: int, agreement_no: str, state: str) -> bool:
    """The provider confirmed (or ended) an agreement for a membership: renewals are charged
    against a signed one. Idempotent; False when it is not this buyer's membership."""
    membership = (
        Membership.objects.select_for_update()
        .select_related("plan")
        .filter(member_no=member_no, user_id=buyer_id)
        .first()
    )
    if membership is None:
        return False
    if state == "signed":
        if membership.agreement_no == agreement_no and membership.auto_renew:
            return False
        membership.agreement_no, membership.auto_renew = agreement_no, True
    elif membership.agreement_no == agreement_no:
        membership.agreement_no, membership.auto_renew = "", False
    else:
        return False
    membership.save(update_fields=["agreement_no", "auto_renew", "updated_at"])
    return True
