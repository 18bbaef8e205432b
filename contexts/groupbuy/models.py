"""Group buy activities, their groups and the groups' members.

Other contexts are referenced by id or number: `sku_id`/`spu_id`/`merchant_id` (catalog),
`user_id`/`address_id` (identity), `order_no`/`trade_no` (ordering). CHECK constraints keep the
seat counters in range (MariaDB enforces them): a group never holds more seats than its size.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from contexts.groupbuy.domain import ActivityStatus, GroupStatus, MemberStatus
from shared.money import money_field

ACTIVITY_STATUS_CHOICES = [(s.value, s.value) for s in ActivityStatus]
GROUP_STATUS_CHOICES = [(s.value, s.value) for s in GroupStatus]
MEMBER_STATUS_CHOICES = [(s.value, s.value) for s in MemberStatus]


class GroupBuyActivity(models.Model):
    name = models.CharField(max_length=100)
    merchant_id = models.BigIntegerField(db_index=True)
    sku_id = models.BigIntegerField(db_index=True)
    spu_id = models.BigIntegerField(db_index=True)
    group_price = money_field()
    group_size = models.PositiveSmallIntegerField()
    fill_seconds = models.PositiveIntegerField(help_text="Time a group has to fill.")
    per_user_limit = models.PositiveSmallIntegerField(
        default=1, help_text="Seats one buyer may hold in this activity's groups at once."
    )
    auto_fill = models.BooleanField(
        default=False, help_text="Complete an expiring group that has a paid member."
    )
    status = models.CharField(
        max_length=10, choices=ACTIVITY_STATUS_CHOICES, default=ActivityStatus.ACTIVE.value
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "group buy activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="groupbuy_activity_window",
                violation_error_message="An activity ends after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(group_size__gte=2),
                name="groupbuy_activity_size_gte_2",
                violation_error_message="A group has at least two seats.",
            ),
            models.CheckConstraint(
                condition=Q(per_user_limit__gt=0),
                name="groupbuy_activity_limit_gt_0",
                violation_error_message="The per-buyer limit is at least one.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (SKU {self.sku_id}, {self.group_size} @ {self.group_price})"


class GroupBuyGroup(models.Model):
    group_no = models.CharField(max_length=40, unique=True)
    activity = models.ForeignKey(GroupBuyActivity, on_delete=models.PROTECT, related_name="groups")
    leader_id = models.BigIntegerField()
    # Copied from the activity when the group starts: a later change of the activity never
    # changes a group whose orders are placed.
    size = models.PositiveSmallIntegerField()
    group_price = money_field()
    # Seats taken by held or paid members, and those paid: changed under the group's row lock.
    occupied = models.PositiveSmallIntegerField(default=0)
    paid_count = models.PositiveSmallIntegerField(default=0)
    virtual_seats = models.PositiveSmallIntegerField(default=0, help_text="Filled by auto-fill.")
    status = models.CharField(
        max_length=10, choices=GROUP_STATUS_CHOICES, default=GroupStatus.OPEN.value
    )
    deadline = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(occupied__lte=F("size")),
                name="groupbuy_group_occupied_lte_size",
                violation_error_message="A group cannot hold more members than seats.",
            ),
            models.CheckConstraint(
                condition=Q(paid_count__lte=F("occupied")),
                name="groupbuy_group_paid_lte_occupied",
                violation_error_message="Paid seats are taken seats.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="groupbuy_group_status_deadline"),
            models.Index(fields=["activity", "status", "deadline"], name="groupbuy_group_open"),
        ]

    def __str__(self) -> str:
        return self.group_no


class GroupBuyMember(models.Model):
    group = models.ForeignKey(GroupBuyGroup, on_delete=models.PROTECT, related_name="members")
    user_id = models.BigIntegerField()
    is_leader = models.BooleanField(default=False)
    # The reference ordering places the member's order under (source "groupbuy").
    member_ref = models.CharField(max_length=40, unique=True)
    order_no = models.CharField(max_length=40, blank=True, db_index=True)
    trade_no = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=10, choices=MEMBER_STATUS_CHOICES, default=MemberStatus.HELD.value
    )
    joined_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["user_id", "status"], name="groupbuy_member_user"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.user_id} ({self.status})"
