"""The pure points arithmetic: rounding never in the buyer's disfavour beyond a point, splits
that add up, caps that hold."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from contexts.loyalty import domain

D = Decimal
amounts = st.decimals(min_value=D("0.00"), max_value=D("99999.99"), places=2)


@given(total=st.integers(0, 10**7), weights=st.lists(amounts, min_size=1, max_size=8))
def test_split_adds_up_and_is_proportional_to_a_point(total, weights):
    parts = domain.split(total, weights)
    whole = sum(weights, D(0))
    if whole == 0:
        assert parts == [0] * len(weights)
        return
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        assert abs(D(part) - D(total) * weight / whole) < 1


@given(due=amounts, per_yuan=st.sampled_from([1, 10, 100, 1000, 250]))
def test_max_points_are_worth_at_most_the_share_and_make_whole_cents(due, per_yuan):
    most = domain.max_points(due=due, max_share=D("0.5"), points_per_yuan=per_yuan)
    value = domain.points_value(points=most, points_per_yuan=per_yuan)
    assert value is not None and value <= due * D("0.5")


@given(total=st.integers(0, 10**6), part=amounts, whole=amounts)
def test_share_stays_within_zero_and_total(total, part, whole):
    assert 0 <= domain.share(total, part, whole) <= total


def test_examples():
    assert domain.earn_points(amount=D("10.99"), rate=D("1"), multiplier=D("1.5")) == 16
    assert domain.earn_points(amount=D("-1"), rate=D("1"), multiplier=D("1")) == 0
    assert domain.points_value(points=15, points_per_yuan=1000) is None
    assert domain.points_value(points=150, points_per_yuan=100) == D("1.50")
    assert domain.share(1000, D("50"), D("200")) == 250
    assert domain.share(1000, D("250"), D("200")) == 1000
    assert domain.split(10, [D("1"), D("1"), D("1")]) == [4, 3, 3]
    levels = [
        domain.Level("a", "A", 0, D("0"), D("1"), False, 0),
        domain.Level("b", "B", 1, D("100"), D("2"), True, 5),
    ]
    assert domain.level_for(D("99.99"), levels).code == "a"
    assert domain.level_for(D("100"), levels).code == "b"
    assert domain.next_level(D("100"), levels) is None
    assert domain.next_level(D("5"), levels).code == "b"
