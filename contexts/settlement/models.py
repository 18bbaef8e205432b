"""Settlement's tables: commission rules, merchants' settlement profiles, settlement lines,
refunds as settlement saw them, statements, payouts and reconciliation mismatches. Merchants,
categories, orders, trades, payments and refunds are other contexts' ids/numbers.

Immutability: a line on a statement and an issued statement's amounts never change. `save()`
refuses it (StatementImmutable) and the services never update them; the tests prove both.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from contexts.settlement.domain import (
    Cycle,
    LineKind,
    PayoutState,
    StatementImmutable,
    StatementState,
)
from shared.money import ZERO, money_field

NUMBER_LENGTH = 40
CYCLES = [(c.value, c.value) for c in Cycle]
STATEMENT_STATES = [(s.value, s.value) for s in StatementState]
PAYOUT_STATES = [(s.value, s.value) for s in PayoutState]
LINE_KINDS = [(k.value, k.value) for k in LineKind]
RATE_FIELD = {"max_digits": 5, "decimal_places": 4}


class CommissionRule(models.Model):
    """A commission rate: for one merchant (`merchant_id`), one category (`category_id`, its
    sub-categories included) or one category of one merchant. A merchant without a rule pays
    its catalog commission rate."""

    merchant_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    category_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    rate = models.DecimalField(**RATE_FIELD)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["merchant_id", "category_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant_id", "category_id"],
                name="commission_rule_scope",
                violation_error_message="A rule for this merchant and category already exists.",
            ),
            models.CheckConstraint(
                condition=Q(merchant_id__isnull=False) | Q(category_id__isnull=False),
                name="commission_rule_has_scope",
                violation_error_message="A rule names a merchant, a category or both.",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0) & Q(rate__lte=1),
                name="commission_rule_rate_range",
                violation_error_message="A rate is between 0 and 1 (0.05 is 5 %).",
            ),
        ]

    def __str__(self) -> str:
        return f"rule {self.merchant_id or '*'} / {self.category_id or '*'}: {self.rate}"


class MerchantProfile(models.Model):
    """How and where a merchant is settled: its statement cycle and its payee account at a
    payment provider (the sandbox by default)."""

    merchant_id = models.BigIntegerField(unique=True)
    cycle = models.CharField(max_length=10, choices=CYCLES, default=Cycle.WEEKLY.value)
    payee_provider = models.CharField(max_length=20, default="sandbox")
    payee_account = models.CharField(max_length=100, blank=True)
    payee_name = models.CharField(max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["merchant_id"]

    def __str__(self) -> str:
        return f"merchant {self.merchant_id} ({self.cycle})"


class Statement(models.Model):
    """What a merchant is owed for a period: the lines that became settleable by its end and
    were on no earlier statement. Issued with its totals; never changed after."""

    statement_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    merchant_id = models.BigIntegerField(db_index=True)
    cycle = models.CharField(max_length=10, choices=CYCLES)
    period_start = models.DateField()
    period_end = models.DateField()  # exclusive
    state = models.CharField(
        max_length=10, choices=STATEMENT_STATES, default=StatementState.ISSUED.value
    )
    line_count = models.PositiveIntegerField(default=0)
    paid_total = money_field(default=ZERO)
    platform_funded_total = money_field(default=ZERO)
    commission_total = money_field(default=ZERO)
    refund_total = money_field(default=ZERO)
    commission_returned_total = money_field(default=ZERO)
    net_total = money_field(default=ZERO)
    issued_at = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.BigIntegerField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # When the reconciliation check last compared its lines with payments.
    reconciled_at = models.DateTimeField(null=True, blank=True)
    # A statement whose net is negative is never paid out: its deficit is a "carried" line on
    # the merchant's next statement, named here.
    carried_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="carried_from"
    )

    FROZEN = (
        "statement_no",
        "merchant_id",
        "cycle",
        "period_start",
        "period_end",
        "line_count",
        "paid_total",
        "platform_funded_total",
        "commission_total",
        "refund_total",
        "commission_returned_total",
        "net_total",
        "issued_at",
    )

    class Meta:
        ordering = ["-period_start", "merchant_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant_id", "period_start", "period_end"],
                name="statement_merchant_period",
                violation_error_message="This merchant's statement of the period already exists.",
            )
        ]
        indexes = [models.Index(fields=["state", "merchant_id"], name="statement_state_merchant")]

    def __str__(self) -> str:
        return self.statement_no

    def save(self, *args, **kwargs) -> None:
        # The guard behind "immutable once issued": only the state and its stamps may move.
        if self.pk is not None:
            stored = Statement.objects.filter(pk=self.pk).values(*self.FROZEN).first()
            if stored is not None and any(
                stored[name] != getattr(self, name) for name in self.FROZEN
            ):
                raise StatementImmutable()
        super().save(*args, **kwargs)


class SettlementLine(models.Model):
    """One order settled for its merchant (kind "order"), a refund that came after the order's
    line went on an issued statement (kind "adjustment", on the next statement), or an earlier
    statement's negative net (kind "carried": order_no holds that statement's number)."""

    merchant_id = models.BigIntegerField(db_index=True)
    kind = models.CharField(max_length=12, choices=LINE_KINDS)
    order_no = models.CharField(max_length=NUMBER_LENGTH, db_index=True)
    trade_no = models.CharField(max_length=NUMBER_LENGTH, db_index=True)
    payment_no = models.CharField(max_length=NUMBER_LENGTH, blank=True)
    # The refund an adjustment line reports (empty on order lines).
    refund_no = models.CharField(max_length=NUMBER_LENGTH, blank=True)
    paid_amount = money_field(default=ZERO)
    platform_funded = money_field(default=ZERO)
    commission = money_field(default=ZERO)
    refunded = money_field(default=ZERO)
    commission_returned = money_field(default=ZERO)
    net_amount = money_field(default=ZERO)
    completed_at = models.DateTimeField()
    settleable_at = models.DateTimeField(db_index=True)
    statement = models.ForeignKey(
        Statement, null=True, blank=True, on_delete=models.PROTECT, related_name="lines"
    )
    created_at = models.DateTimeField(default=timezone.now)

    MONEY = ("paid_amount", "platform_funded", "commission", "refunded", "commission_returned")

    class Meta:
        ordering = ["settleable_at", "id"]
        constraints = [
            # One order line per order; one adjustment per refund and order.
            models.UniqueConstraint(
                fields=["order_no", "kind", "refund_no"],
                name="settlement_line_once",
                violation_error_message="This order or refund is already settled.",
            )
        ]
        indexes = [
            models.Index(
                fields=["merchant_id", "statement", "settleable_at"], name="line_open_by_merchant"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.order_no} {self.net_amount}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            stored = (
                SettlementLine.objects.filter(pk=self.pk)
                .values("statement_id", "net_amount", *self.MONEY)
                .first()
            )
            if stored is not None and stored["statement_id"] is not None:
                raise StatementImmutable()
        super().save(*args, **kwargs)


class RefundShare(models.Model):
    """A payments refund as settlement attributed it to one order (payments' RefundSucceeded
    names the trade; a trade of several shops' orders is split by their paid amounts)."""

    refund_no = models.CharField(max_length=NUMBER_LENGTH)
    order_no = models.CharField(max_length=NUMBER_LENGTH, db_index=True)
    merchant_id = models.BigIntegerField()
    trade_no = models.CharField(max_length=NUMBER_LENGTH, db_index=True)
    amount = money_field()
    # The line that took it: the order line (refunded before settlement) or an adjustment.
    line = models.ForeignKey(
        SettlementLine, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["refund_no", "order_no"],
                name="refund_share_once",
                violation_error_message="This refund was already attributed to the order.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.refund_no} → {self.order_no}"


class Payout(models.Model):
    """Paying one approved statement to its merchant through payments' transfer: one per
    statement; a failed one is retried (a new attempt, a new transfer key)."""

    payout_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    statement = models.OneToOneField(Statement, on_delete=models.PROTECT, related_name="payout")
    merchant_id = models.BigIntegerField(db_index=True)
    amount = money_field()
    state = models.CharField(max_length=12, choices=PAYOUT_STATES, default=PayoutState.PENDING)
    provider = models.CharField(max_length=20)
    payee_account = models.CharField(max_length=100)
    attempts = models.PositiveIntegerField(default=0)
    transfer_no = models.CharField(max_length=NUMBER_LENGTH, blank=True)
    failure_code = models.CharField(max_length=64, blank=True)
    requested_by = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payout_amount_positive",
                violation_error_message="A payout's amount must be positive.",
            )
        ]

    def __str__(self) -> str:
        return self.payout_no


class ReconciliationMismatch(models.Model):
    """A statement whose lines do not agree with payments: a trade with no succeeded payment,
    orders paid for more than the payment, or refunds settlement saw that differ from the
    payment's succeeded refunds."""

    class Kind(models.TextChoices):
        PAYMENT_MISSING = "payment_missing"
        PAID_EXCEEDS_PAYMENT = "paid_exceeds_payment"
        REFUNDS_DIFFER = "refunds_differ"

    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="mismatches")
    trade_no = models.CharField(max_length=NUMBER_LENGTH)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    ours = money_field()
    theirs = money_field()
    checked_at = models.DateTimeField(default=timezone.now)
    resolved = models.BooleanField(default=False)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "reconciliation mismatches"
        constraints = [
            models.UniqueConstraint(
                fields=["statement", "trade_no", "kind"],
                name="reconciliation_mismatch_once",
                violation_error_message="This mismatch is already recorded.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.statement_id} {self.trade_no} {self.kind}"
