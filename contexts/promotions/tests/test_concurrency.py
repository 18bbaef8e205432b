"""Status changes of one activity at once (real threads, MariaDB): the row lock lets exactly one
pause through, and the events follow the changes that happened."""

from __future__ import annotations

import pytest

from contexts.promotions import services
from contexts.promotions.models import Activity
from contexts.promotions.tests.conftest import make_activity
from shared.auth import SYSTEM
from shared.events.models import OutboxEvent
from shared.testing import run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def changes(activity_id: int) -> list[str]:
    rows = OutboxEvent.objects.filter(
        event_type="promotions.activity.changed.v1", aggregate_id=str(activity_id)
    ).order_by("aggregate_version")
    return [row.payload["action"] for row in rows]


def test_six_pauses_at_once_pause_once():
    activity = make_activity(merchant_id=None)

    results = run_concurrently(
        6, lambda i: services.activity_pause(activity_id=activity.pk, principal=SYSTEM)
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 5, results
    assert {getattr(e, "code", None) for e in errors} == {"activity_illegal_transition"}
    assert Activity.objects.get(pk=activity.pk).status == "paused"
    assert changes(activity.pk) == ["paused"]


def test_pauses_and_ends_at_once_leave_it_ended_with_one_end():
    activity = make_activity(merchant_id=None)
    action = [services.activity_pause, services.activity_end] * 3

    results = run_concurrently(6, lambda i: action[i](activity_id=activity.pk, principal=SYSTEM))

    assert Activity.objects.get(pk=activity.pk).status == "ended"
    done = changes(activity.pk)
    assert done.count("ended") == 1 and done[-1] == "ended"
    assert len(done) == len([r for r in results if not isinstance(r, Exception)])
