"""Activities (promotions) of the platform and of shops. Shops, SKUs, products and categories
are other contexts' ids; what an activity grants is its rule (kind + JSON parameters, checked by
domain.parse_rule), on the goods its scope names."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from contexts.promotions import domain

RULE_KINDS = [(k.value, k.value.replace("_", " ")) for k in domain.RuleKind]
SCOPE_KINDS = [(k.value, k.value) for k in domain.ScopeKind]
STATUSES = [(s.value, s.value) for s in domain.Status]


class Activity(models.Model):
    # The owner: a shop, or NULL for the platform (staff only).
    merchant_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    name = models.CharField(max_length=100)
    description = models.CharField(max_length=300, blank=True)
    rule_kind = models.CharField(max_length=20, choices=RULE_KINDS)
    rule_params = models.JSONField(default=dict)
    scope_kind = models.CharField(max_length=20, choices=SCOPE_KINDS, default="all")
    scope_ids = models.JSONField(default=list, blank=True)
    exclusive = models.BooleanField(default=False)
    priority = models.IntegerField(default=0)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(db_index=True)
    # Status is derived (domain.activity_status) from these flags and the window.
    scheduled = models.BooleanField(default=False)
    paused = models.BooleanField(default=False)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_by = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="promotion_activity_window",
                violation_error_message="An activity must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(priority__gte=-1000, priority__lte=1000),
                name="promotion_activity_priority_range",
                violation_error_message="Priority must be between -1000 and 1000.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def status_at(self, now=None) -> domain.Status:
        return domain.activity_status(
            scheduled=self.scheduled,
            paused=self.paused,
            ended_at=self.ended_at,
            starts_at=self.starts_at,
            ends_at=self.ends_at,
            now=now or timezone.now(),
        )

    @property
    def status(self) -> str:
        return self.status_at().value

    def rule(self) -> domain.Rule:
        return domain.parse_rule(self.rule_kind, self.rule_params)

    def as_domain(self) -> domain.Activity:
        return domain.Activity(
            activity_id=self.pk,
            name=self.name,
            merchant_id=self.merchant_id,
            rule=self.rule(),
            scope=domain.Scope(
                kind=domain.ScopeKind(self.scope_kind), ids=frozenset(self.scope_ids or ())
            ),
            exclusive=self.exclusive,
            priority=self.priority,
        )
