"""payments.api.transfer: payouts through a provider, once per key, once at the provider per
transfer number; permanent refusals fail, transient ones are sent again under the same number."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.payments import api, services
from contexts.payments.adapters.memory import InMemoryProvider
from contexts.payments.models import Payment, SandboxTransaction, Transfer
from contexts.payments.ports import ProviderError
from contexts.payments.tests.support import events, paid_payment
from shared.errors import AppError, Conflict, ValidationFailed
from shared.ports import use_adapter
from shared.testing import run_concurrently

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def memory(settings):
    settings.PAYMENTS_PROVIDERS = ["sandbox", "memory"]
    with use_adapter("PAYMENTS_PROVIDER_MEMORY", InMemoryProvider()) as provider:
        yield provider


def pay(key="payout-1", amount="100.00", provider="sandbox", account="shop-1"):
    return api.transfer(
        provider=provider,
        payee_account=account,
        amount=Decimal(amount),
        remark="settlement S1",
        idempotency_key=key,
    )


def test_the_sandbox_pays_out_once_per_key():
    first = pay()
    again = pay()
    assert first.state == "succeeded" and again == first
    assert Transfer.objects.count() == 1
    row = SandboxTransaction.objects.get(kind="transfer")
    assert (row.number, row.amount) == (first.transfer_no, Decimal("100.00"))


def test_the_same_key_for_another_request_is_refused():
    pay()
    with pytest.raises(Conflict) as reused:
        pay(amount="100.01")
    assert reused.value.code == "idempotency_key_reused"


@pytest.mark.parametrize(
    ("amount", "provider", "account"),
    [("0.00", "sandbox", "shop"), ("1.00", "alipay", "shop"), ("1.00", "sandbox", "")],
)
def test_bad_requests_are_refused_before_anything_is_recorded(amount, provider, account):
    with pytest.raises(ValidationFailed):
        pay(amount=amount, provider=provider, account=account)
    assert not Transfer.objects.exists()


def test_a_permanent_refusal_fails_the_transfer(memory):
    memory.transfer_state = "failed"
    failed = pay(provider="memory")
    assert (failed.state, failed.failure_code) == ("failed", "PAYEE_NOT_EXIST")
    assert pay(provider="memory") == failed and memory.calls == ["transfer_start"]


def test_a_transient_failure_is_sent_again_under_the_same_number(memory):
    memory.failure = ProviderError("timeout", code="timeout")
    first = pay(provider="memory")
    assert (first.state, first.failure_code) == ("requested", "timeout")
    memory.failure = None
    again = pay(provider="memory")
    assert again.state == "succeeded" and again.transfer_no == first.transfer_no
    assert list(memory.transfers) == [first.transfer_no]
    assert Transfer.objects.get().attempts == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_concurrent_transfers_with_one_key_reach_the_provider_once():
    results = run_concurrently(8, lambda n: pay(key="payout-race"))
    answers = {r.transfer_no for r in results if isinstance(r, api.TransferInfo)}
    assert len(answers) == 1 and all(isinstance(r, api.TransferInfo) for r in results), results
    assert Transfer.objects.count() == 1
    assert SandboxTransaction.objects.filter(kind="transfer").count() == 1


def test_the_admin_lists_transfers_without_the_payee_account(admin_client):
    done = pay(account="payee-secret-4321")
    listing = admin_client.get("/admin/payments/transfer/")
    assert listing.status_code == 200 and done.transfer_no in listing.content.decode()
    page = admin_client.get(f"/admin/payments/transfer/{Transfer.objects.get().pk}/change/")
    assert page.status_code == 200
    assert "payee-secret-4321" not in page.content.decode()


# --- sources, the poll beat and the transfer events --------------------------------------------


def test_sources_are_recorded_with_the_providers_reference_and_must_add_up(
    trades, buyer, buyer_api, memory
):
    payment_no = paid_payment(buyer_api, trades.add(buyer_id=buyer.pk, amount="100.00").trade_no)
    payment = Payment.objects.get(payment_no=payment_no)
    done = api.transfer(
        provider="memory",
        payee_account="shop-1",
        amount=D("80.00"),
        remark="settlement S1",
        idempotency_key="payout-src",
        sources=[(payment_no, D("70.00")), ("P-not-ours", D("10.00"))],
    )
    assert done.state == "succeeded"
    assert Transfer.objects.get().sources == [
        {"payment_no": "P-not-ours", "provider": "", "payment_ref": "", "amount": "10.00"},
        {
            "payment_no": payment_no,
            "provider": "sandbox",
            "payment_ref": payment.provider_ref,
            "amount": "70.00",
        },
    ]
    for bad in ([(payment_no, D("70.00"))], [(payment_no, D("90.00")), ("P2", D("-10.00"))]):
        with pytest.raises(ValidationFailed):
            api.transfer(
                provider="memory",
                payee_account="shop-1",
                amount=D("80.00"),
                remark="r",
                idempotency_key="payout-bad",
                sources=bad,
            )


def test_a_processing_transfer_is_settled_by_the_poll_and_published_once(memory):
    memory.transfer_state = "processing"
    started = pay(provider="memory")
    assert started.state == "processing" and not events("payments.transfer.succeeded.v1")
    later = timezone.now() + timedelta(minutes=5)
    assert services.transfers_poll(now=later) == {"queried": 1, "settled": 0, "errors": 0}
    memory.transfers[started.transfer_no] = replace(
        memory.transfers[started.transfer_no], state="succeeded"
    )
    assert services.transfers_poll(now=timezone.now()) == {"queried": 0, "settled": 0, "errors": 0}
    later = timezone.now() + timedelta(minutes=5)
    assert services.transfers_poll(now=later)["settled"] == 1
    assert services.transfers_poll(now=later + timedelta(minutes=5))["queried"] == 0
    assert api.get_transfer(started.transfer_no).state == "succeeded"
    [published] = events("payments.transfer.succeeded.v1")
    assert (published["transfer_no"], published["reference"]) == (started.transfer_no, "payout-1")


def test_a_transfer_refused_later_publishes_its_failure_and_a_lost_one_is_sent_again(memory):
    memory.transfer_state = "processing"
    refused = pay(key="payout-a", provider="memory")
    memory.transfers[refused.transfer_no] = replace(
        memory.transfers[refused.transfer_no], state="failed", failure_code="PAYEE_NOT_EXIST"
    )
    assert api.query_transfer(refused.transfer_no).state == "failed"
    [failed] = events("payments.transfer.failed.v1")
    assert (failed["failure_reason"], failed["reference"]) == ("PAYEE_NOT_EXIST", "payout-a")
    # The provider never got this one (lost on the way): sent again under the same number.
    lost = pay(key="payout-b", provider="memory")
    memory.transfers.pop(lost.transfer_no)
    memory.transfer_state = "succeeded"
    again = api.query_transfer(lost.transfer_no)
    assert (again.state, again.transfer_no) == ("succeeded", lost.transfer_no)
    assert Transfer.objects.get(transfer_no=lost.transfer_no).attempts == 2
    assert api.query_transfer("X-unknown") is None


def test_a_provider_down_during_the_poll_leaves_the_transfer_processing(memory):
    memory.transfer_state = "processing"
    started = pay(provider="memory")
    memory.failure = ProviderError("timeout", code="timeout")
    later = timezone.now() + timedelta(minutes=5)
    assert services.transfers_poll(now=later) == {"queried": 1, "settled": 0, "errors": 1}
    assert Transfer.objects.get().state == "processing"
    with pytest.raises(AppError) as unavailable:
        api.query_transfer(started.transfer_no)
    assert unavailable.value.code == "payment_provider_unavailable"


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_concurrent_polls_ask_the_provider_once_per_transfer_and_publish_once(memory):
    memory.transfer_state = "processing"
    numbers = [pay(key=f"payout-{n}", provider="memory").transfer_no for n in range(6)]
    for number in numbers:
        memory.transfers[number] = replace(memory.transfers[number], state="succeeded")
    memory.calls.clear()
    later = timezone.now() + timedelta(minutes=5)
    results = run_concurrently(4, lambda n: services.transfers_poll(now=later))
    assert all(isinstance(r, dict) for r in results), results
    assert sum(r["settled"] for r in results) == 6
    assert memory.calls.count("transfer_query") == 6
    assert len(events("payments.transfer.succeeded.v1")) == 6
