"""After-sales with every context real: a return-and-refund after delivery (approve, return
parcel, inspection, refund through the sandbox provider, stock back on hand, points reversed),
a refund alone before shipment (the order's units back, the order refunded when every unit
is), the limits (never past what the line was paid), withdrawal and the timers."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.aftersales import services
from contexts.aftersales.models import AftersalesRequest
from contexts.inventory import api as inventory_api
from contexts.loyalty import services as loyalty_services
from contexts.loyalty.models import PointsAccount
from contexts.ordering import api as ordering_api
from contexts.payments.models import Refund
from shared.auth import SYSTEM, principal_for_user
from shared.errors import AppError
from shared.events.models import OutboxEvent
from tests.aftersales_support import (
    deliver_and_confirm,
    paid_order,
    sandbox_payments,
    ship,
    shop_world,
)

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.fixture
def world(settings, tmp_path):
    sandbox_payments(settings, tmp_path)
    settings.LOYALTY_POINTS_PER_YUAN = 100
    settings.LOYALTY_MAX_SHARE = "0.5"
    settings.LOYALTY_MIN_BALANCE_TO_SPEND = 100
    w = shop_world()
    w["buyer_p"] = principal_for_user(w["buyer"])
    w["merchant_p"] = principal_for_user(w["owner"])
    w["staff_p"] = principal_for_user(w["admin_user"])
    return w


def on_hand(sku_id: int) -> int:
    return inventory_api.availability(sku_ids=[sku_id])[sku_id].on_hand


def apply(world, order_no, *, kind, quantity, amount=None, line_id=None):
    line_id = line_id or ordering_api.order_line_refundable(order_no=order_no).lines[0].line_id
    return services.request_apply(
        principal=world["buyer_p"],
        application=services.Application(
            order_no=order_no,
            line_id=line_id,
            kind=kind,
            quantity=quantity,
            reason_code="damaged",
            amount=amount,
        ),
    )


def status(req) -> str:
    return AftersalesRequest.objects.get(pk=req.pk).status


def test_a_return_after_delivery_refunds_restocks_and_reverses_points(world):
    loyalty_services.points_adjust(
        principal=SYSTEM, user_id=world["buyer"].pk, delta=3000, reason="test"
    )
    order = paid_order(world, quantity=3, points=1000)  # 180.00 - 10.00 points + 8.00 freight
    order_no = order["order_no"]
    ship(world, order_no)
    deliver_and_confirm(world, order_no)
    balance_before = PointsAccount.objects.get(user_id=world["buyer"].pk).balance
    line = ordering_api.order_line_refundable(order_no=order_no).lines[0]
    assert (line.pay_amount, line.refundable_amount) == (D("170.00"), D("170.00"))
    stock_before = on_hand(world["sku_id"])

    req = apply(world, order_no, kind="return_refund", quantity=1)
    assert req.amount == D("56.66")  # a third of 170.00, rounded down
    services.request_approve(principal=world["merchant_p"], request_no=req.request_no)
    services.request_ship_return(
        principal=world["buyer_p"],
        request_no=req.request_no,
        carrier_code="SF",
        tracking_number="SF000111",
    )
    services.request_inspect(principal=world["merchant_p"], request_no=req.request_no, passed=True)

    assert status(req) == "refunded"
    assert on_hand(world["sku_id"]) == stock_before + 1
    refund = Refund.objects.get(idempotency_key=f"aftersales:{req.request_no}")
    assert (refund.amount, refund.state) == (D("56.66"), "succeeded")
    line = ordering_api.order_line_refundable(order_no=order_no).lines[0]
    assert (line.refunded_quantity, line.refunded_amount) == (1, D("56.66"))
    assert line.refundable_amount == D("113.34")
    # A partial refund after completion leaves the order completed.
    assert ordering_api.get_order(order_no).status == "completed"
    assert PointsAccount.objects.get(user_id=world["buyer"].pk).balance != balance_before
    logged = list(AftersalesRequest.objects.get(pk=req.pk).logs.values_list("to_status", flat=True))
    assert logged == [
        "requested",
        "approved",
        "return_shipped",
        "inspected",
        "refunding",
        "refunded",
    ]
    types = set(OutboxEvent.objects.values_list("event_type", flat=True))
    assert {
        "aftersales.request.created.v1",
        "aftersales.request.refunded.v1",
        "ordering.order.line_refunded.v1",
    } <= types

    # The last two units give back exactly what is left, never more.
    with pytest.raises(AppError) as refused:
        apply(world, order_no, kind="return_refund", quantity=2, amount=D("113.35"))
    assert refused.value.code == "amount_exceeds_refundable"
    last = apply(world, order_no, kind="return_refund", quantity=2)
    assert last.amount == D("113.34")


def test_refunding_every_unit_before_shipment_refunds_the_order_and_restocks(world):
    order_no = paid_order(world, quantity=2)["order_no"]
    stock_paid = on_hand(world["sku_id"])

    first = apply(world, order_no, kind="refund_only", quantity=1)
    services.request_approve(principal=world["merchant_p"], request_no=first.request_no)
    assert status(first) == "refunded"
    assert ordering_api.get_order(order_no).status == "paid"  # one unit still to ship
    assert on_hand(world["sku_id"]) == stock_paid + 1

    second = apply(world, order_no, kind="refund_only", quantity=1)
    services.request_approve(principal=world["merchant_p"], request_no=second.request_no)

    assert status(second) == "refunded"
    assert ordering_api.get_order(order_no).status == "refunded"
    assert on_hand(world["sku_id"]) == stock_paid + 2
    paid = ordering_api.order_line_refundable(order_no=order_no).lines[0].pay_amount
    assert sum(Refund.objects.values_list("amount", flat=True)) == paid == D("120.00")


def test_no_request_asks_for_more_units_than_are_left(world):
    order_no = paid_order(world, quantity=2)["order_no"]
    apply(world, order_no, kind="refund_only", quantity=2)
    with pytest.raises(AppError) as refused:
        apply(world, order_no, kind="refund_only", quantity=1)
    assert refused.value.code == "quantity_exceeds_line"


def test_goods_come_back_only_after_shipment_and_only_the_buyer_applies(world):
    order_no = paid_order(world, quantity=1)["order_no"]
    with pytest.raises(AppError) as refused:
        apply(world, order_no, kind="return_refund", quantity=1)
    assert refused.value.code == "order_not_eligible"
    other = principal_for_user(world["owner"])
    line_id = ordering_api.order_line_refundable(order_no=order_no).lines[0].line_id
    with pytest.raises(AppError) as foreign:
        services.request_apply(
            principal=other,
            application=services.Application(
                order_no=order_no,
                line_id=line_id,
                kind="refund_only",
                quantity=1,
                reason_code="other",
            ),
        )
    assert foreign.value.status_code == 404


def test_the_buyer_withdraws_until_the_goods_are_sent_back(world):
    order_no = paid_order(world, quantity=2)["order_no"]
    ship(world, order_no)
    req = apply(world, order_no, kind="exchange", quantity=1)
    services.request_withdraw(principal=world["buyer_p"], request_no=req.request_no)
    assert status(req) == "withdrawn"

    again = apply(world, order_no, kind="exchange", quantity=1)
    services.request_approve(principal=world["merchant_p"], request_no=again.request_no)
    services.request_ship_return(
        principal=world["buyer_p"],
        request_no=again.request_no,
        carrier_code="sf",
        tracking_number="SF1",
    )
    with pytest.raises(AppError) as refused:
        services.request_withdraw(principal=world["buyer_p"], request_no=again.request_no)
    assert refused.value.code == "not_withdrawable"
    services.request_inspect(
        principal=world["merchant_p"], request_no=again.request_no, passed=True
    )
    services.request_reship(
        principal=world["merchant_p"],
        request_no=again.request_no,
        carrier_code="sf",
        tracking_number="SF2",
    )
    assert status(again) == "completed"


def test_a_failed_inspection_is_arbitrated_for_the_buyer(world):
    order_no = paid_order(world, quantity=1)["order_no"]
    ship(world, order_no)
    req = apply(world, order_no, kind="return_refund", quantity=1)
    services.request_approve(principal=world["merchant_p"], request_no=req.request_no)
    services.request_ship_return(
        principal=world["buyer_p"],
        request_no=req.request_no,
        carrier_code="sf",
        tracking_number="SF3",
    )
    with pytest.raises(AppError):
        services.request_inspect(
            principal=world["merchant_p"], request_no=req.request_no, passed=False
        )
    services.request_inspect(
        principal=world["merchant_p"], request_no=req.request_no, passed=False, note="used"
    )
    assert status(req) == "rejected"
    with pytest.raises(AppError) as not_staff:
        services.request_arbitrate(
            principal=world["merchant_p"],
            request_no=req.request_no,
            decision="buyer",
            reason="x",
        )
    assert not_staff.value.status_code in (403, 404)

    services.request_arbitrate(
        principal=world["staff_p"],
        request_no=req.request_no,
        decision="buyer",
        reason="photos show a defect",
    )
    assert status(req) == "refunded"
    # Shipped, every unit refunded: the order is refunded too.
    assert ordering_api.get_order(order_no).status == "refunded"


def test_timers_approve_unanswered_requests_and_close_unshipped_returns(world):
    order_no = paid_order(world, quantity=3)["order_no"]
    ship(world, order_no)
    refund = apply(world, order_no, kind="refund_only", quantity=1)
    ret = apply(world, order_no, kind="return_refund", quantity=1)
    later = timezone.now() + timedelta(days=3)

    assert services.requests_auto_approve(now=later) == 2
    assert services.requests_auto_approve(now=later) == 0  # safe to re-run
    assert (status(refund), status(ret)) == ("refunded", "approved")

    assert services.requests_auto_close(now=later) == 0  # the buyer still has time
    assert services.requests_auto_close(now=later + timedelta(days=8)) == 1
    assert services.requests_auto_close(now=later + timedelta(days=8)) == 0
    assert status(ret) == "closed"


def test_a_failed_refund_keeps_the_units_taken_and_is_retried_through_arbitration(
    world, monkeypatch
):
    from contexts.payments.ports import ProviderError
    from contexts.payments.tests.support import sandbox

    def refuse(**kwargs):
        raise ProviderError("refund: account frozen", code="ACCOUNT_FROZEN", permanent=True)

    order_no = paid_order(world, quantity=3)["order_no"]
    req = apply(world, order_no, kind="refund_only", quantity=2)
    monkeypatch.setattr(sandbox(), "refund_start", refuse)
    services.request_approve(principal=world["merchant_p"], request_no=req.request_no)
    monkeypatch.undo()

    assert status(req) == "refund_failed"
    line = ordering_api.order_line_refundable(order_no=order_no).lines[0]
    assert (line.taken_quantity, line.refunded_quantity) == (2, 0)
    with pytest.raises(AppError) as taken:
        apply(world, order_no, kind="refund_only", quantity=2)
    assert taken.value.code == "quantity_exceeds_line"

    services.request_arbitrate(
        principal=world["staff_p"], request_no=req.request_no, decision="buyer", reason="retry"
    )

    assert status(req) == "refunded"
    assert sorted(Refund.objects.values_list("state", "amount")) == [
        ("failed", D("120.00")),
        ("succeeded", D("120.00")),
    ]
    assert ordering_api.get_order(order_no).status == "paid"  # one unit left to ship
    keys = set(Refund.objects.values_list("idempotency_key", flat=True))
    assert keys == {f"aftersales:{req.request_no}", f"aftersales:{req.request_no}:1"}
