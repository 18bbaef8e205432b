"""Coupon templates, the coupons buyers hold, redeemable codes and their batches.

Buyers, merchants, categories and products are other contexts' ids. A template's `issued`
counter is the one place its total quantity is enforced (a conditional UPDATE); a buyer's
coupons of one template are numbered 1..per_user_limit and (template, user, seq) is unique, so
no race can give a buyer more than the limit.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from shared.money import money_field

NUMBER_LENGTH = 40


class CouponTemplate(models.Model):
    """What a coupon grants, to whom, for how long, and how many exist."""

    class Issuer(models.TextChoices):
        PLATFORM = "platform"
        MERCHANT = "merchant"

    class Kind(models.TextChoices):
        AMOUNT_OFF = "amount_off"  # `amount` off the lines in scope
        PERCENT_OFF = "percent_off"  # `percent` % off, at most `max_discount`
        THRESHOLD_OFF = "threshold_off"  # `amount` off once the lines in scope reach `min_spend`
        FREE_SHIPPING = "free_shipping"  # the freight of the shops in scope

    class Scope(models.TextChoices):
        ALL = "all"
        CATEGORIES = "categories"  # scope_ids: category ids, their descendants included
        PRODUCTS = "products"  # scope_ids: SKU ids
        MERCHANTS = "merchants"  # scope_ids: merchant ids

    class Validity(models.TextChoices):
        FIXED = "fixed"  # valid_from .. valid_until
        AFTER_CLAIM = "after_claim"  # valid_days from the claim

    class Audience(models.TextChoices):
        EVERYONE = "everyone"
        NEW_USERS = "new_users"  # registered within new_user_days
        MEMBER_LEVELS = "member_levels"  # a member level among member_levels

    class Status(models.TextChoices):
        ACTIVE = "active"
        PAUSED = "paused"

    name = models.CharField(max_length=100)
    issuer = models.CharField(max_length=10, choices=Issuer.choices)
    merchant_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = money_field(default=0)
    percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    max_discount = money_field(null=True, blank=True)
    min_spend = money_field(default=0)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.ALL)
    scope_ids = models.JSONField(default=list, blank=True)
    validity = models.CharField(max_length=12, choices=Validity.choices, default=Validity.FIXED)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    valid_days = models.PositiveIntegerField(null=True, blank=True)
    claim_starts_at = models.DateTimeField(default=timezone.now)
    claim_ends_at = models.DateTimeField(null=True, blank=True)
    total_quantity = models.PositiveIntegerField()
    issued = models.PositiveIntegerField(default=0)
    per_user_limit = models.PositiveIntegerField(default=1)
    audience = models.CharField(max_length=14, choices=Audience.choices, default="everyone")
    new_user_days = models.PositiveIntegerField(default=30)
    member_levels = models.JSONField(default=list, blank=True)
    stackable_with_promotions = models.BooleanField(default=True)
    # False: only through redeemable codes (not listed for claiming).
    claimable = models.BooleanField(default=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "claim_starts_at"], name="coupon_tpl_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued__lte=F("total_quantity")),
                name="coupon_template_issued_le_total",
                violation_error_message="No more coupons than the total quantity are issued.",
            ),
            models.CheckConstraint(
                condition=Q(per_user_limit__gte=1),
                name="coupon_template_limit_positive",
                violation_error_message="The per-user limit must be at least 1.",
            ),
            models.CheckConstraint(
                condition=Q(issuer="platform", merchant_id__isnull=True)
                | Q(issuer="merchant", merchant_id__isnull=False),
                name="coupon_template_issuer_merchant",
                violation_error_message="A merchant coupon names its merchant; a platform "
                "coupon names none.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CodeBatch(models.Model):
    """A batch of redeemable codes generated for a template (in the background for large
    batches: `generated` counts the progress)."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="batches")
    quantity = models.PositiveIntegerField()
    generated = models.PositiveIntegerField(default=0)
    # How often each code may be redeemed (1: one-time; more: a shared code, once per buyer).
    max_redemptions = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    created_by = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "code batches"

    def __str__(self) -> str:
        return f"batch #{self.pk} of {self.template_id}"


class CouponCode(models.Model):
    """One redeemable code (a secret: never in an event, a log line or an admin list)."""

    batch = models.ForeignKey(CodeBatch, on_delete=models.PROTECT, related_name="codes")
    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="codes")
    code = models.CharField(max_length=32, unique=True)
    max_redemptions = models.PositiveIntegerField(default=1)
    redeemed = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(redeemed__lte=F("max_redemptions")),
                name="coupon_code_redeemed_le_max",
                violation_error_message="A code is not redeemed more often than allowed.",
            )
        ]

    def __str__(self) -> str:
        return self.masked

    @property
    def masked(self) -> str:
        return f"{'*' * 4}{self.code[-4:]}"


class Coupon(models.Model):
    """A coupon a buyer holds: available -> held (for orders at placement) -> used (paid);
    held -> available on cancellation, used -> available on a full refund (configurable),
    available -> expired past its validity."""

    class Status(models.TextChoices):
        AVAILABLE = "available"
        HELD = "held"
        USED = "used"
        EXPIRED = "expired"

    template = models.ForeignKey(CouponTemplate, on_delete=models.PROTECT, related_name="coupons")
    user_id = models.BigIntegerField()
    seq = models.PositiveIntegerField()  # 1..per_user_limit among the user's of this template
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.AVAILABLE)
    valid_from = models.DateTimeField()
    valid_until = models.DateTimeField()
    code = models.ForeignKey(
        CouponCode, on_delete=models.PROTECT, null=True, blank=True, related_name="coupons"
    )
    trade_no = models.CharField(max_length=NUMBER_LENGTH, blank=True, db_index=True)
    order_nos = models.JSONField(default=list, blank=True)  # every order it was applied to
    held_order_nos = models.JSONField(default=list, blank=True)  # those still unpaid and open
    claimed_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["user_id", "status"], name="coupon_user_status"),
            models.Index(fields=["status", "valid_until"], name="coupon_status_until"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["template", "user_id", "seq"],
                name="coupon_template_user_seq",
                violation_error_message="The buyer already holds this many of the coupon.",
            )
        ]

    def __str__(self) -> str:
        return f"coupon #{self.pk}"


class CodeRedemption(models.Model):
    """A buyer redeemed a code (a shared code is redeemed once per buyer)."""

    code = models.ForeignKey(CouponCode, on_delete=models.PROTECT, related_name="redemptions")
    user_id = models.BigIntegerField()
    coupon = models.OneToOneField(Coupon, on_delete=models.PROTECT, related_name="redemption")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["code", "user_id"],
                name="coupon_code_user",
                violation_error_message="The buyer already redeemed this code.",
            )
        ]

    def __str__(self) -> str:
        return f"redemption #{self.pk}"
