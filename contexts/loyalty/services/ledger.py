"""The points ledger: every change of an account goes through here, under the account's row
lock (SELECT ... FOR UPDATE), so no update is lost and the balance never goes negative.

Credits (earn, birthday, a positive adjustment) are buckets expiring LOYALTY_POINTS_VALID_DAYS
later; debits take from the buckets whose expiry comes first (FIFO); due buckets of an account
are expired before any debit, and by the `loyalty.expire_points` beat task.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.loyalty.events import PointsChanged
from contexts.loyalty.models import (
    ONCE_PER_REFERENCE,
    EntryKind,
    PointsAccount,
    PointsBucket,
    PointsEntry,
)
from shared.errors import BusinessRuleViolation
from shared.events import publish


def points_insufficient(*, balance: int, wanted: int) -> BusinessRuleViolation:
    return BusinessRuleViolation(
        "Not enough points.",
        code="points_insufficient",
        details={"balance": balance, "points": wanted},
    )


def account_lock(*, user_id: int) -> PointsAccount:
    """The user's account, locked until the transaction ends (created at the lowest level on
    first use; two first uses at once: one creates, the other waits for it and locks it)."""
    account = PointsAccount.objects.select_for_update().filter(user_id=user_id).first()
    if account is not None:
        return account
    from contexts.loyalty.services.levels import lowest_level_code

    try:
        with transaction.atomic():
            PointsAccount.objects.create(user_id=user_id, level_code=lowest_level_code())
    except IntegrityError:
        pass  # created meanwhile by a concurrent first use
    return PointsAccount.objects.select_for_update().get(user_id=user_id)


def accounts_lock(*, user_ids: Iterable[int]) -> dict[int, PointsAccount]:
    """Several accounts, locked in user id order (no deadlock between two such calls)."""
    return {user_id: account_lock(user_id=user_id) for user_id in sorted(set(user_ids))}


def entry_exists(account: PointsAccount, *, kind: str, reference: str) -> bool:
    return PointsEntry.objects.filter(account=account, kind=kind, reference=reference).exists()


def record(
    account: PointsAccount,
    *,
    kind: str,
    delta: int,
    held_delta: int = 0,
    reference: str = "",
    trade_no: str = "",
    amount: Decimal | None = None,
    reason: str = "",
    staff_user_id: int | None = None,
    shortfall: int = 0,
) -> PointsEntry:
    """Apply one change to the locked account and write its ledger row and event. Buckets are
    the caller's business (credit / take / restore)."""
    account.balance += delta
    account.held += held_delta
    if account.balance < 0 or account.held < 0:  # a bug of the caller: refuse, write nothing
        raise points_insufficient(balance=account.balance - delta, wanted=-delta)
    account.save(
        update_fields=[
            "balance",
            "held",
            "growth",
            "level_code",
            "last_birthday_year",
            "updated_at",
        ]
    )
    entry = PointsEntry.objects.create(
        account=account,
        kind=kind,
        delta=delta,
        held_delta=held_delta,
        balance_after=account.balance,
        reference=reference,
        trade_no=trade_no,
        amount=amount,
        reason=reason,
        staff_user_id=staff_user_id,
        shortfall=shortfall,
    )
    publish(
        PointsChanged(
            user_id=account.user_id,
            entry_id=entry.pk,
            kind=kind,
            delta=delta,
            held_delta=held_delta,
            balance=account.balance,
            reference=reference,
        )
    )
    return entry


def credit(
    account: PointsAccount,
    *,
    kind: str,
    points: int,
    reference: str = "",
    now: datetime | None = None,
    **fields,
) -> PointsEntry:
    """Add points as a new bucket expiring LOYALTY_POINTS_VALID_DAYS from now."""
    now = now or timezone.now()
    entry = record(account, kind=kind, delta=points, reference=reference, **fields)
    if points > 0:
        PointsBucket.objects.create(
            account=account,
            entry=entry,
            points=points,
            remaining=points,
            expires_at=now + timedelta(days=settings.LOYALTY_POINTS_VALID_DAYS),
        )
    return entry


def take(
    account: PointsAccount,
    points: int,
    *,
    prefer: Iterable[int] = (),
    now: datetime | None = None,
) -> list[tuple[PointsBucket, int]]:
    """Take `points` from the locked account's live buckets, those with ids in `prefer` first,
    then the earliest expiry first; answers what came from which bucket. The caller checked
    the balance and records the entry."""
    now = now or timezone.now()
    preferred = set(prefer)
    buckets = sorted(
        PointsBucket.objects.filter(account=account, remaining__gt=0, expires_at__gt=now),
        key=lambda b: (b.pk not in preferred, b.expires_at, b.pk),
    )
    taken: list[tuple[PointsBucket, int]] = []
    left = points
    for bucket in buckets:
        if left <= 0:
            break
        n = min(left, bucket.remaining)
        bucket.remaining -= n
        bucket.save(update_fields=["remaining"])
        taken.append((bucket, n))
        left -= n
    if left > 0:
        raise points_insufficient(balance=points - left, wanted=points)
    return taken


def expire_due(account: PointsAccount, *, now: datetime | None = None) -> int:
    """Expire the locked account's due buckets (each its own entry); answers the points."""
    now = now or timezone.now()
    expired = 0
    for bucket in PointsBucket.objects.filter(
        account=account, remaining__gt=0, expires_at__lte=now
    ).order_by("expires_at", "id"):
        n = bucket.remaining
        bucket.remaining = 0
        bucket.save(update_fields=["remaining"])
        record(account, kind=EntryKind.EXPIRE, delta=-n, reference=f"bucket:{bucket.pk}")
        expired += n
    return expired


def points_expire_due(*, now: datetime | None = None, batch_size: int = 200) -> int:
    """Beat task body: expire every due bucket, an account at a time in its own transaction
    under its lock, until none is due. Safe to re-run and to run concurrently: a bucket
    expired by another run has nothing remaining when this one locks its account."""
    now = now or timezone.now()
    total = 0
    done: set[int] = set()
    while True:
        account_ids = list(
            PointsBucket.objects.filter(remaining__gt=0, expires_at__lte=now)
            .exclude(account_id__in=done)
            .order_by("account_id")
            .values_list("account_id", flat=True)
            .distinct()[:batch_size]
        )
        if not account_ids:
            return total
        for account_id in account_ids:
            with transaction.atomic():
                account = PointsAccount.objects.select_for_update().get(pk=account_id)
                total += expire_due(account, now=now)
            done.add(account_id)


__all__ = [
    "ONCE_PER_REFERENCE",
    "account_lock",
    "accounts_lock",
    "credit",
    "entry_exists",
    "expire_due",
    "points_expire_due",
    "points_insufficient",
    "record",
    "take",
]
