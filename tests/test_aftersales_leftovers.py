"""After-sales' edges with the other contexts real: an order refunded whole outside after-sales
(a failed group buy) leaves nothing refundable in ordering's line ledger; an order that went
`refunding` for a refund that then ended without money going back returns to where it was;
the return parcel is tracked by logistics and its delivery moves the request; an exchange
takes its replacement from stock and puts the returned unit back."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.aftersales import services
from contexts.aftersales.models import AftersalesRequest
from contexts.ordering import api as ordering_api
from contexts.ordering.models import OrderLineRefund
from shared.auth import principal_for_user
from shared.errors import AppError
from tests.aftersales_support import sandbox_payments, shop_world

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.fixture
def world(settings, tmp_path):
    sandbox_payments(settings, tmp_path)
    w = shop_world()
    w["buyer_p"] = principal_for_user(w["buyer"])
    w["merchant_p"] = principal_for_user(w["owner"])
    w["staff_p"] = principal_for_user(w["admin_user"])
    return w


def _apply(world, order_no, *, kind, quantity, line_id=None):
    line_id = line_id or ordering_api.order_line_refundable(order_no=order_no).lines[0].line_id
    return services.request_apply(
        principal=world["buyer_p"],
        application=services.Application(
            order_no=order_no, line_id=line_id, kind=kind, quantity=quantity, reason_code="damaged"
        ),
    )


def _group_order(world, ref: str):
    """A paid special order as group buy places it (held until the group completes)."""
    info = ordering_api.place_special_order(
        buyer_id=world["buyer"].pk,
        address_id=world["address_id"],
        sku_id=world["sku_id"],
        quantity=2,
        unit_price=D("49.00"),
        source="groupbuy",
        source_ref=ref,
        payment_timeout_seconds=600,
        fulfilment_hold=True,
    )
    ordering_api.mark_trade_paid(
        trade_no=info.trade_no, paid_amount=info.pay_amount, payment_ref=ref
    )
    return info


def test_an_order_refunded_for_a_failed_group_leaves_nothing_to_refund(world):
    info = _group_order(world, "GB-L1")
    (line,) = ordering_api.order_line_refundable(order_no=info.order_no).lines
    assert (line.refundable_quantity, line.refundable_amount) == (2, D("98.00"))

    assert ordering_api.refund_unshipped_order(order_no=info.order_no, reason="group failed")
    assert not ordering_api.refund_unshipped_order(order_no=info.order_no, reason="again")

    rows = list(OrderLineRefund.objects.filter(order__order_no=info.order_no))
    assert [(r.reference, r.quantity, r.amount, r.state) for r in rows] == [
        (f"refund:{info.order_no}:{line.line_id}", 2, D("98.00"), "refunded")
    ]
    (after,) = ordering_api.order_line_refundable(order_no=info.order_no).lines
    assert (after.refundable_quantity, after.refundable_amount) == (0, D("0.00"))
    assert (after.refunded_quantity, after.refunded_amount) == (2, D("98.00"))

    with pytest.raises(AppError) as refused:
        _apply(world, info.order_no, kind="refund_only", quantity=1)
    assert refused.value.status_code == 409
    assert not AftersalesRequest.objects.filter(order_no=info.order_no).exists()
    with pytest.raises(AppError):
        ordering_api.order_line_refund_request(
            order_no=info.order_no,
            line_id=line.line_id,
            quantity=1,
            amount=D("1.00"),
            reference="aftersales:late",
        )
    assert OrderLineRefund.objects.filter(order__order_no=info.order_no).count() == 1


def _refusing_provider(monkeypatch):
    from contexts.payments.ports import ProviderError
    from contexts.payments.tests.support import sandbox

    def refuse(**kwargs):
        raise ProviderError("refund: account frozen", code="ACCOUNT_FROZEN", permanent=True)

    monkeypatch.setattr(sandbox(), "refund_start", refuse)


def _order_log(order_no):
    from contexts.ordering.models import OrderLog

    return list(
        OrderLog.objects.filter(order__order_no=order_no)
        .order_by("id")
        .values_list("from_status", "to_status")
    )


@pytest.mark.parametrize("shipped", [False, True])
def test_a_refunding_order_goes_back_when_its_refund_is_given_up(world, monkeypatch, shipped):
    from contexts.ordering.models import Order
    from shared.events.models import OutboxEvent
    from tests.aftersales_support import paid_order, ship

    order_no = paid_order(world, quantity=2)["order_no"]
    if shipped:
        ship(world, order_no)
    came_from = "shipped" if shipped else "paid"
    paid_at = Order.objects.get(order_no=order_no).paid_at
    req = _apply(world, order_no, kind="refund_only", quantity=2)  # every unit: order covered
    _refusing_provider(monkeypatch)
    services.request_approve(principal=world["merchant_p"], request_no=req.request_no)
    monkeypatch.undo()
    assert AftersalesRequest.objects.get(pk=req.pk).status == "refund_failed"
    assert ordering_api.get_order(order_no).status == "refunding"  # units still taken

    services.request_arbitrate(
        principal=world["staff_p"], request_no=req.request_no, decision="merchant", reason="no"
    )

    assert AftersalesRequest.objects.get(pk=req.pk).status == "closed"
    order = Order.objects.get(order_no=order_no)
    assert order.status == came_from
    assert order.paid_at == paid_at  # back where it was, not paid again
    assert _order_log(order_no)[-2:] == [(came_from, "refunding"), ("refunding", came_from)]
    events = OutboxEvent.objects.filter(event_type="ordering.order.refund_abandoned.v1")
    assert [(e.payload["order_no"], e.payload["status"]) for e in events] == [(order_no, came_from)]
    (line,) = ordering_api.order_line_refundable(order_no=order_no).lines
    assert (line.taken_quantity, line.refundable_quantity) == (0, 2)
    # Settling the released refund again changes nothing.
    assert not ordering_api.order_line_refund_settle(
        reference=f"aftersales:{req.request_no}", succeeded=False
    )
    assert ordering_api.get_order(order_no).status == came_from
    # The order takes a new request, and a paid one ships again.
    again = _apply(world, order_no, kind="refund_only", quantity=1)
    assert again.status == "requested"
    if not shipped:
        ship(world, order_no)
        assert ordering_api.get_order(order_no).status == "shipped"


def test_an_order_still_covered_by_another_refund_stays_refunding(world, monkeypatch):
    from tests.aftersales_support import paid_order

    order_no = paid_order(world, quantity=2)["order_no"]
    first = _apply(world, order_no, kind="refund_only", quantity=1)
    _refusing_provider(monkeypatch)
    services.request_approve(principal=world["merchant_p"], request_no=first.request_no)
    monkeypatch.undo()
    second = _apply(world, order_no, kind="refund_only", quantity=1)
    _refusing_provider(monkeypatch)
    services.request_approve(principal=world["merchant_p"], request_no=second.request_no)
    monkeypatch.undo()
    assert ordering_api.get_order(order_no).status == "refunding"

    # The first is retried and succeeds: the order stays refunding while the second is open.
    services.request_arbitrate(
        principal=world["staff_p"], request_no=first.request_no, decision="buyer", reason="retry"
    )
    assert AftersalesRequest.objects.get(pk=first.pk).status == "refunded"
    assert ordering_api.get_order(order_no).status == "refunding"
    # The second is given up: one unit refunded, one to ship: back to paid.
    services.request_arbitrate(
        principal=world["staff_p"], request_no=second.request_no, decision="merchant", reason="no"
    )
    assert ordering_api.get_order(order_no).status == "paid"


def test_units_in_open_requests_count_when_the_line_is_named_by_its_sku(world):
    from tests.aftersales_support import deliver_and_confirm, paid_order, ship

    order_no = paid_order(world, quantity=2)["order_no"]
    ship(world, order_no)
    deliver_and_confirm(world, order_no)

    def by_sku(quantity):
        return services.request_apply(
            principal=world["buyer_p"],
            application=services.Application(
                order_no=order_no,
                line_id=None,
                sku_id=world["sku_id"],
                kind="exchange",
                quantity=quantity,
                reason_code="defective",
            ),
        )

    by_sku(2)
    with pytest.raises(AppError) as refused:
        by_sku(1)
    assert refused.value.code == "quantity_exceeds_line"
