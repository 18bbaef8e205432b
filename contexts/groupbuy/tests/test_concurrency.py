"""The last-seat race and a payment racing the deadline, with real threads against MariaDB and
every context real (ordering, inventory, payments through the sandbox provider's callback).

Seats are taken at join under the group's row lock (domain.py): of buyers asking for the final
seat at once exactly one gets it and the others are refused with 409 group_full, or start a new
group when they asked `or_start_new`. Two members paying the last two seats at once complete the
group exactly once. A payment that races the deadline job ends refunded whichever commits first:
ordering refuses a payment for the order the job cancelled (payments refunds it), and a payment
recorded just before the job is refunded by group buy when its OrderPaid arrives.
"""

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
from shared.testing import run_concurrently
from tests.support import client_for, error_code, make_user, ok, pay, payment_open, real_address

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

D = Decimal
CROWD = 8


def _buyers(count: int) -> list[tuple[object, int]]:
    out = []
    for _ in range(count):
        client = client_for(make_user())
        out.append((client, real_address(client)))
    return out


def test_of_buyers_racing_for_the_last_seat_exactly_one_gets_it(shop):
    activity = running_activity(shop["sku_id"], size=2)
    leader_api, leader_address = _buyers(1)[0]
    group_no = ok(start(leader_api, activity.pk, leader_address))["group_no"]
    crowd = _buyers(CROWD)
    on_hand, reserved = levels(shop["sku_id"])

    responses = run_concurrently(CROWD, lambda n: join(crowd[n][0], group_no, crowd[n][1]))

    codes = sorted(r.status_code for r in responses)
    assert codes == [201] + [409] * (CROWD - 1)
    assert {error_code(r) for r in responses if r.status_code == 409} == {"group_full"}
    group = GroupBuyGroup.objects.get(group_no=group_no)
    assert (group.occupied, group.members.filter(status="held").count()) == (2, 2)
    assert levels(shop["sku_id"]) == (on_hand, reserved + 1)  # one order for the one seat


def test_with_or_start_new_the_losers_lead_new_groups(shop):
    activity = running_activity(shop["sku_id"], size=3, per_user_limit=1)
    leader_api, leader_address = _buyers(1)[0]
    group_no = ok(start(leader_api, activity.pk, leader_address))["group_no"]
    first_api, first_address = _buyers(1)[0]
    ok(join(first_api, group_no, first_address))
    crowd = _buyers(CROWD)

    responses = run_concurrently(
        CROWD, lambda n: join(crowd[n][0], group_no, crowd[n][1], or_start_new=True)
    )

    bodies = [ok(r) for r in responses]
    joined = [b for b in bodies if b["group_no"] == group_no]
    assert len(joined) == 1 and not joined[0]["is_leader"]
    new = [b for b in bodies if b["started_new_group"]]
    assert len(new) == CROWD - 1 and all(b["is_leader"] for b in new)
    assert len({b["group_no"] for b in new}) == CROWD - 1
    assert GroupBuyGroup.objects.get(group_no=group_no).occupied == 3
    assert GroupBuyGroup.objects.count() == CROWD


def test_the_last_two_seats_paid_at_once_complete_the_group_once(shop):
    activity = running_activity(shop["sku_id"], size=3)
    people = _buyers(3)
    leader = ok(start(people[0][0], activity.pk, people[0][1]))
    pay(people[0][0], leader["trade_no"])
    seats = [ok(join(api, leader["group_no"], address)) for api, address in people[1:]]
    payments = [payment_open(people[n + 1][0], seat["trade_no"]) for n, seat in enumerate(seats)]

    results = run_concurrently(
        2, lambda n: people[n + 1][0].post(payments[n]["client"]["data"]["url"]).status_code
    )

    assert results == [202, 202]
    group = GroupBuyGroup.objects.get(group_no=leader["group_no"])
    assert (group.status, group.paid_count) == ("completed", 3)
    assert OutboxEvent.objects.filter(event_type="groupbuy.group.completed.v1").count() == 1
    for order_no in [leader["order_no"], *(s["order_no"] for s in seats)]:
        assert ordering_api.get_order(order_no).status == "paid"


@pytest.mark.parametrize("repeat", range(2))
def test_a_payment_racing_the_deadline_is_refunded(shop, repeat):
    activity = running_activity(shop["sku_id"], size=3)
    people = _buyers(2)
    on_hand, reserved = levels(shop["sku_id"])
    leader = ok(start(people[0][0], activity.pk, people[0][1]))
    leader_payment = pay(people[0][0], leader["trade_no"])
    late = ok(join(people[1][0], leader["group_no"], people[1][1]))
    payment = payment_open(people[1][0], late["trade_no"])
    GroupBuyGroup.objects.filter(group_no=leader["group_no"]).update(
        deadline=timezone.now() - timedelta(seconds=1)
    )

    def work(n: int):
        if n == 0:
            return people[1][0].post(payment["client"]["data"]["url"]).status_code
        return services.groups_expire_due()

    results = run_concurrently(2, work)

    assert results[0] == 202
    assert GroupBuyGroup.objects.get(group_no=leader["group_no"]).status == "failed"
    late_payment = payments_api.get_payment(payment["payment_no"])
    assert sum(r.amount for r in late_payment.refunds if r.state == "succeeded") == D("55.00")
    assert ordering_api.get_order(late["order_no"]).status in ("cancelled", "refunded")
    first = payments_api.get_payment(leader_payment)
    assert [(r.amount, r.state) for r in first.refunds] == [(D("55.00"), "succeeded")]
    assert ordering_api.get_order(leader["order_no"]).status == "refunded"
    assert levels(shop["sku_id"]) == (on_hand, reserved)
    assert set(GroupBuyMember.objects.values_list("status", flat=True)) <= {
        "refunded",
        "released",
    }
    # The job again: nobody is refunded twice, stock unchanged.
    services.groups_expire_due()
    assert len(payments_api.get_payment(payment["payment_no"]).refunds) == len(late_payment.refunds)
    assert levels(shop["sku_id"]) == (on_hand, reserved)
