"""Redeemable codes: batches (unique, unguessable, progress, resumable), the staff API and the
admin action, redeeming (one-time and shared codes), guessing locked out per user and per IP,
and codes kept out of events and admin lists."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from contexts.coupons import services
from contexts.coupons.models import CodeBatch, Coupon, CouponCode
from contexts.coupons.services.codes import ALPHABET, CODE_LENGTH
from contexts.coupons.tests.support import make_template
from shared.auth import SYSTEM
from shared.events.models import OutboxEvent
from tests.support import bearer_client, make_user

pytestmark = pytest.mark.django_db


def batch_of(template, quantity: int, max_redemptions: int = 1) -> list[str]:
    batch = services.code_batch_create(
        principal=SYSTEM,
        template_id=template.pk,
        quantity=quantity,
        max_redemptions=max_redemptions,
    )
    services.code_batch_generate(batch_id=batch.pk)
    return list(CouponCode.objects.filter(batch=batch).values_list("code", flat=True))


def redeem(client, code: str):
    return client.post("/api/v1/me/coupons/redeem", {"code": code}, format="json")


def test_a_batch_makes_unique_unguessable_codes_and_reports_progress():
    template = make_template(total_quantity=5000, claimable=False)
    batch = services.code_batch_create(principal=SYSTEM, template_id=template.pk, quantity=2500)
    seen: list[int] = []
    made = services.code_batch_generate(batch_id=batch.pk, progress=seen.append, chunk=1000)
    assert made == 2500 and seen == [1000, 1000, 500]
    codes = list(CouponCode.objects.filter(batch=batch).values_list("code", flat=True))
    assert len(set(codes)) == 2500
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    batch.refresh_from_db()
    assert (batch.status, batch.generated) == ("done", 2500)
    assert services.code_batch_generate(batch_id=batch.pk) == 2500  # done: nothing more
    assert CouponCode.objects.count() == 2500


def test_the_management_command_shows_progress():
    template = make_template(claimable=False)
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "generate_coupon_codes", "--template", template.pk, "--quantity", 30, stdout=out, stderr=err
    )
    assert "30 codes" in out.getvalue()
    assert "30/30" in err.getvalue()


def test_staff_generate_follow_and_export_a_batch(
    staff_api, merchant_api, django_capture_on_commit_callbacks
):
    template = make_template(claimable=False)
    with django_capture_on_commit_callbacks(execute=True):
        answer = staff_api.post(
            f"/api/v1/admin/coupon-templates/{template.pk}/code-batches",
            {"quantity": 25, "max_redemptions": 1},
            format="json",
        )
    assert answer.status_code == 202, answer.json()
    batch_id = answer.json()["id"]
    progress = staff_api.get(f"/api/v1/admin/coupon-code-batches/{batch_id}").json()
    assert (progress["status"], progress["generated"]) == ("done", 25)
    exported = staff_api.get(f"/api/v1/admin/coupon-code-batches/{batch_id}/codes").json()
    assert exported["count"] == 25
    assert {c["code"] for c in exported["results"]} <= set(
        CouponCode.objects.values_list("code", flat=True)
    )
    refused = merchant_api.post(
        f"/api/v1/admin/coupon-templates/{template.pk}/code-batches", {"quantity": 5}, format="json"
    )
    assert refused.status_code == 403
    assert (
        merchant_api.get(f"/api/v1/admin/coupon-code-batches/{batch_id}/codes").status_code == 403
    )


def test_a_one_time_code_is_redeemed_once():
    template = make_template(total_quantity=10, claimable=False)
    (code,) = batch_of(template, 1)
    buyer = bearer_client(make_user())
    typed = f"{code[:4].lower()}-{code[4:8]} {code[8:]}"
    answer = redeem(buyer, typed)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["template"]["id"] == template.pk
    again = redeem(bearer_client(make_user()), code)
    assert (again.status_code, again.json()["error"]["code"]) == (404, "coupon_code_invalid")
    assert code not in json.dumps(again.json())


def test_a_shared_code_is_redeemed_once_per_buyer_up_to_its_limit():
    template = make_template(total_quantity=10, per_user_limit=5, claimable=False)
    (code,) = batch_of(template, 1, max_redemptions=2)
    first = bearer_client(make_user())
    assert redeem(first, code).status_code == 201
    twice = redeem(first, code)
    assert (twice.status_code, twice.json()["error"]["code"]) == (
        409,
        "coupon_code_already_redeemed",
    )
    assert redeem(bearer_client(make_user()), code).status_code == 201
    assert redeem(bearer_client(make_user()), code).status_code == 404
    assert Coupon.objects.filter(template=template).count() == 2


def test_guessing_locks_redeeming_per_user_and_per_ip(settings):
    settings.COUPONS_REDEEM_MAX_FAILURES = 3
    template = make_template(total_quantity=10, claimable=False)
    (good,) = batch_of(template, 1)
    guesser = bearer_client(make_user())
    for _ in range(3):
        assert redeem(guesser, "AAAABBBBCCCCDDDD").status_code == 404
    locked = redeem(guesser, good)
    assert (locked.status_code, locked.json()["error"]["code"]) == (429, "redeem_locked")
    # Another account from the same IP is locked too (the IP counted the same failures).
    neighbour = redeem(bearer_client(make_user()), good)
    assert neighbour.status_code == 429
    elsewhere = bearer_client(make_user())
    elsewhere.defaults["REMOTE_ADDR"] = "10.9.8.7"
    assert redeem(elsewhere, good).status_code == 201


def test_codes_stay_out_of_events_and_admin_lists(admin_client):
    template = make_template(total_quantity=10, claimable=False)
    (code,) = batch_of(template, 1)
    assert redeem(bearer_client(make_user()), code).status_code == 201
    payloads = json.dumps([e.payload for e in OutboxEvent.objects.all()])
    assert code not in payloads
    batch = CodeBatch.objects.get()
    for url in (
        "/admin/coupons/coupon/",
        "/admin/coupons/codebatch/",
        f"/admin/coupons/codebatch/{batch.pk}/change/",
        f"/admin/coupons/coupon/{Coupon.objects.get().pk}/change/",
    ):
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert code not in page.content.decode(), url


def test_redeeming_needs_a_signed_in_buyer():
    assert redeem(APIClient(), "ABCD").status_code == 401
