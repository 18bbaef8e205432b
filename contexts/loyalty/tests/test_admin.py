"""The Django admin pages of loyalty: accounts (adjust action with a form), entries, levels."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from contexts.loyalty import services
from contexts.loyalty.models import LevelRule, PointsAccount
from tests.support import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_():
    user = make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(user)
    return client


def test_account_pages_show_user_names_and_search_by_email(admin_client_, buyer):
    services.order_completed_earn(
        user_id=buyer.pk, order_no="O1", trade_no="T1", pay_amount=Decimal("100")
    )
    page = admin_client_.get("/admin/loyalty/pointsaccount/")
    assert page.status_code == 200 and buyer.email in page.content.decode()
    found = admin_client_.get("/admin/loyalty/pointsaccount/", {"q": buyer.email})
    assert buyer.email in found.content.decode()
    entries = admin_client_.get("/admin/loyalty/pointsentry/", {"q": buyer.email})
    assert entries.status_code == 200 and buyer.email in entries.content.decode()
    account = PointsAccount.objects.get()
    assert (
        admin_client_.get(f"/admin/loyalty/pointsaccount/{account.pk}/change/").status_code == 200
    )


def test_adjust_action_asks_for_a_reason_then_adjusts(admin_client_, buyer):
    services.order_completed_earn(
        user_id=buyer.pk, order_no="O1", trade_no="T1", pay_amount=Decimal("100")
    )
    account = PointsAccount.objects.get()
    url = "/admin/loyalty/pointsaccount/"
    form = admin_client_.post(url, {"action": "adjust_points", "_selected_action": [account.pk]})
    assert form.status_code == 200 and b"reason" in form.content
    done = admin_client_.post(
        url,
        {
            "action": "adjust_points",
            "_selected_action": [account.pk],
            "apply": "1",
            "delta": "-30",
            "reason": "typo",
        },
        follow=True,
    )
    assert "1 account(s) adjusted." in done.content.decode()
    refused = admin_client_.post(
        url,
        {
            "action": "adjust_points",
            "_selected_action": [account.pk],
            "apply": "1",
            "delta": "-1000",
            "reason": "too much",
        },
        follow=True,
    )
    assert "adjusted" not in refused.content.decode()
    account.refresh_from_db()
    assert account.balance == 70


def test_levels_are_edited_through_the_services(admin_client_):
    gold = LevelRule.objects.get(code="gold")
    response = admin_client_.post(
        f"/admin/loyalty/levelrule/{gold.pk}/change/",
        {
            "name": "Gold",
            "min_growth": "1000.00",  # the silver threshold: refused, nothing saved
            "multiplier": "1.50",
            "birthday_points": "300",
        },
    )
    assert response.status_code == 200
    gold.refresh_from_db()
    assert gold.min_growth == Decimal("5000.00")
