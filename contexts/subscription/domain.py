"""Membership rules without Django: the state machine, billing periods and proration.

States (`MembershipState`):
  pending                  subscribed, first invoice not paid yet: no benefits
  trialing                 a free trial (once per user): benefits
  active                   a paid period: benefits
  past_due                 the period ended and its renewal is not paid yet: benefits go on
                           through the grace period while renewal attempts are retried
  cancelled_at_period_end  the buyer cancelled: benefits until the period ends, no renewal
  expired                  no benefits; subscribing again starts over

Money: Decimal, rounded once with shared.money.quantize (half-up to the cent).
Periods: monthly / quarterly / yearly are 1 / 3 / 12 calendar months from the start instant
(dateutil's relativedelta: Jan 31 + 1 month is Feb 28/29).
Proration (an upgrade, i.e. a plan with a higher price): the buyer pays
    new price - unused credit of the current paid period,
    credit = current price x remaining time / period length (to the second),
rounded half-up to the cent and never below 0, and a new period of the new plan starts when
it is paid. A downgrade (same or lower price) takes effect at the next renewal, without refund.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from dateutil.relativedelta import relativedelta

from shared.errors import BusinessRuleViolation, Conflict
from shared.money import ZERO, quantize


class MembershipState(StrEnum):
    PENDING = "pending"
    TRIALING = "trialing"
    ACTIVE = "active"
    PAST_DUE = "past_due"
    CANCELLING = "cancelled_at_period_end"
    EXPIRED = "expired"


class Period(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"


PERIOD_MONTHS = {Period.MONTHLY: 1, Period.QUARTERLY: 3, Period.YEARLY: 12}

S = MembershipState
TRANSITIONS: dict[MembershipState, frozenset[MembershipState]] = {
    S.PENDING: frozenset({S.TRIALING, S.ACTIVE, S.EXPIRED}),
    S.TRIALING: frozenset({S.ACTIVE, S.PAST_DUE, S.CANCELLING, S.EXPIRED}),
    S.ACTIVE: frozenset({S.ACTIVE, S.PAST_DUE, S.CANCELLING, S.EXPIRED}),
    S.PAST_DUE: frozenset({S.ACTIVE, S.EXPIRED}),
    S.CANCELLING: frozenset({S.ACTIVE, S.TRIALING, S.EXPIRED}),
    S.EXPIRED: frozenset({S.PENDING, S.TRIALING}),
}
# States in which a member has their plan's benefits.
BENEFIT_STATES = frozenset({S.TRIALING, S.ACTIVE, S.PAST_DUE, S.CANCELLING})


def membership_can_move(current: str, target: str) -> bool:
    return MembershipState(target) in TRANSITIONS[MembershipState(current)]


def membership_move(current: str, target: str) -> str:
    """`target` when the machine allows it, else 409 illegal_transition."""
    if not membership_can_move(current, target):
        raise Conflict(
            f"A membership cannot go from {current} to {target}.",
            code="illegal_transition",
            details={"from": current, "to": target},
        )
    return MembershipState(target).value


def period_end(start: datetime, period: str) -> datetime:
    """The end of a billing period beginning at `start`."""
    return start + relativedelta(months=PERIOD_MONTHS[Period(period)])


def trial_end(start: datetime, days: int) -> datetime:
    return start + timedelta(days=days)


def unused_credit(
    *, price: Decimal, period_start: datetime, period_end: datetime, now: datetime
) -> Decimal:
    """What is left of a paid period's price at `now`, pro rata to the second (half-up)."""
    total = (period_end - period_start).total_seconds()
    remaining = (period_end - now).total_seconds()
    if total <= 0 or remaining <= 0:
        return ZERO
    remaining = min(remaining, total)
    return quantize(price * Decimal(int(remaining)) / Decimal(int(total)))


def upgrade_charge(
    *,
    old_price: Decimal,
    new_price: Decimal,
    period_start: datetime,
    period_end: datetime,
    now: datetime,
    paid_period: bool,
) -> Decimal:
    """What an upgrade costs now: the new price minus the unused credit of the current period
    (none for a trial, which was not paid), never below 0."""
    credit = (
        unused_credit(price=old_price, period_start=period_start, period_end=period_end, now=now)
        if paid_period
        else ZERO
    )
    return max(quantize(new_price - credit), ZERO)


def is_upgrade(*, old_price: Decimal, new_price: Decimal) -> bool:
    return new_price > old_price


def check_member_discount(percent: Decimal) -> Decimal:
    """A member price is a percentage off the items, 0 to 90 (two decimals)."""
    if not percent.is_finite() or percent < 0 or percent > 90:
        raise BusinessRuleViolation(
            "The member discount must be between 0 and 90 percent.",
            code="member_discount_invalid",
        )
    return percent.quantize(Decimal("0.01"))


def member_price_discount(*, amount: Decimal, percent: Decimal) -> Decimal:
    """The member price's discount on `amount`: percent of it, half-up to the cent."""
    if amount <= 0 or percent <= 0:
        return ZERO
    return quantize(amount * percent / Decimal(100))
