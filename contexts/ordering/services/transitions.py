"""Order status changes: pay, cancel, ship, deliver, confirm receipt; staff notes.

Every change locks the order row (select_for_update) so concurrent changes of one order queue up,
is checked against the state machine's table (409 illegal_transition otherwise), writes an
OrderLog row and publishes its event in the same transaction. Changes that also touch the trade
(pay, cancel) lock the trade row first, then its orders by id: one lock order, no deadlock.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from contexts.inventory import api as inventory_api
from contexts.ordering.domain import states
from contexts.ordering.domain.states import OrderStatus
from contexts.ordering.events import (
    OrderCancelled,
    OrderCompleted,
    OrderDelivered,
    OrderPaid,
    OrderShipped,
    PlacedLine,
)
from contexts.ordering.models import Order, OrderLog, OrderNote, Trade
from contexts.ordering.services.checkout import stock_hold_seconds
from contexts.ordering.services.pricing_steps import pricing_steps_confirm, pricing_steps_release
from shared.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from shared.events import publish
from shared.money import ZERO, quantize

SYSTEM = "system"
PAYMENT_TIMEOUT = "payment_timeout"
AUTO_CONFIRM = "auto_confirm"

_TIMESTAMP_OF = {
    OrderStatus.PAID: "paid_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.DELIVERED: "delivered_at",
    OrderStatus.COMPLETED: "completed_at",
    OrderStatus.CANCELLED: "cancelled_at",
}


def actor_of(user_id: int | None) -> str:
    """How a log row names who acted: the user's id, or "system" for timers and callbacks."""
    return SYSTEM if user_id is None else str(user_id)


def _scoped(
    queryset: QuerySet[Order],
    *,
    buyer_id: int | None = None,
    merchant_ids: Iterable[int] | None = None,
) -> QuerySet[Order]:
    """Limit to the buyer's own orders, or to the given merchants' (None: no limit)."""
    if buyer_id is not None:
        queryset = queryset.filter(buyer_id=buyer_id)
    if merchant_ids is not None:
        queryset = queryset.filter(merchant_id__in=list(merchant_ids))
    return queryset


def _lock_order(order_no: str, **scope) -> Order:
    order = _scoped(Order.objects.select_for_update(), **scope).filter(order_no=order_no).first()
    if order is None:
        raise NotFound("Order not found.")
    return order


def _lock_trade_of(order_no: str, **scope) -> Trade:
    trade_id = (
        _scoped(Order.objects.filter(order_no=order_no), **scope)
        .values_list("trade_id", flat=True)
        .first()
    )
    if trade_id is None:
        raise NotFound("Order not found.")
    return Trade.objects.select_for_update().get(pk=trade_id)


def transition(order: Order, target: OrderStatus, *, actor: str, reason: str, **changes) -> None:
    """Move a locked order to `target` if the table allows it, log it and save.

    `changes` are other fields to set in the same write (tracking number, payment ...).
    """
    states.check_transition(order.status, target)
    now = timezone.now()
    OrderLog.objects.create(
        order=order,
        from_status=order.status,
        to_status=target.value,
        actor=actor,
        reason=reason[:200],
        created_at=now,
    )
    order.status = target.value
    fields = ["status", "updated_at", *changes]
    for name, value in changes.items():
        setattr(order, name, value)
    if target in _TIMESTAMP_OF:
        setattr(order, _TIMESTAMP_OF[target], now)
        fields.append(_TIMESTAMP_OF[target])
    order.save(update_fields=fields)


def _placed_lines(order: Order) -> tuple[PlacedLine, ...]:
    return tuple(
        PlacedLine(sku_id=sku_id, quantity=quantity, unit_price=unit_price)
        for sku_id, quantity, unit_price in order.lines.values_list(
            "sku_id", "quantity", "unit_price"
        )
    )


def _refresh_trade_status(trade: Trade) -> None:
    status = states.trade_status(list(trade.orders.values_list("status", flat=True)))
    if status != trade.status:
        trade.status = status.value
        trade.save(update_fields=["status"])


# --- Payment --------------------------------------------------------------------------------


def _uncommitted_lines(
    order: Order, result: inventory_api.CommitResult
) -> tuple[inventory_api.ReservationLine, ...]:
    """The order's lines whose units inventory has not (all) deducted, at their full quantity."""
    committed: dict[int, int] = {}
    for line in result.committed:
        committed[line.sku_id] = committed.get(line.sku_id, 0) + line.quantity
    return tuple(
        inventory_api.ReservationLine(sku_id=sku_id, quantity=quantity)
        for sku_id, quantity in order.lines.order_by("id").values_list("sku_id", "quantity")
        if committed.get(sku_id, 0) < quantity
    )


def _payment_after_expiry(
    order: Order, lines: tuple[inventory_api.ReservationLine, ...]
) -> Conflict:
    return Conflict(
        "The stock held for this order was released before the payment and has been sold since; "
        "the payment is not recorded.",
        code="payment_after_expiry",
        details={"order_no": order.order_no, "sku_ids": [line.sku_id for line in lines]},
    )


def _commit_stock(order: Order) -> None:
    """Deduct the order's held stock (inventory commit).

    A hold that expired and was released before this payment deducts nothing, and deducting
    nothing would sell those units twice. Such lines are held again right away (inventory
    reserve with renew_released) and committed, if the stock is still free; otherwise 409
    payment_after_expiry, and the caller's transaction writes nothing (payments refunds it).
    """
    lacking = _uncommitted_lines(order, inventory_api.commit(order_ref=order.order_no))
    if not lacking:
        return
    try:
        inventory_api.reserve(
            requests=[inventory_api.ReservationRequest(order_ref=order.order_no, lines=lacking)],
            region_code=order.province_code,
            ttl_seconds=stock_hold_seconds(),
            renew_released=True,
        )
    except BusinessRuleViolation as exc:
        if exc.code != "out_of_stock":
            raise
        raise _payment_after_expiry(order, lacking) from exc
    still_lacking = _uncommitted_lines(order, inventory_api.commit(order_ref=order.order_no))
    if still_lacking:
        raise _payment_after_expiry(order, still_lacking)


@transaction.atomic
def order_mark_paid(
    *,
    trade_no: str | None = None,
    order_no: str | None = None,
    paid_amount: Decimal,
    payment_ref: str,
) -> Trade:
    """Record a payment of a whole trade (or of one order): pending_payment -> paid.

    The amount must equal what is still to pay (422 amount_mismatch). The reserved stock of each
    paid order is deducted (inventory commit) in the same transaction; stock whose hold expired
    before the payment is held again if still free, else the payment is refused with 409
    payment_after_expiry and nothing is written (see _commit_stock). A repeat of an already
    recorded payment (same payment_ref) changes nothing; a payment for cancelled orders is a 409
    illegal_transition. The payments context refunds a refused payment.
    """
    if (trade_no is None) == (order_no is None):
        raise ValidationFailed("Give exactly one of trade_no and order_no.")
    if trade_no is not None:
        trade = Trade.objects.select_for_update().filter(trade_no=trade_no).first()
        if trade is None:
            raise NotFound("Trade not found.")
        orders = list(trade.orders.select_for_update().order_by("id"))
    else:
        trade = _lock_trade_of(order_no)
        orders = [_lock_order(order_no)]
    pending = [o for o in orders if o.status == OrderStatus.PENDING_PAYMENT]
    if not pending:
        if any(o.payment_ref == payment_ref for o in orders):
            return trade  # this payment was recorded before
        states.check_transition(orders[0].status, OrderStatus.PAID)
    paid_amount = quantize(paid_amount)
    expected = sum((o.pay_amount for o in pending), ZERO)
    if paid_amount != expected:
        raise BusinessRuleViolation(
            "The amount paid does not match the amount due.",
            code="amount_mismatch",
            details={"expected": str(expected), "paid": str(paid_amount)},
        )
    for order in pending:
        transition(
            order,
            OrderStatus.PAID,
            actor=SYSTEM,
            reason=f"paid ({payment_ref})",
            paid_amount=order.pay_amount,
            payment_ref=payment_ref,
        )
        _commit_stock(order)
        publish(
            OrderPaid(
                order_no=order.order_no,
                trade_no=trade.trade_no,
                buyer_id=order.buyer_id,
                merchant_id=order.merchant_id,
                pay_amount=order.pay_amount,
                payment_ref=payment_ref,
            )
        )
    pricing_steps_confirm(
        trade_no=trade.trade_no,
        buyer_id=trade.buyer_id,
        order_nos=[order.order_no for order in pending],
    )
    trade.paid_amount = (trade.paid_amount or ZERO) + paid_amount
    trade.payment_ref = payment_ref
    trade.paid_at = timezone.now()
    trade.save(update_fields=["paid_amount", "payment_ref", "paid_at"])
    _refresh_trade_status(trade)
    return trade


# --- Cancel ---------------------------------------------------------------------------------


def cancel_locked(order: Order, trade: Trade, *, actor: str, reason: str) -> None:
    """Cancel a locked unpaid order: release its stock, tell the others, update the trade.

    The caller then releases the pricing steps' holds once for the orders it cancelled
    (pricing_steps_release)."""
    transition(order, OrderStatus.CANCELLED, actor=actor, reason=reason, cancel_reason=reason)
    inventory_api.release(order_ref=order.order_no, reason=reason)
    publish(
        OrderCancelled(
            order_no=order.order_no,
            trade_no=trade.trade_no,
            buyer_id=order.buyer_id,
            merchant_id=order.merchant_id,
            actor=actor,
            reason=reason,
            lines=_placed_lines(order),
        )
    )
    _refresh_trade_status(trade)


@transaction.atomic
def order_cancel(*, order_no: str, buyer_id: int, reason: str = "") -> Order:
    """The buyer cancels one of their orders, only while it is unpaid (409 otherwise)."""
    trade = _lock_trade_of(order_no, buyer_id=buyer_id)
    order = _lock_order(order_no, buyer_id=buyer_id)
    reason = reason or "cancelled by the buyer"
    cancel_locked(order, trade, actor=actor_of(buyer_id), reason=reason)
    pricing_steps_release(
        trade_no=trade.trade_no, buyer_id=trade.buyer_id, order_nos=[order_no], reason=reason
    )
    return order


# --- Fulfilment -----------------------------------------------------------------------------


@transaction.atomic
def order_ship(
    *,
    order_no: str,
    actor_id: int,
    carrier_code: str,
    tracking_number: str,
    merchant_ids: Iterable[int] | None = None,
) -> Order:
    """A paid order leaves the warehouse: paid -> shipped, with its carrier and tracking number.

    `merchant_ids` limits the order to those shops (merchant staff); None for platform staff.
    """
    order = _lock_order(order_no, merchant_ids=merchant_ids)
    transition(
        order,
        OrderStatus.SHIPPED,
        actor=actor_of(actor_id),
        reason=f"shipped with {carrier_code} {tracking_number}",
        carrier_code=carrier_code,
        tracking_number=tracking_number,
    )
    publish(
        OrderShipped(
            order_no=order.order_no,
            buyer_id=order.buyer_id,
            merchant_id=order.merchant_id,
            carrier_code=carrier_code,
            tracking_number=tracking_number,
        )
    )
    return order


def _deliver_locked(order: Order, *, actor: str, reason: str) -> None:
    transition(order, OrderStatus.DELIVERED, actor=actor, reason=reason)
    publish(
        OrderDelivered(
            order_no=order.order_no, buyer_id=order.buyer_id, merchant_id=order.merchant_id
        )
    )


def complete_locked(order: Order, *, actor: str, reason: str) -> None:
    """delivered -> completed, publishing OrderCompleted with what was bought."""
    transition(order, OrderStatus.COMPLETED, actor=actor, reason=reason)
    publish(
        OrderCompleted(
            order_no=order.order_no,
            trade_no=order.trade.trade_no,
            buyer_id=order.buyer_id,
            merchant_id=order.merchant_id,
            pay_amount=order.pay_amount,
            actor=actor,
            lines=_placed_lines(order),
        )
    )


@transaction.atomic
def order_deliver(*, order_no: str, actor_id: int) -> Order:
    """Staff mark a shipped order delivered (carrier tracking will drive this later)."""
    order = _lock_order(order_no)
    _deliver_locked(order, actor=actor_of(actor_id), reason="marked delivered by staff")
    return order


@transaction.atomic
def order_confirm_receipt(*, order_no: str, buyer_id: int) -> Order:
    """The buyer confirms receipt: delivered -> completed; a shipped order passes through
    delivered first (both steps logged). Any other status is a 409."""
    order = _lock_order(order_no, buyer_id=buyer_id)
    actor = actor_of(buyer_id)
    for target in states.receipt_confirmation_path(order.status):
        if target == OrderStatus.DELIVERED:
            _deliver_locked(order, actor=actor, reason="receipt confirmed by the buyer")
        else:
            complete_locked(order, actor=actor, reason="receipt confirmed by the buyer")
    return order


@transaction.atomic
def order_note_add(
    *, order_no: str, author_id: int, body: str, merchant_ids: Iterable[int] | None = None
) -> OrderNote:
    """Staff or the shop's staff leave an internal note on the order."""
    order = _scoped(Order.objects.filter(order_no=order_no), merchant_ids=merchant_ids).first()
    if order is None:
        raise NotFound("Order not found.")
    return OrderNote.objects.create(order=order, author_id=author_id, body=body)
