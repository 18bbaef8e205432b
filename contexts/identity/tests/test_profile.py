"""The buyer's own profile."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.support import error_code

pytestmark = pytest.mark.django_db
ME = "/api/v1/me"


def test_get_profile(user_api, user):
    response = user_api.get(ME)

    assert response.status_code == 200
    assert response.json() == {
        "id": user.pk,
        "email": user.email,
        "mobile": None,
        "nickname": "",
        "avatar_url": "",
        "gender": "unknown",
        "birthday": None,
        "date_joined": response.json()["date_joined"],
    }


def test_update_profile(user_api, user):
    response = user_api.patch(
        ME,
        {
            "nickname": "  Lily ",
            "avatar_url": "https://cdn.example.com/a.png",
            "gender": "female",
            "birthday": "1990-05-17",
        },
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["nickname"] == "Lily"
    assert body["gender"] == "female"
    assert body["birthday"] == "1990-05-17"
    user.refresh_from_db()
    assert (user.nickname, user.birthday) == ("Lily", date(1990, 5, 17))


def test_identity_fields_are_read_only_here(user_api, user):
    original = user.email

    response = user_api.patch(ME, {"email": "hijack@example.com", "id": 999, "nickname": "x"})

    assert response.status_code == 400
    assert sorted(response.json()["error"]["details"]["fields"]) == ["email", "id"]
    user.refresh_from_db()
    assert user.email == original
    assert user.nickname != "x"  # nothing half-written


def test_birthday_cannot_be_in_the_future(user_api):
    tomorrow = (date.today() + timedelta(days=2)).isoformat()

    response = user_api.patch(ME, {"birthday": tomorrow})

    assert response.status_code == 400
    assert "birthday" in response.json()["error"]["details"]["fields"]


@pytest.mark.parametrize(
    "change", [{"gender": "robot"}, {"avatar_url": "not a url"}, {"nickname": "x" * 51}]
)
def test_invalid_profile_values_are_rejected(user_api, change):
    response = user_api.patch(ME, change)

    assert response.status_code == 400
    assert error_code(response) == "validation_error"


def test_profile_needs_authentication(api):
    assert api.get(ME).status_code == 401
    assert api.patch(ME, {"nickname": "x"}).status_code == 401
