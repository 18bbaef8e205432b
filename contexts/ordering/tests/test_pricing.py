"""The pricing engine (pure): grouping, freight, the step registry, discounts capped and allocated
by largest remainder. Property-based tests state the invariants for any input."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contexts.ordering.domain import pricing
from contexts.ordering.domain.pricing import Adjustment, FreightCharge, LineInput
from shared.money import ZERO

D = Decimal


class FreightBy(pricing.NoAdjustment):
    """A freight step charging each group what `quote(merchant_id, lines)` answers."""

    def __init__(self, quote) -> None:
        self.quote_group = quote

    def quote(self, checkout):
        return [self.quote_group(g.merchant_id, g.lines) for g in checkout.groups]


def flat_freight(amounts: dict[int, str] | None = None, undeliverable: frozenset = frozenset()):
    def quote(merchant_id, lines):
        if merchant_id in undeliverable:
            return FreightCharge(merchant_id, amount=ZERO, deliverable=False, reason="no")
        return FreightCharge(merchant_id, amount=D((amounts or {}).get(merchant_id, "0")))

    return quote


class Grant:
    """A step granting fixed adjustments."""

    def __init__(self, *adjustments: Adjustment) -> None:
        self.adjustments = adjustments
        self.seen: list[pricing.Checkout] = []

    def quote(self, checkout):
        self.seen.append(checkout)
        return self.adjustments


def price(lines, *, freight=None, steps=(), registry=None):
    registry = registry or pricing.PricingRegistry(
        [("freight", FreightBy(freight or flat_freight())), *steps]
    )
    return pricing.price_checkout(
        buyer_id=7, province_code="110000", lines=lines, registry=registry
    )


LINES = [
    LineInput(sku_id=1, merchant_id=10, quantity=2, unit_price=D("19.99"), weight_grams=300),
    LineInput(sku_id=2, merchant_id=20, quantity=1, unit_price=D("5.00")),
    LineInput(sku_id=3, merchant_id=10, quantity=3, unit_price=D("0.10")),
]


def test_lines_are_grouped_per_merchant_in_first_seen_order_with_subtotals():
    checkout = price(LINES, freight=flat_freight({10: "8.00", 20: "6.50"}))

    assert [g.merchant_id for g in checkout.groups] == [10, 20]
    first = checkout.groups[0]
    assert [line.sku_id for line in first.lines] == [1, 3]
    assert [line.subtotal for line in first.lines] == [D("39.98"), D("0.30")]
    assert first.items_amount == D("40.28")
    assert first.freight_amount == D("8.00")
    assert checkout.items_amount == D("45.28")
    assert checkout.freight_amount == D("14.50")
    assert checkout.pay_amount == D("59.78")
    assert checkout.discount_amount == ZERO


def test_freight_port_gets_each_groups_lines_and_its_answer_is_kept():
    asked = []

    def quote(merchant_id, lines):
        asked.append((merchant_id, [(line.sku_id, line.pay_amount) for line in lines]))
        return FreightCharge(merchant_id, D("-3"), deliverable=merchant_id != 20, reason="x")

    checkout = price(LINES, freight=quote)

    assert asked == [(10, [(1, D("39.98")), (3, D("0.30"))]), (20, [(2, D("5.00"))])]
    # A negative quote never makes a total smaller: freight is at least zero.
    assert [g.freight_amount for g in checkout.groups] == [ZERO, ZERO]
    assert [g.deliverable for g in checkout.groups] == [True, False]
    assert not checkout.deliverable


def test_unit_prices_are_rounded_half_up_once():
    checkout = price([LineInput(sku_id=1, merchant_id=1, quantity=3, unit_price=D("0.125"))])

    assert checkout.lines[0].unit_price == D("0.13")
    assert checkout.lines[0].subtotal == D("0.39")


@pytest.mark.parametrize(
    "lines",
    [
        [],
        [LineInput(sku_id=1, merchant_id=1, quantity=0, unit_price=D("1"))],
        [LineInput(sku_id=1, merchant_id=1, quantity=1, unit_price=D("-1"))],
        [LineInput(sku_id=1, merchant_id=1, quantity=1, unit_price=D("1"))] * 2,
    ],
)
def test_bad_lines_are_refused(lines):
    with pytest.raises(ValueError):
        price(lines)


def test_default_registry_is_freight_then_the_three_no_op_extension_points_in_order():
    registry = pricing.default_registry(freight=FreightBy(flat_freight({10: "8.00"})))

    assert registry.names() == ("freight", "promotions", "coupons", "points")
    checkout = price(LINES, registry=registry)
    assert checkout.adjustments == ()
    assert checkout.discount_amount == ZERO
    assert checkout.freight_amount == D("8.00")
    assert pricing.default_registry().names() == ("promotions", "coupons", "points")


def test_freight_is_charged_before_any_discount_on_it_and_only_to_a_group_that_exists():
    late_freight = FreightBy(flat_freight({10: "8.00"}))
    freight_discount = Grant(Adjustment(amount=D("1.00"), target="freight"))
    with pytest.raises(ValueError, match="before any discount"):
        price(
            LINES,
            freight=flat_freight({10: "8.00"}),
            steps=[("c", freight_discount), ("late_freight", late_freight)],
        )
    stray = Grant(FreightCharge(merchant_id=99, amount=D("1.00")))
    with pytest.raises(ValueError, match="no merchant group 99"):
        price(LINES, steps=[("stray", stray)])


def test_registry_register_before_replace_and_duplicates():
    registry = pricing.default_registry()
    coupons = Grant()
    registry.replace("coupons", coupons)
    registry.register("member_price", Grant(), before="promotions")
    registry.register("gift_cards", Grant())

    assert registry.names() == ("member_price", "promotions", "coupons", "points", "gift_cards")
    assert dict(registry.steps())["coupons"] is coupons
    with pytest.raises(ValueError):
        registry.register("coupons", Grant())


def test_steps_run_in_order_and_each_sees_the_discounts_before_it():
    first = Grant(Adjustment(amount=D("10.00"), merchant_id=10, label="10 off"))
    second = Grant(Adjustment(amount=D("1.00")))
    checkout = price(LINES, steps=[("promotions", first), ("coupons", second)])

    assert second.seen[0].discount_amount == D("10.00")
    assert [a.source for a in checkout.adjustments] == ["promotions", "coupons"]
    assert checkout.discount_amount == D("11.00")
    assert checkout.pay_amount == checkout.items_amount - D("11.00")


def test_item_discount_is_allocated_proportionally_and_exactly():
    # 10.00 over 39.98 and 0.30 (merchant 10 only): 9.93 and 0.07 (0.0742 -> remainder wins).
    step = Grant(Adjustment(amount=D("10.00"), merchant_id=10, reference="coupon-1"))
    checkout = price(LINES, steps=[("coupons", step)])

    shares = {line.sku_id: line.discount_amount for line in checkout.lines}
    assert shares == {1: D("9.93"), 2: ZERO, 3: D("0.07")}
    assert checkout.lines[0].discounts == (
        pricing.Allocation(source="coupons", amount=D("9.93"), reference="coupon-1"),
    )
    assert checkout.groups[0].discount_amount == D("10.00")
    assert checkout.groups[1].discount_amount == ZERO


def test_discount_scoped_to_skus():
    step = Grant(Adjustment(amount=D("3.00"), sku_ids=(2, 3)))
    checkout = price(LINES, steps=[("promotions", step)])

    shares = {line.sku_id: line.discount_amount for line in checkout.lines}
    assert shares == {1: ZERO, 2: D("2.83"), 3: D("0.17")}


def test_discount_larger_than_what_is_due_is_capped_so_nothing_goes_negative():
    step = Grant(Adjustment(amount=D("1000.00")))
    checkout = price(LINES, freight=flat_freight({10: "8.00"}), steps=[("coupons", step)])

    assert all(line.pay_amount == ZERO for line in checkout.lines)
    assert checkout.adjustments[0].amount == D("45.28")  # what was actually taken off
    assert checkout.pay_amount == D("8.00")  # freight is not an item discount's to take


def test_freight_discount_reduces_only_freight_and_is_capped():
    step = Grant(Adjustment(amount=D("20.00"), target="freight"))
    checkout = price(LINES, freight=flat_freight({10: "8.00", 20: "4.00"}), steps=[("c", step)])

    assert [g.freight_discount for g in checkout.groups] == [D("8.00"), D("4.00")]
    assert [g.freight_due for g in checkout.groups] == [ZERO, ZERO]
    assert checkout.pay_amount == checkout.items_amount
    assert all(line.discount_amount == ZERO for line in checkout.lines)
    assert checkout.adjustments[0].amount == D("12.00")


def test_freight_discount_for_one_merchant():
    step = Grant(Adjustment(amount=D("5.00"), target="freight", merchant_id=20))
    checkout = price(LINES, freight=flat_freight({10: "8.00", 20: "4.00"}), steps=[("c", step)])

    assert [g.freight_discount for g in checkout.groups] == [ZERO, D("4.00")]


def test_negative_adjustments_and_unknown_targets_are_refused():
    with pytest.raises(ValueError):
        price(LINES, steps=[("c", Grant(Adjustment(amount=D("-1"))))])
    with pytest.raises(ValueError):
        price(LINES, steps=[("c", Grant(Adjustment(amount=D("1"), target="tax")))])


def test_allocate_examples():
    assert pricing.allocate(D("1.00"), [D("1"), D("1"), D("1")]) == [
        D("0.34"),
        D("0.33"),
        D("0.33"),
    ]
    assert pricing.allocate(D("0.00"), [D("0"), D("0")]) == [ZERO, ZERO]
    assert pricing.allocate(D("0.05"), [D("0"), D("2.00"), D("0")]) == [ZERO, D("0.05"), ZERO]
    with pytest.raises(ValueError):
        pricing.allocate(D("1.00"), [D("0"), D("0")])
    with pytest.raises(ValueError):
        pricing.allocate(D("-1.00"), [D("1")])


# --- Properties -----------------------------------------------------------------------------

cents = st.integers(min_value=0, max_value=10_000_000).map(lambda c: D(c) / 100)
positive_cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: D(c) / 100)


@given(amount=cents, weights=st.lists(positive_cents, min_size=1, max_size=20))
def test_allocation_sums_exactly_and_never_exceeds_a_weight(amount, weights):
    amount = min(amount, sum(weights))
    shares = pricing.allocate(amount, weights)

    assert sum(shares) == amount
    assert all(ZERO <= share <= weight for share, weight in zip(shares, weights, strict=True))
    # Proportional to within one minor unit.
    total = sum(weights)
    assert all(
        abs(share - amount * weight / total) < D("0.01")
        for share, weight in zip(shares, weights, strict=True)
    )


lines_strategy = st.lists(
    st.builds(
        lambda merchant, qty, price: (merchant, qty, price),
        st.integers(min_value=1, max_value=4),
        st.integers(min_value=1, max_value=50),
        st.integers(min_value=0, max_value=500_000).map(lambda c: D(c) / 100),
    ),
    min_size=1,
    max_size=12,
)
adjustments_strategy = st.lists(
    st.builds(
        Adjustment,
        amount=cents,
        target=st.sampled_from(["items", "items", "freight"]),
        merchant_id=st.one_of(st.none(), st.integers(min_value=1, max_value=4)),
        sku_ids=st.one_of(
            st.just(()), st.lists(st.integers(min_value=0, max_value=11), max_size=4).map(tuple)
        ),
    ),
    max_size=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    raw_lines=lines_strategy,
    freights=st.dictionaries(st.integers(min_value=1, max_value=4), cents),
    per_step=st.lists(adjustments_strategy, min_size=3, max_size=3),
)
def test_checkout_invariants(raw_lines, freights, per_step):
    lines = [
        LineInput(sku_id=n, merchant_id=merchant, quantity=qty, unit_price=price)
        for n, (merchant, qty, price) in enumerate(raw_lines)
    ]
    checkout = price(
        lines,
        freight=flat_freight({m: str(a) for m, a in freights.items()}),
        steps=[
            (name, Grant(*adjustments))
            for name, adjustments in zip(pricing.DISCOUNT_STEP_NAMES, per_step, strict=True)
        ],
    )

    # total = sum(lines) + freight - discounts, at every level, and never negative.
    line_subtotals = sum((line.subtotal for line in checkout.lines), ZERO)
    assert checkout.items_amount == line_subtotals
    assert (
        checkout.pay_amount == line_subtotals + checkout.freight_amount - checkout.discount_amount
    )
    assert checkout.pay_amount >= 0
    for group in checkout.groups:
        assert group.pay_amount == group.items_amount + group.freight_amount - group.discount_amount
        assert group.pay_amount >= 0
        assert ZERO <= group.freight_discount <= group.freight_amount
    for line in checkout.lines:
        assert line.pay_amount >= 0
        assert line.subtotal == line.unit_price * line.quantity
    # Every applied discount is allocated exactly: its shares add up to it.
    assert all(adjustment.amount >= 0 for adjustment in checkout.adjustments)
    by_source_items: dict[str, Decimal] = {}
    by_source_freight: dict[str, Decimal] = {}
    for adjustment in checkout.adjustments:
        bucket = by_source_freight if adjustment.target == "freight" else by_source_items
        bucket[adjustment.source] = bucket.get(adjustment.source, ZERO) + adjustment.amount
    line_alloc: dict[str, Decimal] = {}
    for line in checkout.lines:
        for a in line.discounts:
            line_alloc[a.source] = line_alloc.get(a.source, ZERO) + a.amount
    freight_alloc: dict[str, Decimal] = {}
    for group in checkout.groups:
        for a in group.freight_discounts:
            freight_alloc[a.source] = freight_alloc.get(a.source, ZERO) + a.amount
    assert {k: v for k, v in by_source_items.items() if v} == line_alloc
    assert {k: v for k, v in by_source_freight.items() if v} == freight_alloc
    assert checkout.discount_amount == sum(by_source_items.values(), ZERO) + sum(
        by_source_freight.values(), ZERO
    )


def test_a_gift_is_a_line_priced_zero_that_no_discount_touches():
    gift = pricing.GiftLine(sku_id=99, merchant_id=10, quantity=1, reference="G-1", label="Cup")
    checkout = price(
        LINES,
        steps=[("promotions", Grant(gift)), ("coupons", Grant(Adjustment(amount=D("5.00"))))],
    )
    (line,) = [ln for ln in checkout.lines if ln.gift]
    assert (line.sku_id, line.merchant_id, line.quantity, line.unit_price) == (99, 10, 1, ZERO)
    assert (line.gift_source, line.gift_reference) == ("promotions", "G-1")
    assert line.discounts == () and line.pay_amount == ZERO
    assert checkout.discount_amount == D("5.00")
    assert checkout.items_amount == sum(ln.subtotal for ln in checkout.lines if not ln.gift)


def test_a_gift_of_a_sku_already_in_the_checkout_is_dropped_with_a_note():
    gift = pricing.GiftLine(sku_id=1, merchant_id=10, quantity=1, reference="G-1", label="Cup")
    checkout = price(LINES, steps=[("promotions", Grant(gift))])
    assert not any(ln.gift for ln in checkout.lines)
    (note,) = checkout.notes
    assert (note.source, note.reference, note.sku_ids) == ("promotions", "G-1", (1,))
    with pytest.raises(ValueError, match="no merchant group"):
        price(LINES, steps=[("promotions", Grant(pricing.GiftLine(99, 404, 1)))])
