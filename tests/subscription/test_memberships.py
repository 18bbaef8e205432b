"""Subscribing, paying through payments (the sandbox's signed callback), cancelling at period
end, resuming, changing plan with proration."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from contexts.payments.models import Payment, Refund
from contexts.subscription import api, services
from contexts.subscription.models import Invoice, Membership
from shared.errors import AppError
from shared.events.models import OutboxEvent
from tests.subscription.conftest import T0, buyer_of, client_for, make_user
from tests.subscription.support import pay_invoice, relay

pytestmark = pytest.mark.django_db
D = Decimal


def _reasons(user_id: int) -> list[str]:
    return [
        e.payload["reason"]
        for e in OutboxEvent.objects.filter(
            event_type="subscription.membership.changed.v1"
        ).order_by("id")
        if e.payload["user_id"] == user_id
    ]


def test_subscribing_makes_an_invoice_and_paying_it_activates_a_period(
    buyer, buyer_api, monthly, django_capture_on_commit_callbacks
):
    subscribed = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk)
    assert subscribed.membership.state == "pending"
    assert (subscribed.invoice.kind, subscribed.invoice.amount) == ("initial", D("30.00"))
    assert api.member_benefits(buyer.pk).is_member is False

    payment_no = pay_invoice(
        buyer_api, subscribed.invoice.invoice_no, django_capture_on_commit_callbacks
    )

    payment = Payment.objects.get(payment_no=payment_no)
    assert (payment.kind, payment.source_ref, payment.amount) == (
        "subscription",
        subscribed.invoice.invoice_no,
        D("30.00"),
    )
    membership = Membership.objects.get(user_id=buyer.pk)
    assert membership.state == "active"
    assert membership.current_period_end > membership.current_period_start
    invoice = Invoice.objects.get(pk=subscribed.invoice.pk)
    assert (invoice.state, invoice.payment_no) == ("paid", payment_no)
    benefits = api.member_benefits(buyer.pk)
    assert (benefits.is_member, benefits.free_shipping, benefits.points_multiplier) == (
        True,
        True,
        D("2.00"),
    )
    assert _reasons(buyer.pk) == ["subscribed", "paid"]
    # A paid invoice is not payable again.
    again = buyer_api.post(
        f"/api/v1/payables/subscription/{invoice.invoice_no}/payments",
        {"provider": "sandbox", "channel": "page"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="again",
    )
    assert (again.status_code, again.json()["error"]["code"]) == (409, "not_payable")


def test_another_buyer_cannot_pay_or_see_an_invoice(buyer, monthly):
    subscribed = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk)
    other = client_for(make_user())
    response = other.post(
        f"/api/v1/payables/subscription/{subscribed.invoice.invoice_no}/payments",
        {"provider": "sandbox", "channel": "page"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_a_trial_gives_benefits_at_once_and_only_once(buyer, trial_plan):
    subscribed = services.subscribe(principal=buyer_of(buyer), plan_id=trial_plan.pk, now=T0)
    assert subscribed.invoice is None
    membership = subscribed.membership
    assert (membership.state, membership.in_trial) == ("trialing", True)
    assert membership.current_period_end == T0 + timedelta(days=7)
    with pytest.raises(AppError) as refused:
        services.subscribe(principal=buyer_of(buyer), plan_id=trial_plan.pk, now=T0)
    assert refused.value.code == "already_subscribed"
    # Cancelled in the trial, expired at its end: subscribing again has no second trial.
    services.cancel(principal=buyer_of(buyer), now=T0)
    services.renewals_run(now=T0 + timedelta(days=8))
    assert Membership.objects.get(pk=membership.pk).state == "expired"
    again = services.subscribe(principal=buyer_of(buyer), plan_id=trial_plan.pk, now=T0)
    assert again.membership.state == "pending" and again.invoice.amount == D("30.00")


def test_cancel_at_period_end_keeps_benefits_until_then_and_resume_undoes_it(
    buyer, buyer_api, monthly, django_capture_on_commit_callbacks
):
    invoice = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk).invoice
    pay_invoice(buyer_api, invoice.invoice_no, django_capture_on_commit_callbacks)
    cancelled = services.cancel(principal=buyer_of(buyer))
    assert cancelled.state == "cancelled_at_period_end"
    assert api.member_benefits(buyer.pk).free_shipping is True
    with pytest.raises(AppError) as twice:
        services.cancel(principal=buyer_of(buyer))
    assert twice.value.code == "already_cancelled"
    assert services.resume(principal=buyer_of(buyer)).state == "active"
    services.cancel(principal=buyer_of(buyer))
    end = Membership.objects.get(user_id=buyer.pk).current_period_end
    run = services.renewals_run(now=end)
    assert run.expired == [cancelled.member_no]
    assert not Invoice.objects.filter(kind="renewal").exists()
    assert api.member_benefits(buyer.pk).is_member is False


def test_an_upgrade_is_prorated_and_starts_a_new_period_when_paid(
    buyer, buyer_api, monthly, yearly, django_capture_on_commit_callbacks
):
    invoice = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk).invoice
    pay_invoice(buyer_api, invoice.invoice_no, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(user_id=buyer.pk)
    start, end = membership.current_period_start, membership.current_period_end
    halfway = start + (end - start) / 2

    changed = services.change_plan(principal=buyer_of(buyer), plan_id=yearly.pk, now=halfway)

    assert changed.invoice.kind == "upgrade"
    assert changed.invoice.amount == D("285.00")  # 300.00 - half of 30.00
    assert Membership.objects.get(pk=membership.pk).plan_id == monthly.pk  # not paid yet
    pay_invoice(buyer_api, changed.invoice.invoice_no, django_capture_on_commit_callbacks)
    upgraded = Membership.objects.get(pk=membership.pk)
    assert (upgraded.plan_id, upgraded.state) == (yearly.pk, "active")
    assert upgraded.current_period_end - upgraded.current_period_start >= timedelta(days=365)


def test_a_downgrade_waits_for_the_next_renewal(
    buyer, buyer_api, monthly, yearly, django_capture_on_commit_callbacks
):
    invoice = services.subscribe(principal=buyer_of(buyer), plan_id=yearly.pk).invoice
    pay_invoice(buyer_api, invoice.invoice_no, django_capture_on_commit_callbacks)
    changed = services.change_plan(principal=buyer_of(buyer), plan_id=monthly.pk)
    assert changed.invoice is None
    membership = Membership.objects.get(user_id=buyer.pk)
    assert (membership.plan_id, membership.next_plan_id) == (yearly.pk, monthly.pk)
    run = services.renewals_run(now=membership.current_period_end)
    renewal = Invoice.objects.get(kind="renewal")
    assert run.billed == [membership.member_no]
    assert (renewal.plan_id, renewal.amount) == (monthly.pk, D("30.00"))
    with pytest.raises(AppError) as same:
        services.change_plan(principal=buyer_of(buyer), plan_id=yearly.pk)
    assert same.value.code == "membership_not_changeable"  # past due now


def test_money_for_a_void_invoice_is_refunded(
    buyer, buyer_api, monthly, yearly, django_capture_on_commit_callbacks
):
    first = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk).invoice
    response = buyer_api.post(
        f"/api/v1/payables/subscription/{first.invoice_no}/payments",
        {"provider": "sandbox", "channel": "page"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="first",
    )
    payment = response.json()
    # The buyer changes their mind before paying: the first invoice is void.
    second = services.subscribe(principal=buyer_of(buyer), plan_id=yearly.pk).invoice
    assert Invoice.objects.get(pk=first.pk).state == "void"
    with django_capture_on_commit_callbacks(execute=True):
        buyer_api.post(payment["client"]["data"]["url"])
    relay()
    refund = Refund.objects.get(payment__payment_no=payment["payment_no"])
    assert refund.amount == D("30.00")
    assert Membership.objects.get(user_id=buyer.pk).state == "pending"
    assert Invoice.objects.get(pk=second.pk).state == "open"


def test_invoice_paid_is_idempotent(buyer, monthly):
    invoice = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk).invoice
    assert services.invoice_paid(invoice_no=invoice.invoice_no, payment_no="P1", amount=D("30.00"))
    end = Membership.objects.get(user_id=buyer.pk).current_period_end
    assert not services.invoice_paid(
        invoice_no=invoice.invoice_no, payment_no="P1", amount=D("30.00")
    )
    assert Membership.objects.get(user_id=buyer.pk).current_period_end == end
