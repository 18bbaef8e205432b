"""The coupon rules of domain.py, as tables: each kind, scope, stacking with promotions, the
one-per-issuer rule and the best combination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from contexts.coupons import domain
from contexts.coupons.domain import Candidate, Line, Shop, Terms

SOON = datetime(2030, 1, 1, tzinfo=UTC)
LATER = SOON + timedelta(days=10)

LINES = [
    # sku, merchant, categories (own first ancestors), pay amount, promoted
    Line(sku_id=1, merchant_id=7, category_ids=(1, 10), pay_amount=D("80.00")),
    Line(sku_id=2, merchant_id=7, category_ids=(1, 11), pay_amount=D("40.00"), promoted=True),
    Line(sku_id=3, merchant_id=8, category_ids=(2, 20), pay_amount=D("30.00")),
]
SHOPS = [Shop(merchant_id=7, freight_due=D("8.00")), Shop(merchant_id=8, freight_due=D("6.00"))]


def one(terms: Terms, coupon_id: int = 1, until: datetime = SOON) -> domain.Grant:
    (grant,) = domain.grants_for([Candidate(coupon_id, terms, until)], LINES, SHOPS)
    return grant


@pytest.mark.parametrize(
    ("terms", "discount", "skus", "reason"),
    [
        (Terms(kind="amount_off", amount=D("5.00")), D("5.00"), (1, 2, 3), ""),
        (Terms(kind="amount_off", amount=D("500.00")), D("150.00"), (1, 2, 3), ""),
        (Terms(kind="threshold_off", amount=D("20"), min_spend=D("150")), D("20"), (1, 2, 3), ""),
        (
            Terms(kind="threshold_off", amount=D("20"), min_spend=D("151")),
            D("0"),
            (),
            "below_threshold",
        ),
        (Terms(kind="percent_off", percent=D("10")), D("15.00"), (1, 2, 3), ""),
        (Terms(kind="percent_off", percent=D("10"), max_discount=D("12")), D("12"), (1, 2, 3), ""),
        (Terms(kind="percent_off", percent=D("33.33")), D("50.00"), (1, 2, 3), ""),
        # Merchant 7's coupon covers only its lines.
        (Terms(kind="percent_off", percent=D("50"), merchant_id=7), D("60.00"), (1, 2), ""),
        # Not stackable with promotions: the promoted line is skipped.
        (
            Terms(kind="amount_off", amount=D("100"), stackable_with_promotions=False),
            D("100"),
            (1, 3),
            "",
        ),
        # A parent category covers its descendants (line 1's path has 10 -> covered).
        (
            Terms(kind="amount_off", amount=D("99"), scope="categories", scope_ids=frozenset({10})),
            D("80.00"),
            (1,),
            "",
        ),
        (
            Terms(kind="amount_off", amount=D("9"), scope="products", scope_ids=frozenset({3})),
            D("9"),
            (3,),
            "",
        ),
        (
            Terms(kind="amount_off", amount=D("9"), scope="merchants", scope_ids=frozenset({8})),
            D("9"),
            (3,),
            "",
        ),
        (
            Terms(kind="amount_off", amount=D("9"), scope="products", scope_ids=frozenset({99})),
            D("0"),
            (),
            "no_eligible_items",
        ),
    ],
)
def test_what_one_coupon_takes_off(terms, discount, skus, reason):
    grant = one(terms)
    assert (grant.discount, grant.sku_ids, grant.reason) == (discount, skus, reason)


def test_free_shipping_takes_the_freight_of_the_shops_in_scope():
    assert one(Terms(kind="free_shipping")).freight == ((7, D("8.00")), (8, D("6.00")))
    merchant = one(Terms(kind="free_shipping", merchant_id=8))
    assert (merchant.freight, merchant.discount) == (((8, D("6.00")),), D("6.00"))
    promoted = [SHOPS[0], Shop(merchant_id=8, freight_due=D("6.00"), freight_promoted=True)]
    (grant,) = domain.grants_for(
        [Candidate(1, Terms(kind="free_shipping", stackable_with_promotions=False), SOON)],
        LINES,
        promoted,
    )
    assert grant.freight == ((7, D("8.00")),)


def test_merchant_coupons_apply_first_and_the_platform_coupon_counts_what_is_left():
    shop = Candidate(1, Terms(kind="amount_off", amount=D("30"), merchant_id=7), SOON)
    platform = Candidate(2, Terms(kind="threshold_off", amount=D("10"), min_spend=D("130")), SOON)
    grants = domain.grants_for([platform, shop], LINES, SHOPS)
    assert [(g.coupon_id, g.reason) for g in grants] == [(1, ""), (2, "below_threshold")]


def test_one_coupon_per_issuer():
    a = Candidate(1, Terms(kind="amount_off", amount=D("5")), SOON)
    b = Candidate(2, Terms(kind="amount_off", amount=D("6")), SOON)
    assert [g.reason for g in domain.grants_for([a, b], LINES, SHOPS)] == ["", "one_per_issuer"]


def test_the_best_combination_is_the_largest_discount_and_deterministic():
    candidates = [
        Candidate(1, Terms(kind="amount_off", amount=D("5"), merchant_id=7), SOON),
        Candidate(2, Terms(kind="amount_off", amount=D("15"), merchant_id=7), LATER),
        Candidate(3, Terms(kind="amount_off", amount=D("3"), merchant_id=8), SOON),
        Candidate(4, Terms(kind="threshold_off", amount=D("20"), min_spend=D("140")), SOON),
        Candidate(5, Terms(kind="threshold_off", amount=D("8"), min_spend=D("100")), SOON),
    ]
    # 15 (shop 7) + 3 (shop 8) + 8 = 26 loses to 5 + 3 + 20 = 28: the smaller shop coupon
    # leaves 142, enough for the 140 threshold of the platform's 20 off.
    best = domain.best_combination(candidates, LINES, SHOPS)
    assert sorted(g.coupon_id for g in best) == [1, 3, 4]
    assert sum(g.discount for g in best) == D("28")
    assert domain.best_combination(list(reversed(candidates)), LINES, SHOPS) == best


def test_equal_discounts_prefer_the_coupon_expiring_first_then_the_lower_id():
    later = Candidate(1, Terms(kind="amount_off", amount=D("5")), LATER)
    sooner = Candidate(2, Terms(kind="amount_off", amount=D("5")), SOON)
    twin = Candidate(3, Terms(kind="amount_off", amount=D("5")), SOON)
    best = domain.best_combination([later, sooner, twin], LINES, SHOPS)
    assert [g.coupon_id for g in best] == [2]


def test_a_coupon_that_takes_nothing_off_is_never_suggested():
    free = Candidate(1, Terms(kind="free_shipping"), SOON)
    no_freight = [Shop(merchant_id=7, freight_due=D("0")), Shop(merchant_id=8, freight_due=D("0"))]
    assert domain.best_combination([free], LINES, no_freight) == []
