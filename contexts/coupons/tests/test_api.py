"""Coupons' REST endpoints: claiming (limits, risk, rate limits per user and IP), my coupons,
the claimable list, and templates for merchants and staff (who may issue what)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contexts.coupons.models import Coupon, CouponTemplate
from contexts.coupons.tests.support import make_template
from shared.errors import ValidationFailed
from shared.ports import use_adapter
from shared.rest.throttling import ScopedRateThrottle
from shared.risk import RefuseEverything
from tests.support import bearer_client, make_user

pytestmark = pytest.mark.django_db


def error(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]["code"]


def claim(client, template_id: int):
    return client.post(f"/api/v1/coupon-templates/{template_id}/claim")


def test_a_buyer_claims_up_to_the_limit(buyer_api, buyer_user):
    template = make_template(per_user_limit=2, total_quantity=10)
    first = claim(buyer_api, template.pk)
    assert first.status_code == 201
    body = first.json()
    assert body["status"] == "available"
    assert body["template"]["id"] == template.pk
    assert body["template"]["remaining"] == 9
    assert claim(buyer_api, template.pk).status_code == 201
    third = claim(buyer_api, template.pk)
    assert (third.status_code, error(third)) == (409, "claim_limit_reached")
    assert Coupon.objects.filter(user_id=buyer_user.pk).count() == 2


def test_claims_stop_when_none_is_left(buyer_api):
    template = make_template(total_quantity=1)
    assert claim(bearer_client(make_user()), template.pk).status_code == 201
    answer = claim(buyer_api, template.pk)
    assert (answer.status_code, error(answer)) == (409, "coupons_exhausted")
    assert CouponTemplate.objects.get(pk=template.pk).issued == 1


def test_claiming_needs_a_signed_in_buyer_and_an_open_template(buyer_api, api_client=None):
    from rest_framework.test import APIClient

    template = make_template()
    assert claim(APIClient(), template.pk).status_code == 401
    assert error(claim(buyer_api, 999_999)) == "coupon_template_not_found"
    paused = make_template()
    CouponTemplate.objects.filter(pk=paused.pk).update(status="paused")
    answer = claim(buyer_api, paused.pk)
    assert (answer.status_code, error(answer)) == (422, "claim_closed")
    later = make_template(claim_starts_at=timezone.now() + timedelta(days=1))
    assert error(claim(buyer_api, later.pk)) == "claim_closed"


def test_who_may_claim(buyer_api, buyer_user):
    newcomers = make_template(audience="new_users", new_user_days=7)
    assert claim(buyer_api, newcomers.pk).status_code == 201
    veteran = make_user()
    type(veteran).objects.filter(pk=veteran.pk).update(
        date_joined=timezone.now() - timedelta(days=30)
    )
    answer = claim(bearer_client(veteran), newcomers.pk)
    assert (answer.status_code, error(answer)) == (422, "coupon_not_eligible")
    # Member levels, as loyalty tells them: a new buyer is "regular".
    gold = make_template(audience="member_levels", member_levels=["gold", "platinum"])
    assert error(claim(buyer_api, gold.pk)) == "coupon_not_eligible"
    regulars = make_template(audience="member_levels", member_levels=["regular"])
    assert claim(buyer_api, regulars.pk).status_code == 201
    with pytest.raises(ValidationFailed):
        make_template(audience="member_levels", member_levels=["diamond"])


def test_the_risk_port_can_refuse_a_claim(buyer_api):
    template = make_template()
    with use_adapter("RISK_CHECKER", RefuseEverything()):
        answer = claim(buyer_api, template.pk)
    assert (answer.status_code, error(answer)) == (403, "risk_refused")
    assert Coupon.objects.count() == 0
    assert claim(buyer_api, template.pk).status_code == 201


def test_claims_are_rate_limited_per_user_and_per_ip(monkeypatch):
    rates = {
        **ScopedRateThrottle.THROTTLE_RATES,
        "coupon_claim": "3/min",
        "coupon_claim_ip": "5/min",
    }
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    template = make_template(total_quantity=100, per_user_limit=100)
    one = bearer_client(make_user())
    answers = [claim(one, template.pk).status_code for _ in range(4)]
    assert answers == [201, 201, 201, 429]
    # Every attempt from the IP counts (4 so far): other buyers on it get one more.
    others = [claim(bearer_client(make_user()), template.pk).status_code for _ in range(3)]
    assert others == [201, 429, 429]


def test_my_coupons_by_status_within_a_query_budget(
    buyer_api, buyer_user, django_assert_max_num_queries
):
    for n in range(5):
        template = make_template(name=f"T{n}")
        claim(buyer_api, template.pk)
    Coupon.objects.filter(user_id=buyer_user.pk).order_by("pk").first()
    first = Coupon.objects.filter(user_id=buyer_user.pk).order_by("pk")[0]
    Coupon.objects.filter(pk=first.pk).update(status="used")
    with django_assert_max_num_queries(4):
        page = buyer_api.get("/api/v1/me/coupons?page_size=3").json()
    assert page["count"] == 5
    assert len(page["results"]) == 3
    used = buyer_api.get("/api/v1/me/coupons?status=used").json()
    assert [c["id"] for c in used["results"]] == [first.pk]
    other = bearer_client(make_user()).get("/api/v1/me/coupons").json()
    assert other["count"] == 0
    assert buyer_api.get("/api/v1/me/coupons?status=nope").status_code == 400


def test_the_claimable_list_shows_open_templates_with_coupons_left(shops):
    open_one = make_template(name="open")
    make_template(name="gone", total_quantity=1).coupons
    gone = CouponTemplate.objects.get(name="gone")
    CouponTemplate.objects.filter(pk=gone.pk).update(issued=1)
    shop = make_template(name="shop", issuer="merchant", merchant_id=3)
    from rest_framework.test import APIClient

    anonymous = APIClient()
    names = {t["name"] for t in anonymous.get("/api/v1/coupon-templates").json()["results"]}
    assert names == {"open", "shop"}
    mine = anonymous.get("/api/v1/coupon-templates?merchant_id=3").json()["results"]
    assert [t["id"] for t in mine] == [shop.pk]
    platform = anonymous.get("/api/v1/coupon-templates?platform=true").json()["results"]
    assert [t["id"] for t in platform] == [open_one.pk]


def test_a_merchant_issues_coupons_for_its_own_shop_only(merchant_api, shops):
    body = {
        "name": "5% off",
        "issuer": "merchant",
        "merchant_id": 1,
        "kind": "percent_off",
        "percent": "5.00",
        "max_discount": "20.00",
        "total_quantity": 50,
        "validity": "after_claim",
        "valid_days": 7,
    }
    created = merchant_api.post("/api/v1/admin/coupon-templates", body, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["issued"] == 0
    other = merchant_api.post(
        "/api/v1/admin/coupon-templates", {**body, "merchant_id": 2}, format="json"
    )
    assert (other.status_code, error(other)) == (403, "not_your_merchant")
    platform = merchant_api.post(
        "/api/v1/admin/coupon-templates",
        {**body, "issuer": "platform", "merchant_id": None},
        format="json",
    )
    assert (platform.status_code, error(platform)) == (403, "permission_denied")
    foreign = make_template(issuer="merchant", merchant_id=2)
    assert merchant_api.get(f"/api/v1/admin/coupon-templates/{foreign.pk}").status_code == 404
    listed = merchant_api.get("/api/v1/admin/coupon-templates").json()
    assert [t["id"] for t in listed["results"]] == [created.json()["id"]]
    paused = merchant_api.patch(
        f"/api/v1/admin/coupon-templates/{created.json()['id']}",
        {"status": "paused"},
        format="json",
    )
    assert paused.json()["status"] == "paused"


def test_template_rules_are_checked(staff_api, shops):
    base = {
        "name": "x",
        "issuer": "platform",
        "kind": "threshold_off",
        "amount": "10.00",
        "min_spend": "5.00",
        "total_quantity": 5,
        "validity": "after_claim",
        "valid_days": 3,
    }
    bad = staff_api.post("/api/v1/admin/coupon-templates", base, format="json")
    assert bad.status_code == 400
    assert "min_spend" in bad.json()["error"]["details"]["fields"]
    unknown = staff_api.post(
        "/api/v1/admin/coupon-templates", {**base, "min_spend": "50", "colour": 1}, format="json"
    )
    assert unknown.status_code == 400
    wrong_shop = staff_api.post(
        "/api/v1/admin/coupon-templates",
        {**base, "min_spend": "50", "scope": "merchants", "scope_ids": [1, 99]},
        format="json",
    )
    assert wrong_shop.status_code == 400
    good = staff_api.post(
        "/api/v1/admin/coupon-templates",
        {**base, "min_spend": "50", "scope": "merchants", "scope_ids": [1, 2]},
        format="json",
    )
    assert good.status_code == 201, good.json()
    template_id = good.json()["id"]
    for _ in range(3):
        claim(bearer_client(make_user()), template_id)
    below = staff_api.patch(
        f"/api/v1/admin/coupon-templates/{template_id}", {"total_quantity": 2}, format="json"
    )
    assert (below.status_code, error(below)) == (400, "below_issued")
    exact = staff_api.patch(
        f"/api/v1/admin/coupon-templates/{template_id}", {"total_quantity": 3}, format="json"
    )
    assert exact.json()["remaining"] == 0


def test_template_lists_stay_within_a_query_budget(staff_api, shops, django_assert_max_num_queries):
    from rest_framework.test import APIClient

    for n in range(6):
        make_template(name=f"L{n}", issuer="merchant", merchant_id=1 + n % 3)
    with django_assert_max_num_queries(2):
        public = APIClient().get("/api/v1/coupon-templates").json()
    assert public["count"] == 6
    with django_assert_max_num_queries(6):
        staff = staff_api.get("/api/v1/admin/coupon-templates?page_size=4").json()
    assert (staff["count"], len(staff["results"])) == (6, 4)
