"""Fixtures for payments' tests: a trade from a faked ordering api, the sandbox provider with
a key pair made for the test run, accounts and clients."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contexts.ordering import api as ordering_api
from contexts.payments import services
from tests.support import client_for, make_user, sandbox_keys, sandbox_settings


@pytest.fixture(scope="session")
def sandbox_key_dir(tmp_path_factory) -> Path:
    return sandbox_keys(tmp_path_factory.mktemp("sandbox-keys"))


@pytest.fixture(autouse=True)
def _payments_settings(settings, sandbox_key_dir):
    sandbox_settings(settings, sandbox_key_dir)
    yield
    services.breakers_reset()


class FakeTrades:
    """ordering.api.get_trade over trades the test declares."""

    def __init__(self) -> None:
        self.trades: dict[str, ordering_api.TradeInfo] = {}

    def add(
        self, *, buyer_id: int, amount: str = "59.90", status: str = "unpaid"
    ) -> ordering_api.TradeInfo:
        now = timezone.now()
        trade = ordering_api.TradeInfo(
            trade_no=f"T{uuid.uuid4().hex[:20]}",
            buyer_id=buyer_id,
            status=status,
            pay_amount=Decimal(amount),
            payable_amount=Decimal(amount) if status == "unpaid" else Decimal("0.00"),
            paid_amount=None,
            payment_ref="",
            payment_deadline=now + timedelta(minutes=30),
            created_at=now,
            paid_at=None,
            orders=(),
        )
        self.trades[trade.trade_no] = trade
        return trade

    def get(self, trade_no: str) -> ordering_api.TradeInfo | None:
        return self.trades.get(trade_no)


@pytest.fixture
def trades(monkeypatch, settings) -> FakeTrades:
    # Only payments under test: ordering's handler is exercised with the real ordering context
    # in tests/test_payment_ordering.py.
    settings.EVENTS_RELAY_ON_COMMIT = False
    fake = FakeTrades()
    monkeypatch.setattr(ordering_api, "get_trade", fake.get)
    return fake


@pytest.fixture
def buyer(db):
    return make_user()


@pytest.fixture
def buyer_api(buyer) -> APIClient:
    return client_for(buyer)


@pytest.fixture
def staff_api(db) -> APIClient:
    return client_for(make_user(is_staff=True))
