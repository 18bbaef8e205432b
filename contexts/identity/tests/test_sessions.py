"""Sign-in, JWT use, refresh rotation, sign-out, failure lockout and throttling."""

from __future__ import annotations

import time

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from contexts.identity.tests.factories import PASSWORD, UserFactory
from contexts.identity.tests.support import signed_in
from tests.support import error_code

pytestmark = pytest.mark.django_db
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"


def login(api, identifier, password=PASSWORD, ip="10.0.0.1"):
    return api.post(LOGIN, {"identifier": identifier, "password": password}, REMOTE_ADDR=ip)


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_login_with_email_returns_tokens_that_open_the_profile(api, user):
    response = login(api, user.email.upper())

    assert response.status_code == 200, response.json()
    tokens = response.json()
    assert set(tokens) == {"access", "refresh"}
    me = bearer(tokens["access"]).get("/api/v1/me")
    assert me.status_code == 200
    assert me.json()["id"] == user.pk
    user.refresh_from_db()
    assert user.last_login is not None


def test_login_with_mobile_in_any_spelling(api):
    user = UserFactory(email=None, mobile="13800138000")

    response = login(api, "+86 138 0013 8000")

    assert response.status_code == 200
    assert bearer(response.json()["access"]).get("/api/v1/me").json()["id"] == user.pk


@pytest.mark.parametrize("identifier", ["user-that-does-not-exist@example.com", "13900000000"])
def test_wrong_password_and_unknown_account_look_the_same(api, user, identifier):
    wrong = login(api, user.email, password="not-the-password")
    unknown = login(api, identifier)

    assert wrong.status_code == unknown.status_code == 401
    assert error_code(wrong) == error_code(unknown) == "invalid_credentials"
    assert wrong.json() == unknown.json()


def test_inactive_account_cannot_sign_in(api):
    user = UserFactory(is_active=False)

    assert login(api, user.email).status_code == 401


def test_requests_without_a_valid_access_token_are_401(api):
    assert api.get("/api/v1/me").status_code == 401
    response = bearer("not-a-jwt").get("/api/v1/me")
    assert response.status_code == 401
    assert error_code(response) == "not_authenticated"


def test_refresh_rotates_and_the_old_refresh_token_is_spent(api, user):
    first = login(api, user.email).json()

    rotated = api.post(REFRESH, {"refresh": first["refresh"]})

    assert rotated.status_code == 200, rotated.json()
    second = rotated.json()
    assert second["refresh"] != first["refresh"]
    assert bearer(second["access"]).get("/api/v1/me").status_code == 200
    replay = api.post(REFRESH, {"refresh": first["refresh"]})
    assert replay.status_code == 401
    assert error_code(replay) == "token_not_valid"
    assert api.post(REFRESH, {"refresh": second["refresh"]}).status_code == 200


def test_refresh_rejects_garbage_and_access_tokens(api, user):
    tokens = login(api, user.email).json()

    assert api.post(REFRESH, {"refresh": "garbage"}).status_code == 401
    assert api.post(REFRESH, {"refresh": tokens["access"]}).status_code == 401
    assert error_code(api.post(REFRESH, {})) == "validation_error"


def test_logout_blacklists_the_refresh_token(api, user):
    tokens = login(api, user.email).json()
    client = bearer(tokens["access"])

    response = client.post(LOGOUT, {"refresh": tokens["refresh"]})

    assert response.status_code == 204
    assert api.post(REFRESH, {"refresh": tokens["refresh"]}).status_code == 401
    again = client.post(LOGOUT, {"refresh": tokens["refresh"]})
    assert again.status_code == 400
    assert error_code(again) == "token_not_valid"


def test_logout_cannot_end_another_users_session(api, user):
    other = UserFactory()
    _, others_refresh = signed_in(other)
    client, _ = signed_in(user)

    response = client.post(LOGOUT, {"refresh": others_refresh})

    assert response.status_code == 403
    assert error_code(response) == "token_not_owned"
    assert api.post(REFRESH, {"refresh": others_refresh}).status_code == 200


def test_logout_needs_authentication(api, user):
    _, refresh = signed_in(user)

    assert api.post(LOGOUT, {"refresh": refresh}).status_code == 401


def test_account_locks_after_repeated_failures_even_for_the_right_password(api, user, settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_MAX_FAILURES_PER_IP = 100

    statuses = [login(api, user.email, password="wrong").status_code for _ in range(3)]
    locked = login(api, user.email)

    assert statuses == [401, 401, 423]
    assert locked.status_code == 423
    assert error_code(locked) == "account_locked"
    assert locked.json()["error"]["details"]["retry_after_seconds"] > 0
    # The lock is per account: another account from the same client still signs in.
    assert login(api, UserFactory().email).status_code == 200


def test_lock_counts_all_spellings_of_one_identifier(api, settings):
    settings.LOGIN_MAX_FAILURES = 2
    UserFactory(email=None, mobile="13800138000")

    login(api, "13800138000", password="wrong")
    login(api, "+8613800138000", password="wrong")

    assert login(api, "138 0013 8000").status_code == 423


@pytest.mark.parametrize(
    ("stored", "variant"),
    [
        ("anna@example.com", "\u00e1nna@example.com"),  # accented: the collation folds it
        ("anna@example.com", "\uff41nna@example.com"),  # full-width "a"
        ("13800138000", "13\uff180013\uff18000"),  # full-width digits
    ],
)
def test_lock_holds_for_every_spelling_the_database_folds_onto_the_account(
    api, settings, stored, variant
):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_MAX_FAILURES_PER_IP = 100
    if "@" in stored:
        UserFactory(email=stored)
    else:
        UserFactory(email=None, mobile=stored)

    login(api, stored, password="wrong")
    assert login(api, stored, password="wrong").status_code == 423

    locked = login(api, variant)
    assert locked.status_code == 423, locked.json()
    assert error_code(locked) == "account_locked"


def test_lock_expires(api, user, settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_LOCKOUT_SECONDS = 1

    login(api, user.email, password="wrong")
    login(api, user.email, password="wrong")
    assert login(api, user.email).status_code == 423
    time.sleep(1.5)

    assert login(api, user.email).status_code == 200


def test_success_resets_the_failure_count(api, user, settings):
    settings.LOGIN_MAX_FAILURES = 3

    for _ in range(2):
        login(api, user.email, password="wrong")
    assert login(api, user.email).status_code == 200
    for _ in range(2):
        assert login(api, user.email, password="wrong").status_code == 401

    assert login(api, user.email).status_code == 200


def test_failures_from_one_ip_across_accounts_lock_that_ip(api, settings):
    settings.LOGIN_MAX_FAILURES = 100
    settings.LOGIN_MAX_FAILURES_PER_IP = 4
    victims = UserFactory.create_batch(4)

    for victim in victims:
        login(api, victim.email, password="wrong", ip="10.9.9.9")
    blocked = login(api, victims[0].email, ip="10.9.9.9")

    assert blocked.status_code == 429
    assert error_code(blocked) == "too_many_login_failures"
    assert login(api, victims[0].email, ip="10.1.1.1").status_code == 200


def test_forwarded_for_header_does_not_dodge_the_ip_lock(api, settings):
    settings.LOGIN_MAX_FAILURES = 100
    settings.LOGIN_MAX_FAILURES_PER_IP = 2
    user = UserFactory()

    for n in range(2):
        api.post(
            LOGIN,
            {"identifier": f"x{n}@example.com", "password": "wrong"},
            REMOTE_ADDR="10.7.7.7",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}",
        )

    response = api.post(
        LOGIN,
        {"identifier": user.email, "password": PASSWORD},
        REMOTE_ADDR="10.7.7.7",
        HTTP_X_FORWARDED_FOR="5.6.7.8",
    )
    assert response.status_code == 429


def test_login_has_its_own_throttle_scope(api, user, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "2/min"})

    statuses = [login(api, user.email).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
