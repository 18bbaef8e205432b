"""Pending memberships whose first invoice stays unpaid expire after
SUBSCRIPTION_PENDING_EXPIRY_HOURS (the beat subscription.expire_pending, a driven clock): the
invoice is void and payments closes its pending payment; re-runs and concurrent runs expire
each membership once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from contexts.payments.models import Payment, SandboxTransaction
from contexts.subscription import services
from contexts.subscription.models import Invoice, Membership
from shared.events.models import OutboxEvent
from shared.testing import run_concurrently
from tests.subscription.conftest import T0, buyer_of, make_user
from tests.subscription.support import open_invoice_payment

WINDOW = timedelta(hours=48)  # SUBSCRIPTION_PENDING_EXPIRY_HOURS' default


def _start_paying(client, invoice_no: str) -> str:
    """The buyer opened the payment page and left: a pending sandbox payment."""
    return open_invoice_payment(client, invoice_no)["payment_no"]


def _subscribed_at(buyer, plan, when):
    invoice = services.subscribe(principal=buyer_of(buyer), plan_id=plan.pk).invoice
    Invoice.objects.filter(pk=invoice.pk).update(created_at=when)
    return invoice


@pytest.mark.django_db
def test_a_stale_pending_membership_expires_its_invoice_void_and_payment_closed(
    buyer, buyer_api, monthly, django_capture_on_commit_callbacks
):
    invoice = _subscribed_at(buyer, monthly, T0)
    payment_no = _start_paying(buyer_api, invoice.invoice_no)
    assert Payment.objects.get(payment_no=payment_no).state == "pending"

    assert services.pending_expire(now=T0 + WINDOW - timedelta(seconds=1)) == []
    assert Membership.objects.get(user_id=buyer.pk).state == "pending"

    with django_capture_on_commit_callbacks(execute=True):
        expired = services.pending_expire(now=T0 + WINDOW)
    membership = Membership.objects.get(user_id=buyer.pk)
    assert expired == [membership.member_no] and membership.state == "expired"
    assert Invoice.objects.get(pk=invoice.pk).state == "void"
    assert Payment.objects.get(payment_no=payment_no).state == "closed"
    assert SandboxTransaction.objects.get(kind="payment", number=payment_no).state == "closed"
    changed = OutboxEvent.objects.filter(event_type="subscription.membership.changed.v1")
    assert changed.filter(payload__reason="pending_expired").count() == 1
    closed = OutboxEvent.objects.filter(
        event_type="payments.payment.failed.v1", payload__payment_no=payment_no
    )
    assert closed.count() == 1
    # again: nothing more
    assert services.pending_expire(now=T0 + WINDOW + timedelta(days=1)) == []
    # the buyer may subscribe again
    again = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk)
    assert again.membership.state == "pending" and again.invoice.state == "open"


@pytest.mark.django_db
def test_the_window_is_a_setting_and_a_fresh_invoice_or_a_paid_one_is_left_alone(
    buyer, monthly, trial_plan
):
    _subscribed_at(buyer, monthly, T0)
    with override_settings(SUBSCRIPTION_PENDING_EXPIRY_HOURS=2):
        assert services.pending_expire(now=T0 + timedelta(hours=1)) == []
        # subscribing again made a new invoice: the clock starts again
        fresh = _subscribed_at(buyer, monthly, T0 + timedelta(hours=1, minutes=30))
        assert services.pending_expire(now=T0 + timedelta(hours=2, minutes=30)) == []
        assert Invoice.objects.get(pk=fresh.pk).state == "open"
        assert len(services.pending_expire(now=T0 + timedelta(hours=4))) == 1
    # a trialing or active member never has a stale first invoice to expire
    other = make_user()
    services.subscribe(principal=buyer_of(other), plan_id=trial_plan.pk, now=T0)
    assert services.pending_expire(now=T0 + timedelta(days=30)) == []
    assert Membership.objects.get(user_id=other.pk).state == "trialing"


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_two_runs_at_once_expire_each_pending_membership_once(monthly):
    buyers = [make_user() for _ in range(4)]
    for buyer in buyers:
        _subscribed_at(buyer, monthly, T0)
    results = run_concurrently(2, lambda n: services.pending_expire(now=T0 + WINDOW))
    assert not [r for r in results if isinstance(r, Exception)], results
    expired = [number for r in results for number in r]
    assert sorted(expired) == sorted(Membership.objects.values_list("member_no", flat=True))
    assert set(Membership.objects.values_list("state", flat=True)) == {"expired"}
    changed = OutboxEvent.objects.filter(payload__reason="pending_expired")
    assert changed.count() == 4
