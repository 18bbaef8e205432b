"""The order state machine (pure): the transitions table and its guard."""

from __future__ import annotations

import itertools

import pytest

from contexts.ordering.domain import states
from contexts.ordering.domain.states import OrderStatus as S
from contexts.ordering.domain.states import TradeStatus

ALLOWED = {
    (S.PENDING_PAYMENT, S.PAID),
    (S.PENDING_PAYMENT, S.CANCELLED),
    (S.PAID, S.SHIPPED),
    (S.SHIPPED, S.DELIVERED),
    (S.DELIVERED, S.COMPLETED),
    (S.PAID, S.REFUNDING),
    (S.SHIPPED, S.REFUNDING),
    (S.DELIVERED, S.REFUNDING),
    (S.REFUNDING, S.REFUNDED),
    (S.REFUNDING, S.CLOSED),
}

# Only an abandoned refund (a refund that covered the order ended without money going back)
# may take a refunding order back where it came from; no other path may.
REVERT_ALLOWED = {
    (S.REFUNDING, S.PAID),
    (S.REFUNDING, S.SHIPPED),
    (S.REFUNDING, S.DELIVERED),
}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_exactly_the_documented_transitions_are_allowed(current, target):
    allowed = (current, target) in ALLOWED
    assert states.can_transition(current, target) is allowed
    if allowed:
        states.check_transition(current, target)
    else:
        with pytest.raises(states.IllegalTransition) as caught:
            states.check_transition(current, target)
        assert caught.value.status_code == 409
        assert caught.value.code == "illegal_transition"
        assert caught.value.details == {"from": current.value, "to": target.value}


@pytest.mark.parametrize(("current", "target"), list(itertools.product(S, S)))
def test_the_revert_table_allows_only_refunding_back_to_where_it_came_from(current, target):
    allowed = (current, target) in REVERT_ALLOWED
    assert states.can_transition(current, target, revert=True) is allowed
    if not allowed:
        with pytest.raises(states.IllegalTransition):
            states.check_transition(current, target, revert=True)


@pytest.mark.parametrize("target", [S.PAID, S.SHIPPED, S.DELIVERED])
def test_a_refunding_order_cannot_ship_or_deliver_through_the_ordinary_table(target):
    with pytest.raises(states.IllegalTransition):
        states.check_transition(S.REFUNDING, target)


def test_every_status_is_in_the_table_and_terminal_ones_lead_nowhere():
    assert set(states.TRANSITIONS) == set(S)
    for terminal in (S.COMPLETED, S.CANCELLED, S.REFUNDED, S.CLOSED):
        assert states.TRANSITIONS[terminal] == frozenset()


def test_receipt_confirmation_passes_through_delivered_when_only_shipped():
    assert states.receipt_confirmation_path(S.SHIPPED) == (S.DELIVERED, S.COMPLETED)
    assert states.receipt_confirmation_path(S.DELIVERED) == (S.COMPLETED,)
    for status in (S.PENDING_PAYMENT, S.PAID, S.COMPLETED, S.CANCELLED, S.REFUNDING):
        with pytest.raises(states.IllegalTransition):
            states.receipt_confirmation_path(status)


@pytest.mark.parametrize(
    ("statuses", "expected"),
    [
        (["pending_payment", "pending_payment"], TradeStatus.UNPAID),
        (["pending_payment", "cancelled"], TradeStatus.UNPAID),
        (["paid", "cancelled"], TradeStatus.PAID),
        (["completed", "refunded"], TradeStatus.PAID),
        (["cancelled", "cancelled"], TradeStatus.CLOSED),
    ],
)
def test_trade_status_follows_its_orders(statuses, expected):
    assert states.trade_status(statuses) == expected
