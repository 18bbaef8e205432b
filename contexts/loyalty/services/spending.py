"""Points out at checkout: the rules of a spend (checked when quoting), the hold at placement,
the confirmation on payment and the return on cancellation, per order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from contexts.loyalty import domain
from contexts.loyalty.models import BucketUse, EntryKind, PointsAccount, PointsHold
from contexts.loyalty.services import ledger
from shared.errors import BusinessRuleViolation


@dataclass(frozen=True)
class OrderSpend:
    order_no: str
    points: int
    amount: Decimal


def spend_rules() -> tuple[int, Decimal, int]:
    """(points per yuan, max share, minimum balance to spend) from the settings."""
    return (
        int(settings.LOYALTY_POINTS_PER_YUAN),
        Decimal(settings.LOYALTY_MAX_SHARE),
        int(settings.LOYALTY_MIN_BALANCE_TO_SPEND),
    )


def spend_value(*, user_id: int, points: int, due: Decimal) -> Decimal:
    """What `points` take off `due` (what is left to pay for the items), or a 422:
    points_not_whole_cents (the count does not make whole cents), points_insufficient (more
    than the balance), points_below_minimum_balance (balance under
    LOYALTY_MIN_BALANCE_TO_SPEND), points_exceed_max_share (worth more than LOYALTY_MAX_SHARE
    of `due`; details carry `max_points`). Reads the balance without locking: `hold` checks it
    again under the lock."""
    per_yuan, max_share, min_balance = spend_rules()
    value = domain.points_value(points=points, points_per_yuan=per_yuan)
    if value is None:
        raise BusinessRuleViolation(
            "Points must make whole cents.",
            code="points_not_whole_cents",
            details={"points_per_yuan": per_yuan},
        )
    balance = (
        PointsAccount.objects.filter(user_id=user_id).values_list("balance", flat=True).first() or 0
    )
    if points > balance:
        raise ledger.points_insufficient(balance=balance, wanted=points)
    if balance < min_balance:
        raise BusinessRuleViolation(
            "The points balance is below the minimum for spending points.",
            code="points_below_minimum_balance",
            details={"balance": balance, "min_balance": min_balance},
        )
    most = domain.max_points(due=due, max_share=max_share, points_per_yuan=per_yuan)
    if points > most:
        raise BusinessRuleViolation(
            "Points may pay only part of the order.",
            code="points_exceed_max_share",
            details={"max_points": most, "max_share": str(max_share)},
        )
    return value


def points_for_orders(total: int, discounts: Sequence[Decimal]) -> list[int]:
    """The buyer's points split over the orders in proportion to what they took off each."""
    return domain.split(total, list(discounts))


def points_hold(*, user_id: int, trade_no: str, spends: Sequence[OrderSpend]) -> None:
    """Placement (inside its transaction): move the points of each order from the balance into
    a hold keyed by the order number, oldest buckets first; 422 points_insufficient (nothing
    written) when the balance no longer covers them. An order already held is skipped."""
    account = ledger.account_lock(user_id=user_id)
    ledger.expire_due(account)
    wanted = sum(s.points for s in spends)
    _, _, min_balance = spend_rules()
    if account.balance < wanted:
        raise ledger.points_insufficient(balance=account.balance, wanted=wanted)
    if account.balance < min_balance:
        raise BusinessRuleViolation(
            "The points balance is below the minimum for spending points.",
            code="points_below_minimum_balance",
            details={"balance": account.balance, "min_balance": min_balance},
        )
    for spend in spends:
        if spend.points <= 0 or PointsHold.objects.filter(order_no=spend.order_no).exists():
            continue
        taken = ledger.take(account, spend.points)
        hold = PointsHold.objects.create(
            account=account,
            order_no=spend.order_no,
            trade_no=trade_no,
            points=spend.points,
            amount=spend.amount,
        )
        BucketUse.objects.bulk_create(
            BucketUse(bucket=bucket, hold=hold, points=n) for bucket, n in taken
        )
        ledger.record(
            account,
            kind=EntryKind.HOLD,
            delta=-spend.points,
            held_delta=spend.points,
            reference=f"order:{spend.order_no}",
            trade_no=trade_no,
            amount=spend.amount,
        )


def _holds_locked(order_nos: Sequence[str], status: str) -> list[tuple[PointsAccount, PointsHold]]:
    user_ids = PointsHold.objects.filter(order_no__in=order_nos, status=status).values_list(
        "account__user_id", flat=True
    )
    accounts = ledger.accounts_lock(user_ids=user_ids)
    by_pk = {a.pk: a for a in accounts.values()}
    return [
        (by_pk[hold.account_id], hold)
        for hold in PointsHold.objects.filter(
            order_no__in=order_nos, status=status, account_id__in=by_pk
        ).order_by("id")
    ]


def points_holds_confirm(*, order_nos: Sequence[str]) -> int:
    """Payment: the held points of these orders are spent (once; orders without a hold are
    ignored). Answers how many holds were confirmed."""
    confirmed = 0
    for account, hold in _holds_locked(order_nos, PointsHold.Status.HELD):
        hold.status = PointsHold.Status.SPENT
        hold.save(update_fields=["status", "updated_at"])
        ledger.record(
            account,
            kind=EntryKind.SPEND,
            delta=0,
            held_delta=-hold.points,
            reference=f"order:{hold.order_no}",
            trade_no=hold.trade_no,
            amount=hold.amount,
        )
        confirmed += 1
    return confirmed


def restore(hold: PointsHold, points: int) -> None:
    """Put `points` of a hold back into the buckets they came from, the latest expiry first
    (a bucket past its expiry is expired again by the next expiry pass)."""
    left = points
    for use in hold.uses.select_related("bucket").order_by("-bucket__expires_at", "-id"):
        if left <= 0:
            break
        n = min(left, use.points - use.restored)
        if n <= 0:
            continue
        use.restored += n
        use.save(update_fields=["restored"])
        use.bucket.remaining += n
        use.bucket.save(update_fields=["remaining"])
        left -= n


def points_holds_release(*, order_nos: Sequence[str]) -> int:
    """Cancellation before payment: the held points of these orders go back to the balance
    (a "return" entry per order, once). Answers how many holds were released."""
    released = 0
    for account, hold in _holds_locked(order_nos, PointsHold.Status.HELD):
        restore(hold, hold.points)
        hold.status = PointsHold.Status.RETURNED
        hold.returned = hold.points
        hold.save(update_fields=["status", "returned", "updated_at"])
        ledger.record(
            account,
            kind=EntryKind.RETURN,
            delta=hold.points,
            held_delta=-hold.points,
            reference=f"order:{hold.order_no}",
            trade_no=hold.trade_no,
            amount=hold.amount,
        )
        released += 1
    return released
