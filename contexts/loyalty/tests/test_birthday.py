"""Birthday points: once per member and year, the amount of the member's level."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from contexts.loyalty import services, tasks
from contexts.loyalty.models import PointsEntry
from contexts.loyalty.tests.conftest import assert_books_balance
from shared.testing import run_concurrently
from tests.support import make_user

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 15)


def silver_born_on(day: date):
    user = make_user()
    user.birthday = day
    user.save(update_fields=["birthday"])
    services.order_completed_earn(
        user_id=user.pk, order_no=f"O{user.pk}", trade_no="T", pay_amount=Decimal("1000")
    )
    return user


def test_birthday_points_once_a_year_by_level():
    silver = silver_born_on(date(1990, 6, 15))
    other_day = silver_born_on(date(1990, 6, 16))
    regular = make_user()
    regular.birthday = date(1990, 6, 15)
    regular.save(update_fields=["birthday"])

    assert services.birthday_points_grant(today=TODAY) == 1
    assert services.birthday_points_grant(today=TODAY) == 0
    assert assert_books_balance(silver.pk).balance == 1000 + 100
    assert assert_books_balance(other_day.pk).balance == 1000
    assert not PointsEntry.objects.filter(account__user_id=regular.pk, kind="birthday").exists()
    assert services.birthday_points_grant(today=date(2027, 6, 15)) == 1  # next year again


def test_leap_day_birthdays_on_28_february_of_other_years():
    leap = silver_born_on(date(2000, 2, 29))
    assert services.birthday_points_grant(today=date(2028, 2, 28)) == 0  # 2028 has a 29th
    assert services.birthday_points_grant(today=date(2028, 2, 29)) == 1
    assert services.birthday_points_grant(today=date(2027, 2, 28)) == 1
    assert PointsEntry.objects.filter(account__user_id=leap.pk, kind="birthday").count() == 2


def test_the_beat_task_runs(settings):
    assert tasks.birthday_points.apply().get() >= 0
    assert tasks.expire_points.apply().get() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_grant_once():
    user = silver_born_on(date(1990, 6, 15))
    results = run_concurrently(4, lambda n: services.birthday_points_grant(today=TODAY))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(results) == 1
    assert PointsEntry.objects.filter(account__user_id=user.pk, kind="birthday").count() == 1
