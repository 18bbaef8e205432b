"""Demo plans (Plus monthly with a 7-day trial, quarterly, yearly: free shipping, double points,
5% member price) and the second demo buyer (buyer2@example.com) as an active Plus member, so
their checkout ships free while buyer1's pays freight. The member's first invoice is seeded as
paid (payment number "DEMO-SEED"); the tour pays one through the sandbox for real."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from contexts.subscription import services
from contexts.subscription.models import Membership, Plan
from shared.auth import SYSTEM, principal_from

PLANS = (
    ("plus-monthly", "Plus (monthly)", "monthly", "29.00", 7),
    ("plus-quarterly", "Plus (quarterly)", "quarterly", "79.00", 0),
    ("plus-yearly", "Plus (yearly)", "yearly", "299.00", 0),
)
MEMBER_PLAN = "plus-yearly"


def demo_plans_create() -> int:
    """The demo plans, once each by code; answers how many were created now."""
    created = 0
    for code, name, period, price, trial_days in PLANS:
        if Plan.objects.filter(code=code).exists():
            continue
        services.plan_create(
            principal=SYSTEM,
            draft=services.PlanDraft(
                code=code,
                name=name,
                period=period,
                price=Decimal(price),
                trial_days=trial_days,
                free_shipping=True,
                points_multiplier=Decimal("2"),
                member_discount_percent=Decimal("5"),
            ),
        )
        created += 1
    return created


def demo_memberships_create(*, buyer_ids: Sequence[int]) -> int:
    """Plans, and the second buyer an active yearly member (once; none with fewer than two
    buyers). Answers how many members were made now."""
    demo_plans_create()
    if len(buyer_ids) < 2 or Membership.objects.filter(user_id=buyer_ids[1]).exists():
        return 0
    plan = Plan.objects.get(code=MEMBER_PLAN)
    invoice = services.subscribe(principal=principal_from(user_id=buyer_ids[1]), plan_id=plan.pk)
    services.invoice_paid(
        invoice_no=invoice.invoice.invoice_no, payment_no="DEMO-SEED", amount=plan.price
    )
    return 1
