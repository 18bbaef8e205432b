"""Line refunds: the ledger that keeps every refund of an order line within what was paid for it.

After-sales asks for a line's refund (`order_line_refund_request`) in the transaction that asks
payments for the money, and settles it when payments answers (`order_line_refund_settle`).
Both lock the order row first, the lock every status change of the order takes, so two
refunds of one line (or of two lines of one order) are checked one after the other: together
they never pass the line's paid amount or its units. The status rule is in domain/refunds.py.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from contexts.inventory import api as inventory_api
from contexts.ordering.domain import refunds as rules
from contexts.ordering.domain.states import OrderStatus
from contexts.ordering.events import OrderLineRefunded, OrderRefundAbandoned, OrderRefunded
from contexts.ordering.models import (
    SOURCE_REF_MAX_LENGTH,
    STOCK_RESERVE,
    Order,
    OrderLine,
    OrderLineRefund,
    OrderLog,
)
from contexts.ordering.services.transitions import _lock_order, transition
from shared.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from shared.events import publish
from shared.money import ZERO

R = OrderLineRefund
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class LineState:
    line: OrderLine
    balance: rules.LineBalance
    refunded_quantity: int
    refunded_amount: Decimal


def line_states(order: Order) -> list[LineState]:
    """Every line of the order with what its refunds took (pending + made) and made, in two
    queries."""
    lines = list(OrderLine.objects.filter(order=order).order_by("id"))
    sums = {
        row["line_id"]: row
        for row in R.objects.filter(order=order)
        .exclude(state=R.RELEASED)
        .values("line_id")
        .annotate(
            taken_quantity=Sum("quantity"),
            taken_amount=Sum("amount"),
            refunded_quantity=Sum("quantity", filter=Q(state=R.REFUNDED)),
            refunded_amount=Sum("amount", filter=Q(state=R.REFUNDED)),
            rows=Count("id"),
        )
    }
    states = []
    for line in lines:
        row = sums.get(line.id, {})
        states.append(
            LineState(
                line=line,
                balance=rules.LineBalance(
                    quantity=line.quantity,
                    pay_amount=line.pay_amount,
                    taken_quantity=row.get("taken_quantity") or 0,
                    taken_amount=row.get("taken_amount") or ZERO,
                ),
                refunded_quantity=row.get("refunded_quantity") or 0,
                refunded_amount=row.get("refunded_amount") or ZERO,
            )
        )
    return states


def _paid_lines(states: list[LineState]) -> list[rules.LineBalance]:
    # Gifts (priced 0) go with the order: they are never refunded on their own.
    return [s.balance for s in states if not s.line.gift]


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"fields": {field: [message]}})


@transaction.atomic
def order_line_refund_request(
    *,
    order_no: str,
    line_id: int,
    quantity: int,
    amount: Decimal,
    reference: str,
    reason: str = "",
    actor: str = "system",
) -> OrderLineRefund:
    """Count `quantity` units and `amount` of the line as being refunded for `reference`.

    Idempotent per reference (the same again answers the first row; other figures are a 409
    refund_reference_reused; a released one, whose refund failed, counts again: a retry).
    422 refund_exceeds_quantity / refund_exceeds_refundable past the line's units or its
    refundable amount (see domain.refunds.LineBalance.cap_for), 409
    order_not_refundable for an order that was not paid or is over, 404 for an unknown order
    or a line of another order. When the refunds now cover the whole order it becomes
    `refunding` (logged)."""
    if not reference or len(reference) > SOURCE_REF_MAX_LENGTH:
        raise _invalid("reference", f"1 to {SOURCE_REF_MAX_LENGTH} characters.")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise _invalid("quantity", "Must be a positive integer.")
    if not isinstance(amount, Decimal) or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise _invalid("amount", "Must be a positive amount with at most two decimals.")
    order = _lock_order(order_no)
    existing = R.objects.filter(reference=reference).first()
    if existing is not None:
        if (existing.order_id, existing.line_id, existing.quantity, existing.amount) != (
            order.id,
            line_id,
            quantity,
            amount,
        ):
            raise Conflict(
                "This refund reference was used for another refund.",
                code="refund_reference_reused",
            )
        if existing.state != R.RELEASED:
            return existing
    if order.status not in rules.REFUNDABLE_STATUSES:
        raise Conflict(
            f"An order that is {order.status} cannot be refunded.",
            code="order_not_refundable",
            details={"status": order.status},
        )
    states = line_states(order)
    state = next((s for s in states if s.line.id == line_id), None)
    if state is None or state.line.gift:
        raise NotFound("Order line not found.")
    balance = state.balance
    if quantity > balance.refundable_quantity:
        raise BusinessRuleViolation(
            "More units than are left to refund on this line.",
            code="refund_exceeds_quantity",
            details={"refundable_quantity": balance.refundable_quantity},
        )
    cap = balance.cap_for(quantity)
    if amount > cap:
        raise BusinessRuleViolation(
            "More than is left to refund for these units.",
            code="refund_exceeds_refundable",
            details={"refundable_amount": str(cap)},
        )
    if existing is not None:  # a failed refund asked for again (a retry): it counts again
        existing.state = R.PENDING
        existing.settled_at = None
        existing.save(update_fields=["state", "settled_at"])
        row = existing
    else:
        row = R.objects.create(
            line=state.line,
            order=order,
            reference=reference,
            quantity=quantity,
            amount=amount,
            before_shipment=order.status == OrderStatus.PAID,
            reason=reason[:200],
        )
    covered = [
        rules.LineBalance(
            quantity=b.quantity,
            pay_amount=b.pay_amount,
            taken_quantity=b.taken_quantity + (quantity if s.line.id == line_id else 0),
            taken_amount=b.taken_amount + (amount if s.line.id == line_id else ZERO),
        )
        for s, b in ((s, s.balance) for s in states if not s.line.gift)
    ]
    if order.status in rules.COVERABLE_STATUSES and rules.fully_covered(covered):
        transition(order, OrderStatus.REFUNDING, actor=actor, reason=reason or "refund requested")
    return row


@transaction.atomic
def order_line_refund_settle(*, reference: str, succeeded: bool, actor: str = "system") -> bool:
    """Record payments' answer for `reference`: succeeded makes the row refunded (units taken
    before shipment go back on hand, keyed by the reference; OrderLineRefunded; the order
    becomes refunded when its refunds cover it and all succeeded: OrderRefunded), failed
    releases it (it counts no more): a `refunding` order its refunds no longer cover goes back
    to the status it came from (logged, OrderRefundAbandoned). Idempotent: a settled row is
    left alone (False)."""
    order_id = R.objects.filter(reference=reference).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("Refund not found.")
    order_no = Order.objects.filter(pk=order_id).values_list("order_no", flat=True).get()
    order = _lock_order(order_no)
    row = R.objects.select_related("line").get(reference=reference)
    if row.state != R.PENDING:
        return False
    row.state = R.REFUNDED if succeeded else R.RELEASED
    row.settled_at = timezone.now()
    row.save(update_fields=["state", "settled_at"])
    if not succeeded:
        if order.status == OrderStatus.REFUNDING and not rules.fully_covered(
            _paid_lines(line_states(order))
        ):
            _refund_abandoned(order, actor=actor, reason=f"refund {reference} ended unpaid")
        return True
    if row.before_shipment and order.stock_mode == STOCK_RESERVE:
        inventory_api.restore(
            order_ref=order.order_no,
            reference=reference,
            lines=[inventory_api.ReservationLine(sku_id=row.line.sku_id, quantity=row.quantity)],
            reason="refunded before shipment",
        )
    states = line_states(order)
    publish(
        OrderLineRefunded(
            order_no=order.order_no,
            trade_no=order.trade.trade_no,
            buyer_id=order.buyer_id,
            merchant_id=order.merchant_id,
            line_id=row.line_id,
            sku_id=row.line.sku_id,
            quantity=row.quantity,
            amount=row.amount,
            reference=reference,
            before_shipment=row.before_shipment,
        )
    )
    all_refunded = all(s.refunded_quantity >= s.line.quantity for s in states if not s.line.gift)
    if order.status == OrderStatus.REFUNDING and all_refunded:
        transition(order, OrderStatus.REFUNDED, actor=actor, reason="every line refunded")
        publish(
            OrderRefunded(
                order_no=order.order_no,
                trade_no=order.trade.trade_no,
                buyer_id=order.buyer_id,
                merchant_id=order.merchant_id,
                refunded_amount=sum((s.refunded_amount for s in states), ZERO),
            )
        )
    return True


def ledger_record_whole_refund(order: Order, *, reference: str, reason: str) -> Decimal:
    """Record in the ledger, as refunded, what each (non-gift) line of the locked `order` still
    had to give back, one row per such line keyed `<reference>:<line id>`: the order was refunded
    whole outside after-sales (a failed group buy), so every line's refundable amount is 0 and
    after-sales can never refund it again. Rows already there are left alone (a replay writes
    nothing). No OrderLineRefunded: the caller publishes OrderRefunded for the whole order,
    and a second event would count the money twice. Returns the amount the rows written carry:
    what this refund gives back (less than the order's pay amount when after-sales refunded
    some of it before)."""
    now = timezone.now()
    rows = [
        R(
            line=s.line,
            order=order,
            reference=f"{reference}:{s.line.id}",
            quantity=s.balance.refundable_quantity,
            amount=s.balance.refundable_amount,
            before_shipment=order.shipped_at is None,
            state=R.REFUNDED,
            reason=reason[:200],
            created_at=now,
            settled_at=now,
        )
        for s in line_states(order)
        if not s.line.gift and s.balance.refundable_quantity > 0
    ]
    known = set(
        R.objects.filter(reference__in=[r.reference for r in rows]).values_list(
            "reference", flat=True
        )
    )
    fresh = [r for r in rows if r.reference not in known]
    R.objects.bulk_create(fresh)
    return sum((r.amount for r in fresh), ZERO)


def _refund_abandoned(order: Order, *, actor: str, reason: str) -> None:
    came_from = (
        OrderLog.objects.filter(order=order, to_status=OrderStatus.REFUNDING)
        .order_by("-id")
        .values_list("from_status", flat=True)
        .first()
    )
    target = rules.status_after_abandoned_refund(came_from)
    if target is None:
        logger.warning("refunding order not reverted", extra={"order_no": order.order_no})
        return
    transition(order, target, actor=actor, reason=reason, stamp=False, revert=True)
    publish(
        OrderRefundAbandoned(
            order_no=order.order_no,
            trade_no=order.trade.trade_no,
            buyer_id=order.buyer_id,
            merchant_id=order.merchant_id,
            status=target.value,
            reason=reason[:200],
        )
    )


def order_refund_view(*, order_no: str, lock: bool = False) -> tuple[Order, list[LineState]]:
    """The order with each line's refund balance; with `lock` the order row stays locked
    until the caller's transaction ends (the lock every change of the order takes)."""
    # Locked alone (the trade is read after): a join would lock the trade row too.
    orders = Order.objects.select_for_update() if lock else Order.objects.select_related("trade")
    order = orders.filter(order_no=order_no).first()
    if order is None:
        raise NotFound("Order not found.")
    return order, line_states(order)
