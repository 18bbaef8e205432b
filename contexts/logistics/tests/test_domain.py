"""Freight calculation: tables for each rule, and properties over many generated templates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contexts.logistics import domain
from contexts.logistics.domain import ChargeBy, FreightPlan, RegionalFees
from shared.errors import ValidationFailed

D = Decimal

BY_PIECE = FreightPlan(
    charge_by=ChargeBy.PIECE,
    first_unit=2,
    first_fee=D("8.00"),
    additional_unit=3,
    additional_fee=D("4.50"),
)
BY_WEIGHT = FreightPlan(
    charge_by=ChargeBy.WEIGHT,
    first_unit=1000,
    first_fee=D("12.00"),
    additional_unit=500,
    additional_fee=D("3.00"),
)
REGIONAL = FreightPlan(
    charge_by=ChargeBy.PIECE,
    first_unit=1,
    first_fee=D("10.00"),
    additional_unit=1,
    additional_fee=D("2.00"),
    regional_fees=(
        RegionalFees(frozenset({"650000", "540000"}), D("25.00"), D("8.00")),
        RegionalFees(frozenset({"110000"}), D("6.00"), D("1.00")),
    ),
)
THRESHOLD = FreightPlan(
    charge_by=ChargeBy.PIECE,
    first_unit=1,
    first_fee=D("10.00"),
    additional_unit=1,
    additional_fee=D("2.00"),
    free_shipping_threshold=D("99.00"),
)
NOT_DELIVERABLE = FreightPlan(
    charge_by=ChargeBy.PIECE,
    first_unit=1,
    first_fee=D("10.00"),
    additional_unit=1,
    additional_fee=D("2.00"),
    free_shipping_threshold=D("1.00"),
    not_deliverable_provinces=frozenset({"810000"}),
)


@pytest.mark.parametrize(
    ("plan", "province", "quantity", "grams", "amount", "fee", "deliverable", "reason"),
    [
        # by piece: 2 in the first unit, then +4.50 per started 3 pieces
        (BY_PIECE, "310000", 1, 0, "1", "8.00", True, ""),
        (BY_PIECE, "310000", 2, 0, "1", "8.00", True, ""),
        (BY_PIECE, "310000", 3, 0, "1", "12.50", True, ""),
        (BY_PIECE, "310000", 5, 0, "1", "12.50", True, ""),
        (BY_PIECE, "310000", 6, 0, "1", "17.00", True, ""),
        (BY_PIECE, "310000", 0, 0, "0", "0.00", True, ""),
        # by weight: first kilo 12.00, then +3.00 per started 500 g (quantity is irrelevant)
        (BY_WEIGHT, "310000", 9, 1000, "1", "12.00", True, ""),
        (BY_WEIGHT, "310000", 1, 1001, "1", "15.00", True, ""),
        (BY_WEIGHT, "310000", 1, 1500, "1", "15.00", True, ""),
        (BY_WEIGHT, "310000", 1, 2600, "1", "24.00", True, ""),
        (BY_WEIGHT, "310000", 1, 1, "1", "12.00", True, ""),
        # regional rule overrides both fees for its provinces, template fees elsewhere
        (REGIONAL, "650000", 3, 0, "1", "41.00", True, ""),
        (REGIONAL, "540000", 1, 0, "1", "25.00", True, ""),
        (REGIONAL, "110000", 3, 0, "1", "8.00", True, ""),
        (REGIONAL, "310000", 3, 0, "1", "14.00", True, ""),
        # threshold: at or above it the group ships free
        (THRESHOLD, "310000", 5, 0, "98.99", "18.00", True, ""),
        (THRESHOLD, "310000", 5, 0, "99.00", "0.00", True, "free_shipping_threshold"),
        (THRESHOLD, "310000", 5, 0, "150", "0.00", True, "free_shipping_threshold"),
        # not deliverable wins over everything
        (NOT_DELIVERABLE, "810000", 1, 0, "500", "0.00", False, "not_deliverable"),
        (NOT_DELIVERABLE, "310000", 1, 0, "500", "0.00", True, "free_shipping_threshold"),
    ],
)
def test_freight_table(plan, province, quantity, grams, amount, fee, deliverable, reason):
    charge = domain.freight_charge(
        plan, province_code=province, quantity=quantity, weight_grams=grams, amount=D(amount)
    )
    assert charge == domain.FreightCharge(amount=D(fee), deliverable=deliverable, reason=reason)


money = st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False)
plans = st.builds(
    FreightPlan,
    charge_by=st.sampled_from(list(ChargeBy)),
    first_unit=st.integers(min_value=1, max_value=5000),
    first_fee=money,
    additional_unit=st.integers(min_value=1, max_value=5000),
    additional_fee=money,
    regional_fees=st.lists(
        st.builds(
            RegionalFees,
            province_codes=st.just(frozenset({"650000"})),
            first_fee=money,
            additional_fee=money,
        ),
        max_size=1,
    ).map(tuple),
)


@given(
    plan=plans,
    province=st.sampled_from(["650000", "110000"]),
    unit_grams=st.integers(min_value=0, max_value=20_000),
    quantities=st.tuples(
        st.integers(min_value=0, max_value=2000), st.integers(min_value=0, max_value=2000)
    ),
    amount=money,
)
def test_fee_is_never_negative_and_never_falls_as_quantity_grows(
    plan, province, unit_grams, quantities, amount
):
    smaller, larger = sorted(quantities)

    def fee(quantity: int) -> Decimal:
        charge = domain.freight_charge(
            plan,
            province_code=province,
            quantity=quantity,
            weight_grams=unit_grams * quantity,
            amount=amount,
        )
        assert charge.deliverable
        return charge.amount

    assert fee(smaller) >= 0
    assert fee(larger) >= fee(smaller)


def test_template_errors_name_each_bad_field():
    errors = domain.template_errors(
        charge_by="volume",
        first_unit=0,
        first_fee=D("-1"),
        additional_unit=1,
        additional_fee=D("0"),
        free_shipping_threshold=D("-5"),
        not_deliverable_provinces=["11000", "110100", "650000"],
    )
    assert set(errors) == {
        "charge_by",
        "first_unit",
        "first_fee",
        "free_shipping_threshold",
        "not_deliverable_provinces",
    }
    assert len(errors["not_deliverable_provinces"]) == 2


def test_a_province_may_be_in_one_regional_rule_only():
    errors = domain.regional_rule_errors(
        [(["650000", "540000"], D("1"), D("1")), (["540000"], D("2"), D("-1")), ([], D(0), D(0))]
    )
    assert errors == {
        "rules[1].province_codes": ["540000 is already in rule 0."],
        "rules[1].additional_fee": ["Must not be negative."],
        "rules[2].province_codes": ["Name at least one province."],
    }
    with pytest.raises(ValidationFailed) as exc:
        domain.raise_if_invalid(errors)
    assert exc.value.details["fields"] == errors
