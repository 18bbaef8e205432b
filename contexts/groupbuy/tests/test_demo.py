"""The demo data's group buy: a completed group whose orders can ship, an open group with a seat
left, a failed group whose paid leader was refunded through payments; idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from contexts.groupbuy.models import GroupBuyActivity, GroupBuyGroup, GroupBuyMember
from contexts.ordering import api as ordering_api

pytestmark = pytest.mark.django_db(transaction=True)


def _load():
    call_command(
        "load_demo_data",
        users=2,
        products=3,
        skus_per_product=1,
        stock=50,
        verbosity=0,
        stdout=io.StringIO(),
    )


def test_demo_group_buys_end_to_end():
    _load()
    _load()

    assert GroupBuyActivity.objects.count() == 1
    statuses = sorted(GroupBuyGroup.objects.values_list("status", flat=True))
    assert statuses == ["completed", "failed", "open"]
    completed = GroupBuyGroup.objects.get(status="completed")
    for member in completed.members.all():
        order = ordering_api.get_order(member.order_no)
        assert (member.status, order.status) == ("paid", "paid")
    refunded = GroupBuyMember.objects.get(group__status="failed")
    assert refunded.status == "refunded"
    assert ordering_api.get_order(refunded.order_no).status == "refunded"
    open_group = GroupBuyGroup.objects.get(status="open")
    assert (open_group.occupied, open_group.paid_count, open_group.size) == (1, 1, 2)
