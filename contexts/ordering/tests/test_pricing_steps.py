"""The pricing-step standard, proven with a step registered from outside ordering: the rebate step
of tests/pricing_step_app (installed by settings.test, registered from its AppConfig.ready()
through ordering.api only). With every real context: its adjustment is the same in the cart
quote, the preview and the placed orders; `hold` runs inside the placement transaction;
`confirm` on payment, `release` on cancel and on payment timeout, once per order however often
the change is asked for."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.ordering import api
from contexts.ordering.domain.pricing import NoAdjustment
from contexts.ordering.models import Order
from contexts.ordering.services import PRICING_STEPS, orders_cancel_unpaid
from contexts.ordering.tests.support import place, row_counts
from shared.errors import BusinessRuleViolation
from tests.pricing_step_app import steps
from tests.pricing_step_app.models import StepCall
from tests.support import client_for, created, error_code, open_shop, real_address

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def shops(staff, make_user):
    """Shop A (19.99, 8.00 freight per order) and shop B (100.00, free shipping), 5 units each."""
    admin = client_for(staff)
    return {
        "A": open_shop(
            admin, name="A", owner_id=make_user().pk, prices=["19.99"], units=5, freight="8.00"
        ),
        "B": open_shop(admin, name="B", owner_id=make_user().pk, prices=["100.00"], units=5),
    }


@pytest.fixture
def rebate(buyer):
    """The buyer gets 3.00 off each shop's items."""
    steps.REBATES[buyer.pk] = D("3.00")
    yield D("3.00")
    steps.REBATES.pop(buyer.pk, None)


def fill_cart(buyer_api, shops) -> dict:
    for sku_id, quantity in ((shops["A"]["sku_ids"][0], 2), (shops["B"]["sku_ids"][0], 1)):
        created(
            buyer_api.post(
                "/api/v1/cart/items", {"sku_id": sku_id, "quantity": quantity}, format="json"
            )
        )
    return {"address_id": real_address(buyer_api)}


def placed_trade(buyer_api, shops) -> dict:
    return created(place(buyer_api, fill_cart(buyer_api, shops)))


def calls(action: str) -> list[tuple[str, str]]:
    return sorted(
        StepCall.objects.filter(action=action).values_list("order_no", "reason").order_by("id")
    )


def adjustments_of(body: dict) -> list[tuple[str, str, str]]:
    return sorted((a["source"], a["reference"], a["amount"]) for a in body["adjustments"])


def test_a_step_is_registered_through_the_public_api_at_the_place_it_asked_for():
    names = api.pricing_step_names()

    assert names[0] == "freight"
    assert names.index(steps.REBATE_STEP) == names.index("points") - 1
    with pytest.raises(ValueError, match="already registered"):
        api.register_pricing_step(steps.REBATE_STEP, steps.RebateStep())


def test_the_steps_adjustment_is_the_same_in_cart_quote_preview_and_placed_orders(
    shops, buyer, buyer_api, rebate
):
    body = fill_cart(buyer_api, shops)

    cart = buyer_api.get("/api/v1/cart").json()
    quote = created(buyer_api.get("/api/v1/checkout/cart-quote"))
    preview = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    placed = created(place(buyer_api, {**body, "expected_pay_amount": preview["pay_amount"]}))

    merchant_a, merchant_b = shops["A"]["merchant_id"], shops["B"]["merchant_id"]
    expected = sorted(
        [
            ("test_rebate", f"R-{buyer.pk}-{merchant_a}", "3.00"),
            ("test_rebate", f"R-{buyer.pk}-{merchant_b}", "3.00"),
        ]
    )
    assert adjustments_of(quote) == adjustments_of(preview) == expected
    assert quote["items_amount"] == preview["items_amount"] == cart["selected_amount"] == "139.98"
    assert quote["discount_amount"] == preview["discount_amount"] == "6.00"
    assert quote["pay_amount"] == "133.98"  # no freight before an address is chosen
    assert preview["pay_amount"] == placed["pay_amount"] == "141.98"  # 139.98 + 8.00 - 6.00
    for order in Order.objects.all():
        assert order.discounts == [
            {
                "target": "items",
                "source": "test_rebate",
                "reference": f"R-{buyer.pk}-{order.merchant_id}",
                "amount": "3.00",
            }
        ]
    holds = StepCall.objects.filter(action="hold")
    assert sorted(holds.values_list("order_no", "amount")) == sorted(
        (o.order_no, D("3.00")) for o in Order.objects.all()
    )
    assert {h.trade_no for h in holds} == {placed["trade_no"]}


@pytest.fixture
def inert_coupons_and_points():
    """The shipped no-op in place of the real coupons and points steps (which refuse coupon ids
    the buyer does not hold and points beyond a balance): only the rebate step reads the options
    here."""
    real = dict(PRICING_STEPS.steps())
    for name in ("coupons", "points"):
        PRICING_STEPS.replace(name, NoAdjustment())
    yield
    for name in ("coupons", "points"):
        PRICING_STEPS.replace(name, real[name])


def test_the_buyers_options_reach_the_steps_and_their_notes_come_back_everywhere(
    shops, buyer, buyer_api, rebate, inert_coupons_and_points
):
    body = fill_cart(buyer_api, shops)
    steps.HELD_OPTIONS.clear()

    default_quote = created(buyer_api.get("/api/v1/checkout/cart-quote"))
    quote = created(
        buyer_api.get("/api/v1/checkout/cart-quote?coupon_ids=7&coupon_ids=9&points=300")
    )
    no_coupons = created(buyer_api.get("/api/v1/checkout/cart-quote?no_coupons=true"))
    choices = {**body, "coupon_ids": [7, 9], "points": 300}
    preview = created(buyer_api.post("/api/v1/checkout/preview", choices, format="json"))
    created(place(buyer_api, {**choices, "expected_pay_amount": preview["pay_amount"]}))

    def note(body: dict) -> str:
        [only] = body["notes"]
        assert only["source"] == steps.REBATE_STEP and only["applied"] is True
        assert only["reference"] == f"R-{buyer.pk}"
        assert sorted(only["sku_ids"]) == sorted(
            shops["A"]["sku_ids"][:1] + shops["B"]["sku_ids"][:1]
        )
        return only["message"]

    assert note(default_quote) == "coupon_ids=None points=0"  # absent: let the step choose
    assert note(no_coupons) == "coupon_ids=[] points=0"
    assert note(quote) == note(preview) == "coupon_ids=[7, 9] points=300"
    assert steps.HELD_OPTIONS == [{"coupon_ids": [7, 9], "points": 300}]


@pytest.mark.parametrize(
    "choices",
    [
        {"points": -1},
        {"points": "many"},
        {"coupon_ids": [0]},
        {"coupon_ids": [3, 3]},
        {"coupon_ids": "7"},
        {"coupon_ids": [None]},
    ],
)
def test_bad_options_are_a_400_and_place_nothing(shops, buyer_api, choices):
    body = fill_cart(buyer_api, shops)

    for response in (
        buyer_api.post("/api/v1/checkout/preview", {**body, **choices}, format="json"),
        place(buyer_api, {**body, **choices}),
    ):
        assert response.status_code == 400
        assert error_code(response) == "validation_error"
    assert not Order.objects.exists()
    bad_query = buyer_api.get("/api/v1/checkout/cart-quote?points=-1&coupon_ids=x")
    assert bad_query.status_code == 400
    assert error_code(bad_query) == "validation_error"


def test_hold_runs_inside_the_placement_transaction_and_rolls_back_with_it(
    shops, buyer, buyer_api, rebate, monkeypatch
):
    held_trades = []
    original_hold = steps.RebateStep.hold

    def hold(self, hold):
        held_trades.append(hold.trade_no)
        original_hold(self, hold)

    monkeypatch.setattr(steps.RebateStep, "hold", hold)
    address_id = real_address(buyer_api)
    before = row_counts()

    # Six of shop A's five units: the stock reservation, after the hold, fails the placement.
    response = place(
        buyer_api,
        {"address_id": address_id, "items": [{"sku_id": shops["A"]["sku_ids"][0], "quantity": 6}]},
    )

    assert response.status_code == 422
    assert error_code(response) == "out_of_stock"
    assert len(held_trades) == 1  # the step did hold ...
    assert not StepCall.objects.exists()  # ... and its write went with the placement
    assert row_counts() == before


def test_a_step_refusing_its_hold_refuses_the_placement(
    shops, buyer, buyer_api, rebate, monkeypatch
):
    def hold(self, hold):
        raise BusinessRuleViolation("The rebate was already used.", code="rebate_used")

    monkeypatch.setattr(steps.RebateStep, "hold", hold)
    body = fill_cart(buyer_api, shops)
    before = row_counts()

    response = place(buyer_api, body)

    assert response.status_code == 422
    assert error_code(response) == "rebate_used"
    assert row_counts() == before


def test_confirm_on_payment_once_per_order_even_when_the_payment_is_recorded_twice(
    shops, buyer, buyer_api, rebate
):
    trade = placed_trade(buyer_api, shops)

    for _ in range(2):
        api.mark_trade_paid(
            trade_no=trade["trade_no"], paid_amount=D(trade["pay_amount"]), payment_ref="PAY-1"
        )

    order_nos = sorted(Order.objects.values_list("order_no", flat=True))
    assert calls("confirm") == [(order_no, "") for order_no in order_nos]
    assert calls("release") == []


def test_release_on_buyer_cancel_once_per_order_even_when_cancelled_twice(
    shops, buyer, buyer_api, rebate
):
    placed_trade(buyer_api, shops)
    order = Order.objects.get(merchant_id=shops["A"]["merchant_id"])

    first = buyer_api.post(f"/api/v1/orders/{order.order_no}/cancel", {}, format="json")
    second = buyer_api.post(f"/api/v1/orders/{order.order_no}/cancel", {}, format="json")

    assert first.status_code == 200
    assert second.status_code == 409
    assert calls("release") == [(order.order_no, "cancelled by the buyer")]
    assert calls("confirm") == []


def test_release_on_payment_timeout_once_per_order_even_when_the_timer_runs_twice(
    shops, buyer, buyer_api, rebate
):
    placed_trade(buyer_api, shops)
    later = timezone.now() + timedelta(days=1)

    cancelled = [orders_cancel_unpaid(now=later), orders_cancel_unpaid(now=later)]

    assert cancelled == [2, 0]
    order_nos = sorted(Order.objects.values_list("order_no", flat=True))
    assert calls("release") == [(order_no, "payment_timeout") for order_no in order_nos]
    # A payment arriving after the timeout is refused and confirms nothing.
    assert calls("confirm") == []
