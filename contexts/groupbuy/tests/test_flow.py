"""Group buy end to end, every other context real (catalog, inventory, ordering, payments
through the sandbox provider's signed callback), real commits: start, join, pay, complete, ship;
refusals; a cancelled order frees its seat; the deadline job fails (refunds) or auto-fills."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.groupbuy import services
from contexts.groupbuy.models import GroupBuyGroup, GroupBuyMember
from contexts.groupbuy.tests.support import join, levels, running_activity, start
from contexts.ordering import api as ordering_api
from contexts.payments import api as payments_api
from shared.events.models import OutboxEvent
from tests.support import client_for, error_code, make_user, ok, pay, payment_open, real_address

pytestmark = pytest.mark.django_db(transaction=True)

D = Decimal


def _events(event_type: str) -> list[dict]:
    return [e.payload for e in OutboxEvent.objects.filter(event_type=event_type).order_by("id")]


def _ship(client, order_no):
    return client.post(
        f"/api/v1/admin/orders/{order_no}/shipments",
        {"carrier_code": "sandbox", "tracking_number": "SB1"},
        format="json",
    )


def _status(order_no: str) -> str:
    return ordering_api.get_order(order_no).status


def test_a_group_that_fills_completes_and_its_orders_ship(shop, buyers, admin_api, notifier):
    activity = running_activity(shop["sku_id"], size=2)
    a, b = buyers[0], buyers[1]
    leader = ok(start(a["api"], activity.pk, a["address_id"]))
    assert leader["is_leader"] and leader["started_new_group"]
    order = ordering_api.get_order(leader["order_no"])
    assert (order.pay_amount, order.lines[0].unit_price) == (D("55.00"), D("49.00"))
    group_no = leader["group_no"]

    pay(a["api"], leader["trade_no"])
    assert _status(leader["order_no"]) == "paid"
    assert error_code(_ship(admin_api, leader["order_no"])) == "fulfilment_held"
    staff_view = ok(admin_api.get(f"/api/v1/admin/orders/{leader['order_no']}"))
    assert staff_view["fulfilment_held"] is True

    member = ok(join(b["api"], group_no, b["address_id"]))
    assert (member["group_no"], member["is_leader"]) == (group_no, False)
    pay(b["api"], member["trade_no"])

    group = GroupBuyGroup.objects.get(group_no=group_no)
    assert (group.status, group.paid_count, group.occupied) == ("completed", 2, 2)
    completed = _events("groupbuy.group.completed.v1")
    assert len(completed) == 1
    assert sorted(completed[0]["order_nos"]) == sorted([leader["order_no"], member["order_no"]])
    for order_no in (leader["order_no"], member["order_no"]):
        assert ok(admin_api.get(f"/api/v1/admin/orders/{order_no}"))["fulfilment_held"] is False
    assert ok(_ship(admin_api, member["order_no"]))
    assert _status(member["order_no"]) == "shipped"
    assert {n.template for n in notifier.sent} == {"group_completed"}
    assert len(notifier.sent) == 2
    # The payment's OrderPaid delivered again changes nothing.
    assert services.member_order_paid(member_ref=GroupBuyMember.objects.last().member_ref) == (
        "ignored"
    )


def test_join_refusals(shop, buyers):
    activity = running_activity(shop["sku_id"], size=2, per_user_limit=1)
    a, b, c = buyers
    group_no = ok(start(a["api"], activity.pk, a["address_id"]))["group_no"]

    assert error_code(join(a["api"], group_no, a["address_id"])) == "already_in_group"
    assert start(a["api"], activity.pk, a["address_id"]).status_code == 409  # limit_reached
    assert error_code(start(a["api"], activity.pk, a["address_id"])) == "limit_reached"
    ok(join(b["api"], group_no, b["address_id"]))
    assert error_code(join(c["api"], group_no, c["address_id"])) == "group_full"
    moved = ok(join(c["api"], group_no, c["address_id"], or_start_new=True))
    assert moved["started_new_group"] and moved["is_leader"] and moved["group_no"] != group_no

    assert join(c["api"], "G-NOPE", c["address_id"]).status_code == 404
    other_address = real_address(client_for(make_user()))
    fresh = client_for(make_user())
    assert join(fresh, moved["group_no"], other_address).status_code == 404
    assert error_code(join(fresh, moved["group_no"], 1, remark="x")) == "validation_error"
    anonymous = client_for(None)
    assert join(anonymous, moved["group_no"], 1).status_code == 401
    assert GroupBuyGroup.objects.get(group_no=group_no).occupied == 2


def test_no_group_outside_the_activity_window(shop, buyers):
    activity = running_activity(shop["sku_id"])
    activity.ends_at = timezone.now() - timedelta(seconds=1)
    activity.starts_at = activity.ends_at - timedelta(hours=1)
    activity.save()
    a = buyers[0]
    assert error_code(start(a["api"], activity.pk, a["address_id"])) == "activity_not_open"
    assert GroupBuyGroup.objects.count() == 0


def test_a_cancelled_order_frees_its_seat(shop, buyers):
    activity = running_activity(shop["sku_id"], size=2)
    a, b, c = buyers
    group_no = ok(start(a["api"], activity.pk, a["address_id"]))["group_no"]
    seat = ok(join(b["api"], group_no, b["address_id"]))
    ok(b["api"].post(f"/api/v1/orders/{seat['order_no']}/cancel", {}, format="json"))

    group = GroupBuyGroup.objects.get(group_no=group_no)
    assert group.occupied == 1
    assert GroupBuyMember.objects.get(order_no=seat["order_no"]).status == "released"
    ok(join(c["api"], group_no, c["address_id"]))
    assert GroupBuyGroup.objects.get(group_no=group_no).occupied == 2


def _expire_now(group_no: str):
    GroupBuyGroup.objects.filter(group_no=group_no).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )
    return services.groups_expire_due()


def test_a_group_not_full_at_its_deadline_fails_and_refunds_once(shop, buyers, notifier):
    activity = running_activity(shop["sku_id"], size=3)
    a, b, _ = buyers
    on_hand, reserved = levels(shop["sku_id"])
    leader = ok(start(a["api"], activity.pk, a["address_id"]))
    pay(a["api"], leader["trade_no"])
    unpaid = ok(join(b["api"], leader["group_no"], b["address_id"]))
    assert levels(shop["sku_id"]) == (on_hand - 1, reserved + 1)

    assert _expire_now(leader["group_no"]) == {
        "completed": 0,
        "failed": 1,
        "skipped": 0,
        "errors": 0,
    }

    group = GroupBuyGroup.objects.get(group_no=leader["group_no"])
    assert group.status == "failed"
    assert _status(leader["order_no"]) == "refunded"
    assert _status(unpaid["order_no"]) == "cancelled"
    assert levels(shop["sku_id"]) == (on_hand, reserved)  # exactly what it was
    payment = payments_api.get_payment(
        next(iter(_events("payments.payment.succeeded.v1")))["payment_no"]
    )
    assert [(r.amount, r.state) for r in payment.refunds] == [(D("55.00"), "succeeded")]
    failed = _events("groupbuy.group.failed.v1")
    assert failed == [
        {
            **failed[0],
            "refunded_order_nos": [leader["order_no"]],
            "cancelled_order_nos": [unpaid["order_no"]],
        }
    ]
    assert "email" not in str(failed) and "@" not in str(failed)
    assert sorted(n.context["outcome"] for n in notifier.sent) == ["cancelled", "refunded"]
    statuses = dict(GroupBuyMember.objects.values_list("order_no", "status"))
    assert statuses == {leader["order_no"]: "refunded", unpaid["order_no"]: "released"}

    # Running the job again (and the group's expiry directly) changes nothing.
    assert services.groups_expire_due() == {"completed": 0, "failed": 0, "skipped": 0, "errors": 0}
    assert services.group_expire(group_id=group.pk) is None
    assert ordering_api.refund_unshipped_order(order_no=leader["order_no"], reason="again") is False
    payment = payments_api.get_payment(payment.payment_no)
    assert len(payment.refunds) == 1
    assert levels(shop["sku_id"]) == (on_hand, reserved)
    assert len(_events("groupbuy.group.failed.v1")) == 1
    assert len(notifier.sent) == 2


def test_auto_fill_completes_an_expiring_group_with_a_paid_member(shop, buyers):
    activity = running_activity(shop["sku_id"], size=3, auto_fill=True)
    a, b, _ = buyers
    leader = ok(start(a["api"], activity.pk, a["address_id"]))
    pay(a["api"], leader["trade_no"])
    unpaid = ok(join(b["api"], leader["group_no"], b["address_id"]))

    assert _expire_now(leader["group_no"])["completed"] == 1

    group = GroupBuyGroup.objects.get(group_no=leader["group_no"])
    assert (group.status, group.paid_count, group.virtual_seats) == ("completed", 1, 2)
    assert _status(unpaid["order_no"]) == "cancelled"
    completed = _events("groupbuy.group.completed.v1")
    assert completed[0]["order_nos"] == [leader["order_no"]]
    assert completed[0]["virtual_seats"] == 2


def test_auto_fill_without_a_paid_member_fails(shop, buyers):
    activity = running_activity(shop["sku_id"], size=2, auto_fill=True)
    a = buyers[0]
    leader = ok(start(a["api"], activity.pk, a["address_id"]))
    assert _expire_now(leader["group_no"])["failed"] == 1
    assert _status(leader["order_no"]) == "cancelled"


def test_a_payment_after_the_group_failed_is_refunded(shop, buyers):
    activity = running_activity(shop["sku_id"], size=2)
    a = buyers[0]
    leader = ok(start(a["api"], activity.pk, a["address_id"]))
    on_hand, reserved = levels(shop["sku_id"])
    payment = payment_open(a["api"], leader["trade_no"])
    _expire_now(leader["group_no"])

    assert a["api"].post(payment["client"]["data"]["url"]).status_code == 202

    assert _status(leader["order_no"]) == "cancelled"
    refunds = payments_api.get_payment(payment["payment_no"]).refunds
    assert [(r.amount, r.state) for r in refunds] == [(D("55.00"), "succeeded")]
    assert levels(shop["sku_id"]) == (on_hand, reserved - 1)


def test_a_refund_payments_cannot_make_leaves_that_group_open_and_the_others_go_on(shop, buyers):
    activity = running_activity(shop["sku_id"], size=3, per_user_limit=2)
    a, b, _ = buyers
    # Paid without payments (ordering's api directly): payments has nothing to refund.
    stuck = ok(start(a["api"], activity.pk, a["address_id"]))
    ordering_api.mark_trade_paid(
        trade_no=stuck["trade_no"], paid_amount=D("55.00"), payment_ref="outside-payments"
    )
    other = ok(start(b["api"], activity.pk, b["address_id"]))
    GroupBuyGroup.objects.update(deadline=timezone.now() - timedelta(seconds=1))

    assert services.groups_expire_due() == {"completed": 0, "failed": 1, "skipped": 0, "errors": 1}

    assert GroupBuyGroup.objects.get(group_no=stuck["group_no"]).status == "open"
    assert _status(stuck["order_no"]) == "paid"  # nothing of its expiry was written
    assert GroupBuyGroup.objects.get(group_no=other["group_no"]).status == "failed"


def test_a_payment_recorded_just_before_the_expiry_is_refunded_when_its_event_arrives(
    shop, buyers, monkeypatch
):
    """The other order of the race: ordering recorded the payment, but group buy had not heard
    of it (its OrderPaid not delivered yet) when the deadline job ran."""
    activity = running_activity(shop["sku_id"], size=3)
    a, b, _ = buyers
    on_hand, reserved = levels(shop["sku_id"])
    leader = ok(start(a["api"], activity.pk, a["address_id"]))
    pay(a["api"], leader["trade_no"])
    late = ok(join(b["api"], leader["group_no"], b["address_id"]))
    delayed = []
    real_member_order_paid = services.member_order_paid
    monkeypatch.setattr(services, "member_order_paid", lambda **kw: delayed.append(kw))
    late_payment = pay(b["api"], late["trade_no"])
    assert _status(late["order_no"]) == "paid" and len(delayed) == 1

    _expire_now(leader["group_no"])
    member = GroupBuyMember.objects.get(order_no=late["order_no"])
    assert member.status == "released"  # ordering kept the paid order: not cancelled
    assert _status(late["order_no"]) == "paid"

    assert real_member_order_paid(**delayed[0]) == "refunded"
    assert real_member_order_paid(**delayed[0]) == "ignored"
    assert _status(late["order_no"]) == "refunded"
    refunds = payments_api.get_payment(late_payment).refunds
    assert [(r.amount, r.state) for r in refunds] == [(D("55.00"), "succeeded")]
    assert levels(shop["sku_id"]) == (on_hand, reserved)
