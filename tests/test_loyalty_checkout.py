"""Loyalty points through the real checkout: every context real. Points spent at placement are
held per order in its transaction, spent when paid, returned on cancel; the preview and the
placed order show the same numbers; a refund gives spent points back in proportion."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.loyalty import handlers as loyalty_handlers
from contexts.loyalty import services as loyalty_services
from contexts.loyalty.models import PointsAccount, PointsHold
from contexts.ordering import api as ordering_api
from contexts.ordering.models import Order
from contexts.ordering.tests.support import place
from contexts.payments.events import RefundSucceeded
from shared.auth import SYSTEM
from tests.support import client_for, created, error_code, make_user, open_shop, real_address

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def setup(settings):
    settings.LOYALTY_POINTS_PER_YUAN = 100
    settings.LOYALTY_MAX_SHARE = "0.5"
    settings.LOYALTY_MIN_BALANCE_TO_SPEND = 100
    admin = client_for(make_user(is_staff=True))
    shop = open_shop(admin, name="L", owner_id=make_user().pk, prices=["25.00"], units=10)
    buyer = make_user()
    loyalty_services.points_adjust(principal=SYSTEM, user_id=buyer.pk, delta=3000, reason="demo")
    buyer_api = client_for(buyer)
    body = {
        "address_id": real_address(buyer_api),
        "items": [{"sku_id": shop["sku_ids"][0], "quantity": 2}],
    }
    return buyer, buyer_api, body


def balance(user_id: int) -> tuple[int, int]:
    account = PointsAccount.objects.get(user_id=user_id)
    return account.balance, account.held


def test_points_in_preview_and_placement_then_paid(setup):
    buyer, buyer_api, body = setup
    preview = created(buyer_api.post("/api/v1/checkout/preview", {**body, "points": 1000}))
    assert preview["discount_amount"] == "10.00"
    assert [(n["source"], n["message"]) for n in preview["notes"]] == [
        ("points", "1000 points pay 10.00.")
    ]
    placed = created(
        place(buyer_api, {**body, "points": 1000, "expected_pay_amount": preview["pay_amount"]})
    )
    assert placed["pay_amount"] == preview["pay_amount"]
    order = Order.objects.get()
    hold = PointsHold.objects.get()
    assert (hold.order_no, hold.points, hold.status) == (order.order_no, 1000, "held")
    assert balance(buyer.pk) == (2000, 1000)

    ordering_api.mark_trade_paid(
        trade_no=placed["trade_no"], paid_amount=D(placed["pay_amount"]), payment_ref="PAY-1"
    )
    hold.refresh_from_db()
    assert hold.status == "spent"
    assert balance(buyer.pk) == (2000, 0)

    # a refund of half the money gives half the spent points back, once
    event = RefundSucceeded(
        refund_no="R1",
        payment_no="PAY-1",
        trade_no=placed["trade_no"],
        buyer_id=buyer.pk,
        amount=D(placed["pay_amount"]) / 2,
        reason="",
    )
    loyalty_handlers.refund_succeeded_reverse(event)
    loyalty_handlers.refund_succeeded_reverse(event)
    assert balance(buyer.pk) == (2500, 0)


def test_cancel_returns_the_points(setup):
    buyer, buyer_api, body = setup
    placed = created(place(buyer_api, {**body, "points": 500}))
    assert balance(buyer.pk) == (2500, 500)
    (order,) = placed["orders"]
    cancelled = buyer_api.post(f"/api/v1/orders/{order['order_no']}/cancel", {}, format="json")
    assert cancelled.status_code == 200, cancelled.json()
    assert balance(buyer.pk) == (3000, 0)
    assert PointsHold.objects.get().status == "returned"


def test_points_over_the_rules_are_422_and_nothing_is_placed(setup):
    _, buyer_api, body = setup
    too_many = buyer_api.post("/api/v1/checkout/preview", {**body, "points": 2600}, format="json")
    assert too_many.status_code == 422
    assert error_code(too_many) == "points_exceed_max_share"  # at most 25.00 of 50.00
    refused = place(buyer_api, {**body, "points": 3001})
    assert refused.status_code == 422 and error_code(refused) == "points_insufficient"
    assert not Order.objects.exists() and not PointsHold.objects.exists()
