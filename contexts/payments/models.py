"""Payments, refunds, the callbacks we accepted, bill mismatches, and the sandbox provider's own
book. Trades and buyers are other contexts' ids (trade_no, buyer_id)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from contexts.payments.domain.states import PaymentState, RefundState
from shared.money import money_field

NUMBER_LENGTH = 40
KEY_LENGTH = 128
PAYMENT_STATES = [(s.value, s.value) for s in PaymentState]
REFUND_STATES = [(s.value, s.value) for s in RefundState]


TRADE = "trade"


class Payment(models.Model):
    """One attempt to pay a trade (or another context's payable, see services/payables.py)
    through one provider. The amount is the payable's amount when the payment was created
    (computed on the server)."""

    payment_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    # What is paid: kind "trade" (ordering's trade, the default) or a kind another context
    # registered (e.g. "subscription" invoices), and that context's reference. For every kind
    # `trade_no` holds the reference too, so the refund paths keyed on it work alike.
    kind = models.CharField(max_length=20, default=TRADE)
    source_ref = models.CharField(max_length=NUMBER_LENGTH, blank=True, db_index=True)
    trade_no = models.CharField(max_length=NUMBER_LENGTH, db_index=True)
    buyer_id = models.BigIntegerField(db_index=True)
    provider = models.CharField(max_length=20)
    channel = models.CharField(max_length=10)
    amount = money_field()
    state = models.CharField(
        max_length=12, choices=PAYMENT_STATES, default=PaymentState.CREATED.value
    )
    # The buyer's Idempotency-Key and a hash of the request it came with.
    idempotency_key = models.CharField(max_length=KEY_LENGTH)
    request_hash = models.CharField(max_length=64)
    # What the buyer's client needs to pay (PaymentStarted): a URL, an order string, ...
    client_kind = models.CharField(max_length=20, blank=True)
    client_data = models.JSONField(default=dict, blank=True)
    provider_ref = models.CharField(max_length=64, blank=True)
    paid_amount = money_field(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Why the money goes back (ordering refused the payment: illegal_transition, ...).
    refund_reason = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="payment_state_created")]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer_id", "idempotency_key"],
                name="payment_buyer_key",
                violation_error_message="This Idempotency-Key was already used by this buyer.",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_message="A payment's amount must be positive.",
            ),
        ]

    def __str__(self) -> str:
        return self.payment_no


class Refund(models.Model):
    """Money given back from a succeeded payment (partial refunds allowed); the refunds that
    did not fail never add up to more than the payment."""

    refund_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    state = models.CharField(
        max_length=12, choices=REFUND_STATES, default=RefundState.REQUESTED.value
    )
    reason = models.CharField(max_length=200, blank=True)
    # Who asked (a staff user id; None: the platform, e.g. a payment ordering refused).
    requested_by = models.BigIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=KEY_LENGTH)
    request_hash = models.CharField(max_length=64)
    provider_ref = models.CharField(max_length=64, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "updated_at"], name="refund_state_updated")]
        constraints = [
            models.UniqueConstraint(
                fields=["payment", "idempotency_key"],
                name="refund_payment_key",
                violation_error_message="This Idempotency-Key was already used for this payment.",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="refund_amount_positive",
                violation_error_message="A refund's amount must be positive.",
            ),
        ]

    def __str__(self) -> str:
        return self.refund_no


class NotificationReceipt(models.Model):
    """A provider callback we accepted, by its delivery nonce: a redelivery of the same body is
    answered ok without acting again, the same nonce with another body is a replay (refused).
    Only a hash of the body is kept."""

    provider = models.CharField(max_length=20)
    nonce = models.CharField(max_length=128)
    body_hash = models.CharField(max_length=64)
    kind = models.CharField(max_length=10)
    payment_no = models.CharField(max_length=NUMBER_LENGTH, db_index=True)
    refund_no = models.CharField(max_length=NUMBER_LENGTH, blank=True)
    state = models.CharField(max_length=12)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "nonce"],
                name="notification_provider_nonce",
                violation_error_message="This provider's callback nonce was already received.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.kind} {self.payment_no}"


class BillMismatch(models.Model):
    """The daily bill check: a provider's totals for a day that differ from ours."""

    class Kind(models.TextChoices):
        PAYMENTS = "payments"
        REFUNDS = "refunds"

    provider = models.CharField(max_length=20)
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Kind.choices)
    our_count = models.IntegerField()
    our_amount = money_field()
    their_count = models.IntegerField()
    their_amount = money_field()
    checked_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-day", "provider", "kind"]
        verbose_name_plural = "bill mismatches"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "day", "kind"],
                name="bill_mismatch_provider_day_kind",
                violation_error_message="This day's mismatch is already recorded for the provider.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.day} {self.kind}"


class SandboxTransaction(models.Model):
    """The sandbox provider's own book (what "the provider" knows), kept apart from ours so
    queries and bills can disagree with us as a real provider's can."""

    class Kind(models.TextChoices):
        PAYMENT = "payment"
        REFUND = "refund"
        TRANSFER = "transfer"  # a payout (payments.api.transfer)
        AGREEMENT = "agreement"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # payment_no / refund_no / agreement_no
    number = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    payment_no = models.CharField(max_length=NUMBER_LENGTH, db_index=True)
    amount = money_field()
    state = models.CharField(max_length=12)
    provider_ref = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"sandbox {self.kind} {self.number}"


class Transfer(models.Model):
    """Money paid out from the platform to a payee (a merchant's settlement payout) through a
    provider: once per caller's idempotency key, and once at the provider per transfer_no."""

    class State(models.TextChoices):
        REQUESTED = "requested"
        PROCESSING = "processing"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    transfer_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    provider = models.CharField(max_length=20)
    payee_account = models.CharField(max_length=100)
    payee_name = models.CharField(max_length=100, blank=True)
    amount = money_field()
    remark = models.CharField(max_length=100, blank=True)
    # The payments that funded it: [{"payment_no", "provider", "payment_ref", "amount"}]
    # ordered by payment_no (WeChat's profit sharing splits each: one order per source).
    sources = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.REQUESTED)
    idempotency_key = models.CharField(max_length=KEY_LENGTH, unique=True)
    request_hash = models.CharField(max_length=64)
    provider_ref = models.CharField(max_length=64, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "updated_at"], name="transfer_state_updated")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0),
                name="transfer_amount_positive",
                violation_error_message="A transfer's amount must be positive.",
            )
        ]

    def __str__(self) -> str:
        return self.transfer_no


class PaymentAgreement(models.Model):
    """A buyer's signed authorisation for the provider to charge them later without them present
    (auto-renewal, 代扣): started by another context for one of its payables (`kind`,
    `source_ref`), signed at the provider, confirmed by its signed callback."""

    class State(models.TextChoices):
        PENDING = "pending"
        SIGNED = "signed"
        # Ended by us; the provider is told after commit (retried by reconciliation).
        ENDING = "ending"
        TERMINATED = "terminated"

    agreement_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    buyer_id = models.BigIntegerField(db_index=True)
    provider = models.CharField(max_length=20)
    kind = models.CharField(max_length=20)
    source_ref = models.CharField(max_length=NUMBER_LENGTH, db_index=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    # The provider's id of the agreement (Alipay agreement_no, WeChat contract_id).
    provider_ref = models.CharField(max_length=64, blank=True)
    client_kind = models.CharField(max_length=20, blank=True)
    client_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    signed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.agreement_no
