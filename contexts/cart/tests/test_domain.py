"""The cart's pure rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.cart import domain
from shared.errors import BusinessRuleViolation, ValidationFailed


def test_tokens_are_long_random_and_hashed():
    token = domain.new_cart_token()
    assert len(token) >= 43 and token != domain.new_cart_token()
    assert domain.hash_cart_token(token) == domain.hash_cart_token(token)
    assert len(domain.hash_cart_token(token)) == 64
    assert domain.hash_cart_token("") is None
    assert domain.hash_cart_token("x" * 129) is None


@pytest.mark.parametrize("quantity", [0, 1000])
def test_quantity_bounds(quantity):
    with pytest.raises(ValidationFailed):
        domain.validate_quantity(quantity, max_quantity=999)


def test_added_quantity_is_capped():
    assert domain.added_quantity(existing=990, added=20, max_quantity=999) == 999
    assert domain.added_quantity(existing=1, added=2, max_quantity=999) == 3


def test_stock_and_room_checks():
    with pytest.raises(BusinessRuleViolation) as full:
        domain.ensure_room_for_line(line_count=100, max_lines=100)
    assert full.value.code == "cart_full"
    with pytest.raises(BusinessRuleViolation) as short:
        domain.ensure_in_stock(sku_id=1, requested=3, available=2)
    assert short.value.code == "insufficient_stock" and short.value.details["available"] == 2
    domain.ensure_in_stock(sku_id=1, requested=2, available=2)


@pytest.mark.parametrize(
    ("kwargs", "codes", "purchasable"),
    [
        ({"current_price": None, "sku_purchasable": False, "available": 5}, ["unavailable"], False),
        ({"sku_purchasable": False, "available": 5}, ["unavailable"], False),
        ({"available": 0}, ["out_of_stock"], False),
        ({"available": 1}, ["insufficient_stock"], False),
        ({"current_price": Decimal("9.00")}, ["price_changed"], True),
        (
            {"available": 1, "current_price": Decimal("9.00")},
            ["insufficient_stock", "price_changed"],
            False,
        ),
        ({}, [], True),
    ],
)
def test_check_line(kwargs, codes, purchasable):
    args = {
        "quantity": 2,
        "price_when_added": Decimal("10.00"),
        "current_price": Decimal("10.00"),
        "sku_purchasable": True,
        "available": 5,
        **kwargs,
    }
    check = domain.check_line(**args)
    assert [issue.code for issue in check.issues] == codes
    assert check.purchasable is purchasable


def test_plan_merge():
    plan = domain.plan_merge(
        user_lines={1: 3, 2: 999},
        guest_lines=[domain.GuestLine(s, q) for s, q in [(1, 4), (2, 1), (3, 2), (4, 1), (5, 1)]],
        purchasable={1, 2, 3, 5},
        available={1: 5, 2: 10_000, 3: 1, 5: 9},
        max_lines=3,
        max_quantity=999,
    )
    assert plan.updated == {1: 5}
    assert plan.added == {3: 1}
    assert plan.skipped == {2: "quantity_limit", 4: "unavailable", 5: "cart_full"}
