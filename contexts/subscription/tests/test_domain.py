"""The pure rules: transitions, periods, proration, the member price."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contexts.subscription import domain
from shared.errors import BusinessRuleViolation, Conflict

D = Decimal
START = datetime(2026, 1, 31, 10, 0, tzinfo=UTC)


def test_periods_are_calendar_months_clamped_to_the_month_end():
    assert domain.period_end(START, "monthly") == datetime(2026, 2, 28, 10, 0, tzinfo=UTC)
    assert domain.period_end(START, "quarterly") == datetime(2026, 4, 30, 10, 0, tzinfo=UTC)
    assert domain.period_end(START, "yearly") == datetime(2027, 1, 31, 10, 0, tzinfo=UTC)


def test_the_state_machine_refuses_what_it_does_not_list():
    assert domain.membership_move("active", "past_due") == "past_due"
    assert domain.membership_move("past_due", "active") == "active"
    with pytest.raises(Conflict) as refused:
        domain.membership_move("expired", "active")
    assert refused.value.code == "illegal_transition"
    with pytest.raises(Conflict):
        domain.membership_move("past_due", "cancelled_at_period_end")
    with pytest.raises(Conflict):
        domain.membership_move("pending", "past_due")


def test_unused_credit_is_pro_rata_to_the_second_rounded_half_up():
    end = START + timedelta(days=30)
    half = START + timedelta(days=15)
    assert domain.unused_credit(
        price=D("30.00"), period_start=START, period_end=end, now=half
    ) == D("15.00")
    # 1/3 of 10.00 = 3.333… -> 3.33; 2/3 = 6.666… -> 6.67 (half-up)
    third = START + timedelta(days=10)
    assert domain.unused_credit(
        price=D("10.00"), period_start=START, period_end=end, now=third
    ) == D("6.67")
    assert domain.unused_credit(price=D("10.00"), period_start=START, period_end=end, now=end) == 0


def test_an_upgrade_costs_the_new_price_minus_the_unused_credit_never_below_zero():
    end = START + timedelta(days=30)
    half = START + timedelta(days=15)
    args = {"period_start": START, "period_end": end, "now": half}
    assert domain.upgrade_charge(
        old_price=D("30.00"), new_price=D("300.00"), paid_period=True, **args
    ) == D("285.00")
    assert domain.upgrade_charge(
        old_price=D("30.00"), new_price=D("300.00"), paid_period=False, **args
    ) == D("300.00")
    assert domain.upgrade_charge(
        old_price=D("300.00"), new_price=D("30.00"), paid_period=True, **args
    ) == D("0.00")


def test_the_member_price_is_a_percentage_half_up_and_bounded():
    assert domain.member_price_discount(amount=D("99.90"), percent=D("5")) == D("5.00")
    assert domain.member_price_discount(amount=D("10.10"), percent=D("5")) == D("0.51")
    assert domain.member_price_discount(amount=D("10.00"), percent=D("0")) == 0
    assert domain.check_member_discount(D("12.5")) == D("12.50")
    with pytest.raises(BusinessRuleViolation):
        domain.check_member_discount(D("91"))
    with pytest.raises(BusinessRuleViolation):
        domain.check_member_discount(D("-1"))


@given(
    old=st.decimals(min_value="0.01", max_value="9999.99", places=2),
    new=st.decimals(min_value="0.01", max_value="9999.99", places=2),
    elapsed=st.integers(min_value=0, max_value=40 * 24 * 3600),
)
def test_an_upgrade_never_costs_less_than_zero_or_more_than_the_new_price(old, new, elapsed):
    end = START + timedelta(days=30)
    now = START + timedelta(seconds=elapsed)
    charge = domain.upgrade_charge(
        old_price=old, new_price=new, period_start=START, period_end=end, now=now, paid_period=True
    )
    assert D("0.00") <= charge <= new
    assert charge == charge.quantize(D("0.01"))
    credit = domain.unused_credit(price=old, period_start=START, period_end=end, now=now)
    assert D("0.00") <= credit <= old
    if now >= end:
        assert charge == new  # nothing left of the old period
