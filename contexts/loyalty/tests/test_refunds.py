"""Refunds: spent points come back and earned points are reversed in proportion to the money,
once per refund; the balance never goes negative (the shortfall is recorded)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from contexts.loyalty import handlers, services
from contexts.loyalty.models import PointsAccount, PointsEntry, RefundRecord
from contexts.loyalty.tests.conftest import assert_books_balance
from contexts.ordering import api as ordering_api
from contexts.payments.events import RefundSucceeded

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def trade(monkeypatch, buyer):
    """A paid trade of 200.00 (one order, O1), bought with 1000 points held then spent."""
    now = timezone.now()
    info = ordering_api.TradeInfo(
        trade_no="T1",
        buyer_id=buyer.pk,
        status="paid",
        pay_amount=D("200.00"),
        payable_amount=D("0.00"),
        paid_amount=D("200.00"),
        payment_ref="PAY1",
        payment_deadline=now + timedelta(minutes=30),
        created_at=now,
        paid_at=now,
        orders=(),
    )
    monkeypatch.setattr(
        ordering_api, "get_trade", lambda trade_no: info if trade_no == "T1" else None
    )
    services.order_completed_earn(
        user_id=buyer.pk, order_no="E0", trade_no="T0", pay_amount=D("1500")
    )
    with transaction.atomic():
        services.points_hold(
            user_id=buyer.pk,
            trade_no="T1",
            spends=[services.OrderSpend(order_no="O1", points=1000, amount=D("10.00"))],
        )
    services.points_holds_confirm(order_nos=["O1"])
    return info


def refund(buyer, refund_no: str, amount: str) -> None:
    handlers.refund_succeeded_reverse(
        RefundSucceeded(
            refund_no=refund_no,
            payment_no="PAY1",
            trade_no="T1",
            buyer_id=buyer.pk,
            amount=D(amount),
            reason="",
        )
    )


def test_partial_refunds_return_spent_points_in_proportion_once(buyer, trade):
    assert assert_books_balance(buyer.pk).balance == 500
    refund(buyer, "R1", "50.00")  # a quarter
    refund(buyer, "R1", "50.00")  # redelivered: nothing more
    assert assert_books_balance(buyer.pk).balance == 750
    refund(buyer, "R2", "150.00")  # the rest: every spent point is back
    assert assert_books_balance(buyer.pk).balance == 1500
    assert RefundRecord.objects.count() == 2


def test_a_completed_orders_earned_points_are_reversed_in_proportion(buyer, trade):
    services.order_completed_earn(
        user_id=buyer.pk, order_no="O1", trade_no="T1", pay_amount=D("200")
    )
    growth = PointsAccount.objects.get(user_id=buyer.pk).growth
    earned = PointsEntry.objects.get(reference="order:O1", kind="earn").delta
    assert earned == 240  # silver since the 1500 of E0: 200 * 1.2
    refund(buyer, "R1", "100.00")  # half: 500 spent points back, 120 earned points reversed
    account = assert_books_balance(buyer.pk)
    assert account.balance == 500 + 240 + 500 - 120
    assert account.growth == growth - D("100.00")
    entry = PointsEntry.objects.get(kind="reverse")
    assert (entry.delta, entry.shortfall, entry.reference) == (-120, 0, "refund:R1")


def test_reversal_never_takes_the_balance_below_zero(buyer, monkeypatch, trade):
    services.order_completed_earn(
        user_id=buyer.pk, order_no="O1", trade_no="T1", pay_amount=D("200")
    )
    # the buyer spends everything else elsewhere
    with transaction.atomic():
        services.points_hold(
            user_id=buyer.pk,
            trade_no="T9",
            spends=[services.OrderSpend(order_no="O9", points=700, amount=D("7.00"))],
        )
    # no spent points on T1 this time: drop them back first for a clean case
    PointsEntry.objects.filter(kind="earn", reference="order:E0").update(trade_no="T0")
    refund(buyer, "R1", "200.00")  # full: 1000 spent points back, 240 earned reversed
    account = assert_books_balance(buyer.pk)
    assert account.balance == 1000 - 240 + 40  # 40 left after the 700 spent elsewhere
    record = RefundRecord.objects.get()
    assert (record.returned_points, record.reversed_points, record.shortfall) == (1000, 240, 0)


def test_shortfall_is_recorded_when_the_points_are_gone(buyer, monkeypatch):
    now = timezone.now()
    info = ordering_api.TradeInfo(
        trade_no="T1",
        buyer_id=buyer.pk,
        status="paid",
        pay_amount=D("100.00"),
        payable_amount=D("0"),
        paid_amount=D("100.00"),
        payment_ref="P",
        payment_deadline=now,
        created_at=now,
        paid_at=now,
        orders=(),
    )
    monkeypatch.setattr(ordering_api, "get_trade", lambda trade_no: info)
    services.order_completed_earn(
        user_id=buyer.pk, order_no="O1", trade_no="T1", pay_amount=D("100")
    )
    with transaction.atomic():
        services.points_hold(
            user_id=buyer.pk,
            trade_no="T2",
            spends=[services.OrderSpend(order_no="O2", points=70, amount=D("0.70"))],
        )
    refund(buyer, "R1", "100.00")
    account = assert_books_balance(buyer.pk)
    assert account.balance == 0
    record = RefundRecord.objects.get()
    assert (record.reversed_points, record.shortfall) == (30, 70)
    assert PointsEntry.objects.get(kind="reverse").shortfall == 70
