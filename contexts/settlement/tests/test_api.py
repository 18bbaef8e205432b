"""Settlement's REST endpoints: merchants see their own statements, lines, payouts and
exports (CSV, XLSX); staff run, approve and pay out; query counts bounded."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from contexts.settlement import services
from contexts.settlement.models import CommissionRule, MerchantProfile, Statement
from contexts.settlement.tests.support import approved_statement
from shared.auth import SYSTEM

pytestmark = pytest.mark.django_db
D = Decimal
BASE = "/api/v1/admin/settlement"


def test_a_merchant_lists_its_own_statements_only(orders, merchant_api):
    mine = approved_statement(orders, merchant_id=1, approve=False)
    approved_statement(orders, merchant_id=2, approve=False)
    response = merchant_api.get(f"{BASE}/statements")
    assert response.status_code == 200
    assert [r["statement_no"] for r in response.json()["results"]] == [mine.statement_no]
    assert response.json()["results"][0]["net_total"] == "95.00"
    other = Statement.objects.get(merchant_id=2)
    assert merchant_api.get(f"{BASE}/statements/{other.statement_no}").status_code == 404
    assert merchant_api.get(f"{BASE}/statements/{other.statement_no}/csv").status_code == 404
    services.statement_approve(principal=SYSTEM, statement_no=other.statement_no)
    services.payout_start(principal=SYSTEM, statement_no=other.statement_no)
    assert merchant_api.get(f"{BASE}/payouts").json()["results"] == []  # shop 2's payout
    assert merchant_api.get(f"{BASE}/open-lines?merchant_id=2").json()["results"] == []


def test_a_merchant_cannot_approve_or_pay_out(orders, merchant_api):
    statement = approved_statement(orders, approve=False)
    assert (
        merchant_api.post(f"{BASE}/statements/{statement.statement_no}/approve").status_code == 403
    )
    assert merchant_api.post(f"{BASE}/statements/run", {}, format="json").status_code == 403


def test_staff_run_approve_and_pay_out_through_the_api(orders, staff_api):
    statement = approved_statement(orders, approve=False)
    number = statement.statement_no
    ran = staff_api.post(f"{BASE}/statements/run", {"today": "2026-12-01"}, format="json")
    assert ran.status_code == 200 and ran.json() == []  # issued already, nothing more due
    early = staff_api.post(f"{BASE}/statements/{number}/payout")
    assert (early.status_code, early.json()["error"]["code"]) == (422, "statement_not_approved")
    assert staff_api.post(f"{BASE}/statements/{number}/approve").json()["state"] == "approved"
    again = staff_api.post(f"{BASE}/statements/{number}/approve")
    assert (again.status_code, again.json()["error"]["code"]) == (409, "illegal_transition")
    paid = staff_api.post(f"{BASE}/statements/{number}/payout")
    assert paid.status_code == 201
    assert (paid.json()["state"], paid.json()["amount"], paid.json()["payee"]) == (
        "paid",
        "95.00",
        "***shop",
    )
    payouts = staff_api.get(f"{BASE}/payouts").json()["results"]
    assert [p["statement_no"] for p in payouts] == [number]


def test_unknown_fields_are_refused(staff_api):
    response = staff_api.post(f"{BASE}/statements/run", {"tomorrow": "x"}, format="json")
    assert response.status_code == 400
    assert "tomorrow" in response.json()["error"]["details"]["fields"]


def test_commission_rules_through_the_api(staff_api):
    created = staff_api.post(
        f"{BASE}/commission-rules", {"category_id": 11, "rate": "0.0800"}, format="json"
    )
    assert created.status_code == 201 and created.json()["rate"] == "0.0800"
    clash = staff_api.post(
        f"{BASE}/commission-rules", {"category_id": 11, "rate": "0.0100"}, format="json"
    )
    assert (clash.status_code, clash.json()["error"]["code"]) == (409, "commission_rule_exists")
    unknown = staff_api.post(
        f"{BASE}/commission-rules", {"category_id": 999, "rate": "0.01"}, format="json"
    )
    assert unknown.status_code == 400
    too_high = staff_api.post(
        f"{BASE}/commission-rules", {"merchant_id": 1, "rate": "1.5"}, format="json"
    )
    assert too_high.status_code == 400
    assert CommissionRule.objects.count() == 1


def test_exports_hold_every_line_and_the_totals(orders, merchant_api):
    statement = approved_statement(orders, amounts=("100.00", "20.05"), approve=False)
    lines = list(statement.lines.order_by("id"))

    response = merchant_api.get(f"{BASE}/statements/{statement.statement_no}/csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:2] == ["kind", "order_no"] and rows[0][-1] == "net_amount"
    assert [r[1] for r in rows[1:3]] == [x.order_no for x in lines]
    assert rows[2][4:] == ["20.05", "0.00", "1.00", "0.00", "0.00", "19.05"]
    assert rows[3][0] == "total" and rows[3][-1] == str(statement.net_total) == "114.05"

    response = merchant_api.get(f"{BASE}/statements/{statement.statement_no}/xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][1] == "order_no" and len(values) == 4
    assert values[1][1] == lines[0].order_no
    assert D(str(values[1][-1])) == D("95.00")
    assert values[3][0] == "total" and D(str(values[3][-1])) == D("114.05")


def test_list_endpoints_keep_their_query_count(orders, staff_api, django_assert_max_num_queries):
    for merchant in (1, 2, 3):
        statement = approved_statement(orders, merchant_id=merchant)
        services.payout_start(
            principal=SYSTEM,
            statement_no=statement.statement_no,
        )
    with django_assert_max_num_queries(6):
        assert len(staff_api.get(f"{BASE}/statements").json()["results"]) == 3
    with django_assert_max_num_queries(6):
        assert len(staff_api.get(f"{BASE}/payouts").json()["results"]) == 3
    number = Statement.objects.first().statement_no
    with django_assert_max_num_queries(6):
        assert staff_api.get(f"{BASE}/statements/{number}/lines").json()["count"] == 1


def test_open_lines_show_what_waits_for_a_statement(orders, merchant_api):
    order = orders.add(lines=[(201, "10.00", "10.00")])
    services.line_for_completed_order(order_no=order.order_no, completed_at=timezone.now())
    other = orders.add(merchant_id=2, lines=[(201, "10.00", "10.00")])
    services.line_for_completed_order(
        order_no=other.order_no, completed_at=datetime(2026, 11, 1, tzinfo=UTC)
    )
    rows = merchant_api.get(f"{BASE}/open-lines").json()["results"]
    assert [r["order_no"] for r in rows] == [order.order_no]
    assert rows[0]["statement_no"] is None and rows[0]["net_amount"] == "9.50"


def test_open_lines_document_a_missing_statement_as_null(orders, merchant_api):
    # The fuzzer's schema check: an open line has no statement yet and says so with null.
    order = orders.add(lines=[(201, "10.00", "10.00")])
    services.line_for_completed_order(order_no=order.order_no, completed_at=timezone.now())
    assert merchant_api.get(f"{BASE}/open-lines").json()["results"][0]["statement_no"] is None
    schema = merchant_api.get("/api/schema/?format=json").json()
    statement_no = schema["components"]["schemas"]["LineOut"]["properties"]["statement_no"]
    assert statement_no == {"type": "string", "nullable": True}


@pytest.mark.parametrize(
    ("merchant_id", "body", "field"),
    [
        (1, {"payee_provider": "\u017f"}, "payee_provider"),  # isidentifier(), not a code
        (1, {"payee_provider": "sand box"}, "payee_provider"),
    ],
)
def test_a_bad_profile_is_a_validation_error_and_writes_nothing(
    staff_api, merchant_id, body, field
):
    payload = {"cycle": "daily", "payee_provider": "sandbox", "payee_account": "6222", **body}
    response = staff_api.put(f"{BASE}/merchants/{merchant_id}/profile", payload, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], list(error["details"]["fields"])) == ("validation_error", [field])
    assert not MerchantProfile.objects.exists()
