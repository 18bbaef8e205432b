"""Subscription's read queries."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from contexts.subscription import domain
from contexts.subscription.data import MemberBenefits
from contexts.subscription.models import Invoice, Membership, Plan


def plans_active() -> QuerySet[Plan]:
    return Plan.objects.filter(is_active=True)


def plans_all() -> QuerySet[Plan]:
    return Plan.objects.all()


def membership_of(*, user_id: int) -> Membership | None:
    return Membership.objects.select_related("plan", "next_plan").filter(user_id=user_id).first()


def invoices_of(*, user_id: int) -> QuerySet[Invoice]:
    return Invoice.objects.filter(user_id=user_id).select_related("plan")


def invoice_get(*, invoice_no: str) -> Invoice | None:
    return Invoice.objects.filter(invoice_no=invoice_no).first()


def memberships_search(
    *, user_ids: list[int] | None = None, state: str | None = None, plan_id: int | None = None
) -> QuerySet[Membership]:
    rows = Membership.objects.select_related("plan", "next_plan")
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    if state:
        rows = rows.filter(state=state)
    if plan_id:
        rows = rows.filter(plan_id=plan_id)
    return rows.order_by("-id")


def member_benefits(*, user_id: int, now: datetime | None = None) -> MemberBenefits:
    """The benefits of the user's membership now: none unless trialing, active, past due in
    grace or cancelled with time left."""
    membership = membership_of(user_id=user_id)
    if membership is None or membership.state not in domain.BENEFIT_STATES:
        return MemberBenefits(user_id=user_id)
    now = now or timezone.now()
    until = (
        membership.grace_until
        if membership.state == domain.MembershipState.PAST_DUE
        else membership.current_period_end
    )
    if until is not None and until <= now:
        return MemberBenefits(user_id=user_id)  # the beat has not caught up yet
    plan = membership.plan
    return MemberBenefits(
        user_id=user_id,
        is_member=True,
        plan_code=plan.code,
        free_shipping=plan.free_shipping,
        points_multiplier=plan.points_multiplier,
        member_discount_percent=plan.member_discount_percent,
        until=until,
    )
