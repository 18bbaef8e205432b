"""After-sales' edges with the other contexts real: an order refunded whole outside after-sales
(a failed group buy) leaves nothing refundable in ordering's line ledger; an order that went
`refunding` for a refund that then ended without money going back returns to where it was;
the return parcel is tracked by logistics and its delivery moves the request; an exchange
takes its replacement from stock and puts the returned unit back."""

from __future__ import annotations

import uuid
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


def _sandbox_number(minutes_ago: int) -> str:
    """A number the sandbox carrier made `minutes_ago` (it tracks only its own numbers, and
    moves one step a minute with LOGISTICS_SANDBOX_STEP_SECONDS=60)."""
    from datetime import timedelta

    from django.utils import timezone

    made = timezone.now() - timedelta(minutes=minutes_ago)
    return f"SBX{int(made.timestamp() * 1000):013d}{uuid.uuid4().int % 10_000:04d}"


def _return_approved(world, *, delivered: bool, kind: str = "return_refund"):
    from tests.aftersales_support import deliver_and_confirm, paid_order, ship

    order_no = paid_order(world, quantity=2)["order_no"]
    ship(world, order_no)
    if delivered:
        deliver_and_confirm(world, order_no)
    req = _apply(world, order_no, kind=kind, quantity=1)
    services.request_approve(principal=world["merchant_p"], request_no=req.request_no)
    return order_no, req


def _ship_back(world, req, number, carrier="sandbox"):
    return services.request_ship_return(
        principal=world["buyer_p"],
        request_no=req.request_no,
        carrier_code=carrier,
        tracking_number=number,
    )


def _poll_return_parcel(world, req):
    from contexts.logistics import services as logistics_services
    from contexts.logistics.models import Shipment

    parcel = Shipment.objects.get(reference=f"aftersales:{req.request_no}")
    logistics_services.shipment_poll(shipment_id=parcel.pk, principal=world["staff_p"])
    return Shipment.objects.get(pk=parcel.pk)


def test_the_return_parcel_is_tracked_by_logistics_and_its_delivery_awaits_inspection(
    world, settings
):
    from shared.events.models import OutboxEvent

    settings.LOGISTICS_SANDBOX_STEP_SECONDS = 60
    order_no, req = _return_approved(world, delivered=False)  # shipped, not received
    number = _sandbox_number(minutes_ago=2)  # picked up, in transit
    _ship_back(world, req, number)

    from contexts.logistics import api as logistics_api

    # The return is not one of the order's parcels.
    assert len(logistics_api.shipments_for_order(order_no=order_no)) == 1
    parcel = _poll_return_parcel(world, req)
    assert (parcel.purpose, parcel.status) == ("return", "in_transit")
    assert AftersalesRequest.objects.get(pk=req.pk).status == "return_shipped"

    # Two minutes on the parcel is delivered (a fresh number made 5 minutes ago stands in).
    from contexts.logistics.models import Shipment

    Shipment.objects.filter(pk=parcel.pk).update(tracking_number=_sandbox_number(minutes_ago=5))
    parcel = _poll_return_parcel(world, req)
    assert parcel.status == "delivered"

    got = AftersalesRequest.objects.get(pk=req.pk)
    assert got.status == "return_received"
    assert got.received_at == parcel.delivered_at
    assert list(got.logs.values_list("to_status", "role"))[-1] == ("return_received", "system")
    delivered = OutboxEvent.objects.filter(event_type="logistics.return_parcel.delivered.v1")
    assert [e.payload["reference"] for e in delivered] == [f"aftersales:{req.request_no}"]
    # The order's own delivery is not the return's: the order is still shipped.
    assert ordering_api.get_order(order_no).status == "shipped"
    assert not OutboxEvent.objects.filter(
        event_type="logistics.shipment.delivered.v1", payload__order_no=order_no
    ).exists()

    # Idempotent: polling again, or the same delivery again, changes nothing.
    _poll_return_parcel(world, req)
    assert not services.return_parcel_delivered(
        reference=f"aftersales:{req.request_no}", delivered_at=parcel.delivered_at
    )
    assert AftersalesRequest.objects.get(pk=req.pk).logs.count() == got.logs.count()

    services.request_inspect(
        principal=world["merchant_p"], request_no=req.request_no, passed=True, note="ok"
    )
    got = AftersalesRequest.objects.get(pk=req.pk)
    assert got.status == "refunded"
    assert got.received_at == parcel.delivered_at


def test_a_return_number_already_on_another_parcel_is_refused(world):
    from contexts.logistics.models import Shipment

    order_no, req = _return_approved(world, delivered=True)
    outbound = Shipment.objects.get(order_no=order_no, purpose="outbound")

    with pytest.raises(AppError) as refused:
        _ship_back(world, req, outbound.tracking_number, carrier=outbound.carrier_code)
    assert (refused.value.status_code, refused.value.code) == (409, "tracking_number_taken")
    assert AftersalesRequest.objects.get(pk=req.pk).status == "approved"
    assert not Shipment.objects.filter(purpose="return").exists()


def _levels(sku_id):
    from contexts.inventory import api as inventory_api

    level = inventory_api.availability(sku_ids=[sku_id])[sku_id]
    return level.on_hand, level.available


def test_an_exchange_restocks_the_returned_unit_and_takes_its_replacement_once(world):
    from contexts.inventory import api as inventory_api
    from contexts.inventory.models import Reservation

    sku = world["sku_id"]
    _, req = _return_approved(world, delivered=True, kind="exchange")
    on_hand, _ = _levels(sku)  # 10 - the order's 2
    _ship_back(world, req, "SF-BACK-1", carrier="sf")
    services.request_inspect(principal=world["merchant_p"], request_no=req.request_no, passed=True)
    assert _levels(sku)[0] == on_hand + 1  # the returned unit is sellable again

    # Someone holds every unit left: the replacement cannot leave stock, nothing changes.
    held = inventory_api.reserve(
        requests=[
            inventory_api.ReservationRequest(
                order_ref="OTHER-BUYER",
                lines=(inventory_api.ReservationLine(sku_id=sku, quantity=on_hand + 1),),
            )
        ]
    )
    assert held
    with pytest.raises(AppError) as short:
        services.request_reship(
            principal=world["merchant_p"],
            request_no=req.request_no,
            carrier_code="sf",
            tracking_number="SF-NEW-1",
        )
    assert (short.value.status_code, short.value.code) == (409, "replacement_out_of_stock")
    got = AftersalesRequest.objects.get(pk=req.pk)
    assert (got.status, got.reship_tracking_number) == ("inspected", "")
    assert not Reservation.objects.filter(order_ref=f"aftersales:{req.request_no}").exists()
    assert _levels(sku) == (on_hand + 1, 0)

    inventory_api.release(order_refs=["OTHER-BUYER"])
    for _ in range(2):  # a retried call with the same parcel changes nothing more
        services.request_reship(
            principal=world["merchant_p"],
            request_no=req.request_no,
            carrier_code="sf",
            tracking_number="SF-NEW-1",
        )
    assert AftersalesRequest.objects.get(pk=req.pk).status == "completed"
    assert _levels(sku) == (on_hand, on_hand)
    # The take is keyed by the request: asked again it deducts nothing.
    from contexts.aftersales.services.requests import _take_replacement

    _take_replacement(AftersalesRequest.objects.get(pk=req.pk))
    assert _levels(sku) == (on_hand, on_hand)
    with pytest.raises(AppError) as other_parcel:
        services.request_reship(
            principal=world["merchant_p"],
            request_no=req.request_no,
            carrier_code="sf",
            tracking_number="SF-NEW-2",
        )
    assert other_parcel.value.code == "illegal_transition"


def test_a_return_of_an_exchanged_replacement_puts_the_unit_back_on_hand(world):
    """Both units of a line were exchanged (the order's units back, two replacements committed
    under the exchange's key); returning one replacement afterwards restores it from the
    exchange's commit: inventory's cap on the order (already all back) would restore nothing."""
    from tests.aftersales_support import deliver_and_confirm, paid_order, ship

    sku = world["sku_id"]
    order_no = paid_order(world, quantity=2)["order_no"]
    ship(world, order_no)
    deliver_and_confirm(world, order_no)
    exchange = _apply(world, order_no, kind="exchange", quantity=2)
    services.request_approve(principal=world["merchant_p"], request_no=exchange.request_no)
    _ship_back(world, exchange, "SF-EX-1", carrier="sf")
    services.request_inspect(
        principal=world["merchant_p"], request_no=exchange.request_no, passed=True
    )
    services.request_reship(
        principal=world["merchant_p"],
        request_no=exchange.request_no,
        carrier_code="sf",
        tracking_number="SF-EX-NEW",
    )
    on_hand, _ = _levels(sku)

    back = _apply(world, order_no, kind="return_refund", quantity=1)
    services.request_approve(principal=world["merchant_p"], request_no=back.request_no)
    _ship_back(world, back, "SF-RET-1", carrier="sf")
    services.request_inspect(principal=world["merchant_p"], request_no=back.request_no, passed=True)

    assert _levels(sku)[0] == on_hand + 1
    from contexts.aftersales.services.requests import _restock

    _restock(AftersalesRequest.objects.get(pk=back.pk), "replayed")  # a replay: nothing more
    assert _levels(sku)[0] == on_hand + 1


def test_a_repair_moves_no_stock(world):
    sku = world["sku_id"]
    _, req = _return_approved(world, delivered=True, kind="repair")
    before = _levels(sku)
    _ship_back(world, req, "SF-BACK-2", carrier="sf")
    services.request_inspect(principal=world["merchant_p"], request_no=req.request_no, passed=True)
    services.request_reship(
        principal=world["merchant_p"],
        request_no=req.request_no,
        carrier_code="sf",
        tracking_number="SF-FIXED-1",
    )
    assert AftersalesRequest.objects.get(pk=req.pk).status == "completed"
    assert _levels(sku) == before


def test_an_exchange_arbitrated_for_the_buyer_after_a_failed_inspection_restocks_once(world):
    sku = world["sku_id"]
    _, req = _return_approved(world, delivered=True, kind="exchange")
    _ship_back(world, req, "SF-BACK-3", carrier="sf")
    before = _levels(sku)[0]
    services.request_inspect(
        principal=world["merchant_p"], request_no=req.request_no, passed=False, note="scratched"
    )
    assert _levels(sku)[0] == before  # a failed inspection keeps the unit off the shelf
    services.request_arbitrate(
        principal=world["staff_p"], request_no=req.request_no, decision="buyer", reason="fine"
    )
    assert AftersalesRequest.objects.get(pk=req.pk).status == "inspected"
    assert _levels(sku)[0] == before + 1
    services.request_reship(
        principal=world["merchant_p"],
        request_no=req.request_no,
        carrier_code="sf",
        tracking_number="SF-NEW-3",
    )
    assert _levels(sku)[0] == before
