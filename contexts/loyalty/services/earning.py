"""Points in: earning on order completion, birthday points, staff adjustments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contexts.identity import api as identity_api
from contexts.loyalty import domain
from contexts.loyalty.models import EntryKind, PointsEntry
from contexts.loyalty.services import ledger
from contexts.loyalty.services.levels import level_recompute, levels
from contexts.loyalty.services.multipliers import bonus_multiplier
from shared.audit.services import audit_record, snapshot
from shared.auth import Principal
from shared.errors import NotFound, ValidationFailed


def _multiplier(level_code: str) -> Decimal:
    for level in levels():
        if level.code == level_code:
            return level.multiplier
    return Decimal(1)


@transaction.atomic
def order_completed_earn(
    *, user_id: int, order_no: str, trade_no: str, pay_amount: Decimal
) -> PointsEntry | None:
    """Credit floor(pay_amount * LOYALTY_EARN_POINTS_PER_YUAN * multiplier of the member's
    level before this order * the bonus multiplier other contexts grant now, see
    multipliers.py) points and add pay_amount to the growth value (the level is
    recomputed: a change publishes loyalty.level.changed.v1). Once per order: a repeat does
    nothing and answers None."""
    account = ledger.account_lock(user_id=user_id)
    reference = f"order:{order_no}"
    if ledger.entry_exists(account, kind=EntryKind.EARN, reference=reference):
        return None
    points = domain.earn_points(
        amount=pay_amount,
        rate=Decimal(settings.LOYALTY_EARN_POINTS_PER_YUAN),
        multiplier=_multiplier(account.level_code) * bonus_multiplier(user_id=user_id),
    )
    account.growth += max(pay_amount, Decimal(0))
    level_recompute(account)
    return ledger.credit(
        account,
        kind=EntryKind.EARN,
        points=points,
        reference=reference,
        trade_no=trade_no,
        amount=pay_amount,
    )


@transaction.atomic
def points_adjust(*, principal: Principal, user_id: int, delta: int, reason: str) -> PointsEntry:
    """A staff adjustment (permission loyalty.adjust) with a reason, recorded with the staff
    user's id and in the audit trail. Adding makes a new bucket; taking spends the oldest
    buckets first and never below zero (422 points_insufficient)."""
    principal.require("loyalty.adjust")
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(
            "A reason is required.", details={"fields": {"reason": ["required"]}}
        )
    if delta == 0:
        raise ValidationFailed("delta cannot be 0.", details={"fields": {"delta": ["not 0"]}})
    if identity_api.get_user(user_id=user_id) is None:
        raise NotFound("No such user.", code="user_not_found")
    account = ledger.account_lock(user_id=user_id)
    before = snapshot(account)
    ledger.expire_due(account)
    if delta > 0:
        entry = ledger.credit(
            account,
            kind=EntryKind.ADJUST,
            points=delta,
            reason=reason,
            staff_user_id=principal.user_id,
        )
    else:
        if account.balance < -delta:
            raise ledger.points_insufficient(balance=account.balance, wanted=-delta)
        ledger.take(account, -delta)
        entry = ledger.record(
            account,
            kind=EntryKind.ADJUST,
            delta=delta,
            reason=reason,
            staff_user_id=principal.user_id,
        )
    audit_record(
        actor_user_id=principal.user_id,
        actor=f"user {principal.user_id}",
        model=type(account),
        object_id=account.pk,
        object_repr=str(account),
        action="points_adjust",
        before=before,
        after={**snapshot(account), "delta": delta, "reason": reason, "entry_id": entry.pk},
    )
    return entry


def birthday_points_grant(*, today: date | None = None, batch_size: int = 500) -> int:
    """Beat task body (daily): members whose birthday is today get their level's birthday
    points, once per user and year (reference "birthday:<year>"); answers how many got some.
    Safe to re-run and to run concurrently (the entry is unique per account and reference)."""
    today = today or timezone.localdate()
    by_code = {level.code: level for level in levels()}
    granted = 0
    after_id = 0
    while True:
        user_ids = identity_api.user_ids_with_birthday(
            on=today, after_id=after_id, limit=batch_size
        )
        if not user_ids:
            return granted
        after_id = user_ids[-1]
        for user_id in user_ids:
            with transaction.atomic():
                account = ledger.account_lock(user_id=user_id)
                level = by_code.get(account.level_code)
                reference = f"birthday:{today.year}"
                if level is None or level.birthday_points <= 0:
                    continue
                if ledger.entry_exists(account, kind=EntryKind.BIRTHDAY, reference=reference):
                    continue
                account.last_birthday_year = today.year
                ledger.credit(
                    account,
                    kind=EntryKind.BIRTHDAY,
                    points=level.birthday_points,
                    reference=reference,
                )
                granted += 1


__all__ = ["birthday_points_grant", "order_completed_earn", "points_adjust"]
