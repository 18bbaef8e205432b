"""Fixtures for subscription's tests with payments real: the sandbox provider with a key pair
made for the run, plans made through the service, buyers and clients, and a clock the tests
drive."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from contexts.payments import services as payment_services
from contexts.payments.adapters.sandbox import generate_key_pair
from contexts.subscription import services
from shared.auth import SYSTEM, principal_from

T0 = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def sandbox_key_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("subscription-sandbox-keys")
    generate_key_pair(directory / "private.pem", directory / "public.pem")
    return directory


@pytest.fixture(autouse=True)
def _sandbox(settings, sandbox_key_dir):
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.PAYMENTS_NOTIFY_BASE_URL = ""
    settings.PAYMENTS_SANDBOX_PRIVATE_KEY_PATH = str(sandbox_key_dir / "private.pem")
    settings.PAYMENTS_SANDBOX_PUBLIC_KEY_PATH = str(sandbox_key_dir / "public.pem")
    settings.SUBSCRIPTION_GRACE_DAYS = 7
    settings.SUBSCRIPTION_RETRY_HOURS = 24
    settings.SUBSCRIPTION_MAX_ATTEMPTS = 3
    payment_services.breakers_reset()
    yield
    payment_services.breakers_reset()


def make_user(*, is_staff: bool = False):
    return get_user_model().objects.create_user(
        email=f"member-{uuid.uuid4().hex[:12]}@example.com",
        password="Str0ng-Passw0rd!",
        is_staff=is_staff,
    )


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


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
