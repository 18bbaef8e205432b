"""The admin: activities listed with their shop's name, created through the service (the same
rules as the API), and paused / resumed through the services, audited; a refused action shows
an error and no success banner."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from contexts.promotions.models import Activity
from contexts.promotions.tests.conftest import make_activity
from shared.audit.models import AuditRecord
from tests.support import make_user

pytestmark = pytest.mark.django_db

URL = "/admin/promotions/activity/"


@pytest.fixture
def admin_client(catalog):
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_list_shows_shop_names_and_searches(admin_client):
    make_activity(name="Tea week")
    make_activity(merchant_id=None, name="Platform days")
    listing = admin_client.get(URL, {"q": "Tea"})
    assert listing.status_code == 200
    assert b"Tea week" in listing.content and b"Shop 1 (#1)" in listing.content
    assert b"Platform days" not in listing.content
    activity = Activity.objects.get(name="Platform days")
    assert admin_client.get(f"{URL}{activity.pk}/change/").status_code == 200


def test_pause_and_resume_through_the_services_audited(admin_client):
    activity = make_activity()
    paused = admin_client.post(URL, {"action": "pause", "_selected_action": [activity.pk]})
    assert paused.status_code == 302
    activity.refresh_from_db()
    assert activity.status == "paused"
    admin_client.post(URL, {"action": "resume", "_selected_action": [activity.pk]})
    activity.refresh_from_db()
    assert activity.status == "active"
    assert list(
        AuditRecord.objects.filter(model="activity").order_by("pk").values_list("action", flat=True)
    ) == ["pause", "resume"]


def test_a_refused_action_is_an_error_without_a_banner(admin_client):
    activity = make_activity()  # active: cannot be resumed
    response = admin_client.post(
        URL, {"action": "resume", "_selected_action": [activity.pk]}, follow=True
    )
    texts = messages_of(response)
    assert any("cannot be resumed" in text for text in texts)
    assert not any("resumed." in text and "cannot" not in text for text in texts)
    assert not AuditRecord.objects.filter(model="activity").exists()


def test_create_goes_through_the_service(admin_client):
    now = timezone.now()
    form = {
        "merchant_id": "1",
        "name": "Admin made",
        "description": "",
        "rule_kind": "item_percent",
        "rule_params": json.dumps({"percent_off": "150"}),
        "scope_kind": "all",
        "scope_ids": "[]",
        "priority": "0",
        "starts_at_0": (now + timedelta(hours=1)).strftime("%Y-%m-%d"),
        "starts_at_1": (now + timedelta(hours=1)).strftime("%H:%M:%S"),
        "ends_at_0": (now + timedelta(days=3)).strftime("%Y-%m-%d"),
        "ends_at_1": "12:00:00",
    }
    refused = admin_client.post(f"{URL}add/", form)
    assert refused.status_code == 200 and not Activity.objects.exists()
    made = admin_client.post(
        f"{URL}add/", {**form, "rule_params": json.dumps({"percent_off": "15"})}
    )
    assert made.status_code == 302, made.content[:2000]
    activity = Activity.objects.get()
    assert activity.rule_params == {"percent_off": "15.00"} and activity.status == "draft"
    assert AuditRecord.objects.filter(model="activity", action="add").count() == 1
