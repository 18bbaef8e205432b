"""The expiry task (safe to re-run) and the admin: templates through the services, actions
audited, no success banner when a rule refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contexts.coupons import services, tasks
from contexts.coupons.models import CodeBatch, Coupon, CouponTemplate
from contexts.coupons.tests.support import buyer, make_template
from shared.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_expiry_marks_available_coupons_past_their_validity_and_is_safe_to_rerun():
    template = make_template(total_quantity=10, per_user_limit=3)
    due = services.coupon_claim(principal=buyer(1), template_id=template.pk)
    held = services.coupon_claim(principal=buyer(2), template_id=template.pk)
    fresh = services.coupon_claim(principal=buyer(3), template_id=template.pk)
    past = timezone.now() - timedelta(minutes=1)
    Coupon.objects.filter(pk__in=[due.pk, held.pk]).update(valid_until=past)
    Coupon.objects.filter(pk=held.pk).update(status="held")

    assert tasks.expire_coupons() == 1
    assert tasks.expire_coupons() == 0
    statuses = dict(Coupon.objects.values_list("pk", "status"))
    assert statuses == {due.pk: "expired", held.pk: "held", fresh.pk: "available"}


def test_templates_are_created_and_paused_through_the_services(admin_client):
    start = timezone.now()
    form = {
        "name": "Admin 5 off",
        "issuer": "platform",
        "kind": "amount_off",
        "amount": "5.00",
        "percent": "0",
        "min_spend": "0",
        "scope": "all",
        "scope_ids": "[]",
        "validity": "after_claim",
        "valid_days": "7",
        "claim_starts_at_0": start.strftime("%Y-%m-%d"),
        "claim_starts_at_1": start.strftime("%H:%M:%S"),
        "total_quantity": "100",
        "per_user_limit": "1",
        "audience": "everyone",
        "new_user_days": "30",
        "member_levels": "[]",
        "stackable_with_promotions": "on",
        "claimable": "on",
        "status": "active",
    }
    answer = admin_client.post("/admin/coupons/coupontemplate/add/", form)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    template = CouponTemplate.objects.get(name="Admin 5 off")
    assert template.created_by is not None

    refused = admin_client.post(
        "/admin/coupons/coupontemplate/add/", {**form, "name": "bad", "valid_days": ""}
    )
    assert refused.status_code == 200
    assert not CouponTemplate.objects.filter(name="bad").exists()

    admin_client.post(
        "/admin/coupons/coupontemplate/",
        {"action": "pause", "_selected_action": [template.pk]},
    )
    assert CouponTemplate.objects.get(pk=template.pk).status == "paused"
    assert AuditRecord.objects.filter(action="paused").count() == 1


def test_the_generate_action_queues_a_batch(admin_client, django_capture_on_commit_callbacks):
    template = make_template(claimable=False)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            "/admin/coupons/coupontemplate/",
            {"action": "generate_codes", "_selected_action": [template.pk]},
        )
    batch = CodeBatch.objects.get()
    assert (batch.status, batch.generated) == ("done", 1000)
