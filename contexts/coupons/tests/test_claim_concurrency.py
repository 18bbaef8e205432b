"""1,000 concurrent claims by many buyers for 100 coupons: exactly 100 are issued and no buyer
holds more than the per-user limit (real threads, each with its own MariaDB connection)."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import connection

from contexts.coupons import services
from contexts.coupons.models import Coupon, CouponTemplate
from contexts.coupons.tests.support import buyer, make_template
from shared.errors import Conflict
from shared.events.models import OutboxEvent
from shared.testing import run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

CLAIMS = 1000
THREADS = 50
BUYERS = 300  # about 3.3 attempts each against a limit of 2
TOTAL = 100
LIMIT = 2


@pytest.fixture
def enough_connections():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.max_connections")
        (current,) = cursor.fetchone()
        if current < THREADS + 100:
            cursor.execute(f"SET GLOBAL max_connections = {THREADS + 300}")


def test_a_thousand_concurrent_claims_issue_exactly_the_total_within_the_per_user_limit(
    enough_connections, settings
):
    settings.EVENTS_RELAY_ON_COMMIT = False
    template = make_template(total_quantity=TOTAL, per_user_limit=LIMIT)
    attempts = [(n % BUYERS) + 1 for n in range(CLAIMS)]

    def worker(thread: int) -> list[object]:
        outcomes: list[object] = []
        for user_id in attempts[thread::THREADS]:
            try:
                coupon = services.coupon_claim(principal=buyer(user_id), template_id=template.pk)
                outcomes.append(("claimed", coupon.user_id))
            except Conflict as exc:
                outcomes.append((exc.code, user_id))
        return outcomes

    results = run_concurrently(THREADS, worker)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, errors[:3]
    outcomes = [o for r in results for o in r]
    assert len(outcomes) == CLAIMS
    kinds = Counter(kind for kind, _ in outcomes)
    assert kinds["claimed"] == TOTAL
    assert set(kinds) <= {"claimed", "coupons_exhausted", "claim_limit_reached"}

    assert Coupon.objects.filter(template=template).count() == TOTAL
    assert CouponTemplate.objects.get(pk=template.pk).issued == TOTAL
    per_user = Counter(Coupon.objects.filter(template=template).values_list("user_id", flat=True))
    assert max(per_user.values()) <= LIMIT
    claimed_events = OutboxEvent.objects.filter(event_type="coupons.coupon.claimed.v1")
    assert claimed_events.count() == TOTAL
