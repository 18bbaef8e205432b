"""Fixtures for loyalty's tests: accounts, signed-in clients, settings and ledger checks."""

from __future__ import annotations

import pytest
from django.db.models import Sum
from rest_framework.test import APIClient

from contexts.loyalty.models import PointsAccount, PointsBucket, PointsEntry, PointsHold
from tests.support import make_user


@pytest.fixture(autouse=True)
def _loyalty_settings(settings):
    settings.LOYALTY_EARN_POINTS_PER_YUAN = "1"
    settings.LOYALTY_POINTS_PER_YUAN = 100
    settings.LOYALTY_MAX_SHARE = "0.5"
    settings.LOYALTY_MIN_BALANCE_TO_SPEND = 100
    settings.LOYALTY_POINTS_VALID_DAYS = 365


@pytest.fixture
def buyer():
    return make_user()


@pytest.fixture
def staff():
    return make_user(is_staff=True)


def assert_books_balance(user_id: int) -> PointsAccount:
    """The invariants of models.py for one account; answers the account."""
    account = PointsAccount.objects.get(user_id=user_id)
    entries = PointsEntry.objects.filter(account=account).aggregate(
        delta=Sum("delta"), held=Sum("held_delta")
    )
    remaining = PointsBucket.objects.filter(account=account).aggregate(n=Sum("remaining"))["n"]
    held = PointsHold.objects.filter(account=account, status="held").aggregate(n=Sum("points"))
    assert account.balance >= 0 and account.held >= 0
    assert (entries["delta"] or 0) == account.balance
    assert (remaining or 0) == account.balance
    assert (entries["held"] or 0) == account.held == (held["n"] or 0)
    return account


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()
