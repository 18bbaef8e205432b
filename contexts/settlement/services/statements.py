"""Statements: per merchant and period (its cycle: daily, weekly or monthly), the open lines
settleable before the period's end, issued with their totals and never changed after.

`statements_issue_due` is what the beat task runs: safe to re-run (a merchant's statement of a
period exists once: unique index, and the lines are locked while one is issued, so two runs
at once issue it once). Later refunds of an order already on a statement are adjustment lines
(services/lines.py) that the next statement takes; a statement whose net is negative is never
paid out, its deficit is a "carried" line on the merchant's next statement.
"""

from __future__ import annotations

from datetime import date, datetime, time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from contexts.settlement import domain
from contexts.settlement.domain import (
    Cycle,
    IllegalStatementTransition,
    LineKind,
    StatementState,
)
from contexts.settlement.events import StatementApproved, StatementIssued
from contexts.settlement.models import MerchantProfile, SettlementLine, Statement
from contexts.settlement.services.lines import refunds_apply
from shared.auth import Principal
from shared.errors import NotFound
from shared.events import publish
from shared.ids import next_public_id
from shared.money import ZERO


def merchant_cycle(merchant_id: int) -> str:
    profile = MerchantProfile.objects.filter(merchant_id=merchant_id).first()
    return profile.cycle if profile is not None else settings.SETTLEMENT_DEFAULT_CYCLE


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def statement_issue(
    *, merchant_id: int, cycle: str, period_start: date, period_end: date
) -> Statement | None:
    """Issue the merchant's statement of [period_start, period_end): every open line
    settleable before the end. The existing one when it was issued already; None when there is
    nothing to settle."""
    existing = Statement.objects.filter(
        merchant_id=merchant_id, period_start=period_start, period_end=period_end
    ).first()
    if existing is not None:
        return existing
    end = _moment(period_end)
    # Refunds that arrived while their order's line was being made are taken first.
    for order_no in set(
        SettlementLine.objects.filter(
            merchant_id=merchant_id, statement__isnull=True, settleable_at__lt=end
        ).values_list("order_no", flat=True)
    ):
        refunds_apply(order_no=order_no)
    try:
        with transaction.atomic():
            lines = list(
                SettlementLine.objects.select_for_update()
                .filter(merchant_id=merchant_id, statement__isnull=True, settleable_at__lt=end)
                .order_by("id")
            )
            again = Statement.objects.filter(
                merchant_id=merchant_id, period_start=period_start, period_end=period_end
            ).first()
            if again is not None:
                return again
            if not lines:
                return None
            lines += _deficits_carried(merchant_id=merchant_id, before=end)
            totals = {
                "paid_total": sum((x.paid_amount for x in lines), ZERO),
                "platform_funded_total": sum((x.platform_funded for x in lines), ZERO),
                "commission_total": sum((x.commission for x in lines), ZERO),
                "refund_total": sum((x.refunded for x in lines), ZERO),
                "commission_returned_total": sum((x.commission_returned for x in lines), ZERO),
                "net_total": sum((x.net_amount for x in lines), ZERO),
            }
            statement = Statement.objects.create(
                statement_no=next_public_id("S"),
                merchant_id=merchant_id,
                cycle=cycle,
                period_start=period_start,
                period_end=period_end,
                line_count=len(lines),
                **totals,
            )
            SettlementLine.objects.filter(pk__in=[x.pk for x in lines]).update(statement=statement)
            carried = [x.order_no for x in lines if x.kind == LineKind.CARRIED]
            Statement.objects.filter(statement_no__in=carried).update(carried_to=statement)
            publish(
                StatementIssued(
                    statement_no=statement.statement_no,
                    merchant_id=merchant_id,
                    period_start=period_start,
                    period_end=period_end,
                    net_total=statement.net_total,
                )
            )
    except IntegrityError:  # issued by a concurrent run
        return Statement.objects.get(
            merchant_id=merchant_id, period_start=period_start, period_end=period_end
        )
    return statement


def _deficits_carried(*, merchant_id: int, before: datetime) -> list[SettlementLine]:
    """A "carried" line for each earlier statement of the merchant whose net is negative and
    that no later statement took yet (their rows locked while issuing)."""
    deficits = Statement.objects.select_for_update().filter(
        merchant_id=merchant_id,
        net_total__lt=0,
        carried_to__isnull=True,
        state__in=[StatementState.ISSUED, StatementState.APPROVED],
    )
    return [
        SettlementLine.objects.create(
            merchant_id=merchant_id,
            kind=LineKind.CARRIED,
            order_no=deficit.statement_no,
            trade_no="",
            net_amount=deficit.net_total,
            completed_at=deficit.issued_at,
            settleable_at=before,
        )
        for deficit in deficits.order_by("id")
    ]


def statements_issue_due(*, today: date | None = None, merchant_id: int | None = None) -> list:
    """Issue every statement due by `today` (default: the local date): for each merchant with
    open lines, its last whole period by its cycle. Safe to re-run."""
    today = today or timezone.localdate()
    merchants = SettlementLine.objects.filter(statement__isnull=True)
    if merchant_id is not None:
        merchants = merchants.filter(merchant_id=merchant_id)
    issued = []
    for merchant in sorted(set(merchants.values_list("merchant_id", flat=True))):
        cycle = merchant_cycle(merchant)
        start, end = domain.last_closed_period(cycle=Cycle(cycle), today=today)
        statement = statement_issue(
            merchant_id=merchant, cycle=cycle, period_start=start, period_end=end
        )
        if statement is not None:
            issued.append(statement)
    return issued


def statements_run(
    *, principal: Principal, today: date | None = None, merchant_id: int | None = None
) -> list:
    """Staff: issue the statements due now (settlement.manage)."""
    principal.require("settlement.manage")
    return statements_issue_due(today=today, merchant_id=merchant_id)


def statement_approve(*, principal: Principal, statement_no: str) -> Statement:
    """Staff approve an issued statement for payout (settlement.manage); 409
    illegal_transition from any other state."""
    principal.require("settlement.manage")
    with transaction.atomic():
        statement = Statement.objects.select_for_update().filter(statement_no=statement_no).first()
        if statement is None:
            raise NotFound("Statement not found.")
        if not domain.statement_can_move(statement.state, StatementState.APPROVED):
            raise IllegalStatementTransition(
                details={"state": statement.state, "target": StatementState.APPROVED.value}
            )
        statement.state = StatementState.APPROVED
        statement.approved_at = timezone.now()
        statement.approved_by = principal.user_id
        statement.save(update_fields=["state", "approved_at", "approved_by"])
        publish(
            StatementApproved(
                statement_no=statement.statement_no,
                merchant_id=statement.merchant_id,
                net_total=statement.net_total,
            )
        )
    return statement


def statement_totals_match(statement: Statement) -> bool:
    """The statement's frozen totals equal the sums of its lines (its lines never change)."""
    sums = statement.lines.aggregate(net=Sum("net_amount"), commission=Sum("commission"))
    return (sums["net"] or ZERO) == statement.net_total and (
        sums["commission"] or ZERO
    ) == statement.commission_total
