"""Subscription's PUBLIC facade: what other contexts read of a user's membership. Frozen
dataclasses from data.py, never models.

Ordering and loyalty sit below subscription and never call this: subscription pushes its
benefits into them through their registration points (pricing steps, an earn multiplier
provider, a payable source; see apps.py)."""

from __future__ import annotations

from contexts.subscription import selectors
from contexts.subscription.data import MemberBenefits, MembershipInfo

__all__ = ["MemberBenefits", "MembershipInfo", "get_membership", "member_benefits"]


def member_benefits(user_id: int) -> MemberBenefits:
    """What the user's membership gives now: free shipping, a points multiplier, a member
    discount (percent off items). A non-member (or an expired, pending or lapsed one) gets
    none: is_member False, multiplier 1, discount 0."""
    return selectors.member_benefits(user_id=user_id)


def get_membership(user_id: int) -> MembershipInfo | None:
    """The user's membership in whatever state, or None when they never subscribed."""
    membership = selectors.membership_of(user_id=user_id)
    if membership is None:
        return None
    return MembershipInfo(
        member_no=membership.member_no,
        user_id=membership.user_id,
        plan_code=membership.plan.code,
        state=membership.state,
        current_period_end=membership.current_period_end,
        auto_renew=membership.auto_renew,
    )
