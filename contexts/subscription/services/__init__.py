"""Subscription's commands: plans (plans.py), memberships (memberships.py), the renewal beat
(renewals.py)."""

from contexts.subscription.services.memberships import (
    PAYABLE_KIND,
    Subscribed,
    agreement_changed,
    auto_renew_off,
    auto_renew_start,
    cancel,
    change_plan,
    invoice_paid,
    membership_cancel_by_staff,
    resume,
    subscribe,
)
from contexts.subscription.services.plans import PlanDraft, plan_create, plan_delete, plan_update
from contexts.subscription.services.renewals import RenewalRun, pending_expire, renewals_run

__all__ = [
    "PAYABLE_KIND",
    "PlanDraft",
    "RenewalRun",
    "Subscribed",
    "agreement_changed",
    "auto_renew_off",
    "auto_renew_start",
    "cancel",
    "change_plan",
    "invoice_paid",
    "membership_cancel_by_staff",
    "pending_expire",
    "plan_create",
    "plan_delete",
    "plan_update",
    "renewals_run",
    "resume",
    "subscribe",
]
