"""The "points" pricing step's rules (quote), its hold / confirm / release per order, and the
"member_shipping" step."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from contexts.loyalty import handlers, services
from contexts.loyalty.models import PointsAccount, PointsHold
from contexts.loyalty.tests.conftest import assert_books_balance
from contexts.ordering import api as ordering_api
from shared.errors import AppError

pytestmark = pytest.mark.django_db
D = Decimal


def checkout(user_id: int, points: int | None, *amounts: str, freight: str = "0.00"):
    groups = tuple(
        ordering_api.MerchantGroup(
            merchant_id=n + 1,
            lines=(
                ordering_api.PricedLine(
                    sku_id=n + 10,
                    merchant_id=n + 1,
                    quantity=1,
                    unit_price=D(amount),
                    weight_grams=100,
                    subtotal=D(amount),
                ),
            ),
            freight_amount=D(freight),
        )
        for n, amount in enumerate(amounts)
    )
    options = {} if points is None else {"points": points}
    return ordering_api.Checkout(
        buyer_id=user_id, province_code="310000", groups=groups, options=options
    )


@pytest.fixture
def rich(buyer):
    services.order_completed_earn(
        user_id=buyer.pk, order_no="E1", trade_no="TE1", pay_amount=D("1000.00")
    )
    return buyer


def quote_code(step, co) -> str:
    with pytest.raises(AppError) as refused:
        step.quote(co)
    assert refused.value.status_code == 422
    return refused.value.code


def test_points_quote_takes_their_value_off_the_whole_checkout(rich):
    step = handlers.PointsStep()
    (adjustment,) = step.quote(checkout(rich.pk, 500, "30.00", "20.00"))
    assert adjustment.amount == D("5.00") and adjustment.merchant_id is None
    assert step.quote(checkout(rich.pk, None, "30.00")) == []
    assert step.quote(checkout(rich.pk, 0, "30.00")) == []


def test_points_rules_answer_422_with_a_clear_code(rich, buyer, settings):
    step = handlers.PointsStep()
    assert quote_code(step, checkout(rich.pk, 1001, "5000.00")) == "points_insufficient"
    assert quote_code(step, checkout(rich.pk, 2501, "50.00")) == "points_insufficient"
    assert quote_code(step, checkout(rich.pk, 2001, "40.00")) == "points_insufficient"
    # 50% of 10.00 is 5.00 = 500 points at most
    assert quote_code(step, checkout(rich.pk, 501, "10.00")) == "points_exceed_max_share"
    settings.LOYALTY_POINTS_PER_YUAN = 1000  # a point is a tenth of a cent
    assert quote_code(step, checkout(rich.pk, 15, "100.00")) == "points_not_whole_cents"
    (adjustment,) = step.quote(checkout(rich.pk, 20, "100.00"))
    assert adjustment.amount == D("0.02")
    settings.LOYALTY_POINTS_PER_YUAN = 100
    settings.LOYALTY_MIN_BALANCE_TO_SPEND = 2000
    assert quote_code(step, checkout(rich.pk, 100, "100.00")) == "points_below_minimum_balance"


def test_hold_splits_points_over_orders_then_confirm_and_release(rich):
    step = handlers.PointsStep()
    co = checkout(rich.pk, 500, "30.00", "20.00")
    (adjustment,) = step.quote(co)
    with transaction.atomic():
        step.hold(
            ordering_api.PricingHold(
                trade_no="T1",
                buyer_id=rich.pk,
                options=co.options,
                adjustments=(adjustment,),
                orders=(
                    ordering_api.HeldOrder("A1", 1, D("3.00"), (adjustment.reference,)),
                    ordering_api.HeldOrder("B1", 2, D("2.00"), (adjustment.reference,)),
                ),
            )
        )
    assert dict(PointsHold.objects.values_list("order_no", "points")) == {"A1": 300, "B1": 200}
    account = assert_books_balance(rich.pk)
    assert (account.balance, account.held) == (500, 500)
    settlement = ordering_api.PricingSettlement
    step.confirm(settlement(trade_no="T1", buyer_id=rich.pk, order_nos=("A1",)))
    step.release(settlement(trade_no="T1", buyer_id=rich.pk, order_nos=("A1", "B1"), reason="x"))
    step.release(settlement(trade_no="T1", buyer_id=rich.pk, order_nos=("B1",), reason="x"))
    account = assert_books_balance(rich.pk)
    assert (account.balance, account.held) == (700, 0)


def test_hold_refuses_when_the_balance_went_away_since_the_quote(rich):
    step = handlers.PointsStep()
    co = checkout(rich.pk, 500, "30.00")
    (adjustment,) = step.quote(co)
    PointsAccount.objects.filter(user_id=rich.pk).update(balance=100)  # as if spent elsewhere
    with pytest.raises(AppError) as refused, transaction.atomic():
        step.hold(
            ordering_api.PricingHold(
                trade_no="T1",
                buyer_id=rich.pk,
                options=co.options,
                adjustments=(adjustment,),
                orders=(ordering_api.HeldOrder("A1", 1, D("5.00"), (adjustment.reference,)),),
            )
        )
    assert refused.value.code == "points_insufficient"
    assert not PointsHold.objects.exists()


def test_member_shipping_frees_the_freight_of_levels_that_have_it(buyer):
    step = handlers.MemberShippingStep()
    co = checkout(buyer.pk, None, "30.00", "20.00", freight="8.00")
    assert step.quote(co) == []
    services.order_completed_earn(
        user_id=buyer.pk, order_no="E1", trade_no="TE1", pay_amount=D("5000.00")
    )  # gold
    adjustments = step.quote(co)
    assert [(a.target, a.merchant_id, a.amount) for a in adjustments] == [
        ("freight", 1, D("8.00")),
        ("freight", 2, D("8.00")),
    ]


def test_the_steps_are_registered_in_the_pipeline():
    names = ordering_api.pricing_step_names()
    assert names.index("member_shipping") == names.index("promotions") - 1
    assert names[-1] == "points" or "points" in names
