"""The demo: plans, and a member whose benefits include free shipping; twice is harmless."""

from __future__ import annotations

import pytest

from contexts.subscription import api
from contexts.subscription.demo import demo_memberships_create
from contexts.subscription.models import Membership, Plan
from contexts.subscription.tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_demo_makes_plans_and_the_second_buyer_a_member_once():
    buyers = [make_user().pk, make_user().pk]
    assert demo_memberships_create(buyer_ids=buyers) == 1
    assert demo_memberships_create(buyer_ids=buyers) == 0
    assert Plan.objects.count() == 3 and Membership.objects.count() == 1
    assert api.member_benefits(buyers[1]).free_shipping is True
    assert api.member_benefits(buyers[0]).is_member is False
