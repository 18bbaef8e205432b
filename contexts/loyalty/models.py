"""Points accounts, their ledger, earn buckets (FIFO expiry), holds for orders, processed refunds
and member level rules. Users, orders, trades and refunds are other contexts' ids.

Invariants (held by services, which change an account only under its row lock):
  * balance == sum(entry.delta) == sum(bucket.remaining of the account) >= 0;
  * held == sum(entry.held_delta) == sum(points of holds in state "held") >= 0.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from shared.money import money_field


class LevelRule(models.Model):
    """A member level: reached at `min_growth` growth value (completed order amounts)."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=40)
    min_growth = money_field(unique=True)
    multiplier = models.DecimalField(max_digits=5, decimal_places=2, default=1)
    free_shipping = models.BooleanField(default=False)
    birthday_points = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["min_growth"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_growth__gte=0),
                name="levelrule_min_growth_non_negative",
                violation_error_message="A level's minimum growth cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(multiplier__gt=0),
                name="levelrule_multiplier_positive",
                violation_error_message="A level's points multiplier must be positive.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class PointsAccount(models.Model):
    user_id = models.BigIntegerField(unique=True)
    balance = models.BigIntegerField(default=0)
    held = models.BigIntegerField(default=0)
    growth = money_field(default=0)
    level_code = models.CharField(max_length=20, blank=True)
    last_birthday_year = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(balance__gte=0),
                name="pointsaccount_balance_non_negative",
                violation_error_message="A points balance cannot be negative.",
            ),
            models.CheckConstraint(
                condition=models.Q(held__gte=0),
                name="pointsaccount_held_non_negative",
                violation_error_message="Held points cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"points of user {self.user_id}"


class EntryKind(models.TextChoices):
    EARN = "earn"
    HOLD = "hold"  # placement: from the balance into a hold for an order
    SPEND = "spend"  # payment: the hold becomes final
    RETURN = "return"  # cancel, or a refund gives spent points back
    EXPIRE = "expire"
    REVERSE = "reverse"  # a refund takes earned points back
    ADJUST = "adjust"  # staff, with a reason
    BIRTHDAY = "birthday"


# Kinds that happen at most once per (account, reference): the idempotency of earn per order,
# hold/spend per order, return per order or refund, reversal per refund, birthday per year.
ONCE_PER_REFERENCE = ("earn", "hold", "spend", "return", "reverse", "birthday")


class PointsEntry(models.Model):
    """One change of an account: `delta` moves the balance, `held_delta` the held points."""

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    delta = models.BigIntegerField()
    held_delta = models.BigIntegerField(default=0)
    balance_after = models.BigIntegerField()
    # What it is for: "order:<no>", "refund:<no>", "birthday:<year>", "" (adjust, expire).
    reference = models.CharField(max_length=64, blank=True)
    trade_no = models.CharField(max_length=40, blank=True, db_index=True)
    # The money behind it: an earn's order amount, a hold's discount.
    amount = money_field(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    staff_user_id = models.BigIntegerField(null=True, blank=True)
    # Points a reversal could not take back (the buyer had spent them already).
    shortfall = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "points entries"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "kind", "reference"],
                condition=models.Q(kind__in=ONCE_PER_REFERENCE),
                name="pointsentry_once_per_reference",
                violation_error_message="This change was already recorded for this reference.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+d} ({self.reference or '-'})"


class PointsBucket(models.Model):
    """The points of one credit (earn, birthday, positive adjustment), spent oldest expiry
    first and expired at `expires_at`."""

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="buckets")
    entry = models.OneToOneField(PointsEntry, on_delete=models.PROTECT, related_name="bucket")
    points = models.BigIntegerField()
    remaining = models.BigIntegerField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["expires_at", "id"]
        indexes = [
            models.Index(fields=["expires_at", "remaining"], name="pointsbucket_due"),
            models.Index(fields=["account", "expires_at"], name="pointsbucket_account_fifo"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(remaining__gte=0) & models.Q(remaining__lte=models.F("points")),
                name="pointsbucket_remaining_in_range",
                violation_error_message="A bucket's remaining points must be 0..its points.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.remaining}/{self.points} until {self.expires_at:%Y-%m-%d}"


class BucketUse(models.Model):
    """Points a hold took from a bucket, and how many of them were given back since."""

    bucket = models.ForeignKey(PointsBucket, on_delete=models.PROTECT, related_name="uses")
    hold = models.ForeignKey("PointsHold", on_delete=models.PROTECT, related_name="uses")
    points = models.BigIntegerField()
    restored = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.points} from bucket {self.bucket_id}"


class PointsHold(models.Model):
    """Points a buyer spends on one order: held at placement, spent when paid, returned when
    cancelled; a refund of a paid order returns them in proportion (`returned`)."""

    class Status(models.TextChoices):
        HELD = "held"
        SPENT = "spent"
        RETURNED = "returned"

    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="holds")
    order_no = models.CharField(max_length=40, unique=True)
    trade_no = models.CharField(max_length=40, db_index=True)
    points = models.BigIntegerField()
    amount = money_field()
    returned = models.BigIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.points} points on {self.order_no} ({self.status})"


class RefundRecord(models.Model):
    """A refund loyalty has processed (once per refund_no) and what it did."""

    refund_no = models.CharField(max_length=40, unique=True)
    trade_no = models.CharField(max_length=40, db_index=True)
    user_id = models.BigIntegerField()
    amount = money_field()
    reversed_points = models.BigIntegerField(default=0)
    returned_points = models.BigIntegerField(default=0)
    shortfall = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.refund_no
