"""Settlement lines and statements: commission with category override, platform-funded
discounts, the after-sales window, refunds before and after a statement, idempotent handlers,
statements issued once and never changed, totals."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.ordering import api as ordering_api
from contexts.ordering.events import OrderCompleted
from contexts.payments.events import RefundSucceeded
from contexts.settlement import handlers, services
from contexts.settlement.domain import StatementImmutable
from contexts.settlement.models import (
    CommissionRule,
    MerchantProfile,
    RefundShare,
    SettlementLine,
    Statement,
)
from shared.auth import SYSTEM

pytestmark = pytest.mark.django_db
D = Decimal


def at(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_default_timezone())


def coupon(sku_id: int, amount: str) -> ordering_api.DiscountShare:
    return ordering_api.DiscountShare(
        source="coupons", target="items", amount=D(amount), reference="c1", sku_id=sku_id
    )


def promotion(sku_id: int, amount: str) -> ordering_api.DiscountShare:
    return ordering_api.DiscountShare(
        source="promotions", target="items", amount=D(amount), reference="a1", sku_id=sku_id
    )


def completed(order, when: datetime):
    return services.line_for_completed_order(order_no=order.order_no, completed_at=when)


def daily(merchant_id: int = 1) -> None:
    MerchantProfile.objects.create(merchant_id=merchant_id, cycle="daily", payee_account="shop")


def test_a_line_is_paid_plus_platform_discounts_minus_commission_with_category_override(orders):
    # Phones (category 11 and its child 12) pay 8 % for every merchant; shop 1 pays 3 % on
    # books (20); other categories fall back to the catalog's 5 %.
    CommissionRule.objects.create(category_id=11, rate=D("0.08"))
    CommissionRule.objects.create(merchant_id=1, category_id=20, rate=D("0.03"))
    order = orders.add(
        lines=[(101, "100.00", "80.00"), (201, "50.00", "45.00")],
        freight="6.00",
        # 10.00 of a platform coupon and 10.00 of the shop's promotion on the phone; 5.00 of
        # the promotion on the book.
        shares=(coupon(101, "10.00"), promotion(101, "10.00"), promotion(201, "5.00")),
    )
    line = completed(order, timezone.now())
    assert line.paid_amount == D("131.00")  # 80 + 45 + 6 freight
    assert line.platform_funded == D("10.00")  # the coupon only
    # 8 % of (80 + 10 coupon) = 7.20; 3 % of 45 = 1.35; none on freight.
    assert line.commission == D("8.55")
    assert line.net_amount == D("131.00") + D("10.00") - D("8.55")


def test_a_merchant_rule_replaces_the_catalog_rate(orders):
    CommissionRule.objects.create(merchant_id=1, rate=D("0.10"))
    line = completed(orders.add(lines=[(201, "20.05", "20.05")]), timezone.now())
    assert line.commission == D("2.01")  # 2.005 half-up
    other = completed(orders.add(merchant_id=2, lines=[(201, "20.00", "20.00")]), timezone.now())
    assert other.commission == D("1.00")  # shop 2: the catalog's 5 %


def test_the_after_sales_window_decides_which_statement_takes_a_line(orders):
    daily()
    old = completed(orders.add(lines=[(201, "10.00", "10.00")]), at(date(2026, 11, 20)))
    recent = completed(orders.add(lines=[(201, "30.00", "30.00")]), at(date(2026, 11, 28)))
    assert old.settleable_at == at(date(2026, 11, 27))  # 7 days after completion
    issued = services.statements_issue_due(today=date(2026, 12, 1))
    assert len(issued) == 1
    statement = issued[0]
    assert (statement.period_start, statement.period_end) == (date(2026, 11, 30), date(2026, 12, 1))
    assert list(statement.lines.values_list("order_no", flat=True)) == [old.order_no]
    recent.refresh_from_db()
    assert recent.statement_id is None  # still inside its window (settleable 5 December)
    later = services.statements_issue_due(today=date(2026, 12, 6))
    assert [s.lines.get().order_no for s in later] == [recent.order_no]


def test_issuing_again_changes_nothing_and_totals_match_the_lines(orders):
    daily()
    for amount in ("10.00", "20.00", "30.01"):
        completed(orders.add(lines=[(201, amount, amount)]), at(date(2026, 11, 1)))
    first = services.statements_issue_due(today=date(2026, 12, 1))
    again = services.statements_issue_due(today=date(2026, 12, 1))
    assert again == [] and Statement.objects.count() == 1  # nothing left open
    statement = first[0]
    assert statement.line_count == 3
    assert statement.paid_total == D("60.01")
    assert statement.commission_total == D("0.50") + D("1.00") + D("1.50")
    assert statement.net_total == D("60.01") - D("3.00")
    assert services.statement_totals_match(statement)


def test_a_refund_before_settlement_is_taken_off_the_line_with_its_commission(orders):
    order = orders.add(lines=[(201, "100.00", "100.00")])
    line = completed(order, timezone.now())
    assert line.commission == D("5.00")
    services.refund_record(refund_no="R1", trade_no=order.trade_no, amount=D("30.00"))
    line.refresh_from_db()
    assert (line.refunded, line.commission_returned) == (D("30.00"), D("1.50"))
    assert line.net_amount == D("100.00") - D("5.00") - D("30.00") + D("1.50")
    assert SettlementLine.objects.count() == 1


def test_a_refund_before_completion_waits_for_the_line(orders):
    order = orders.add(lines=[(201, "100.00", "100.00")])
    services.refund_record(refund_no="R0", trade_no=order.trade_no, amount=D("10.00"))
    assert RefundShare.objects.get().line_id is None
    line = completed(order, timezone.now())
    assert line.refunded == D("10.00")
    assert RefundShare.objects.get().line_id == line.pk


def test_a_refund_after_the_statement_is_an_adjustment_on_the_next_one(orders):
    daily()
    order = orders.add(lines=[(201, "100.00", "100.00")])
    line = completed(order, at(date(2026, 11, 1)))
    [first] = services.statements_issue_due(today=date(2026, 12, 1))
    frozen = Statement.objects.filter(pk=first.pk).values().get()

    services.refund_record(refund_no="R2", trade_no=order.trade_no, amount=D("40.00"))

    line.refresh_from_db()
    assert line.refunded == D("0.00") and line.statement_id == first.pk  # untouched
    assert Statement.objects.filter(pk=first.pk).values().get() == frozen  # unchanged
    adjustment = SettlementLine.objects.get(kind="adjustment")
    assert (adjustment.refund_no, adjustment.refunded, adjustment.commission_returned) == (
        "R2",
        D("40.00"),
        D("2.00"),
    )
    assert adjustment.net_amount == D("-38.00")
    [second] = services.statements_issue_due(today=date(2026, 12, 2))
    assert second.pk != first.pk
    assert list(second.lines.all()) == [adjustment]
    assert second.net_total == D("-38.00") and second.refund_total == D("40.00")


def test_commission_returned_by_several_adjustments_never_exceeds_the_commission(orders):
    daily()
    order = orders.add(lines=[(201, "10.00", "10.00")])  # commission 0.50
    completed(order, at(date(2026, 11, 1)))
    services.statements_issue_due(today=date(2026, 12, 1))
    for n in range(3):
        services.refund_record(refund_no=f"R{n}", trade_no=order.trade_no, amount=D("3.33"))
    services.refund_record(refund_no="R9", trade_no=order.trade_no, amount=D("0.01"))
    returned = [a.commission_returned for a in SettlementLine.objects.filter(kind="adjustment")]
    assert sum(returned) == D("0.50")  # exactly the commission on 10.00 refunded in all


def test_a_refund_of_a_trade_of_two_shops_is_split_by_what_each_paid(orders):
    first = orders.add(merchant_id=1, lines=[(201, "30.00", "30.00")], trade_no="T-SHARED")
    second = orders.add(merchant_id=2, lines=[(201, "10.00", "10.00")], trade_no="T-SHARED")
    services.refund_record(refund_no="R3", trade_no="T-SHARED", amount=D("10.00"))
    shares = dict(RefundShare.objects.values_list("order_no", "amount"))
    assert shares == {first.order_no: D("7.50"), second.order_no: D("2.50")}


def test_handlers_delivered_twice_add_nothing_twice(orders):
    order = orders.add(lines=[(201, "50.00", "50.00")])
    completed_event = OrderCompleted(
        order_no=order.order_no,
        trade_no=order.trade_no,
        buyer_id=7,
        merchant_id=1,
        pay_amount=order.pay_amount,
        actor="buyer",
        lines=(),
    )
    refund_event = RefundSucceeded(
        refund_no="R4",
        payment_no="P1",
        trade_no=order.trade_no,
        buyer_id=7,
        amount=D("5.00"),
        reason="return",
    )
    for _ in range(2):
        handlers.order_completed_make_line(completed_event)
        handlers.refund_succeeded_adjust(refund_event)
    line = SettlementLine.objects.get()
    assert line.refunded == D("5.00")
    assert RefundShare.objects.count() == 1


def test_an_issued_statement_and_its_lines_cannot_change(orders):
    daily()
    completed(orders.add(lines=[(201, "10.00", "10.00")]), at(date(2026, 11, 1)))
    [statement] = services.statements_issue_due(today=date(2026, 12, 1))
    line = statement.lines.get()
    line.net_amount = D("999.00")
    with pytest.raises(StatementImmutable):
        line.save()
    statement.net_total = D("999.00")
    with pytest.raises(StatementImmutable):
        statement.save()
    fresh = Statement.objects.get(pk=statement.pk)
    assert fresh.net_total == D("9.50") and fresh.lines.get().net_amount == D("9.50")
    # Its state still moves (approval), through the service.
    approved = services.statement_approve(principal=SYSTEM, statement_no=statement.statement_no)
    assert approved.state == "approved" and approved.net_total == D("9.50")


def test_approving_twice_is_refused(orders):
    daily()
    completed(orders.add(lines=[(201, "10.00", "10.00")]), at(date(2026, 11, 1)))
    [statement] = services.statements_issue_due(today=date(2026, 12, 1))
    services.statement_approve(principal=SYSTEM, statement_no=statement.statement_no)
    with pytest.raises(Exception) as refused:
        services.statement_approve(principal=SYSTEM, statement_no=statement.statement_no)
    assert getattr(refused.value, "code", "") == "illegal_transition"


def test_weekly_and_monthly_cycles(orders):
    MerchantProfile.objects.create(merchant_id=1, cycle="monthly")
    completed(orders.add(lines=[(201, "10.00", "10.00")]), at(date(2026, 10, 10)))
    completed(orders.add(merchant_id=2, lines=[(201, "10.00", "10.00")]), at(date(2026, 11, 10)))
    issued = services.statements_issue_due(today=date(2026, 12, 1))
    periods = {s.merchant_id: (s.cycle, s.period_start, s.period_end) for s in issued}
    assert periods == {
        1: ("monthly", date(2026, 11, 1), date(2026, 12, 1)),
        2: ("weekly", date(2026, 11, 23), date(2026, 11, 30)),  # the default cycle
    }


def test_an_order_cancelled_before_payment_takes_no_share_of_a_refund(orders):
    paid = orders.add(merchant_id=1, lines=[(201, "30.00", "30.00")], trade_no="T-PART")
    cancelled = orders.add(merchant_id=2, lines=[(201, "10.00", "10.00")], trade_no="T-PART")
    trade = orders.trades["T-PART"]
    orders.trades["T-PART"] = dataclasses.replace(
        trade,
        orders=tuple(
            dataclasses.replace(o, status="cancelled") if o.order_no == cancelled.order_no else o
            for o in trade.orders
        ),
    )
    services.refund_record(refund_no="R5", trade_no="T-PART", amount=D("12.00"))
    assert dict(RefundShare.objects.values_list("order_no", "amount")) == {
        paid.order_no: D("12.00")
    }


def test_a_negative_statement_is_carried_to_the_next_one(orders):
    daily()
    order = orders.add(lines=[(201, "100.00", "100.00")])
    completed(order, at(date(2026, 11, 1)))
    services.statements_issue_due(today=date(2026, 12, 1))
    services.refund_record(refund_no="R6", trade_no=order.trade_no, amount=D("100.00"))
    [deficit] = services.statements_issue_due(today=date(2026, 12, 2))
    assert deficit.net_total == D("-95.00")  # refund 100.00 - the 5.00 commission returned
    services.statement_approve(principal=SYSTEM, statement_no=deficit.statement_no)
    with pytest.raises(Exception) as refused:
        services.payout_start(principal=SYSTEM, statement_no=deficit.statement_no)
    assert getattr(refused.value, "code", "") == "nothing_to_pay"

    completed(orders.add(lines=[(201, "200.00", "200.00")]), at(date(2026, 11, 20)))
    [following] = services.statements_issue_due(today=date(2026, 12, 3))
    kinds = sorted(following.lines.values_list("kind", "net_amount"))
    assert kinds == [("carried", D("-95.00")), ("order", D("190.00"))]
    assert following.net_total == D("95.00")
    assert Statement.objects.get(pk=deficit.pk).carried_to_id == following.pk
    # Carried once: the statement after that has nothing of it.
    completed(orders.add(lines=[(201, "10.00", "10.00")]), at(date(2026, 11, 21)))
    [third] = services.statements_issue_due(today=date(2026, 12, 4))
    assert list(third.lines.values_list("kind", flat=True)) == ["order"]
