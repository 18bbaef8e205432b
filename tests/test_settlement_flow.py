"""Settlement with every context real: an order placed with a platform coupon, paid through the
sandbox, shipped, delivered and confirmed becomes a settlement line (paid + the coupon the
platform funds - commission, by a category rule); the statement is issued after the
after-sales window, approved and paid out through payments' sandbox transfer; a refund after
that is an adjustment line on the next statement."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.coupons import services as coupon_services
from contexts.coupons.tests.support import buyer, make_template
from contexts.ordering import services as ordering_services
from contexts.ordering.tests.support import place
from contexts.settlement import services
from contexts.settlement.models import CommissionRule, SettlementLine
from shared.auth import SYSTEM
from tests.support import client_for, created, make_user, open_shop, real_address, sandbox_payments

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.fixture
def world(settings, tmp_path):
    sandbox_payments(settings, tmp_path)
    settings.SETTLEMENT_AFTER_SALES_WINDOW_DAYS = 7
    staff = make_user(is_staff=True)
    admin = client_for(staff)
    shop = open_shop(admin, name="S", owner_id=make_user().pk, prices=["60.00"], units=10)
    user = make_user()
    return {"admin": admin, "staff": staff, "shop": shop, "user": user}


def test_an_order_is_settled_paid_out_and_a_later_refund_adjusts_the_next_statement(world):
    admin, staff, shop, user = world["admin"], world["staff"], world["shop"], world["user"]
    merchant_id = shop["merchant_id"]
    buyer_api = client_for(user)
    template = make_template(total_quantity=10)  # a platform coupon: 10 off over 100
    coupon_services.coupon_claim(principal=buyer(user.pk), template_id=template.pk)
    profile = admin.put(
        f"/api/v1/admin/settlement/merchants/{merchant_id}/profile",
        {"cycle": "daily", "payee_provider": "sandbox", "payee_account": "shop-s@sandbox"},
        format="json",
    )
    assert profile.status_code == 200, profile.content
    category_id = catalog_api.get_skus(sku_ids=shop["sku_ids"])[shop["sku_ids"][0]].category_id
    CommissionRule.objects.create(category_id=category_id, rate=D("0.1000"))

    body = {
        "address_id": real_address(buyer_api),
        "items": [{"sku_id": shop["sku_ids"][0], "quantity": 2}],
    }
    placed = created(place(buyer_api, body))
    assert placed["pay_amount"] == "110.00"  # 120.00 - the 10.00 coupon, free freight
    payment = created(
        buyer_api.post(
            f"/api/v1/trades/{placed['trade_no']}/payments",
            {"provider": "sandbox", "channel": "page"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
    )
    assert buyer_api.post(payment["client"]["data"]["url"]).status_code == 202
    order_no = placed["orders"][0]["order_no"]
    ordering_services.order_ship(
        principal=SYSTEM,
        order_no=order_no,
        actor_id=staff.pk,
        carrier_code="SF",
        tracking_number="1",
    )
    ordering_services.order_deliver(principal=SYSTEM, order_no=order_no, actor_id=staff.pk)
    assert buyer_api.post(f"/api/v1/orders/{order_no}/confirm").json()["status"] == "completed"

    line = SettlementLine.objects.get(order_no=order_no)
    assert (line.paid_amount, line.platform_funded) == (D("110.00"), D("10.00"))
    assert line.commission == D("12.00")  # 10 % of (110.00 + the platform's 10.00)
    assert line.net_amount == D("108.00")

    # Inside the after-sales window nothing is due; after it, the statement takes the line.
    today = timezone.localdate()
    assert services.statements_issue_due(today=today) == []
    ran = admin.post(
        "/api/v1/admin/settlement/statements/run",
        {"today": str(today + timedelta(days=8))},
        format="json",
    ).json()
    assert [(s["line_count"], s["net_total"], s["commission_total"]) for s in ran] == [
        (1, "108.00", "12.00")
    ]
    number = ran[0]["statement_no"]
    assert admin.post(f"/api/v1/admin/settlement/statements/{number}/approve").status_code == 200
    paid = admin.post(f"/api/v1/admin/settlement/statements/{number}/payout")
    assert (paid.status_code, paid.json()["state"], paid.json()["amount"]) == (
        201,
        "paid",
        "108.00",
    )

    refund = admin.post(
        f"/api/v1/admin/payments/{payment['payment_no']}/refunds",
        {"amount": "55.00", "reason": "returned one"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
    )
    assert refund.status_code == 201, refund.content
    adjustment = SettlementLine.objects.get(kind="adjustment")
    assert (adjustment.refunded, adjustment.commission_returned) == (D("55.00"), D("6.00"))
    assert adjustment.net_amount == D("-49.00")
    [following] = services.statements_issue_due(today=today + timedelta(days=9))
    assert list(following.lines.all()) == [adjustment]
    assert services.statements_reconcile(all_statements=True) == 0  # agrees with payments
