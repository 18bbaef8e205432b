"""The buyer's points endpoints and the staff endpoints (adjust, level rules)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.loyalty import services
from contexts.loyalty.models import LevelRule, PointsEntry
from contexts.loyalty.tests.conftest import assert_books_balance
from shared.audit.models import AuditRecord
from tests.support import bearer_client, make_user

pytestmark = pytest.mark.django_db


def earn(user_id: int, n: int, amount: str) -> None:
    services.order_completed_earn(
        user_id=user_id, order_no=f"O{user_id}-{n}", trade_no="T", pay_amount=Decimal(amount)
    )


def test_my_points_show_balance_level_and_progress(buyer):
    earn(buyer.pk, 1, "1200.00")
    body = bearer_client(buyer).get("/api/v1/me/points").json()
    assert body["balance"] == 1200 and body["held"] == 0
    assert body["level"]["code"] == "silver"
    assert body["next_level"]["code"] == "gold"
    assert body["growth"] == "1200.00" and body["growth_to_next_level"] == "3800.00"
    assert body["expiring_soon"] == 0


def test_my_points_without_an_account(buyer):
    body = bearer_client(buyer).get("/api/v1/me/points").json()
    assert (body["balance"], body["level"]["code"]) == (0, "regular")


def test_my_entries_are_mine_only_paginated_and_bounded_in_queries(
    buyer, django_assert_max_num_queries
):
    other = make_user()
    for n in range(5):
        earn(buyer.pk, n, "10")
    earn(other.pk, 1, "10")
    client = bearer_client(buyer)
    with django_assert_max_num_queries(6):
        page = client.get("/api/v1/me/points/entries?page_size=3").json()
    assert page["count"] == 5 and len(page["results"]) == 3
    assert {e["kind"] for e in page["results"]} == {"earn"}
    assert client.get("/api/v1/me/points/entries?kind=expire").json()["count"] == 0
    assert client.get("/api/v1/me/points/entries?kind=bogus").status_code == 400


def test_anonymous_is_401(api_client):
    assert api_client.get("/api/v1/me/points").status_code == 401


def test_staff_adjusts_with_a_reason_and_is_audited(buyer, staff):
    client = bearer_client(staff)
    response = client.post(
        "/api/v1/admin/points/adjustments",
        {"user_id": buyer.pk, "delta": 250, "reason": "apology"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["staff_user_id"] == staff.pk
    refused = client.post(
        "/api/v1/admin/points/adjustments",
        {"user_id": buyer.pk, "delta": -251, "reason": "too much"},
        format="json",
    )
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "points_insufficient"
    assert (
        client.post(
            "/api/v1/admin/points/adjustments",
            {"user_id": buyer.pk, "delta": 1, "reason": "x", "extra": 1},
            format="json",
        ).status_code
        == 400
    )
    missing = client.post(
        "/api/v1/admin/points/adjustments",
        {"user_id": 999999, "delta": 1, "reason": "x"},
        format="json",
    )
    assert missing.status_code == 404
    assert assert_books_balance(buyer.pk).balance == 250
    assert AuditRecord.objects.filter(action="points_adjust").count() == 1
    assert PointsEntry.objects.get().reason == "apology"


def test_buyers_cannot_adjust_or_manage_levels(buyer):
    client = bearer_client(buyer)
    response = client.post(
        "/api/v1/admin/points/adjustments",
        {"user_id": buyer.pk, "delta": 1000, "reason": "me"},
        format="json",
    )
    assert response.status_code == 403
    assert client.get("/api/v1/admin/loyalty-levels").status_code == 403


def test_staff_manage_levels(staff):
    client = bearer_client(staff)
    assert client.get("/api/v1/admin/loyalty-levels").json()["count"] == 4
    created = client.post(
        "/api/v1/admin/loyalty-levels",
        {"code": "diamond", "name": "Diamond", "min_growth": "50000.00", "multiplier": "3.00"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    level_id = created.json()["id"]
    clash = client.post(
        "/api/v1/admin/loyalty-levels",
        {"code": "diamond2", "name": "D", "min_growth": "50000.00"},
        format="json",
    )
    assert clash.status_code == 409
    changed = client.patch(
        f"/api/v1/admin/loyalty-levels/{level_id}", {"free_shipping": True}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["free_shipping"] is True
    assert (
        client.patch(
            f"/api/v1/admin/loyalty-levels/{level_id}", {"code": "x"}, format="json"
        ).status_code
        == 400
    )
    assert client.delete(f"/api/v1/admin/loyalty-levels/{level_id}").status_code == 204
    assert client.get(f"/api/v1/admin/loyalty-levels/{level_id}").status_code == 404
    assert LevelRule.objects.count() == 4


def test_a_level_members_hold_cannot_be_deleted(staff, buyer):
    earn(buyer.pk, 1, "10")
    regular = LevelRule.objects.get(code="regular")
    response = bearer_client(staff).delete(f"/api/v1/admin/loyalty-levels/{regular.pk}")
    assert response.status_code == 409 and response.json()["error"]["code"] == "level_in_use"
