"""What a membership gives, as the lower contexts see it: the "membership" pricing step, the
invoice resolver payments asks, the earn multiplier loyalty asks."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from contexts.ordering import api as ordering_api
from contexts.subscription import api, handlers, selectors, services
from contexts.subscription.tests.conftest import buyer_of

pytestmark = pytest.mark.django_db
D = Decimal


def _checkout(user_id: int, *amounts: str, freight: str = "8.00") -> ordering_api.Checkout:
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
    return ordering_api.Checkout(buyer_id=user_id, province_code="310000", groups=groups)


def _member(buyer, plan):
    invoice = services.subscribe(principal=buyer_of(buyer), plan_id=plan.pk).invoice
    services.invoice_paid(invoice_no=invoice.invoice_no, payment_no="P1", amount=invoice.amount)


def test_the_step_grants_nothing_to_a_non_member(buyer, monthly):
    assert handlers.MembershipStep().quote(_checkout(buyer.pk, "30.00")) == []
    services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk)  # pending: not yet
    assert handlers.MembershipStep().quote(_checkout(buyer.pk, "30.00")) == []


def test_the_step_takes_the_member_price_and_the_freight_off(buyer, monthly):
    _member(buyer, monthly)
    quoted = handlers.MembershipStep().quote(_checkout(buyer.pk, "30.00", "20.10"))
    adjustments = [q for q in quoted if isinstance(q, ordering_api.Adjustment)]
    notes = [q.message for q in quoted if isinstance(q, ordering_api.PricingNote)]
    assert [(a.target, a.merchant_id, a.amount) for a in adjustments] == [
        ("items", None, D("2.51")),  # 5% of 50.10 = 2.505, half-up
        ("freight", 1, D("8.00")),
        ("freight", 2, D("8.00")),
    ]
    assert notes == ["Members pay 5% less.", "Members ship free."]


def test_a_plan_without_those_benefits_grants_nothing_at_checkout(buyer):
    from contexts.subscription.tests.conftest import make_plan

    bare = make_plan("bare", free_shipping=False, member_discount_percent=D("0"))
    _member(buyer, bare)
    assert handlers.MembershipStep().quote(_checkout(buyer.pk, "30.00")) == []
    assert api.member_benefits(buyer.pk).is_member is True


def test_the_step_sits_right_after_freight():
    names = ordering_api.pricing_step_names()
    assert names.index(handlers.MEMBERSHIP_STEP) == names.index("freight") + 1


def test_payments_reads_an_invoice_through_the_resolver(buyer, monthly):
    invoice = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk).invoice
    payable = handlers.invoice_payable(invoice.invoice_no)
    assert (payable.kind, payable.buyer_id, payable.amount, payable.payable) == (
        "subscription",
        buyer.pk,
        D("30.00"),
        True,
    )
    services.invoice_paid(invoice_no=invoice.invoice_no, payment_no="P1", amount=D("30.00"))
    assert handlers.invoice_payable(invoice.invoice_no).payable is False
    assert handlers.invoice_payable("SI-none") is None


def test_the_multiplier_is_the_plans_while_the_membership_lasts(buyer, monthly):
    assert handlers.points_multiplier(buyer.pk) == 1
    _member(buyer, monthly)
    assert handlers.points_multiplier(buyer.pk) == D("2.00")
    end = selectors.membership_of(user_id=buyer.pk).current_period_end
    lapsed = selectors.member_benefits(user_id=buyer.pk, now=end + timedelta(seconds=1))
    assert (lapsed.is_member, lapsed.points_multiplier) == (False, 1)
