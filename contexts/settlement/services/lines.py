"""Settlement lines: a completed order becomes one line (settleable after the after-sales
window); a refund is taken by the order's line while it is on no statement, or becomes an
adjustment line on the next statement once it is.

Both entry points are idempotent: one line per order and one refund share per (refund, order)
(unique indexes); the handlers calling them are also de-duplicated by the inbox. A refund
that arrives before the order completed waits (unattached) and is taken when the line is made.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.ordering import api as ordering_api
from contexts.settlement import domain
from contexts.settlement.domain import LineKind, RateBook, SoldLine
from contexts.settlement.models import CommissionRule, RefundShare, SettlementLine
from shared.money import ZERO


def window() -> timedelta:
    return timedelta(days=int(settings.SETTLEMENT_AFTER_SALES_WINDOW_DAYS))


def platform_funded_sources() -> frozenset[str]:
    return frozenset(settings.SETTLEMENT_PLATFORM_FUNDED_SOURCES)


def rate_book(*, merchant_id: int, category_ids: set[int]) -> RateBook:
    """The commission rules that apply to the merchant's lines in these categories."""
    lineage = {
        cid: tuple(reversed(path))
        for cid, path in catalog_api.categories_ancestor_ids(category_ids=category_ids).items()
    }
    wanted = {c for path in lineage.values() for c in path} | category_ids
    rules = CommissionRule.objects.filter(merchant_id=merchant_id, category_id__isnull=True) | (
        CommissionRule.objects.filter(category_id__in=wanted)
    )
    merchant_rate = None
    mine: dict[int, Decimal] = {}
    everyone: dict[int, Decimal] = {}
    for rule in rules:
        if rule.category_id is None:
            merchant_rate = rule.rate
        elif rule.merchant_id == merchant_id:
            mine[rule.category_id] = rule.rate
        elif rule.merchant_id is None:
            everyone[rule.category_id] = rule.rate
    merchant = catalog_api.get_merchant(merchant_id=merchant_id)
    return RateBook(
        catalog_rate=merchant.commission_rate if merchant is not None else ZERO,
        merchant=merchant_rate,
        categories=mine,
        any_merchant_categories=everyone,
        lineage=lineage,
    )


def line_for_completed_order(*, order_no: str, completed_at: datetime) -> SettlementLine | None:
    """The order's settlement line, made once (a repeat answers the first); settleable at
    completion + SETTLEMENT_AFTER_SALES_WINDOW_DAYS. None when ordering does not know it."""
    existing = SettlementLine.objects.filter(order_no=order_no, kind=LineKind.ORDER).first()
    if existing is not None:
        return existing
    order = ordering_api.get_order(order_no)
    if order is None:
        return None
    trade = ordering_api.get_trade(order.trade_no)
    discounts = ordering_api.get_order_discounts(order_no)
    funded_sources = platform_funded_sources()
    shares = discounts.shares if discounts is not None else ()
    funded_by_sku: dict[int, Decimal] = {}
    freight_funded = ZERO
    for share in shares:
        if share.source not in funded_sources:
            continue
        if share.sku_id is None:
            freight_funded += share.amount
        else:
            funded_by_sku[share.sku_id] = funded_by_sku.get(share.sku_id, ZERO) + share.amount
    skus = catalog_api.get_skus(sku_ids={line.sku_id for line in order.lines})
    sold = [
        SoldLine(
            sku_id=line.sku_id,
            category_id=skus[line.sku_id].category_id if line.sku_id in skus else None,
            pay_amount=line.pay_amount,
            platform_funded=ZERO if line.gift else funded_by_sku.pop(line.sku_id, ZERO),
        )
        for line in order.lines
    ]
    rates = rate_book(
        merchant_id=order.merchant_id,
        category_ids={s.category_id for s in sold if s.category_id is not None},
    )
    amounts = domain.order_amounts(
        paid=order.pay_amount, freight_platform_funded=freight_funded, lines=sold, rates=rates
    )
    try:
        with transaction.atomic():
            line = SettlementLine.objects.create(
                merchant_id=order.merchant_id,
                kind=LineKind.ORDER,
                order_no=order.order_no,
                trade_no=order.trade_no,
                payment_no=trade.payment_ref if trade is not None else "",
                paid_amount=amounts.paid,
                platform_funded=amounts.platform_funded,
                commission=amounts.commission,
                net_amount=domain.line_net(
                    paid=amounts.paid,
                    platform_funded=amounts.platform_funded,
                    commission=amounts.commission,
                    refunded=ZERO,
                    commission_back=ZERO,
                ),
                completed_at=completed_at,
                settleable_at=completed_at + window(),
            )
    except IntegrityError:  # the same order settled concurrently
        return SettlementLine.objects.get(order_no=order_no, kind=LineKind.ORDER)
    refunds_apply(order_no=order_no)
    line.refresh_from_db()
    return line


def refund_record(*, refund_no: str, trade_no: str, amount: Decimal) -> list[RefundShare]:
    """Attribute a succeeded refund of a trade to its orders (all of it to the only order;
    across several shops' orders in proportion to what each paid) and apply it. Idempotent per
    (refund, order)."""
    trade = ordering_api.get_trade(trade_no)
    if trade is None:
        return []
    # Orders cancelled before payment were never paid for: no refund falls on them.
    weights = {
        o.order_no: o.pay_amount
        for o in trade.orders
        if o.pay_amount > 0 and o.status != "cancelled"
    }
    merchants = {o.order_no: o.merchant_id for o in trade.orders}
    shares = domain.split_by_weight(amount, weights)
    recorded = []
    for order_no, share in shares.items():
        if share <= 0:
            continue
        try:
            with transaction.atomic():
                row, _ = RefundShare.objects.get_or_create(
                    refund_no=refund_no,
                    order_no=order_no,
                    defaults={
                        "merchant_id": merchants[order_no],
                        "trade_no": trade_no,
                        "amount": share,
                    },
                )
        except IntegrityError:
            row = RefundShare.objects.get(refund_no=refund_no, order_no=order_no)
        recorded.append(row)
        refunds_apply(order_no=order_no)
    return recorded


@transaction.atomic
def refunds_apply(*, order_no: str) -> None:
    """Give the order's unattached refund shares to a line: the order's own line while it is
    on no statement (its amounts recomputed), else one adjustment line each (open, so the next
    statement takes it). Nothing while the order has no line yet."""
    line = (
        SettlementLine.objects.select_for_update()
        .filter(order_no=order_no, kind=LineKind.ORDER)
        .first()
    )
    if line is None:
        return
    pending = list(
        RefundShare.objects.select_for_update().filter(order_no=order_no, line__isnull=True)
    )
    if not pending:
        return
    if line.statement_id is None:
        refunded = line.refunded + sum((s.amount for s in pending), ZERO)
        back = domain.commission_returned(
            commission=line.commission, paid=line.paid_amount, refunded=refunded
        )
        SettlementLine.objects.filter(pk=line.pk).update(
            refunded=refunded,
            commission_returned=back,
            net_amount=domain.line_net(
                paid=line.paid_amount,
                platform_funded=line.platform_funded,
                commission=line.commission,
                refunded=refunded,
                commission_back=back,
            ),
        )
        RefundShare.objects.filter(pk__in=[s.pk for s in pending]).update(line=line)
        return
    for share in pending:
        before = SettlementLine.objects.filter(order_no=order_no).aggregate(
            refunded=Sum("refunded"), back=Sum("commission_returned")
        )
        refunded_before = before["refunded"] or ZERO
        back_before = before["back"] or ZERO
        back_after = domain.commission_returned(
            commission=line.commission,
            paid=line.paid_amount,
            refunded=refunded_before + share.amount,
        )
        back = max(ZERO, back_after - back_before)
        now = timezone.now()
        adjustment = SettlementLine.objects.create(
            merchant_id=line.merchant_id,
            kind=LineKind.ADJUSTMENT,
            order_no=order_no,
            trade_no=line.trade_no,
            payment_no=line.payment_no,
            refund_no=share.refund_no,
            refunded=share.amount,
            commission_returned=back,
            net_amount=domain.line_net(
                paid=ZERO,
                platform_funded=ZERO,
                commission=ZERO,
                refunded=share.amount,
                commission_back=back,
            ),
            completed_at=line.completed_at,
            settleable_at=now,
        )
        RefundShare.objects.filter(pk=share.pk).update(line=adjustment)
