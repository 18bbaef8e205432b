"""Password change (ends other sessions) and reset by one-time code (no account enumeration)."""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from contexts.identity.adapters.mail import DjangoMailNotifier
from contexts.identity.models import PasswordResetCode
from contexts.identity.tests.factories import PASSWORD, UserFactory
from contexts.identity.tests.support import signed_in
from shared.events.models import OutboxEvent
from shared.ports import adapter, use_adapter
from tests.support import error_code

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "An0ther-Str0ng-One"
CHANGE = "/api/v1/auth/password/change"
RESET = "/api/v1/auth/password/reset"
CONFIRM = "/api/v1/auth/password/reset/confirm"
REFRESH = "/api/v1/auth/refresh"
LOGIN = "/api/v1/auth/login"


def login(api, identifier, password=PASSWORD):
    return api.post(LOGIN, {"identifier": identifier, "password": password})


def reset_requests():
    """What the in-memory notifier (conftest) was asked to send."""
    return list(adapter("IDENTITY_NOTIFIER").sent)


def last_code() -> str:
    return reset_requests()[-1].context["code"]


# --- Change ---------------------------------------------------------------------------------


def test_change_password_revokes_every_other_session_and_returns_fresh_tokens(api, user):
    this_client, this_refresh = signed_in(user)
    _, other_refresh = signed_in(user)
    _, third_refresh = signed_in(user)

    response = this_client.post(
        CHANGE,
        {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "refresh": this_refresh},
    )

    assert response.status_code == 200, response.json()
    fresh = response.json()
    for revoked in (other_refresh, third_refresh, this_refresh):
        assert api.post(REFRESH, {"refresh": revoked}).status_code == 401
    assert api.post(REFRESH, {"refresh": fresh["refresh"]}).status_code == 200
    assert login(api, user.email).status_code == 401
    assert login(api, user.email, NEW_PASSWORD).status_code == 200


def test_change_password_needs_the_current_password(user):
    client, refresh = signed_in(user)

    response = client.post(
        CHANGE, {"old_password": "wrong", "new_password": NEW_PASSWORD, "refresh": refresh}
    )

    assert response.status_code == 400
    assert error_code(response) == "wrong_password"
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert client.post(REFRESH, {"refresh": refresh}).status_code == 200


def test_change_password_validates_the_new_password(user):
    client, refresh = signed_in(user)

    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password": "123", "refresh": refresh}
    )

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert "new_password" in response.json()["error"]["details"]["fields"]


def test_change_password_refuses_someone_elses_refresh_token(user):
    client, _ = signed_in(user)
    _, others = signed_in(UserFactory())

    response = client.post(
        CHANGE, {"old_password": PASSWORD, "new_password": NEW_PASSWORD, "refresh": others}
    )

    assert response.status_code == 403
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_change_password_needs_authentication(api):
    response = api.post(CHANGE, {"old_password": "a", "new_password": "b", "refresh": "c"})

    assert response.status_code == 401


# --- Reset ----------------------------------------------------------------------------------


def test_reset_request_issues_a_hashed_code_and_asks_for_an_email(api, user):
    response = api.post(RESET, {"identifier": user.email.upper()})

    assert response.status_code == 202
    [sent] = reset_requests()
    assert sent.channel == "email"
    assert sent.to == user.email
    assert sent.template == "password_reset_code"
    code = sent.context["code"]
    assert len(code) == 6 and code.isdigit()
    stored = PasswordResetCode.objects.get(user=user)
    assert code not in stored.code_hash
    assert stored.used_at is None and stored.attempts == 0


def test_reset_request_by_mobile_uses_sms(api):
    user = UserFactory(email=None, mobile="13800138000")

    api.post(RESET, {"identifier": "+86 13800138000"})

    [sent] = reset_requests()
    assert sent.channel == "sms"
    assert sent.to == user.mobile == "13800138000"


def test_reset_request_does_not_reveal_whether_the_account_exists(api, user):
    known = api.post(RESET, {"identifier": user.email})
    unknown = api.post(RESET, {"identifier": "nobody@example.com"})
    unknown_mobile = api.post(RESET, {"identifier": "13912345678"})

    assert known.status_code == unknown.status_code == unknown_mobile.status_code == 202
    assert known.json() == unknown.json() == unknown_mobile.json()
    assert len(reset_requests()) == 1


def test_reset_request_rejects_what_is_neither_email_nor_mobile(api):
    response = api.post(RESET, {"identifier": "hello"})

    assert response.status_code == 400
    assert "identifier" in response.json()["error"]["details"]["fields"]


def test_reset_confirm_sets_the_password_once_and_signs_out_everywhere(api, user):
    _, old_refresh = signed_in(user)
    api.post(RESET, {"identifier": user.email})
    code = last_code()

    response = api.post(
        CONFIRM, {"identifier": user.email, "code": code, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 204, response.json()
    assert login(api, user.email, NEW_PASSWORD).status_code == 200
    assert api.post(REFRESH, {"refresh": old_refresh}).status_code == 401
    reused = api.post(
        CONFIRM, {"identifier": user.email, "code": code, "new_password": "Yet-An0ther-One"}
    )
    assert reused.status_code == 400
    assert error_code(reused) == "invalid_reset_code"
    assert login(api, user.email, NEW_PASSWORD).status_code == 200


def test_reset_code_stops_working_after_the_attempt_limit(api, user, settings):
    settings.PASSWORD_RESET_MAX_ATTEMPTS = 3
    api.post(RESET, {"identifier": user.email})
    code = last_code()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    for _ in range(3):
        response = api.post(
            CONFIRM, {"identifier": user.email, "code": wrong, "new_password": NEW_PASSWORD}
        )
        assert error_code(response) == "invalid_reset_code"
    right = api.post(
        CONFIRM, {"identifier": user.email, "code": code, "new_password": NEW_PASSWORD}
    )

    assert right.status_code == 400
    assert error_code(right) == "invalid_reset_code"
    assert PasswordResetCode.objects.get(user=user).attempts == 3
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_expired_reset_code_is_rejected(api, user):
    api.post(RESET, {"identifier": user.email})
    PasswordResetCode.objects.filter(user=user).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    response = api.post(
        CONFIRM, {"identifier": user.email, "code": last_code(), "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_reset_code"


def test_reset_code_ttl_comes_from_settings(api, user, settings):
    settings.PASSWORD_RESET_CODE_TTL_SECONDS = 120
    before = timezone.now()

    api.post(RESET, {"identifier": user.email})

    expires_at = PasswordResetCode.objects.get(user=user).expires_at
    assert before + timedelta(seconds=119) < expires_at <= timezone.now() + timedelta(seconds=120)


def test_confirm_for_an_unknown_account_fails_like_a_wrong_code(api):
    response = api.post(
        CONFIRM,
        {"identifier": "nobody@example.com", "code": "123456", "new_password": NEW_PASSWORD},
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_reset_code"


def test_a_new_code_replaces_the_previous_one(api, user, settings):
    settings.PASSWORD_RESET_RESEND_SECONDS = 0
    api.post(RESET, {"identifier": user.email})
    first = last_code()
    api.post(RESET, {"identifier": user.email})
    second = last_code()

    if first != second:  # one chance in a million that both codes are equal
        stale = api.post(
            CONFIRM, {"identifier": user.email, "code": first, "new_password": NEW_PASSWORD}
        )
        assert error_code(stale) == "invalid_reset_code"
    fresh = api.post(
        CONFIRM, {"identifier": user.email, "code": second, "new_password": NEW_PASSWORD}
    )
    assert fresh.status_code == 204


def test_codes_are_not_resent_within_the_cooldown(api, user, settings):
    settings.PASSWORD_RESET_RESEND_SECONDS = 60

    first = api.post(RESET, {"identifier": user.email})
    second = api.post(RESET, {"identifier": user.email})

    assert first.json() == second.json()
    assert len(reset_requests()) == 1
    assert PasswordResetCode.objects.filter(user=user).count() == 1


def test_weak_new_password_keeps_the_code_usable(api, user):
    api.post(RESET, {"identifier": user.email})
    code = last_code()

    weak = api.post(CONFIRM, {"identifier": user.email, "code": code, "new_password": "123"})

    assert weak.status_code == 400
    assert error_code(weak) == "validation_error"
    assert PasswordResetCode.objects.get(user=user).attempts == 0
    ok = api.post(CONFIRM, {"identifier": user.email, "code": code, "new_password": NEW_PASSWORD})
    assert ok.status_code == 204


def test_reset_lifts_the_sign_in_lock(api, user, settings):
    settings.LOGIN_MAX_FAILURES = 2
    login(api, user.email, "wrong")
    login(api, user.email, "wrong")
    assert login(api, user.email).status_code == 423
    api.post(RESET, {"identifier": user.email})

    api.post(CONFIRM, {"identifier": user.email, "code": last_code(), "new_password": NEW_PASSWORD})

    assert login(api, user.email, NEW_PASSWORD).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_reset_code_arrives_by_email_through_the_mail_adapter_and_in_no_event_or_log(api, caplog):
    """End to end with the real adapter: the committed code is emailed, and neither the outbox
    nor any log line holds it."""
    user = UserFactory(email="reset.me@example.com")
    mail.outbox.clear()

    with (
        use_adapter("IDENTITY_NOTIFIER", DjangoMailNotifier()),
        caplog.at_level(logging.DEBUG),
    ):
        api.post(RESET, {"identifier": user.email})

    [message] = mail.outbox
    assert message.to == ["reset.me@example.com"]
    code = re.search(r"code is (\d{6})", message.body).group(1)
    rows = list(OutboxEvent.objects.values_list("payload", flat=True))
    assert not any(code in json.dumps(payload) for payload in rows)
    assert not any(
        code in record.getMessage() or code in str(record.__dict__) for record in caplog.records
    )
    response = api.post(
        CONFIRM, {"identifier": user.email, "code": code, "new_password": NEW_PASSWORD}
    )
    assert response.status_code == 204


@pytest.mark.django_db(transaction=True)
def test_codes_per_account_are_capped_per_day_without_revealing_it(api, user, settings):
    settings.PASSWORD_RESET_RESEND_SECONDS = 0
    settings.PASSWORD_RESET_DAILY_CODES = 5
    mail.outbox.clear()
    answers = [api.post(RESET, {"identifier": user.email}) for _ in range(5)]
    sent = len(reset_requests())

    capped = api.post(RESET, {"identifier": user.email})
    unknown = api.post(RESET, {"identifier": "nobody@example.com"})

    assert sent == 5
    assert (capped.status_code, capped.json()) == (unknown.status_code, unknown.json())
    assert all((a.status_code, a.json()) == (capped.status_code, capped.json()) for a in answers)
    assert PasswordResetCode.objects.filter(user=user).count() == 5
    assert len(reset_requests()) == 5


def test_the_daily_cap_counts_only_the_last_24_hours(api, user, settings):
    settings.PASSWORD_RESET_RESEND_SECONDS = 0
    settings.PASSWORD_RESET_DAILY_CODES = 2
    for _ in range(2):
        api.post(RESET, {"identifier": user.email})
    PasswordResetCode.objects.filter(user=user).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )

    api.post(RESET, {"identifier": user.email})

    assert len(reset_requests()) == 3
    assert PasswordResetCode.objects.filter(user=user).count() == 3
