"""Refunds: points follow the money back, in proportion, once per refund.

Policy (per trade; ratio = refunded so far, this refund included, / what the trade paid):
  1. Spent points come back: each spent hold of the trade returns floor(points * ratio) in
     total, less what earlier refunds returned (into the buckets they came from).
  2. Earned points are taken back when the trade's orders earned some (completed):
     floor(earned * ratio) in total, less what earlier refunds reversed, the buckets of that
     earning first, then the oldest. Step 1 runs first, so returned points can cover it.
     What the balance cannot cover is not taken (the balance never goes negative): it is
     recorded as the entry's and the refund record's `shortfall` and counts as reversed.
  3. Growth value goes down by the refunded amount in the share of the trade's paid amount
     that earned (completed orders), never below zero; the level is recomputed.
A full refund (ratio 1) thus returns every spent point and reverses every earned one.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import Sum

from contexts.loyalty import domain
from contexts.loyalty.models import EntryKind, PointsEntry, PointsHold, RefundRecord
from contexts.loyalty.services import ledger
from contexts.loyalty.services.levels import level_recompute
from contexts.loyalty.services.spending import restore
from contexts.ordering import api as ordering_api
from shared.money import CENT, ZERO


@transaction.atomic
def refund_points_reverse(
    *, refund_no: str, trade_no: str, user_id: int, amount: Decimal
) -> RefundRecord | None:
    """Apply the policy above to one refund; a refund already processed answers None."""
    trade = ordering_api.get_trade(trade_no)
    if trade is None:
        return None
    paid = trade.paid_amount if trade.paid_amount else trade.pay_amount
    account = ledger.account_lock(user_id=user_id)
    if RefundRecord.objects.filter(refund_no=refund_no).exists():
        return None
    prior = RefundRecord.objects.filter(trade_no=trade_no).aggregate(
        amount=Sum("amount"), reversed=Sum("reversed_points"), shortfall=Sum("shortfall")
    )
    refunded = (prior["amount"] or ZERO) + amount
    reference = f"refund:{refund_no}"

    returned = 0
    for hold in PointsHold.objects.filter(
        account=account, trade_no=trade_no, status=PointsHold.Status.SPENT
    ).order_by("id"):
        give = domain.share(hold.points, refunded, paid) - hold.returned
        if give > 0:
            restore(hold, give)
            hold.returned += give
            hold.save(update_fields=["returned", "updated_at"])
            returned += give
    if returned:
        ledger.record(
            account,
            kind=EntryKind.RETURN,
            delta=returned,
            reference=reference,
            trade_no=trade_no,
            amount=amount,
        )

    earns = list(
        PointsEntry.objects.filter(account=account, kind=EntryKind.EARN, trade_no=trade_no)
    )
    earned = sum(e.delta for e in earns)
    owed = (
        domain.share(earned, refunded, paid) - (prior["reversed"] or 0) - (prior["shortfall"] or 0)
    )
    reversed_points = shortfall = 0
    if owed > 0:
        ledger.expire_due(account)
        reversed_points = min(owed, account.balance)
        shortfall = owed - reversed_points
        if reversed_points:
            ledger.take(
                account,
                reversed_points,
                prefer=[
                    b
                    for b in PointsEntry.objects.filter(pk__in=[e.pk for e in earns]).values_list(
                        "bucket__id", flat=True
                    )
                    if b is not None
                ],
            )
        completed = sum((e.amount or ZERO for e in earns), ZERO)
        growth_back = (amount * completed / paid).quantize(CENT) if paid > 0 else ZERO
        account.growth = max(ZERO, account.growth - min(growth_back, amount))
        level_recompute(account)
        ledger.record(
            account,
            kind=EntryKind.REVERSE,
            delta=-reversed_points,
            reference=reference,
            trade_no=trade_no,
            amount=amount,
            shortfall=shortfall,
        )
    return RefundRecord.objects.create(
        refund_no=refund_no,
        trade_no=trade_no,
        user_id=user_id,
        amount=amount,
        reversed_points=reversed_points,
        returned_points=returned,
        shortfall=shortfall,
    )
