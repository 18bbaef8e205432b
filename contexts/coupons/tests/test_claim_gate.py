"""The Redis sold-out gate: loaded from the database, refuses once none is left without the
database's row lock, gives back a slot the database refused, reloads after a total change,
and is skipped when off."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contexts.coupons import services
from contexts.coupons.models import CouponTemplate
from contexts.coupons.services import claim_gate
from contexts.coupons.tests.support import buyer, make_template
from shared.auth import SYSTEM
from shared.errors import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def redis_gate(settings):
    if not hasattr(getattr(cache, "_cache", None), "get_client"):
        pytest.skip("the cache is not Redis")
    settings.COUPONS_CLAIM_REDIS_GATE = True
    cache.clear()


def left(template) -> int | None:
    value = cache._cache.get_client(write=True).get(claim_gate._key(template))
    return None if value is None else int(value)


def test_the_gate_counts_down_and_refuses_without_locking_the_template():
    template = make_template(total_quantity=2)
    services.coupon_claim(principal=buyer(1), template_id=template.pk)
    assert left(template) == 1
    services.coupon_claim(principal=buyer(2), template_id=template.pk)
    assert left(template) == 0
    with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as refused:
        services.coupon_claim(principal=buyer(3), template_id=template.pk)
    assert refused.value.code == "coupons_exhausted"
    assert not any(q["sql"].startswith("UPDATE") for q in queries.captured_queries)


def test_a_slot_the_database_refuses_is_given_back():
    template = make_template(total_quantity=3)
    services.coupon_claim(principal=buyer(1), template_id=template.pk)
    assert left(template) == 2
    # Codes redeemed meanwhile used the rest: the gate lets one through, the database refuses.
    CouponTemplate.objects.filter(pk=template.pk).update(issued=3)
    with pytest.raises(Conflict) as refused:
        services.coupon_claim(principal=buyer(2), template_id=template.pk)
    assert refused.value.code == "coupons_exhausted"
    assert left(template) == 2


def test_changing_the_total_reloads_the_count(django_capture_on_commit_callbacks):
    template = make_template(total_quantity=1)
    services.coupon_claim(principal=buyer(1), template_id=template.pk)
    assert left(template) == 0
    with django_capture_on_commit_callbacks(execute=True):
        services.template_update(principal=SYSTEM, template_id=template.pk, total_quantity=2)
    assert left(template) is None
    services.coupon_claim(principal=buyer(2), template_id=template.pk)
    assert left(template) == 0


def test_off_the_gate_is_not_used(settings):
    settings.COUPONS_CLAIM_REDIS_GATE = False
    template = make_template(total_quantity=2)
    services.coupon_claim(principal=buyer(1), template_id=template.pk)
    assert left(template) is None
