"""The promotions engine (domain.best_outcome): a table per rule kind, stacking and exclusivity,
the floor, the 70% + 40% scenario, and the invariants under hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contexts.promotions import domain
from contexts.promotions.domain import (
    Activity,
    CartLine,
    NoteReason,
    RuleKind,
    Scope,
    ScopeKind,
    Status,
    best_outcome,
    parse_rule,
)
from shared.errors import ValidationFailed

D = Decimal
FLOOR = D("0.01")


def line(sku_id, price, quantity=1, *, merchant_id=1, spu_id=None, categories=()):
    price = D(price)
    return CartLine(
        sku_id=sku_id,
        merchant_id=merchant_id,
        quantity=quantity,
        unit_price=price,
        pay_amount=price * quantity,
        spu_id=spu_id if spu_id is not None else sku_id * 10,
        category_ids=frozenset(categories),
    )


def activity(
    activity_id, kind, params, *, merchant_id=None, exclusive=False, priority=0, scope=None, ids=()
):
    return Activity(
        activity_id=activity_id,
        name=f"A{activity_id}",
        merchant_id=merchant_id,
        rule=parse_rule(kind, params),
        scope=Scope(kind=scope, ids=frozenset(ids)) if scope else Scope(),
        exclusive=exclusive,
        priority=priority,
    )


def pays(outcome, lines):
    return {ln.sku_id: ln.pay_amount - outcome.line_discounts[ln.sku_id] for ln in lines}


SPEND_OFF = {"tiers": [{"threshold": "200", "amount": "20"}, {"threshold": "300", "amount": "40"}]}


@pytest.mark.parametrize(
    ("kind", "params", "lines", "discount"),
    [
        # 满减: below, at, between and above the tiers
        ("spend_off", SPEND_OFF, [line(1, "199.99")], "0.00"),
        ("spend_off", SPEND_OFF, [line(1, "100.00", 2)], "20.00"),
        ("spend_off", SPEND_OFF, [line(1, "150.00"), line(2, "149.99")], "20.00"),
        ("spend_off", SPEND_OFF, [line(1, "160.00", 2)], "40.00"),
        # 满折: 10% off from 300, 20% off from 500
        (
            "spend_percent",
            {
                "tiers": [
                    {"threshold": "300", "percent_off": "10"},
                    {"threshold": "500", "percent_off": "20"},
                ]
            },
            [line(1, "333.33")],
            "33.33",
        ),
        (
            "spend_percent",
            {
                "tiers": [
                    {"threshold": "300", "percent_off": "10"},
                    {"threshold": "500", "percent_off": "20"},
                ]
            },
            [line(1, "250.00", 2)],
            "100.00",
        ),
        ("item_percent", {"percent_off": "15"}, [line(1, "9.99", 3), line(2, "0.10")], "4.52"),
        (
            "special_price",
            {"prices": [{"sku_id": 1, "price": "7.50"}]},
            [line(1, "10.00", 2), line(2, "5")],
            "5.00",
        ),
        # buy 2 get 1: units 30, 20, 10 | 10 -> one run, its cheapest (10) free
        (
            "buy_n_get_m",
            {"buy": 2, "free": 1},
            [line(1, "30"), line(2, "20"), line(3, "10", 2)],
            "10.00",
        ),
        ("buy_n_get_m", {"buy": 2, "free": 1}, [line(1, "30"), line(2, "20")], "0.00"),
        ("buy_n_get_m", {"buy": 1, "free": 1}, [line(1, "8.00", 4)], "16.00"),
    ],
)
def test_each_rule_kind(kind, params, lines, discount):
    outcome = best_outcome(activities=[activity(1, kind, params)], lines=lines, floor=FLOOR)
    assert outcome.discount == D(discount)
    assert sum(outcome.line_discounts.values()) == D(discount)


def test_free_shipping_per_shop_over_the_threshold():
    lines = [line(1, "100", merchant_id=1), line(2, "50", merchant_id=2)]
    promo = activity(1, "free_shipping", {"threshold": "99"})
    outcome = best_outcome(activities=[promo], lines=lines, freight_due={1: D("8"), 2: D("6")})
    assert [(g.merchant_id, g.target, g.amount) for g in outcome.grants] == [(1, "freight", D("8"))]
    assert outcome.notes[0].applied


def test_gift_over_the_threshold_is_a_gift_not_a_discount():
    promo = activity(
        1, "gift", {"threshold": "50", "gift_sku_id": 99, "gift_quantity": 2}, merchant_id=1
    )
    assert best_outcome(activities=[promo], lines=[line(1, "49.99")]).gifts == ()
    outcome = best_outcome(activities=[promo], lines=[line(1, "50")])
    assert outcome.gifts == (domain.GiftGrant(1, 1, 99, 2),) and outcome.discount == 0


def test_threshold_not_met_says_how_much_more():
    outcome = best_outcome(
        activities=[activity(1, "spend_off", SPEND_OFF)], lines=[line(1, "188.00")]
    )
    (note,) = outcome.notes
    assert note.reason == NoteReason.THRESHOLD_NOT_MET and not note.applied
    assert "spend 12.00 more" in note.message


def test_scope_categories_products_merchant_and_owner():
    lines = [
        line(1, "100", categories={1, 5}, merchant_id=1),  # category 5 under 1
        line(2, "100", categories={2}, merchant_id=2, spu_id=77),
    ]
    ten = {"percent_off": "10"}
    by_category = activity(1, "item_percent", ten, scope=ScopeKind.CATEGORIES, ids={1})
    by_product = activity(2, "item_percent", ten, scope=ScopeKind.PRODUCTS, ids={77})
    by_shop = activity(3, "item_percent", ten, scope=ScopeKind.MERCHANT, ids={3})
    own = activity(4, "item_percent", ten, merchant_id=2)
    outcome = best_outcome(activities=[by_category, by_product, by_shop, own], lines=lines)
    assert domain.in_scope(by_category, lines[0]) and not domain.in_scope(by_category, lines[1])
    assert domain.in_scope(by_product, lines[1]) and not domain.in_scope(by_product, lines[0])
    assert not any(domain.in_scope(own, lines[0]) for _ in [0])
    reasons = {n.activity_id: n.reason for n in outcome.notes}
    assert reasons[3] == NoteReason.OUT_OF_SCOPE
    assert outcome.line_discounts == {1: D("10.00"), 2: D("19.00")}  # 10%, then 10% of 90


def test_stacked_percent_is_taken_from_the_discounted_amount_in_priority_order():
    lines = [line(1, "200")]
    off = activity(1, "spend_off", SPEND_OFF, priority=5)
    pct = activity(2, "item_percent", {"percent_off": "10"})
    outcome = best_outcome(activities=[pct, off], lines=lines)
    assert outcome.applied == (1, 2)
    assert outcome.discount == D("20.00") + D("18.00")  # 10% of 180


def test_exclusive_activity_takes_the_better_side_and_explains():
    lines = [line(1, "300")]
    exclusive = activity(1, "item_percent", {"percent_off": "20"}, exclusive=True)  # 60
    a = activity(2, "spend_off", SPEND_OFF)  # 40
    b = activity(3, "item_percent", {"percent_off": "5"})  # 5% of 260 = 13 -> 53 together
    outcome = best_outcome(activities=[a, b, exclusive], lines=lines)
    assert outcome.applied == (1,) and outcome.discount == D("60.00")
    excluded = {n.activity_id: n.reason for n in outcome.notes if not n.applied}
    assert excluded == {2: NoteReason.EXCLUSIVE, 3: NoteReason.EXCLUSIVE}
    # When the stackable pair is worth more, the exclusive one is left out.
    b2 = activity(3, "item_percent", {"percent_off": "15"})  # 40 + 39 = 79 > 60
    outcome = best_outcome(activities=[a, b2, exclusive], lines=lines)
    assert outcome.applied == (2, 3) and outcome.discount == D("79.00")


def test_exclusive_activity_on_other_lines_still_combines():
    lines = [line(1, "100"), line(2, "100", merchant_id=2)]
    exclusive = activity(1, "item_percent", {"percent_off": "20"}, merchant_id=1, exclusive=True)
    other = activity(2, "item_percent", {"percent_off": "10"}, merchant_id=2)
    outcome = best_outcome(activities=[exclusive, other], lines=lines)
    assert outcome.applied == (1, 2)


def test_ties_are_decided_by_priority_then_id():
    lines = [line(1, "100")]
    first = activity(7, "item_percent", {"percent_off": "10"}, exclusive=True)
    second = activity(3, "item_percent", {"percent_off": "10"}, exclusive=True)
    assert best_outcome(activities=[first, second], lines=lines).applied == (3,)
    urgent = activity(9, "item_percent", {"percent_off": "10"}, exclusive=True, priority=1)
    assert best_outcome(activities=[first, second, urgent], lines=lines).applied == (9,)


def test_seventy_and_forty_percent_never_give_goods_away():
    """The peers' bug: a 70% activity stacked on a 40% one. Stacked, the second is taken from
    what is left (0.3 x 0.6 = 18% is paid), the shop's goods never go below the floor, and an
    exclusive one is never combined."""
    lines = [line(1, "0.05", 1), line(2, "100.00", 1, merchant_id=2)]
    seventy = activity(1, "item_percent", {"percent_off": "70"})
    forty = activity(2, "item_percent", {"percent_off": "40"})
    outcome = best_outcome(activities=[seventy, forty], lines=lines, floor=FLOOR)
    paid = pays(outcome, lines)
    assert paid[2] == D("18.00")
    assert all(amount >= FLOOR for amount in paid.values())
    # Exclusive: only the 70% one applies (the better alone), never both.
    seventy_x = activity(1, "item_percent", {"percent_off": "70"}, exclusive=True)
    outcome = best_outcome(activities=[seventy_x, forty], lines=lines, floor=FLOOR)
    assert outcome.applied == (1,)
    assert pays(outcome, lines)[2] == D("30.00")
    note = next(n for n in outcome.notes if n.activity_id == 2)
    assert note.reason == NoteReason.EXCLUSIVE


def test_floor_keeps_each_shop_paying_something():
    lines = [line(1, "10.00"), line(2, "10.00")]
    deep = activity(1, "spend_off", {"tiers": [{"threshold": "20", "amount": "19.99"}]})
    special = activity(
        2,
        "special_price",
        {"prices": [{"sku_id": 1, "price": "0.01"}, {"sku_id": 2, "price": "0.01"}]},
    )
    outcome = best_outcome(activities=[deep, special], lines=lines, floor=D("1.00"))
    assert sum(pays(outcome, lines).values()) == D("1.00")


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        ("spend_off", {"tiers": []}, "tiers"),
        ("spend_off", {"tiers": [{"threshold": "20", "amount": "20"}]}, "below its threshold"),
        (
            "spend_off",
            {"tiers": [{"threshold": "300", "amount": "40"}, {"threshold": "200", "amount": "20"}]},
            "increase",
        ),
        ("spend_percent", {"tiers": [{"threshold": "10", "percent_off": "100"}]}, "below 100"),
        ("item_percent", {"percent_off": 1.5}, "string"),
        ("item_percent", {"percent_off": "1.555"}, "two decimals"),
        ("item_percent", {"percent_off": "5", "extra": 1}, "Unknown"),
        ("special_price", {"prices": [{"sku_id": 1, "price": "0"}]}, "above zero"),
        ("buy_n_get_m", {"buy": 0, "free": 1}, "buy"),
        ("gift", {"threshold": "1", "gift_sku_id": True}, "gift_sku_id"),
        ("nope", {}, "Unknown rule kind"),
    ],
)
def test_invalid_rules_are_refused(kind, params, message):
    with pytest.raises(ValidationFailed) as error:
        parse_rule(kind, params)
    assert message in str(error.value.details)


@pytest.mark.parametrize("kind", list(RuleKind))
def test_rule_params_read_back(kind):
    samples = {
        RuleKind.SPEND_OFF: SPEND_OFF,
        RuleKind.SPEND_PERCENT: {"tiers": [{"threshold": "300", "percent_off": "10"}]},
        RuleKind.ITEM_PERCENT: {"percent_off": "15"},
        RuleKind.SPECIAL_PRICE: {"prices": [{"sku_id": 3, "price": "9.90"}]},
        RuleKind.BUY_N_GET_M: {"buy": 2, "free": 1},
        RuleKind.FREE_SHIPPING: {"threshold": "99"},
        RuleKind.GIFT: {"threshold": "199", "gift_sku_id": 7, "gift_quantity": 1},
    }
    rule = parse_rule(kind, samples[kind])
    assert parse_rule(kind, domain.rule_params(rule)) == rule


def test_status_is_derived_from_flags_and_window():
    start = datetime(2026, 12, 1, tzinfo=UTC)
    end = start + timedelta(days=1)

    def status(now, **flags):
        values = {"scheduled": True, "paused": False, "ended_at": None, **flags}
        return domain.activity_status(starts_at=start, ends_at=end, now=now, **values)

    assert status(start, scheduled=False) == Status.DRAFT
    assert status(start - timedelta(seconds=1)) == Status.SCHEDULED
    assert status(start) == Status.ACTIVE
    assert status(start, paused=True) == Status.PAUSED
    assert status(end) == Status.ENDED
    assert status(start, ended_at=start) == Status.ENDED


# --- Invariants --------------------------------------------------------------------------------

prices = st.decimals(min_value=D("0.01"), max_value=D("500"), places=2)
percents = st.integers(min_value=1, max_value=99).map(D)


@st.composite
def carts(draw):
    count = draw(st.integers(min_value=1, max_value=5))
    lines = [
        line(
            sku_id,
            draw(prices),
            draw(st.integers(min_value=1, max_value=4)),
            merchant_id=draw(st.integers(min_value=1, max_value=2)),
            categories={draw(st.integers(min_value=1, max_value=3))},
        )
        for sku_id in range(1, count + 1)
    ]
    rules = [
        lambda: (
            "spend_off",
            {
                "tiers": [
                    {
                        "threshold": str(draw(prices) + 1),
                        "amount": str(draw(prices) / 2 + D("0.5")).split(".")[0],
                    }
                ]
            },
        ),
        lambda: (
            "spend_percent",
            {"tiers": [{"threshold": str(draw(prices)), "percent_off": str(draw(percents))}]},
        ),
        lambda: ("item_percent", {"percent_off": str(draw(percents))}),
        lambda: (
            "special_price",
            {"prices": [{"sku_id": draw(st.integers(1, count)), "price": str(draw(prices))}]},
        ),
        lambda: ("buy_n_get_m", {"buy": draw(st.integers(1, 3)), "free": draw(st.integers(1, 2))}),
        lambda: ("free_shipping", {"threshold": str(draw(prices))}),
    ]
    activities = []
    for activity_id in range(1, draw(st.integers(min_value=1, max_value=5)) + 1):
        kind, params = draw(st.sampled_from(rules))()
        if kind == "spend_off" and D(params["tiers"][0]["amount"]) >= D(
            params["tiers"][0]["threshold"]
        ):
            params = {"tiers": [{"threshold": params["tiers"][0]["threshold"], "amount": "0.01"}]}
        if kind == "spend_off" and D(params["tiers"][0]["amount"]) <= 0:
            params = {"tiers": [{"threshold": params["tiers"][0]["threshold"], "amount": "0.01"}]}
        scope = draw(st.sampled_from([{}, {"scope": ScopeKind.CATEGORIES, "ids": {1}}]))
        activities.append(
            activity(
                activity_id,
                kind,
                params,
                merchant_id=draw(st.sampled_from([None, 1, 2])),
                exclusive=draw(st.booleans()),
                priority=draw(st.integers(min_value=0, max_value=2)),
                **scope,
            )
        )
    freight = {1: draw(st.sampled_from([D("0"), D("8.00")])), 2: D("6.00")}
    return lines, activities, freight


@settings(max_examples=150, deadline=None)
@given(carts(), st.sampled_from([D("0"), D("0.01"), D("1.00")]))
def test_invariants(cart, floor):
    lines, activities, freight = cart
    outcome = best_outcome(activities=activities, lines=lines, freight_due=freight, floor=floor)
    again = best_outcome(
        activities=list(reversed(activities)), lines=lines, freight_due=freight, floor=floor
    )
    assert outcome == again  # deterministic, whatever the input order
    subtotal = sum(ln.pay_amount for ln in lines)
    item_grants = [g for g in outcome.grants if g.target == "items"]
    assert all(g.amount > 0 for g in outcome.grants)
    # allocation sums exact: the grants equal the per-line discounts
    assert sum(g.amount for g in item_grants) == sum(outcome.line_discounts.values())
    assert sum(outcome.line_discounts.values()) <= subtotal
    for ln in lines:
        assert D(0) <= outcome.line_discounts[ln.sku_id] <= ln.pay_amount
    for merchant_id in {ln.merchant_id for ln in lines}:
        group = [ln for ln in lines if ln.merchant_id == merchant_id]
        group_total = sum(ln.pay_amount for ln in group)
        left = group_total - sum(outcome.line_discounts[ln.sku_id] for ln in group)
        assert left >= min(floor, group_total)
        freight_off = sum(
            g.amount
            for g in outcome.grants
            if g.target == "freight" and g.merchant_id == merchant_id
        )
        assert freight_off <= freight.get(merchant_id, 0)
    # exclusivity: an exclusive applied activity shares no line with another applied one
    chosen = [a for a in activities if a.activity_id in outcome.applied]
    for a in chosen:
        for b in chosen:
            if a is not b and (a.exclusive or b.exclusive):
                lines_a = {ln.sku_id for ln in lines if domain.in_scope(a, ln)}
                lines_b = {ln.sku_id for ln in lines if domain.in_scope(b, ln)}
                assert not lines_a & lines_b


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(prices, st.integers(min_value=1, max_value=7)), min_size=1, max_size=5),
    st.integers(min_value=1, max_value=4),
    st.integers(min_value=1, max_value=3),
)
def test_buy_n_get_m_counts_like_listing_every_unit(raw, buy, free):
    lines = [line(i, price, quantity) for i, (price, quantity) in enumerate(raw, start=1)]
    rule = parse_rule("buy_n_get_m", {"buy": buy, "free": free})
    state = domain._initial_state(lines, {}, D(0))
    units = sorted(
        ((ln.pay_amount / ln.quantity, ln.sku_id) for ln in lines for _ in range(ln.quantity)),
        key=lambda unit: (-unit[0], unit[1]),
    )
    expected: dict[int, int] = {}
    run = buy + free
    for start in range(0, len(units) - run + 1, run):
        for _, sku_id in units[start + buy : start + run]:
            expected[sku_id] = expected.get(sku_id, 0) + 1
    assert domain._free_units(rule, lines, state) == expected
