"""Staff endpoints and the Django admin."""

from __future__ import annotations

import pytest

from contexts.identity.models import Address, User
from contexts.identity.tests.factories import PASSWORD, AddressFactory, UserFactory
from contexts.identity.tests.support import signed_in
from shared.events.models import OutboxEvent
from tests.support import error_code

pytestmark = pytest.mark.django_db
USERS = "/api/v1/admin/users"


@pytest.fixture
def staff_api():
    return signed_in(UserFactory(is_staff=True))[0]


def test_staff_list_users_paginated_and_searchable(staff_api):
    UserFactory.create_batch(3)
    target = UserFactory(email="findme@example.com", nickname="Needle")

    page = staff_api.get(USERS, {"page_size": 2})
    found = staff_api.get(USERS, {"search": "findme"})

    assert page.status_code == 200
    assert page.json()["count"] == 5
    assert len(page.json()["results"]) == 2
    assert page.json()["next"]
    assert [u["id"] for u in found.json()["results"]] == [target.pk]
    assert found.json()["results"][0]["is_staff"] is False


def test_staff_get_one_user(staff_api, user):
    response = staff_api.get(f"{USERS}/{user.pk}")

    assert response.status_code == 200
    assert response.json()["email"] == user.email
    assert staff_api.get(f"{USERS}/987654").status_code == 404


def test_buyers_cannot_use_staff_endpoints(user_api, user):
    for url in (USERS, f"{USERS}/{user.pk}"):
        response = user_api.get(url)
        assert response.status_code == 403
        assert error_code(response) == "permission_denied"


def test_anonymous_cannot_use_staff_endpoints(api, user):
    assert api.get(USERS).status_code == 401
    assert api.get(f"{USERS}/{user.pk}").status_code == 401


@pytest.fixture
def admin_site(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    return client


def test_django_admin_pages_render(admin_site, user):
    AddressFactory(user=user, is_default=True)

    for url in (
        "/admin/identity/user/",
        f"/admin/identity/user/{user.pk}/change/",
        "/admin/identity/user/add/",
        "/admin/identity/address/",
    ):
        assert admin_site.get(url).status_code == 200, url


def test_django_admin_creates_accounts_through_the_service(admin_site):
    response = admin_site.post(
        "/admin/identity/user/add/",
        {
            "email": "Staff.Made@Example.com",
            "mobile": "+86 139 0000 0001",
            "password1": "Adm1n-Made-Pass",
            "password2": "Adm1n-Made-Pass",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(email="staff.made@example.com")
    assert user.mobile == "13900000001"
    assert OutboxEvent.objects.filter(
        event_type="identity.user.registered.v1", aggregate_id=str(user.pk)
    ).exists()


def test_django_admin_delete_keeps_a_default(admin_site, user):
    default = AddressFactory(user=user, is_default=True)
    other = AddressFactory(user=user)

    response = admin_site.post(f"/admin/identity/address/{default.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert list(Address.objects.filter(user=user, is_default=True)) == [other]


def test_django_admin_address_edits_follow_the_address_rules(admin_site, user):
    address = AddressFactory(user=user, is_default=True)
    url = f"/admin/identity/address/{address.pk}/change/"
    form = {
        "receiver_name": "Edited",
        "receiver_phone": "13800138000",
        "province_code": "110000",
        "city_code": "110100",
        "district_code": "110105",
        "detail": "Somewhere",
        "postal_code": "",
        "tag": "",
    }

    rejected = admin_site.post(url, {**form, "city_code": "310100"})
    accepted = admin_site.post(url, form)

    assert rejected.status_code == 200
    assert "The city must lie in the province." in rejected.content.decode()
    assert accepted.status_code == 302
    address.refresh_from_db()
    assert (address.receiver_name, address.is_default) == ("Edited", True)


def admin_login(client, username, password):
    return client.post("/admin/login/", {"username": username, "password": password})


def test_django_admin_login_works_with_the_right_password(client):
    staff = UserFactory(is_staff=True)

    response = admin_login(client, staff.email, PASSWORD)

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_django_admin_login_obeys_the_sign_in_lockout(client, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 1000
    staff = UserFactory(is_staff=True)

    for _ in range(settings.LOGIN_MAX_FAILURES):
        assert admin_login(client, staff.email, "wrong-password").status_code == 200

    response = admin_login(client, staff.email, PASSWORD)

    assert response.status_code == 200  # the form again, not a redirect into the admin
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still sent to the login page


def test_django_admin_and_api_login_share_one_failure_counter(client, api, settings):
    settings.LOGIN_MAX_FAILURES = 2
    settings.LOGIN_MAX_FAILURES_PER_IP = 1000
    staff = UserFactory(is_staff=True)

    admin_login(client, staff.email, "wrong-password")
    api.post("/api/v1/auth/login", {"identifier": staff.email, "password": "wrong-password"})

    response = api.post("/api/v1/auth/login", {"identifier": staff.email, "password": PASSWORD})
    assert response.status_code == 423
    assert error_code(response) == "account_locked"
