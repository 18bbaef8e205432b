"""Payments and ordering together, every context real, events delivered by the relay after
each commit: the sandbox's signed callback pays the trade (stock committed); a payment that
succeeds after its orders were cancelled is refunded automatically, exactly once, and the buyer
sees why."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from contexts.inventory.models import StockRecord
from contexts.ordering import api as ordering_api
from contexts.ordering.tests.support import place
from contexts.payments.models import Refund
from shared.events.models import OutboxEvent
from shared.ports import adapter
from tests.support import (
    client_for,
    created,
    make_user,
    open_shop,
    payment_open,
    real_address,
    sandbox_payments,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop_and_buyer(settings, tmp_path):
    sandbox_payments(settings, tmp_path)
    admin = client_for(make_user(is_staff=True))
    shop = open_shop(admin, name="P", owner_id=make_user().pk, prices=["25.00"], units=10)
    buyer = make_user()
    buyer_api = client_for(buyer)
    body = {
        "address_id": real_address(buyer_api),
        "items": [{"sku_id": shop["sku_ids"][0], "quantity": 2}],
    }
    return buyer_api, body


def test_the_sandbox_callback_pays_the_trade_and_commits_the_stock(shop_and_buyer):
    buyer_api, body = shop_and_buyer
    placed = created(place(buyer_api, body))
    payment = payment_open(buyer_api, placed["trade_no"])
    assert payment["amount"] == placed["pay_amount"]

    paid = buyer_api.post(payment["client"]["data"]["url"])

    assert paid.status_code == 202
    assert paid.json()["state"] == "succeeded"
    trade = ordering_api.get_trade(placed["trade_no"])
    assert (trade.status, trade.payment_ref) == ("paid", payment["payment_no"])
    assert [o.status for o in trade.orders] == ["paid"]
    stock = StockRecord.objects.get()
    assert (stock.on_hand, stock.reserved) == (8, 0)
    assert OutboxEvent.objects.filter(event_type="ordering.order.paid.v1").count() == 1
    assert Refund.objects.count() == 0


def test_a_payment_after_the_orders_were_cancelled_is_refunded_once(shop_and_buyer):
    buyer_api, body = shop_and_buyer
    placed = created(place(buyer_api, body))
    payment = payment_open(buyer_api, placed["trade_no"])
    for order in placed["orders"]:
        created(buyer_api.post(f"/api/v1/orders/{order['order_no']}/cancel", {}, format="json"))
    sandbox = adapter("PAYMENTS_PROVIDER_SANDBOX")
    headers, callback = sandbox.simulate_payment(payment_no=payment["payment_no"])

    for _ in range(3):  # the provider delivers it again and again
        answer = APIClient().post(
            "/api/v1/payments/notify/sandbox", data=callback, content_type=headers["Content-Type"]
        )
        assert answer.content == b"success"

    trade = ordering_api.get_trade(placed["trade_no"])
    assert trade.status == "closed"
    assert trade.paid_at is None
    refused = OutboxEvent.objects.filter(event_type="ordering.trade.payment_refused.v1")
    assert [e.payload["reason"] for e in refused] == ["illegal_transition"]
    refund = Refund.objects.get()
    assert (refund.amount, refund.state, refund.reason) == (
        trade.pay_amount,
        "succeeded",
        "illegal_transition",
    )
    shown = buyer_api.get(f"/api/v1/payments/{payment['payment_no']}").json()
    assert shown["state"] == "succeeded"
    assert shown["refund_reason"] == "illegal_transition"
    assert [(r["amount"], r["state"]) for r in shown["refunds"]] == [
        (placed["pay_amount"], "succeeded")
    ]
    assert OutboxEvent.objects.filter(event_type="payments.refund.succeeded.v1").count() == 1
