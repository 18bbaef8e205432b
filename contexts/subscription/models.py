"""Plans, memberships and their invoices. Users are identity's ids (user_id); payments are
payments' numbers (payment_no); agreements payments' agreement numbers."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils import timezone

from contexts.subscription.domain import MembershipState, Period
from shared.money import money_field

NUMBER_LENGTH = 40
PERIOD_CHOICES = [(p.value, p.value) for p in Period]
STATE_CHOICES = [(s.value, s.value.replace("_", " ")) for s in MembershipState]


class Plan(models.Model):
    """A membership plan: its billing period, price, free trial and benefits."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80)
    period = models.CharField(max_length=10, choices=PERIOD_CHOICES)
    price = money_field()
    trial_days = models.PositiveIntegerField(default=0)
    # Benefits other contexts read through subscription.api.member_benefits.
    free_shipping = models.BooleanField(default=False)
    points_multiplier = models.DecimalField(max_digits=4, decimal_places=2, default=Decimal("1"))
    # The member price: this percentage off the items of every checkout (platform-funded).
    member_discount_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0")
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["price", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price__gt=0),
                name="subscription_plan_price_positive",
                violation_error_message="A plan's price must be positive.",
            ),
            models.CheckConstraint(
                condition=models.Q(points_multiplier__gte=1),
                name="subscription_plan_multiplier_min",
                violation_error_message="A points multiplier is at least 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.period}, {self.price})"


class Membership(models.Model):
    """A user's membership (one per user, reused when they subscribe again)."""

    member_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    user_id = models.BigIntegerField(unique=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="memberships")
    state = models.CharField(max_length=24, choices=STATE_CHOICES, db_index=True)
    current_period_start = models.DateTimeField(null=True, blank=True)
    current_period_end = models.DateTimeField(null=True, blank=True, db_index=True)
    # Whether the current period is a free trial (no credit on an upgrade).
    in_trial = models.BooleanField(default=False)
    trial_used = models.BooleanField(default=False)
    # Past due: benefits go on until then, renewal attempts are retried until then.
    grace_until = models.DateTimeField(null=True, blank=True)
    # A downgrade waiting for the next renewal.
    next_plan = models.ForeignKey(
        Plan, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    auto_renew = models.BooleanField(default=False)
    agreement_no = models.CharField(max_length=NUMBER_LENGTH, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.member_no} (user {self.user_id}, {self.state})"


class Invoice(models.Model):
    """What a member owes for a plan: the first period, a renewal, or an upgrade. Paid through
    payments (kind "subscription", the invoice number as reference)."""

    class Kind(models.TextChoices):
        INITIAL = "initial"
        RENEWAL = "renewal"
        UPGRADE = "upgrade"

    class State(models.TextChoices):
        OPEN = "open"
        PAID = "paid"
        VOID = "void"

    invoice_no = models.CharField(max_length=NUMBER_LENGTH, unique=True)
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="invoices")
    user_id = models.BigIntegerField(db_index=True)
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = money_field()
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    # Renewal: the period it pays for (fixed); initial / upgrade: the period starts when paid.
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    payment_no = models.CharField(max_length=NUMBER_LENGTH, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    # Renewal charges against the agreement: how many were tried, when the next one is due.
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_failure = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # A renewal beat that runs twice bills a period once: the membership row lock does
            # it everywhere; this constraint backs it where the database creates conditional
            # constraints (SQLite, PostgreSQL; MariaDB skips it, Django warning W036).
            models.UniqueConstraint(
                fields=["membership", "period_start"],
                condition=models.Q(kind="renewal"),
                name="subscription_one_renewal_per_period",
                violation_error_message="This period is already billed.",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="subscription_invoice_amount_min",
                violation_error_message="An invoice's amount cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_no} ({self.kind}, {self.amount}, {self.state})"
