"""The buyer and staff endpoints and the Django admin."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.subscription.models import Membership, Plan
from tests.subscription.conftest import client_for, make_plan, make_user
from tests.subscription.support import relay

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def staff(db):
    return make_user(is_staff=True)


@pytest.fixture
def staff_api(staff):
    return client_for(staff)


def _code(response) -> str:
    return response.json()["error"]["code"]


def test_plans_are_listed_for_anyone_in_few_queries(
    client, monthly, yearly, django_assert_max_num_queries
):
    make_plan("old", is_active=False)
    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/subscription/plans").json()
    assert [p["code"] for p in body["results"]] == ["monthly", "yearly"]
    assert body["results"][0]["price"] == "30.00"
    assert body["results"][0]["member_discount_percent"] == "5.00"


def test_subscribe_answers_the_invoice_and_how_to_pay_it(
    buyer_api, monthly, django_capture_on_commit_callbacks
):
    assert _code(buyer_api.get("/api/v1/me/membership")) == "not_subscribed"
    response = buyer_api.post(
        "/api/v1/me/membership/subscribe", {"plan_id": monthly.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["membership"]["state"] == "pending"
    pay = body["invoice"]["pay"]
    assert pay["url"] == f"/api/v1/payables/subscription/{body['invoice']['invoice_no']}/payments"

    payment = buyer_api.post(pay["url"], pay["body"], format="json", HTTP_IDEMPOTENCY_KEY="k1")
    assert payment.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        buyer_api.post(payment.json()["client"]["data"]["url"])
    relay()

    me = buyer_api.get("/api/v1/me/membership").json()
    assert (me["state"], me["plan"]["code"]) == ("active", "monthly")
    invoices = buyer_api.get("/api/v1/me/membership/invoices").json()["results"]
    assert [(i["state"], i["pay"]) for i in invoices] == [("paid", None)]

    again = buyer_api.post(
        "/api/v1/me/membership/subscribe", {"plan_id": monthly.pk}, format="json"
    )
    assert (again.status_code, _code(again)) == (409, "already_subscribed")
    cancelled = buyer_api.post("/api/v1/me/membership/cancel", format="json")
    assert cancelled.json()["state"] == "cancelled_at_period_end"
    assert buyer_api.post("/api/v1/me/membership/resume", format="json").json()["state"] == "active"


def test_unknown_fields_and_plans_are_refused(buyer_api, monthly):
    extra = buyer_api.post(
        "/api/v1/me/membership/subscribe", {"plan_id": monthly.pk, "price": "1"}, format="json"
    )
    assert (extra.status_code, _code(extra)) == (400, "validation_error")
    missing = buyer_api.post("/api/v1/me/membership/subscribe", {"plan_id": 999999}, format="json")
    assert missing.status_code == 404
    assert not Membership.objects.exists()


def test_auto_renew_signs_an_agreement_at_the_sandbox(
    buyer, buyer_api, trial_plan, django_capture_on_commit_callbacks
):
    buyer_api.post("/api/v1/me/membership/subscribe", {"plan_id": trial_plan.pk}, format="json")
    response = buyer_api.post(
        "/api/v1/me/membership/auto-renew", {"provider": "sandbox"}, format="json"
    )
    assert response.status_code == 201, response.json()
    agreement = response.json()
    with django_capture_on_commit_callbacks(execute=True):
        signed = buyer_api.post(agreement["sign_url"])
    assert signed.status_code == 202
    relay()
    assert buyer_api.get("/api/v1/me/membership").json()["auto_renew"] is True
    # Another buyer cannot sign it.
    other = client_for(make_user())
    assert other.post(agreement["sign_url"]).status_code == 404
    off = buyer_api.delete("/api/v1/me/membership/auto-renew")
    assert off.json()["auto_renew"] is False


def test_change_plan_answers_a_prorated_upgrade_invoice(buyer, buyer_api, monthly, yearly):
    from contexts.subscription import services
    from tests.subscription.conftest import buyer_of

    invoice = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk).invoice
    services.invoice_paid(invoice_no=invoice.invoice_no, payment_no="P1", amount=D("30.00"))
    response = buyer_api.post(
        "/api/v1/me/membership/change-plan", {"plan_id": yearly.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    upgrade = response.json()["invoice"]
    assert upgrade["kind"] == "upgrade"
    assert D("270.00") <= D(upgrade["amount"]) <= D("300.00")
    # Not paid yet: the plan is still the monthly one.
    same = buyer_api.post(
        "/api/v1/me/membership/change-plan", {"plan_id": monthly.pk}, format="json"
    )
    assert (same.status_code, _code(same)) == (409, "same_plan")


def test_staff_manage_plans_and_buyers_cannot(staff_api, buyer_api, monthly):
    body = {
        "code": "gold",
        "name": "Gold",
        "period": "quarterly",
        "price": "80.00",
        "free_shipping": True,
    }
    assert (
        buyer_api.post("/api/v1/admin/subscription/plans", body, format="json").status_code == 403
    )
    created = staff_api.post("/api/v1/admin/subscription/plans", body, format="json")
    assert created.status_code == 201, created.json()
    plan_id = created.json()["id"]
    taken = staff_api.post("/api/v1/admin/subscription/plans", body, format="json")
    assert _code(taken) == "plan_code_taken"
    patched = staff_api.patch(
        f"/api/v1/admin/subscription/plans/{plan_id}", {"price": "85.00"}, format="json"
    )
    assert patched.json()["price"] == "85.00"
    bad = staff_api.patch(
        f"/api/v1/admin/subscription/plans/{plan_id}",
        {"member_discount_percent": "95"},
        format="json",
    )
    assert bad.status_code == 400
    assert staff_api.delete(f"/api/v1/admin/subscription/plans/{plan_id}").status_code == 204
    assert not Plan.objects.filter(pk=plan_id).exists()


def test_a_plan_members_held_cannot_be_deleted(staff_api, buyer, monthly):
    from contexts.subscription import services
    from tests.subscription.conftest import buyer_of

    services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk)
    response = staff_api.delete(f"/api/v1/admin/subscription/plans/{monthly.pk}")
    assert (response.status_code, _code(response)) == (409, "plan_in_use")


def test_staff_find_members_by_email_with_their_names(
    staff_api, monthly, django_assert_max_num_queries
):
    from contexts.subscription import services
    from tests.subscription.conftest import buyer_of

    users = [make_user() for _ in range(3)]
    for user in users:
        services.subscribe(principal=buyer_of(user), plan_id=monthly.pk)
    with django_assert_max_num_queries(8):
        everyone = staff_api.get("/api/v1/admin/subscription/members").json()
    assert everyone["count"] == 3
    found = staff_api.get("/api/v1/admin/subscription/members", {"email": users[1].email}).json()[
        "results"
    ]
    assert [m["user_id"] for m in found] == [users[1].pk]
    assert found[0]["user_name"]


def test_the_admin_lists_searches_and_cancels_through_the_service(client, monthly):
    from contexts.subscription import services
    from tests.subscription.conftest import buyer_of

    superuser = make_user(is_staff=True)
    superuser.is_superuser = True
    superuser.save()
    client.force_login(superuser)
    member = make_user()
    membership = services.subscribe(principal=buyer_of(member), plan_id=monthly.pk).membership
    page = client.get("/admin/subscription/membership/", {"q": member.email})
    assert page.status_code == 200 and membership.member_no in page.content.decode()
    assert client.get("/admin/subscription/plan/").status_code == 200
    assert client.get(f"/admin/subscription/membership/{membership.pk}/change/").status_code == 200
    client.post(
        "/admin/subscription/membership/",
        {"action": "cancel_at_period_end", "_selected_action": [membership.pk]},
    )
    assert Membership.objects.get(pk=membership.pk).state == "expired"  # pending: ends now
