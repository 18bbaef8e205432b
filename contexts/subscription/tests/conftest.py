"""Fixtures for subscription's own tests: plans made through the service, buyers and clients,
and a clock the tests drive. Tests that pay through payments (its sandbox provider and
callbacks) live in tests/subscription/ (a context's tests use other contexts' api only)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from contexts.subscription import services
from shared.auth import SYSTEM, principal_from
from tests.support import client_for, make_user

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


def buyer_of(user):
    return principal_from(user_id=user.pk)


def make_plan(code: str, **overrides):
    values = {
        "code": code,
        "name": code.title(),
        "period": "monthly",
        "price": Decimal("30.00"),
        "trial_days": 0,
        "free_shipping": True,
        "points_multiplier": Decimal("2"),
        "member_discount_percent": Decimal("5"),
    }
    values.update(overrides)
    return services.plan_create(principal=SYSTEM, draft=services.PlanDraft(**values))


@pytest.fixture
def monthly(db):
    return make_plan("monthly")


@pytest.fixture
def yearly(db):
    return make_plan("yearly", period="yearly", price=Decimal("300.00"))


@pytest.fixture
def trial_plan(db):
    return make_plan("trial", trial_days=7)


@pytest.fixture
def buyer(db):
    return make_user()


@pytest.fixture
def buyer_api(buyer) -> APIClient:
    return client_for(buyer)
