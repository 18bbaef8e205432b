"""Fixtures for subscription's tests with payments real: the sandbox provider with a key pair
made for the run and the renewal settings, plus the context's own fixtures (plans, buyers,
clients, the clock T0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contexts.payments import services as payment_services
from contexts.payments.adapters.sandbox import generate_key_pair
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
