"""payments.api.transfer: payouts through a provider, once per key, once at the provider per
transfer number; permanent refusals fail, transient ones are sent again under the same number."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.payments import api
from contexts.payments.adapters.memory import InMemoryProvider
from contexts.payments.models import SandboxTransaction, Transfer
from contexts.payments.ports import ProviderError
from shared.errors import Conflict, ValidationFailed
from shared.ports import use_adapter
from shared.testing import run_concurrently

pytestmark = pytest.mark.django_db


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
