"""The pure rules: warehouse choice, the low-stock crossing, stock levels, region matching."""

from __future__ import annotations

import pytest

from contexts.inventory import domain
from contexts.inventory.domain import Candidate


def c(stock_id: int, available: int, province: str = "310000", priority: int = 100) -> Candidate:
    return Candidate(
        stock_id=stock_id,
        warehouse_id=stock_id * 10,
        province_code=province,
        priority=priority,
        available=available,
    )


def test_a_warehouse_in_the_buyers_province_wins_over_a_bigger_one_elsewhere():
    plan = domain.allocate(
        quantity=3, candidates=[c(1, 100), c(2, 5, province="110000")], region_code="110105"
    )
    assert plan == [(2, 3)]


def test_without_a_regional_match_the_most_available_wins_then_priority_then_id():
    assert domain.allocate(quantity=3, candidates=[c(1, 10), c(2, 50)]) == [(2, 3)]
    tie = [c(1, 10, priority=5), c(2, 10, priority=1)]
    assert domain.allocate(quantity=3, candidates=tie) == [(2, 3)]
    assert domain.allocate(quantity=3, candidates=[c(2, 10), c(1, 10)]) == [(1, 3)]


def test_one_warehouse_that_can_ship_everything_is_preferred_to_a_split_in_region():
    plan = domain.allocate(
        quantity=8, candidates=[c(1, 5, province="110000"), c(2, 20)], region_code="110000"
    )
    assert plan == [(2, 8)]


def test_a_line_is_split_only_when_no_warehouse_has_enough():
    plan = domain.allocate(
        quantity=12,
        candidates=[c(1, 5, province="110000"), c(2, 6), c(3, 4), c(4, 0)],
        region_code="110000",
    )
    assert plan == [(1, 5), (2, 6), (3, 1)]


def test_not_enough_in_all_warehouses_together_is_none():
    assert domain.allocate(quantity=12, candidates=[c(1, 5), c(2, 6)]) is None
    assert domain.allocate(quantity=1, candidates=[]) is None


def test_quantity_must_be_positive():
    with pytest.raises(ValueError):
        domain.allocate(quantity=0, candidates=[c(1, 5)])


@pytest.mark.parametrize(
    ("region", "province", "expected"),
    [
        ("110000", "110000", True),
        ("110105", "110000", True),
        ("310115", "110000", False),
        ("", "110000", False),
        ("BJ", "BJ", True),
        ("BJ", "SH", False),
    ],
)
def test_region_codes_match_their_province(region, province, expected):
    assert domain.same_province(region, province) is expected


@pytest.mark.parametrize(
    ("before", "after", "crossed"),
    [(11, 10, True), (15, 3, True), (10, 9, False), (9, 5, False), (5, 12, False), (12, 11, False)],
)
def test_low_stock_is_a_downward_crossing_of_the_threshold(before, after, crossed):
    assert (
        domain.crossed_low(before_available=before, after_available=after, threshold=10) is crossed
    )


@pytest.mark.parametrize(("on_hand", "reserved"), [(-1, 0), (5, -1), (5, 6)])
def test_impossible_levels_are_refused(on_hand, reserved):
    with pytest.raises(domain.StockLevelError):
        domain.check_levels(on_hand=on_hand, reserved=reserved)
