"""Payable sources other than trades, and auto-charge agreements at the sandbox: the amount
comes from the registered resolver, the agreement is signed only by its verified callback, a
charge is idempotent per key, providers without agreements refuse them."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contexts.payments import api as payments_api
from contexts.payments import services
from contexts.payments.models import Payment, PaymentAgreement
from contexts.payments.services.payables import PAYABLE_SOURCES
from contexts.payments.services.providers import provider_for
from contexts.payments.tests.conftest import client_for, make_user
from shared.errors import AppError
from shared.events.models import OutboxEvent

pytestmark = pytest.mark.django_db
D = Decimal


class Invoices:
    """A payable source of kind "testing" over invoices the test declares."""

    def __init__(self) -> None:
        self.rows: dict[str, payments_api.PayableInfo] = {}

    def add(self, *, buyer_id: int, amount: str, payable: bool = True) -> str:
        ref = f"INV{uuid.uuid4().hex[:12]}"
        self.rows[ref] = payments_api.PayableInfo(
            kind="testing",
            source_ref=ref,
            buyer_id=buyer_id,
            amount=D(amount),
            payable=payable,
            status="open" if payable else "paid",
            subject=f"Test invoice {ref}",
        )
        return ref

    def __call__(self, ref: str) -> payments_api.PayableInfo | None:
        return self.rows.get(ref)


@pytest.fixture
def invoices(settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    source = Invoices()
    payments_api.register_payable_source("testing", source)
    yield source
    PAYABLE_SOURCES.pop("testing", None)


@pytest.fixture
def sandbox():
    adapter = provider_for("sandbox")
    yield adapter
    adapter.charge_outcome = "succeeded"


def _pay(api, ref: str, key: str = "k1"):
    return api.post(
        f"/api/v1/payables/testing/{ref}/payments",
        {"provider": "sandbox", "channel": "page"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_a_registered_payable_is_paid_for_its_own_amount_and_the_event_says_its_kind(
    invoices, buyer, buyer_api, django_capture_on_commit_callbacks
):
    ref = invoices.add(buyer_id=buyer.pk, amount="12.30")
    created = _pay(buyer_api, ref)
    assert created.status_code == 201, created.json()
    assert created.json()["kind"] == "testing"
    with django_capture_on_commit_callbacks(execute=True):
        buyer_api.post(created.json()["client"]["data"]["url"])
    payment = Payment.objects.get()
    assert (payment.kind, payment.source_ref, payment.amount, payment.state) == (
        "testing",
        ref,
        D("12.30"),
        "succeeded",
    )
    event = OutboxEvent.objects.get(event_type="payments.payment.succeeded.v1")
    assert (event.payload["kind"], event.payload["source_ref"]) == ("testing", ref)


def test_unknown_kinds_other_buyers_and_settled_payables_are_refused(invoices, buyer, buyer_api):
    ref = invoices.add(buyer_id=buyer.pk, amount="5.00")
    other = client_for(make_user())
    assert _pay(other, ref).status_code == 404
    unknown = buyer_api.post(
        f"/api/v1/payables/nothing/{ref}/payments",
        {"provider": "sandbox", "channel": "page"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert unknown.status_code == 404
    paid = invoices.add(buyer_id=buyer.pk, amount="5.00", payable=False)
    refused = _pay(buyer_api, paid, key="k2")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "not_payable")
    assert not Payment.objects.exists()


def test_a_kind_is_registered_once():
    with pytest.raises(ValueError):
        payments_api.register_payable_source("trade", lambda ref: None)
    with pytest.raises(ValueError):
        payments_api.register_payable_source("bad kind!", lambda ref: None)


def _signed_agreement(buyer, buyer_api, capture) -> payments_api.AgreementInfo:
    agreement = payments_api.start_agreement(
        buyer_id=buyer.pk, provider="sandbox", kind="testing", source_ref="M1"
    )
    assert agreement.state == "pending"
    with capture(execute=True):
        assert buyer_api.post(agreement.sign_url).status_code == 202
    return payments_api.get_agreement(agreement.agreement_no)


def test_an_agreement_is_signed_by_its_verified_callback(
    invoices, buyer, buyer_api, django_capture_on_commit_callbacks
):
    agreement = _signed_agreement(buyer, buyer_api, django_capture_on_commit_callbacks)
    assert agreement.state == "signed"
    changed = OutboxEvent.objects.get(event_type="payments.agreement.changed.v1")
    assert changed.payload["state"] == "signed" and changed.payload["source_ref"] == "M1"
    # A forged callback (not signed by the sandbox's key) changes nothing.
    forged = buyer_api.post(
        "/api/v1/payments/notify/sandbox",
        data=b"notify_type=dut_user_sign&external_agreement_no=X&sign_type=RSA2&sign=AAAA",
        content_type="application/x-www-form-urlencoded",
    )
    assert forged.content == b"fail"
    again = buyer_api.post(agreement.sign_url)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "agreement_not_pending")


def test_a_charge_is_idempotent_per_key_and_a_refusal_fails_the_payment(
    invoices, buyer, buyer_api, sandbox, django_capture_on_commit_callbacks
):
    agreement = _signed_agreement(buyer, buyer_api, django_capture_on_commit_callbacks)
    ref = invoices.add(buyer_id=buyer.pk, amount="30.00")
    first = payments_api.charge_agreement(
        agreement_no=agreement.agreement_no, kind="testing", source_ref=ref, idempotency_key="a1"
    )
    assert (first.state, first.amount) == ("succeeded", D("30.00"))
    repeat = payments_api.charge_agreement(
        agreement_no=agreement.agreement_no, kind="testing", source_ref=ref, idempotency_key="a1"
    )
    assert repeat.payment_no == first.payment_no
    assert Payment.objects.count() == 1

    sandbox.charge_outcome = "declined"
    declined = payments_api.charge_agreement(
        agreement_no=agreement.agreement_no, kind="testing", source_ref=ref, idempotency_key="a2"
    )
    assert (declined.state, declined.failure_code) == ("failed", "BALANCE_NOT_ENOUGH")
    assert OutboxEvent.objects.filter(event_type="payments.payment.failed.v1").count() == 1


def test_charges_need_a_signed_agreement_of_the_same_buyer(invoices, buyer):
    pending = services.agreement_start(
        buyer_id=buyer.pk, provider="sandbox", kind="testing", source_ref="M1"
    )
    ref = invoices.add(buyer_id=buyer.pk, amount="30.00")
    with pytest.raises(AppError) as unsigned:
        payments_api.charge_agreement(
            agreement_no=pending.agreement_no, kind="testing", source_ref=ref, idempotency_key="x"
        )
    assert unsigned.value.code == "agreement_not_signed"
    someone_elses = invoices.add(buyer_id=make_user().pk, amount="30.00")
    with pytest.raises(AppError) as other:
        payments_api.charge_agreement(
            agreement_no=pending.agreement_no,
            kind="testing",
            source_ref=someone_elses,
            idempotency_key="y",
        )
    assert other.value.status_code == 404
    assert not Payment.objects.exists()


def test_providers_without_agreements_refuse_them(settings, buyer):
    settings.PAYMENTS_PROVIDERS = ["sandbox", "memory"]
    settings.PAYMENTS_PROVIDER_MEMORY = "contexts.payments.adapters.memory.InMemoryProvider"
    with pytest.raises(AppError) as refused:
        payments_api.start_agreement(
            buyer_id=buyer.pk, provider="memory", kind="testing", source_ref="M1"
        )
    assert (refused.value.status_code, refused.value.code) == (422, "payment_provider_refused")
    assert not PaymentAgreement.objects.exists()


def test_an_alipay_agreement_end_to_end_against_the_local_gateway(
    invoices, buyer, settings, django_capture_on_commit_callbacks
):
    """Through payments' api with the real Alipay adapter and the local gateway: the sign
    URL, Alipay's signed dut_user_sign notify, a charge (alipay.trade.pay with the
    agreement), then ending it (alipay.user.agreement.unsign) once."""
    from contexts.payments.tests.provider_servers import (
        AlipayAgreements,
        FakeAlipay,
        alipay_agreement_notify,
        alipay_notify,
        new_key,
        private_pem,
        public_pem,
        serve,
    )

    app_key, alipay_key = new_key(), new_key()
    gateway = FakeAlipay(
        app_id="2021000123", app_public=app_key.public_key(), alipay_key=alipay_key
    )
    book = AlipayAgreements()
    book.install(gateway)
    with serve(gateway) as url:
        settings.PAYMENTS_PROVIDERS = ["sandbox", "alipay"]
        settings.PAYMENTS_ALIPAY = {
            "app_id": "2021000123",
            "private_key": private_pem(app_key),
            "alipay_public_key": public_pem(alipay_key),
            "gateway": f"{url}/gateway.do",
            "timeout": 5,
        }
        started = payments_api.start_agreement(
            buyer_id=buyer.pk, provider="alipay", kind="testing", source_ref="M1"
        )
        assert started.sign_url.startswith(f"{url}/gateway.do?")
        assert "alipay.user.agreement.page.sign" in started.sign_url
        alipay_no = book.sign(started.agreement_no)  # the buyer signs in Alipay
        body = alipay_notify(
            alipay_agreement_notify(
                app_id="2021000123",
                external_agreement_no=started.agreement_no,
                agreement_no=alipay_no,
            ),
            alipay_key,
        )
        answer = services.notification_process(provider="alipay", headers={}, body=body)
        assert answer.body == b"success"
        assert payments_api.get_agreement(started.agreement_no).state == "signed"

        ref = invoices.add(buyer_id=buyer.pk, amount="19.90")
        charged = payments_api.charge_agreement(
            agreement_no=started.agreement_no, kind="testing", source_ref=ref, idempotency_key="r1"
        )
        assert (charged.state, charged.amount) == ("succeeded", D("19.90"))
        assert len(book.trades) == 1 and gateway.problems == []

        with django_capture_on_commit_callbacks(execute=True):
            assert payments_api.end_agreement(agreement_no=started.agreement_no) is True
        with django_capture_on_commit_callbacks(execute=True):
            assert payments_api.end_agreement(agreement_no=started.agreement_no) is False
        assert book.unsigned == [alipay_no]
        agreement = PaymentAgreement.objects.get(agreement_no=started.agreement_no)
        assert (agreement.state, agreement.provider_ref) == ("terminated", alipay_no)
        with pytest.raises(AppError) as ended:
            payments_api.charge_agreement(
                agreement_no=started.agreement_no,
                kind="testing",
                source_ref=ref,
                idempotency_key="r2",
            )
        assert ended.value.code == "agreement_not_signed"


def test_while_a_charge_is_pending_another_attempt_asks_about_the_same_payment(
    invoices, buyer, buyer_api, sandbox, django_capture_on_commit_callbacks
):
    agreement = _signed_agreement(buyer, buyer_api, django_capture_on_commit_callbacks)
    ref = invoices.add(buyer_id=buyer.pk, amount="30.00")
    sandbox.charge_outcome = "pending"
    first = payments_api.charge_agreement(
        agreement_no=agreement.agreement_no, kind="testing", source_ref=ref, idempotency_key="a1"
    )
    assert first.state == "pending"
    again = payments_api.charge_agreement(
        agreement_no=agreement.agreement_no, kind="testing", source_ref=ref, idempotency_key="a2"
    )
    assert (again.payment_no, again.state) == (first.payment_no, "pending")
    sandbox.charge_outcome = "succeeded"
    done = payments_api.charge_agreement(
        agreement_no=agreement.agreement_no, kind="testing", source_ref=ref, idempotency_key="a3"
    )
    assert (done.payment_no, done.state) == (first.payment_no, "succeeded")
    assert Payment.objects.count() == 1
    assert OutboxEvent.objects.filter(event_type="payments.payment.succeeded.v1").count() == 1


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_charges_of_one_payable_under_different_keys_make_one_payment(
    invoices, buyer, buyer_api, sandbox, django_capture_on_commit_callbacks
):
    """One agreement charge in flight per payable: six charges at once, each with its own key,
    queue on the agreement's row lock; the first makes the payment, the others ask about it
    (never a second deduction)."""
    from django.db import connection

    from shared.testing import run_concurrently

    if connection.vendor != "mysql":
        # SQLite's shared in-memory test database fails with "table is locked" instead of
        # waiting: this only means something on MariaDB (the database the suite runs on).
        pytest.skip("needs MariaDB row locks")
    agreement = _signed_agreement(buyer, buyer_api, django_capture_on_commit_callbacks)
    ref = invoices.add(buyer_id=buyer.pk, amount="30.00")
    sandbox.charge_outcome = "pending"

    answers = run_concurrently(
        6,
        lambda n: payments_api.charge_agreement(
            agreement_no=agreement.agreement_no,
            kind="testing",
            source_ref=ref,
            idempotency_key=f"c{n}",
        ),
    )

    assert not [a for a in answers if isinstance(a, Exception)], answers
    assert Payment.objects.filter(kind="testing", source_ref=ref).count() == 1
    assert {a.payment_no for a in answers} == {Payment.objects.get(source_ref=ref).payment_no}
