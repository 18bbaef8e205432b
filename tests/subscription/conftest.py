"""Fixtures for subscription's tests with payments real: the sandbox provider with a key pair
made for the run and the renewal settings, plus the context's own fixtures (plans, buyers,
clients, the clock T0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contexts.payments import services as payment_services
from contexts.subscription.tests.conftest import (  # noqa: F401 (fixtures)
    T0,
    buyer,
    buyer_api,
    buyer_of,
    client_for,
    make_plan,
    make_user,
    monthly,
    trial_plan,
    yearly,
)
from tests.support import sandbox_keys, sandbox_settings


@pytest.fixture(scope="session")
def sandbox_key_dir(tmp_path_factory) -> Path:
    return sandbox_keys(tmp_path_factory.mktemp("subscription-sandbox-keys"))


@pytest.fixture(autouse=True)
def _sandbox(settings, sandbox_key_dir):
    sandbox_settings(settings, sandbox_key_dir)
    settings.SUBSCRIPTION_GRACE_DAYS = 7
    settings.SUBSCRIPTION_RETRY_HOURS = 24
    settings.SUBSCRIPTION_MAX_ATTEMPTS = 3
    yield
    payment_services.breakers_reset()
