"""Plans, managed by platform staff (permission subscription.manage). A plan members hold is
never deleted: it is deactivated (no new subscriptions; members keep it until they change)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from contexts.subscription import domain
from contexts.subscription.models import Invoice, Membership, Plan
from shared.audit.services import audit_record, snapshot
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed


@dataclass(frozen=True)
class PlanDraft:
    code: str
    name: str
    period: str
    price: Decimal
    trial_days: int = 0
    free_shipping: bool = False
    points_multiplier: Decimal = Decimal(1)
    member_discount_percent: Decimal = Decimal(0)
    is_active: bool = True


def _check(draft: PlanDraft) -> None:
    if draft.period not in {p.value for p in domain.Period}:
        raise ValidationFailed(
            "Unknown period.", details={"fields": {"period": ["monthly, quarterly or yearly"]}}
        )
    if draft.price <= 0:
        raise BusinessRuleViolation("A plan's price must be positive.", code="plan_price_invalid")
    if not Decimal(1) <= draft.points_multiplier <= Decimal(10):
        raise BusinessRuleViolation(
            "The points multiplier must be between 1 and 10.", code="plan_multiplier_invalid"
        )
    if draft.trial_days > 365:
        raise BusinessRuleViolation("A trial is at most 365 days.", code="plan_trial_invalid")
    domain.check_member_discount(draft.member_discount_percent)


def _audit(principal: Principal, plan: Plan, action: str, before: dict | None) -> None:
    audit_record(
        actor_user_id=principal.user_id,
        actor=f"user {principal.user_id}",
        model=Plan,
        object_id=plan.pk,
        object_repr=str(plan),
        action=action,
        before=before,
        after=snapshot(plan),
    )


@transaction.atomic
def plan_create(*, principal: Principal, draft: PlanDraft) -> Plan:
    """A new plan (409 plan_code_taken when the code is used)."""
    principal.require("subscription.manage")
    _check(draft)
    if Plan.objects.filter(code=draft.code).exists():
        raise Conflict("A plan with this code exists.", code="plan_code_taken")
    try:
        with transaction.atomic():
            plan = Plan.objects.create(**draft.__dict__)
    except IntegrityError as exc:
        raise Conflict("A plan with this code exists.", code="plan_code_taken") from exc
    _audit(principal, plan, "plan_create", None)
    return plan


@transaction.atomic
def plan_update(
    *,
    principal: Principal,
    plan_id: int,
    name: str | None = None,
    price: Decimal | None = None,
    trial_days: int | None = None,
    free_shipping: bool | None = None,
    points_multiplier: Decimal | None = None,
    member_discount_percent: Decimal | None = None,
    is_active: bool | None = None,
) -> Plan:
    """Change a plan. A new price applies to invoices made from now on (renewals included);
    the code and period never change (make another plan)."""
    principal.require("subscription.manage")
    plan = Plan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("No such plan.")
    before = snapshot(plan)
    changes = {
        "name": name,
        "price": price,
        "trial_days": trial_days,
        "free_shipping": free_shipping,
        "points_multiplier": points_multiplier,
        "member_discount_percent": member_discount_percent,
        "is_active": is_active,
    }
    for field, value in changes.items():
        if value is not None:
            setattr(plan, field, value)
    _check(
        PlanDraft(
            code=plan.code,
            name=plan.name,
            period=plan.period,
            price=plan.price,
            trial_days=plan.trial_days,
            free_shipping=plan.free_shipping,
            points_multiplier=plan.points_multiplier,
            member_discount_percent=plan.member_discount_percent,
        )
    )
    plan.save()
    _audit(principal, plan, "plan_update", before)
    return plan


@transaction.atomic
def plan_delete(*, principal: Principal, plan_id: int) -> None:
    """Delete a plan nobody ever held (409 plan_in_use otherwise: deactivate it instead)."""
    principal.require("subscription.manage")
    plan = Plan.objects.select_for_update().filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("No such plan.")
    if (
        Membership.objects.filter(plan=plan).exists()
        or Membership.objects.filter(next_plan=plan).exists()
        or Invoice.objects.filter(plan=plan).exists()
    ):
        raise Conflict("Members hold or held this plan; deactivate it.", code="plan_in_use")
    before = snapshot(plan)
    audit_record(
        actor_user_id=principal.user_id,
        actor=f"user {principal.user_id}",
        model=Plan,
        object_id=plan.pk,
        object_repr=str(plan),
        action="plan_delete",
        before=before,
        after=None,
    )
    plan.delete()
