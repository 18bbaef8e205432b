"""Earning on order completion (through ordering's event), growth value and member levels."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.loyalty import api, handlers
from contexts.loyalty.models import LevelRule, PointsAccount, PointsEntry
from contexts.loyalty.tests.conftest import assert_books_balance
from contexts.ordering.events import OrderCompleted
from shared.events import bus
from shared.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


def completed(user_id: int, order_no: str, amount: str) -> OrderCompleted:
    return OrderCompleted(
        order_no=order_no,
        trade_no=f"T{order_no}",
        buyer_id=user_id,
        merchant_id=1,
        pay_amount=Decimal(amount),
        actor="buyer",
        lines=(),
    )


def test_the_handler_is_subscribed_under_its_stable_name():
    assert bus.subscription_named("loyalty.order_completed_earn").func is (
        handlers.order_completed_earn
    )
    assert bus.subscription_named("loyalty.refund_reverse").func is (
        handlers.refund_succeeded_reverse
    )


def test_completion_earns_floor_of_amount_times_rate_once(buyer, settings):
    settings.LOYALTY_EARN_POINTS_PER_YUAN = "2"
    handlers.order_completed_earn(completed(buyer.pk, "O1", "10.99"))
    handlers.order_completed_earn(completed(buyer.pk, "O1", "10.99"))  # redelivered
    account = assert_books_balance(buyer.pk)
    assert account.balance == 21  # floor(21.98)
    assert account.growth == Decimal("10.99")


def test_level_up_emits_an_event_and_multiplies_later_earnings(buyer):
    handlers.order_completed_earn(completed(buyer.pk, "O1", "999.99"))
    assert api.member_level(user_id=buyer.pk).code == "regular"
    handlers.order_completed_earn(completed(buyer.pk, "O2", "0.01"))
    level = api.member_level(user_id=buyer.pk)
    assert (level.code, level.rank, level.multiplier) == ("silver", 1, Decimal("1.20"))
    changed = OutboxEvent.objects.filter(event_type="loyalty.level.changed.v1").get()
    assert changed.payload == {"user_id": buyer.pk, "old_level": "regular", "new_level": "silver"}
    handlers.order_completed_earn(completed(buyer.pk, "O3", "100.00"))
    assert PointsEntry.objects.get(reference="order:O3").delta == 120
    assert assert_books_balance(buyer.pk).balance == 999 + 0 + 120


def test_member_level_api_without_account_is_the_lowest(buyer):
    level = api.member_level(user_id=buyer.pk)
    assert (level.code, level.rank, level.free_shipping) == ("regular", 0, False)
    assert api.level_codes() == ("regular", "silver", "gold", "platinum")
    assert not PointsAccount.objects.exists()


def test_default_levels_are_seeded():
    gold = LevelRule.objects.get(code="gold")
    assert gold.free_shipping and gold.multiplier == Decimal("1.50")
