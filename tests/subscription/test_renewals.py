"""The renewal beat with a driven clock: charges against a signed sandbox agreement, retries,
the grace period, expiry; every pass safe to run again."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta

from contexts.loyalty import services as loyalty_services
from contexts.payments.models import Payment, PaymentAgreement
from contexts.payments.services.providers import provider_for
from contexts.subscription import selectors, services
from contexts.subscription.models import Invoice, Membership
from tests.subscription.conftest import T0, buyer_of
from tests.subscription.support import pay_invoice, sign_agreement

pytestmark = pytest.mark.django_db
D = Decimal
TRIAL_END = T0 + timedelta(days=7)


@pytest.fixture
def sandbox():
    adapter = provider_for("sandbox")
    yield adapter
    adapter.charge_outcome = "succeeded"


@pytest.fixture
def trialing(buyer, buyer_api, trial_plan, django_capture_on_commit_callbacks):
    """A buyer in a 7-day trial from T0 who signed an auto-renew agreement."""
    services.subscribe(principal=buyer_of(buyer), plan_id=trial_plan.pk, now=T0)
    agreement = services.auto_renew_start(principal=buyer_of(buyer), provider="sandbox")
    sign_agreement(buyer_api, agreement, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(user_id=buyer.pk)
    assert (membership.auto_renew, membership.agreement_no) == (True, agreement.agreement_no)
    assert PaymentAgreement.objects.get(agreement_no=agreement.agreement_no).state == "signed"
    return membership


def test_nothing_happens_before_the_period_ends(trialing):
    run = services.renewals_run(now=TRIAL_END - timedelta(seconds=1))
    assert (run.billed, run.charged, run.expired) == ([], [], [])
    assert Membership.objects.get(pk=trialing.pk).state == "trialing"


def test_the_trial_end_is_charged_against_the_agreement_once(trialing):
    run = services.renewals_run(now=TRIAL_END)
    assert run.billed == [trialing.member_no]
    invoice = Invoice.objects.get(kind="renewal")
    assert run.charged == [invoice.invoice_no]
    membership = Membership.objects.get(pk=trialing.pk)
    assert (membership.state, membership.in_trial) == ("active", False)
    assert membership.current_period_start == TRIAL_END
    assert membership.current_period_end == TRIAL_END + relativedelta(months=1)
    assert (invoice.state, invoice.amount, invoice.attempts) == ("paid", D("30.00"), 1)
    payment = Payment.objects.get(payment_no=invoice.payment_no)
    assert (payment.kind, payment.channel, payment.state) == (
        "subscription",
        "agreement",
        "succeeded",
    )

    again = services.renewals_run(now=TRIAL_END + timedelta(minutes=5))
    assert (again.billed, again.charged, again.failed) == ([], [], [])
    assert Payment.objects.count() == 1 and Invoice.objects.count() == 1


def test_declined_charges_are_retried_then_the_membership_expires_after_the_grace(
    trialing, sandbox
):
    sandbox.charge_outcome = "declined"
    first = services.renewals_run(now=TRIAL_END)
    invoice = Invoice.objects.get(kind="renewal")
    assert first.failed == [invoice.invoice_no]
    membership = Membership.objects.get(pk=trialing.pk)
    assert membership.state == "past_due"
    assert membership.grace_until == TRIAL_END + timedelta(days=7)
    # In grace the benefits go on.
    in_grace = selectors.member_benefits(user_id=membership.user_id, now=TRIAL_END)
    assert (in_grace.is_member, in_grace.free_shipping) == (True, True)
    after = selectors.member_benefits(user_id=membership.user_id, now=membership.grace_until)
    assert after.is_member is False
    invoice.refresh_from_db()
    assert (invoice.attempts, invoice.last_failure) == (1, "BALANCE_NOT_ENOUGH")
    assert invoice.next_attempt_at == TRIAL_END + timedelta(hours=24)

    # Re-running before the retry is due charges nothing more.
    assert services.renewals_run(now=TRIAL_END + timedelta(hours=1)).failed == []
    assert Payment.objects.filter(state="failed").count() == 1

    services.renewals_run(now=TRIAL_END + timedelta(hours=24))
    services.renewals_run(now=TRIAL_END + timedelta(hours=48))
    services.renewals_run(now=TRIAL_END + timedelta(hours=72))  # past the 3 attempts
    invoice.refresh_from_db()
    assert invoice.attempts == 3 and invoice.next_attempt_at is None
    assert Payment.objects.filter(state="failed").count() == 3

    last = services.renewals_run(now=TRIAL_END + timedelta(days=7))
    assert last.expired == [trialing.member_no]
    assert Membership.objects.get(pk=trialing.pk).state == "expired"
    assert Invoice.objects.get(pk=invoice.pk).state == "void"
    assert services.renewals_run(now=TRIAL_END + timedelta(days=8)).expired == []


def test_a_retry_that_succeeds_in_grace_renews_the_billed_period(trialing, sandbox):
    sandbox.charge_outcome = "unavailable"
    services.renewals_run(now=TRIAL_END)
    invoice = Invoice.objects.get(kind="renewal")
    assert invoice.last_failure == "payment_provider_unavailable"
    sandbox.charge_outcome = "succeeded"
    run = services.renewals_run(now=TRIAL_END + timedelta(hours=24))
    assert run.charged == [invoice.invoice_no]
    membership = Membership.objects.get(pk=trialing.pk)
    assert membership.state == "active"
    assert membership.current_period_start == TRIAL_END  # the billed period, not the pay time


def test_without_auto_renew_the_buyer_pays_the_renewal_invoice_in_grace(
    buyer, buyer_api, monthly, django_capture_on_commit_callbacks
):
    invoice = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk).invoice
    pay_invoice(buyer_api, invoice.invoice_no, django_capture_on_commit_callbacks)
    end = Membership.objects.get(user_id=buyer.pk).current_period_end
    run = services.renewals_run(now=end)
    assert run.charged == [] and len(run.billed) == 1
    renewal = Invoice.objects.get(kind="renewal")
    assert renewal.attempts == 0
    pay_invoice(buyer_api, renewal.invoice_no, django_capture_on_commit_callbacks)
    membership = Membership.objects.get(user_id=buyer.pk)
    assert (membership.state, membership.current_period_start) == ("active", end)


def test_turning_auto_renew_off_stops_the_charges(trialing, buyer):
    services.auto_renew_off(principal=buyer_of(buyer))
    run = services.renewals_run(now=TRIAL_END)
    assert run.charged == [] and run.failed == []
    assert Membership.objects.get(pk=trialing.pk).state == "past_due"


def test_members_earn_points_with_their_plan_multiplier(buyer, monthly):
    invoice = services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk).invoice
    before = loyalty_services.order_completed_earn(
        user_id=buyer.pk, order_no="O1", trade_no="T1", pay_amount=D("100.00")
    ).delta
    services.invoice_paid(invoice_no=invoice.invoice_no, payment_no="P1", amount=D("30.00"))
    after = loyalty_services.order_completed_earn(
        user_id=buyer.pk, order_no="O2", trade_no="T2", pay_amount=D("100.00")
    ).delta
    assert after == 2 * before > 0


# --- ending the agreement: auto-renew off, cancel, expiry ------------------------------------


def _sandbox_book(agreement_no: str) -> str:
    from contexts.payments.models import SandboxTransaction

    return SandboxTransaction.objects.get(kind="agreement", number=agreement_no).state


def test_turning_auto_renew_off_ends_the_agreement_at_the_provider_once(
    trialing, buyer, django_capture_on_commit_callbacks
):
    number = trialing.agreement_no
    with django_capture_on_commit_callbacks(execute=True):
        services.auto_renew_off(principal=buyer_of(buyer))
    agreement = PaymentAgreement.objects.get(agreement_no=number)
    assert (agreement.state, _sandbox_book(number)) == ("terminated", "terminated")
    assert agreement.ended_at is not None
    with django_capture_on_commit_callbacks(execute=True) as again:
        services.auto_renew_off(principal=buyer_of(buyer))  # a repeat asks nothing
    assert again == []
    assert PaymentAgreement.objects.get(agreement_no=number).ended_at == agreement.ended_at
    # the provider refuses a charge now, and payments refuses to ask
    from contexts.payments import api as payments_api
    from shared.errors import AppError

    with pytest.raises(AppError) as refused:
        payments_api.charge_agreement(
            agreement_no=number, kind="subscription", source_ref="SI-x", idempotency_key="k"
        )
    assert refused.value.code in ("agreement_not_signed", "not_found")
    from tests.subscription.support import relay

    relay()  # payments' AgreementChanged(terminated) finds auto-renew already off
    assert Membership.objects.get(pk=trialing.pk).auto_renew is False


@pytest.mark.parametrize("how", ["cancel", "expire"])
def test_cancelling_or_expiring_ends_the_agreement(
    trialing, buyer, sandbox, how, django_capture_on_commit_callbacks
):
    number = trialing.agreement_no
    with django_capture_on_commit_callbacks(execute=True):
        if how == "cancel":
            services.cancel(principal=buyer_of(buyer))
        else:
            sandbox.charge_outcome = "declined"
            for day in (0, 1, 2, 3, 8):
                services.renewals_run(now=TRIAL_END + timedelta(days=day))
    membership = Membership.objects.get(pk=trialing.pk)
    assert (membership.auto_renew, membership.agreement_no) == (False, "")
    assert PaymentAgreement.objects.get(agreement_no=number).state == "terminated"
    assert _sandbox_book(number) == "terminated"


def test_a_provider_down_when_ending_leaves_it_ending_and_reconciliation_ends_it(
    trialing, buyer, sandbox, monkeypatch, django_capture_on_commit_callbacks
):
    from contexts.payments import services as payments_services
    from contexts.payments.ports import ProviderError

    number = trialing.agreement_no
    real_end = type(sandbox).agreement_end

    def down(self, **kwargs):
        raise ProviderError("sandbox: busy", code="SYSTEM_ERROR")

    monkeypatch.setattr(type(sandbox), "agreement_end", down)
    with django_capture_on_commit_callbacks(execute=True):
        services.auto_renew_off(principal=buyer_of(buyer))
    assert PaymentAgreement.objects.get(agreement_no=number).state == "ending"
    # never charged while ending
    run = services.renewals_run(now=TRIAL_END)
    assert run.charged == [] and _sandbox_book(number) == "signed"
    monkeypatch.setattr(type(sandbox), "agreement_end", real_end)
    assert payments_services.payments_reconcile()["agreements_ended"] == 1
    assert PaymentAgreement.objects.get(agreement_no=number).state == "terminated"
    assert _sandbox_book(number) == "terminated"
    assert payments_services.payments_reconcile()["agreements_ended"] == 0


def test_the_agreement_carries_the_renewing_plans_period_and_price(buyer, monthly, monkeypatch):
    from contexts.payments import api as payments_api

    seen = {}
    monkeypatch.setattr(payments_api, "start_agreement", lambda **kwargs: seen.update(kwargs))
    services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk)
    services.auto_renew_start(principal=buyer_of(buyer), provider="alipay")
    assert (seen["period_months"], seen["max_amount"], seen["provider"]) == (
        1,
        monthly.price,
        "alipay",
    )
    assert seen["first_charge_on"] is not None
