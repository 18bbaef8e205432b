"""Real threads against the real database: the rules hold under concurrent requests."""

from __future__ import annotations

import pytest
from django.db import connection
from rest_framework.test import APIClient

from contexts.identity.models import Address, User
from contexts.identity.tests.factories import PASSWORD, AddressFactory, UserFactory
from contexts.identity.tests.support import ADDRESS, signed_in
from shared.testing import run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


@pytest.fixture(autouse=True)
def _needs_row_locks():
    # SQLite's shared in-memory test database fails with "table is locked" instead of waiting,
    # so these only mean something on MariaDB (the database the suite runs on).
    if connection.vendor != "mysql":
        pytest.skip("needs MariaDB row locks")


def test_concurrent_creates_never_exceed_twenty_addresses():
    user = UserFactory()
    AddressFactory(user=user, is_default=True)
    AddressFactory.create_batch(14, user=user)

    def create(n: int) -> int:
        client, _ = signed_in(user)
        return client.post(
            "/api/v1/me/addresses", {**ADDRESS, "receiver_name": f"T{n}"}
        ).status_code

    statuses = run_concurrently(10, create)

    assert sorted(statuses) == [201] * 5 + [422] * 5, statuses
    assert Address.objects.filter(user=user).count() == 20
    assert Address.objects.filter(user=user, is_default=True).count() == 1


def test_concurrent_set_default_leaves_exactly_one_default():
    user = UserFactory()
    addresses = [AddressFactory(user=user, is_default=(n == 0)) for n in range(10)]

    def set_default(n: int) -> int:
        client, _ = signed_in(user)
        return client.post(f"/api/v1/me/addresses/{addresses[n].pk}/default").status_code

    statuses = run_concurrently(10, set_default)

    assert statuses == [200] * 10, statuses
    assert Address.objects.filter(user=user, is_default=True).count() == 1


def test_concurrent_first_addresses_make_exactly_one_default():
    user = UserFactory()

    def create(n: int) -> int:
        client, _ = signed_in(user)
        return client.post(
            "/api/v1/me/addresses", {**ADDRESS, "receiver_name": f"T{n}"}
        ).status_code

    statuses = run_concurrently(8, create)

    assert statuses == [201] * 8, statuses
    assert Address.objects.filter(user=user, is_default=True).count() == 1


def test_a_refresh_token_used_concurrently_is_spent_only_once():
    user = UserFactory()
    _, refresh = signed_in(user)

    def use(n: int) -> int:
        return APIClient().post("/api/v1/auth/refresh", {"refresh": refresh}).status_code

    statuses = run_concurrently(6, use)

    assert sorted(statuses) == [200] + [401] * 5, statuses


def test_concurrent_login_failures_are_all_counted(settings):
    """With a get-then-set counter, simultaneous failures overwrite each other and the lock
    never engages; cache.add + cache.incr count every one."""
    settings.LOGIN_MAX_FAILURES = 12
    settings.LOGIN_MAX_FAILURES_PER_IP = 1000
    user = UserFactory()

    def fail(n: int) -> int:
        return (
            APIClient()
            .post("/api/v1/auth/login", {"identifier": user.email, "password": f"wrong{n}"})
            .status_code
        )

    statuses = run_concurrently(12, fail)

    assert sorted(statuses) == [401] * 11 + [423], statuses
    response = APIClient().post(
        "/api/v1/auth/login", {"identifier": user.email, "password": PASSWORD}
    )
    assert response.status_code == 423


@pytest.mark.parametrize(
    ("identifier", "value", "code"),
    [("email", "race@example.com", "email_taken"), ("mobile", "13800138123", "mobile_taken")],
)
def test_concurrent_registrations_with_one_identifier_create_one_account(identifier, value, code):
    def register(n: int) -> tuple[int, str | None]:
        response = APIClient().post(
            "/api/v1/auth/register", {identifier: value, "password": PASSWORD}
        )
        body = response.json()
        return response.status_code, body.get("error", {}).get("code")

    results = run_concurrently(8, register)

    assert all(isinstance(result, tuple) for result in results), results
    assert sorted(status for status, _ in results) == [201] + [409] * 7, results
    assert {error for status, error in results if status == 409} == {code}
    assert User.objects.filter(**{identifier: value}).count() == 1
