"""Sign-up: email or mobile, unique identifiers, strong passwords, UserRegistered in the outbox."""

from __future__ import annotations

from unittest import mock

import pytest
from rest_framework.throttling import ScopedRateThrottle

from contexts.identity import services
from contexts.identity.models import User
from contexts.identity.tests.factories import PASSWORD, UserFactory
from shared.errors import ValidationFailed
from shared.events.models import OutboxEvent
from tests.support import error_code

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/register"


def registered_events():
    return list(OutboxEvent.objects.filter(event_type="identity.user.registered.v1"))


def test_register_with_email_creates_the_account_and_records_user_registered(api):
    response = api.post(URL, {"email": "New.Buyer@Example.com", "password": PASSWORD})

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["email"] == "new.buyer@example.com"
    assert body["mobile"] is None
    assert "password" not in body
    user = User.objects.get(pk=body["id"])
    assert user.check_password(PASSWORD)
    [event] = registered_events()
    assert event.aggregate_id == str(user.pk)
    assert event.payload == {"user_id": user.pk, "email": "new.buyer@example.com", "mobile": None}


def test_register_with_mobile_stores_the_canonical_number(api):
    response = api.post(URL, {"mobile": "+86 138-0013-8000", "password": PASSWORD})

    assert response.status_code == 201, response.json()
    assert response.json()["mobile"] == "13800138000"
    assert response.json()["email"] is None
    assert registered_events()[0].payload["mobile"] == "13800138000"


def test_register_accepts_a_foreign_e164_mobile(api):
    response = api.post(URL, {"mobile": "+14155552671", "password": PASSWORD})

    assert response.status_code == 201
    assert response.json()["mobile"] == "+14155552671"


def test_duplicate_email_is_a_conflict_whatever_the_case(api):
    UserFactory(email="taken@example.com")

    response = api.post(URL, {"email": "TAKEN@example.com", "password": PASSWORD})

    assert response.status_code == 409
    assert error_code(response) == "email_taken"
    assert registered_events() == []


def test_duplicate_mobile_is_a_conflict_whatever_the_spelling(api):
    UserFactory(email=None, mobile="13800138000")

    response = api.post(URL, {"mobile": "+8613800138000", "password": PASSWORD})

    assert response.status_code == 409
    assert error_code(response) == "mobile_taken"


@pytest.mark.parametrize("weak", ["short", "12345678901", "password123"])
def test_weak_password_is_a_validation_error_and_nothing_is_recorded(api, weak):
    response = api.post(URL, {"email": "weak@example.com", "password": weak})

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert response.json()["error"]["details"]["fields"]["password"]
    assert not User.objects.filter(email="weak@example.com").exists()
    assert registered_events() == []


def test_password_similar_to_the_email_is_rejected(api):
    response = api.post(URL, {"email": "marvellous@example.com", "password": "marvellous1"})

    assert response.status_code == 400
    assert "password" in response.json()["error"]["details"]["fields"]


def test_an_email_or_a_mobile_is_required(api):
    response = api.post(URL, {"password": PASSWORD})

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert "non_field_errors" in response.json()["error"]["details"]["fields"]


@pytest.mark.parametrize("mobile", ["12345", "10012345678", "+0123456789", "abc"])
def test_malformed_mobile_is_rejected(api, mobile):
    response = api.post(URL, {"mobile": mobile, "password": PASSWORD})

    assert response.status_code == 400
    assert "mobile" in response.json()["error"]["details"]["fields"]


def test_malformed_email_is_rejected(api):
    response = api.post(URL, {"email": "not-an-email", "password": PASSWORD})

    assert response.status_code == 400
    assert "email" in response.json()["error"]["details"]["fields"]


def test_malformed_json_is_a_400_in_the_envelope(api):
    response = api.post(URL, data='{"email": "x@example.com",', content_type="application/json")

    assert response.status_code == 400
    assert error_code(response) == "malformed_request"


def test_user_and_event_roll_back_together():
    """The outbox row is written in the registration's transaction: a failure after publishing
    leaves neither the account nor the event."""
    real_publish = services.publish

    def publish_then_fail(event):
        real_publish(event)
        assert OutboxEvent.objects.count() == 1
        raise RuntimeError("crash after publishing")

    with mock.patch.object(services, "publish", publish_then_fail), pytest.raises(RuntimeError):
        services.user_register(email="atomic@example.com", password=PASSWORD)

    assert not User.objects.filter(email="atomic@example.com").exists()
    assert OutboxEvent.objects.count() == 0


def test_register_has_its_own_throttle_scope(api, monkeypatch):
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"register": "2/min"})

    codes = [
        api.post(URL, {"email": f"t{i}@example.com", "password": PASSWORD}).status_code
        for i in range(3)
    ]

    assert codes == [201, 201, 429]


def test_register_rejects_a_mobile_with_full_width_digits(api):
    response = api.post(URL, {"mobile": "13\uff180013\uff18000", "password": PASSWORD})

    assert response.status_code == 400, response.json()
    assert "mobile" in response.json()["error"]["details"]["fields"]
    assert not User.objects.exists()


@pytest.mark.parametrize("length", [255, 320])
def test_register_rejects_an_email_longer_than_the_column(api, length):
    domain = "@example.com"
    email = "a" * 60 + "." + "b" * (length - 61 - len(domain) - 1) + "c" + domain
    assert len(email) == length

    response = api.post(URL, {"email": email, "password": PASSWORD})

    assert response.status_code == 400, response.json()
    assert "email" in response.json()["error"]["details"]["fields"]


def test_user_create_rejects_an_email_longer_than_the_column(db):
    email = "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + "@example.com"
    assert len(email) > 254

    with pytest.raises(ValidationFailed):
        services.user_create(email=email, password=PASSWORD)
