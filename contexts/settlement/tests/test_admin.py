"""The admin: rules through the services, statements approved and paid out by actions,
merchant names shown, no success banner when a rule refused."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.settlement.models import CommissionRule, Payout, Statement
from contexts.settlement.tests.support import approved_statement
from shared.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_commission_rules_are_saved_through_the_services(admin_client):
    ok = admin_client.post(
        "/admin/settlement/commissionrule/add/",
        {"merchant_id": "1", "category_id": "11", "rate": "0.0600", "note": "phones"},
    )
    assert ok.status_code == 302
    assert CommissionRule.objects.get().rate == Decimal("0.0600")
    refused = admin_client.post(
        "/admin/settlement/commissionrule/add/",
        {"merchant_id": "1", "category_id": "11", "rate": "0.0100", "note": ""},
    )
    assert refused.status_code == 200  # the form again, with the service's message
    assert "already exists" in refused.content.decode()
    assert CommissionRule.objects.count() == 1


def test_statements_list_with_merchant_names_and_actions(orders, admin_client):
    statement = approved_statement(orders, approve=False, account="acct-secret-9876")
    page = admin_client.get("/admin/settlement/statement/")
    assert "Shop 1 (#1)" in page.content.decode()
    # Paying out before approval is refused: an error, no success banner, nothing written.
    refused = admin_client.post(
        "/admin/settlement/statement/",
        {"action": "pay_out", "_selected_action": [statement.pk]},
        follow=True,
    )
    shown = messages_of(refused)
    assert any("approved statement" in m for m in shown)
    assert not any("payout(s) made" in m for m in shown)
    assert not Payout.objects.exists()
    approved = admin_client.post(
        "/admin/settlement/statement/",
        {"action": "approve", "_selected_action": [statement.pk]},
        follow=True,
    )
    assert any("1 statement(s) approved." in m for m in messages_of(approved))
    admin_client.post(
        "/admin/settlement/statement/",
        {"action": "pay_out", "_selected_action": [statement.pk]},
    )
    assert Statement.objects.get(pk=statement.pk).state == "paid"
    assert AuditRecord.objects.filter(action__in=["approve", "pay_out"]).count() == 2
    payout_page = admin_client.get(f"/admin/settlement/payout/{Payout.objects.get().pk}/change/")
    assert payout_page.status_code == 200
    assert "acct-secret-9876" not in payout_page.content.decode()  # the payee account is masked
