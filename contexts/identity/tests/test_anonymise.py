"""Accounts are never hard-deleted in the admin: staff anonymise them (personal data erased,
login impossible, the id kept for the orders that refer to it)."""

from __future__ import annotations

import pytest

from contexts.identity import services
from contexts.identity.models import Address, User
from contexts.identity.tests.factories import PASSWORD, AddressFactory, UserFactory
from contexts.identity.tests.support import signed_in
from shared.audit.models import AuditRecord
from shared.audit.services import audit_record, snapshot
from shared.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_site(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_offers_no_delete_of_accounts(admin_site, user):
    assert admin_site.get(f"/admin/identity/user/{user.pk}/delete/").status_code == 403
    admin_site.post(
        "/admin/identity/user/",
        {"action": "delete_selected", "_selected_action": [user.pk], "post": "yes"},
    )
    assert User.objects.filter(pk=user.pk).exists()


def test_anonymise_erases_personal_data_keeps_the_id_and_blocks_login(api, user):
    user.nickname, user.mobile = "Li Lei", "13800138000"
    user.save()
    email = user.email
    AddressFactory(user=user, is_default=True)
    _, refresh = signed_in(user)

    services.user_anonymise(user_id=user.pk)

    user.refresh_from_db()
    assert (user.email, user.mobile, user.nickname) == (
        f"anonymised-{user.pk}@invalid.invalid",
        None,
        "",
    )
    assert not user.is_active and not user.has_usable_password()
    assert not Address.objects.filter(user_id=user.pk).exists()
    login = api.post("/api/v1/auth/login", {"identifier": email, "password": PASSWORD})
    assert login.status_code in (400, 401)
    refreshed = api.post("/api/v1/auth/refresh", {"refresh": refresh})
    assert refreshed.status_code == 401
    event = OutboxEvent.objects.get(event_type="identity.account.anonymised.v1")
    assert event.payload["user_id"] == user.pk
    assert email not in str(event.payload)


def test_anonymising_twice_publishes_once(user):
    services.user_anonymise(user_id=user.pk)
    services.user_anonymise(user_id=user.pk)
    assert OutboxEvent.objects.filter(event_type="identity.account.anonymised.v1").count() == 1


def test_the_anonymise_action_goes_through_the_service_and_is_audited(admin_site, user):
    email = user.email
    user.mobile = "13800138000"
    user.save()
    earlier = snapshot(user)  # an earlier admin write kept the account's fields
    audit_record(
        actor_user_id=None,
        actor="staff",
        model=User,
        object_id=user.pk,
        object_repr=email,
        action="change",
        before=earlier,
        after=earlier,
    )
    response = admin_site.post(
        "/admin/identity/user/", {"action": "anonymise", "_selected_action": [user.pk]}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.is_active
    record = AuditRecord.objects.get(action="anonymise")
    assert (record.object_id, record.before, record.after) == (str(user.pk), None, None)
    kept = list(AuditRecord.objects.values_list("object_repr", "before", "after"))
    assert "13800138000" not in str(kept) and email not in str(kept)


def test_a_password_set_in_the_admin_revokes_sessions_and_is_audited(admin_site, api, user):
    _, refresh = signed_in(user)
    response = admin_site.post(
        f"/admin/identity/user/{user.pk}/password/",
        {"password1": "N3w-Admin-Pass!", "password2": "N3w-Admin-Pass!", "usable_password": "true"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.check_password("N3w-Admin-Pass!")
    assert api.post("/api/v1/auth/refresh", {"refresh": refresh}).status_code == 401
    record = AuditRecord.objects.get(action="password_set")
    assert record.before["password"] == record.after["password"] == "[redacted]"
