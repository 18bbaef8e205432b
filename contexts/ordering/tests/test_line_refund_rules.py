"""The line refund rule without the database: what some units of a line may still give back."""

from __future__ import annotations

from decimal import Decimal

from contexts.ordering.domain.refunds import LineBalance, fully_covered

D = Decimal


def test_some_units_give_their_share_rounded_down_and_the_last_ones_the_rest():
    line = LineBalance(quantity=3, pay_amount=D("100.00"), taken_quantity=0, taken_amount=D(0))
    assert line.cap_for(1) == D("33.33")
    assert line.cap_for(3) == D("100.00")
    after_one = LineBalance(
        quantity=3, pay_amount=D("100.00"), taken_quantity=1, taken_amount=D("33.33")
    )
    assert after_one.cap_for(1) == D("33.33")
    assert after_one.cap_for(2) == D("66.67")  # the cents end up on the last units


def test_a_share_never_passes_what_is_left():
    # An earlier refund took more than its share (a partial refund of the whole amount).
    line = LineBalance(quantity=2, pay_amount=D("50.00"), taken_quantity=1, taken_amount=D("45.00"))
    assert line.cap_for(1) == D("5.00")


def test_the_order_is_covered_only_when_every_unit_of_every_line_is():
    full = LineBalance(quantity=1, pay_amount=D("1.00"), taken_quantity=1, taken_amount=D("1.00"))
    half = LineBalance(quantity=2, pay_amount=D("2.00"), taken_quantity=1, taken_amount=D("1.00"))
    assert fully_covered([full])
    assert not fully_covered([full, half])
    assert not fully_covered([])


def test_an_abandoned_refund_goes_back_only_to_a_status_that_may_become_refunding():
    from contexts.ordering.domain.refunds import status_after_abandoned_refund

    for came_from in ("paid", "shipped", "delivered"):
        assert status_after_abandoned_refund(came_from) == came_from
    for came_from in (None, "", "completed", "refunding", "pending_payment", "cancelled"):
        assert status_after_abandoned_refund(came_from) is None
