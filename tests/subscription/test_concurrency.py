"""The renewal beat run twice at once against MariaDB, and two subscribes of one buyer at once:
one renewal invoice, one charge; one membership."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contexts.payments import api as payments_api
from contexts.payments.models import Payment
from contexts.payments.services.sandbox import sandbox_agreement_sign
from contexts.subscription import services
from contexts.subscription.models import Invoice, Membership
from shared.events.models import EventDelivery
from shared.events.relay import deliver, relay_once
from shared.testing import run_concurrently
from tests.subscription.conftest import T0, buyer_of, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def _deliver_all() -> None:
    for _ in range(5):
        relay_once()
        pending = EventDelivery.objects.filter(status=EventDelivery.Status.PENDING)
        ids = list(pending.values_list("pk", flat=True))
        if not ids:
            return
        for delivery_id in ids:
            deliver(delivery_id)


def test_two_renewal_runs_at_once_bill_and_charge_a_period_once(trial_plan):
    buyer = make_user()
    services.subscribe(principal=buyer_of(buyer), plan_id=trial_plan.pk, now=T0)
    agreement = services.auto_renew_start(principal=buyer_of(buyer), provider="sandbox")
    sandbox_agreement_sign(buyer_id=buyer.pk, agreement_no=agreement.agreement_no)
    _deliver_all()
    assert payments_api.get_agreement(agreement.agreement_no).state == "signed"
    assert Membership.objects.get(user_id=buyer.pk).auto_renew is True

    results = run_concurrently(2, lambda n: services.renewals_run(now=T0 + timedelta(days=7)))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(len(r.billed) for r in results) == 1
    assert sum(len(r.charged) for r in results) == 1
    assert Invoice.objects.filter(kind="renewal").count() == 1
    assert Payment.objects.filter(kind="subscription").count() == 1
    assert Membership.objects.get(user_id=buyer.pk).state == "active"


def test_two_subscribes_of_one_buyer_at_once_make_one_membership(monthly):
    buyer = make_user()

    def subscribe(n: int):
        return services.subscribe(principal=buyer_of(buyer), plan_id=monthly.pk)

    results = run_concurrently(2, subscribe)
    assert Membership.objects.filter(user_id=buyer.pk).count() == 1
    assert Invoice.objects.filter(user_id=buyer.pk, state="open").count() == 1
    assert any(not isinstance(r, Exception) for r in results)
