"""Settlement's pure rules: commission with category override, rounding, refunds' commission,
splitting a refund across a trade's orders, statement periods."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contexts.settlement import domain
from contexts.settlement.domain import RateBook, SoldLine

D = Decimal


def test_commission_rounds_half_up_to_the_cent_once():
    assert domain.commission(base=D("10.10"), rate=D("0.0500")) == D("0.51")  # 0.505 -> 0.51
    assert domain.commission(base=D("10.09"), rate=D("0.0500")) == D("0.50")  # 0.5045 -> 0.50
    assert domain.commission(base=D("0.00"), rate=D("0.1")) == D("0.00")
    with pytest.raises(ValueError):
        domain.commission(base=D("1"), rate=D("1.01"))


def test_the_nearest_category_rule_wins_merchant_specific_first_then_merchant_rate():
    book = RateBook(
        catalog_rate=D("0.05"),
        merchant=D("0.04"),
        categories={11: D("0.08")},  # this merchant's phones
        any_merchant_categories={10: D("0.02"), 12: D("0.03")},
        lineage={12: (12, 11, 10), 11: (11, 10), 10: (10,), 20: (20,)},
    )
    # 12 (Android) has its own every-merchant rule, but the merchant's rule on 11 is checked
    # first along the whole lineage.
    assert book.rate_for(12) == D("0.08")
    assert book.rate_for(10) == D("0.02")
    assert book.rate_for(20) == D("0.04")  # no category rule: the merchant's own
    assert book.rate_for(None) == D("0.04")
    assert RateBook(catalog_rate=D("0.05")).rate_for(20) == D("0.05")  # the catalog's rate


def test_order_amounts_charge_commission_per_line_on_paid_plus_platform_funded():
    book = RateBook(
        catalog_rate=D("0.05"), any_merchant_categories={20: D("0.10")}, lineage={20: (20,)}
    )
    amounts = domain.order_amounts(
        paid=D("118.00"),
        freight_platform_funded=D("2.00"),
        lines=[
            SoldLine(sku_id=1, category_id=12, pay_amount=D("90.00"), platform_funded=D("10.00")),
            SoldLine(sku_id=2, category_id=20, pay_amount=D("20.05"), platform_funded=D("0")),
        ],
        rates=book,
    )
    # 5 % of 100.00 = 5.00; 10 % of 20.05 = 2.005 -> 2.01 (half-up); no commission on freight.
    assert amounts.commission == D("7.01")
    assert amounts.platform_funded == D("12.00")


def test_commission_returned_is_proportional_and_capped():
    assert domain.commission_returned(
        commission=D("5.00"), paid=D("100.00"), refunded=D("30.00")
    ) == D("1.50")
    assert domain.commission_returned(
        commission=D("5.00"), paid=D("100.00"), refunded=D("33.33")
    ) == D("1.67")
    assert domain.commission_returned(
        commission=D("5.00"), paid=D("100.00"), refunded=D("200")
    ) == D("5.00")
    assert domain.commission_returned(commission=D("5.00"), paid=D("0"), refunded=D("1")) == D(
        "0.00"
    )


def test_split_by_weight_sums_exactly_and_gives_remainder_cents_to_the_largest():
    shares = domain.split_by_weight(D("10.00"), {"a": D("1"), "b": D("1"), "c": D("1")})
    assert sum(shares.values()) == D("10.00")
    assert sorted(shares.values()) == [D("3.33"), D("3.33"), D("3.34")]
    assert domain.split_by_weight(D("5.00"), {"only": D("7.00")}) == {"only": D("5.00")}
    assert domain.split_by_weight(D("5.00"), {}) == {}


@pytest.mark.parametrize(
    ("cycle", "today", "period"),
    [
        ("daily", date(2026, 12, 1), (date(2026, 11, 30), date(2026, 12, 1))),
        # Tuesday 1 December: the week of Monday 30 November is not over yet.
        ("weekly", date(2026, 12, 1), (date(2026, 11, 23), date(2026, 11, 30))),
        ("weekly", date(2026, 12, 7), (date(2026, 11, 30), date(2026, 12, 7))),
        ("monthly", date(2026, 12, 1), (date(2026, 11, 1), date(2026, 12, 1))),
        ("monthly", date(2024, 3, 1), (date(2024, 2, 1), date(2024, 3, 1))),
    ],
)
def test_last_closed_period(cycle, today, period):
    assert domain.last_closed_period(cycle=cycle, today=today) == period


def test_statement_moves_only_forward():
    assert domain.statement_can_move("issued", "approved")
    assert domain.statement_can_move("approved", "paid")
    assert not domain.statement_can_move("issued", "paid")
    assert not domain.statement_can_move("paid", "approved")


def test_payout_sources_name_each_payment_and_take_deficits_off_the_largest():
    lines = [
        ("P2", D("30.00")),
        ("P1", D("50.00")),
        ("P1", D("20.00")),  # two orders of one trade share a payment
        ("P3", D("10.00")),
        ("P3", D("-15.00")),  # a refund after settlement: its payment nets below zero
        ("", D("-12.00")),  # a carried deficit has no payment
    ]
    total = sum((net for _, net in lines), D("0"))
    assert total == D("83.00")
    # 100.00 + 30.00 carried, 47.00 over: all of it off P1 (the largest)
    assert domain.payout_sources(lines, total=total) == (("P1", D("53.00")), ("P2", D("30.00")))
    # a deficit larger than the largest payment moves on to the next one, none negative
    assert domain.payout_sources(lines, total=D("10.00")) == (("P2", D("10.00")),)
    assert domain.payout_sources([("P1", D("5.00")), ("P2", D("5.00"))], total=D("4.00")) == (
        ("P2", D("4.00")),  # equal payments: the first by number gives first
    )
    with pytest.raises(ValueError):
        domain.payout_sources(lines, total=D("130.01"))
