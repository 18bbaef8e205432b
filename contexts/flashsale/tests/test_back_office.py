"""Staff and merchant API and the Django admin: who may do what, through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from contexts.flashsale.models import FlashItem, FlashSession
from tests.support import client_for, error_code, make_user, ok, open_shop

pytestmark = pytest.mark.django_db


def _session_body(starts_in: int = 3600) -> dict:
    now = timezone.now()
    return {
        "name": "Evening",
        "starts_at": (now + timedelta(seconds=starts_in)).isoformat(),
        "ends_at": (now + timedelta(seconds=starts_in + 3600)).isoformat(),
    }


def test_staff_prepare_and_schedule_a_session_merchants_add_their_own_items(
    engine, admin_api, shop
):
    session = ok(admin_api.post("/api/v1/admin/flash-sessions", _session_body(), format="json"))
    assert session["status"] == "draft"
    merchant = client_for(shop["owner"])
    assert error_code(
        merchant.post("/api/v1/admin/flash-sessions", _session_body(), format="json")
    ) == ("permission_denied")

    items_url = f"/api/v1/admin/flash-sessions/{session['id']}/items"
    body = {"sku_id": shop["sku_id"], "flash_price": "9.90", "flash_stock": 5, "per_user_limit": 1}
    not_lower = merchant.post(items_url, {**body, "flash_price": "99.00"}, format="json")
    assert (not_lower.status_code, error_code(not_lower)) == (422, "flash_price_not_lower")
    item = ok(merchant.post(items_url, body, format="json"))
    assert (item["merchant_id"], item["status"]) == (shop["merchant_id"], "draft")
    again = merchant.post(items_url, body, format="json")
    assert (again.status_code, error_code(again)) == (409, "item_exists")

    other_shop = open_shop(admin_api, units=1000, freight="6.00")
    foreign = merchant.post(items_url, {**body, "sku_id": other_shop["sku_id"]}, format="json")
    assert (foreign.status_code, error_code(foreign)) == (403, "not_your_merchant")
    unknown = merchant.post(items_url, {**body, "nope": 1}, format="json")
    assert unknown.status_code == 400

    scheduled = ok(admin_api.post(f"/api/v1/admin/flash-sessions/{session['id']}/schedule"))
    assert scheduled["status"] == "scheduled"
    assert [i["status"] for i in scheduled["items"]] == ["scheduled"]
    changed = admin_api.patch(
        f"/api/v1/admin/flash-sessions/{session['id']}", {"name": "Late"}, format="json"
    )
    assert (changed.status_code, error_code(changed)) == (409, "session_not_draft")
    # The other shop's staff see the session but not this shop's item.
    other_owner = client_for(other_shop["owner"])
    seen = ok(other_owner.get(f"/api/v1/admin/flash-sessions/{session['id']}"))
    assert seen["items"] == []
    cancelled = ok(admin_api.post(f"/api/v1/admin/flash-sessions/{session['id']}/cancel"))
    assert cancelled["status"] == "cancelled"


def test_an_empty_session_cannot_be_scheduled_and_buyers_see_no_back_office(
    engine, admin_api, buyer_api
):
    session = ok(admin_api.post("/api/v1/admin/flash-sessions", _session_body(), format="json"))
    empty = admin_api.post(f"/api/v1/admin/flash-sessions/{session['id']}/schedule")
    assert (empty.status_code, error_code(empty)) == (422, "session_empty")
    assert buyer_api.get("/api/v1/admin/flash-sessions").status_code == 403
    backwards = {**_session_body(), "ends_at": timezone.now().isoformat()}
    assert (
        admin_api.post("/api/v1/admin/flash-sessions", backwards, format="json").status_code == 400
    )


def test_session_list_is_paginated_in_a_fixed_number_of_queries(
    engine, admin_api, django_assert_max_num_queries
):
    for _ in range(5):
        ok(admin_api.post("/api/v1/admin/flash-sessions", _session_body(), format="json"))
    with django_assert_max_num_queries(6):
        body = ok(admin_api.get("/api/v1/admin/flash-sessions?status=draft&page_size=3"))
    assert body["count"] == 5 and len(body["results"]) == 3


@pytest.fixture
def superuser_client(client, db):
    user = get_user_model().objects.create_superuser(
        email=f"root-{make_user().pk}@example.com", password="Str0ng-Passw0rd!"
    )
    client.force_login(user)
    return client


def test_admin_pages_and_a_refused_action_shows_no_success(engine, shop, superuser_client):
    now = timezone.now()
    session = FlashSession.objects.create(
        name="Empty", starts_at=now + timedelta(hours=1), ends_at=now + timedelta(hours=2)
    )
    for url in (
        "/admin/flashsale/flashsession/",
        f"/admin/flashsale/flashsession/{session.pk}/change/",
        "/admin/flashsale/flashitem/",
        "/admin/flashsale/flashpurchase/",
    ):
        assert superuser_client.get(url).status_code == 200, url

    response = superuser_client.post(
        "/admin/flashsale/flashsession/",
        {"action": "schedule", "_selected_action": [session.pk]},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("no items" in m for m in messages), messages
    assert not any("scheduled." in m for m in messages), messages
    assert FlashSession.objects.get(pk=session.pk).status == "draft"
    assert not FlashItem.objects.exists()
