"""Order status changes: pay, cancel, ship, deliver, confirm receipt; staff notes.

Every change locks the order row (select_for_update) so concurrent changes of one order queue up,
is checked against the state machine's table (409 illegal_transition otherwise), writes an
OrderLog row and publishes its event in the same transaction. Changes that also touch the trade
(pay, cancel) lock the trade row first, then its orders by id: one lock order, no deadlock.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from contexts.inventory import api as inventory_api
from contexts.logistics import api as logistics_api
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
from contexts.ordering.models import (
    STOCK_RESERVE,
    Order,
    OrderLineRefund,
    OrderLog,
    OrderNote,
    Trade,
)
from contexts.ordering.services.checkout import stock_hold_seconds
from contexts.ordering.services.pricing_steps import pricing_steps_confirm, pricing_steps_release
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from shared.events import publish
from shared.money import ZERO, to_decimal

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


def _scoped(queryset: QuerySet[Order], *, buyer_id: int | None = None) -> QuerySet[Order]:
    """Limit to the buyer's own orders (None: no limit)."""
    if buyer_id is not None:
        queryset = queryset.filter(buyer_id=buyer_id)
    return queryset


def _order_not_found() -> NotFound:
    return NotFound("Order not found.")


def _lock_order(order_no: str, **scope) -> Order:
    order = _scoped(Order.objects.select_for_update(), **scope).filter(order_no=order_no).first()
    if order is None:
        raise _order_not_found()
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


def transition(
    order: Order,
    target: OrderStatus,
    *,
    actor: str,
    reason: str,
    stamp: bool = True,
    revert: bool = False,
    **changes,
) -> None:
    """Move a locked order to `target` if the table allows it, log it and save.

    `changes` are other fields to set in the same write (tracking number, payment ...).
    `stamp=False` keeps the status's time (paid_at ...) as it was: an order going back to a
    status it had (an abandoned refund) was not paid or shipped again.
    `revert=True` checks the move against the abandoned-refund table only (refunding back to
    paid/shipped/delivered), which no other path may use.
    """
    states.check_transition(order.status, target, revert=revert)
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
    if stamp and target in _TIMESTAMP_OF:
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
    order: Order, result: inventory_api.CommitResult | None
) -> tuple[inventory_api.ReservationLine, ...]:
    """The order's lines whose units inventory has not (all) deducted, at their full quantity."""
    committed: dict[int, int] = {}
    for line in result.committed if result is not None else ():
        committed[line.sku_id] = committed.get(line.sku_id, 0) + line.quantity
    return tuple(
        inventory_api.ReservationLine(sku_id=sku_id, quantity=quantity)
        for sku_id, quantity in order.lines.order_by("id").values_list("sku_id", "quantity")
        if committed.get(sku_id, 0) < quantity
    )


def _lacking_after_commit(
    orders: list[Order],
) -> dict[str, tuple[Order, tuple[inventory_api.ReservationLine, ...]]]:
    """Commit the orders' stock in one inventory call; {order_no: (order, lines not deducted)}."""
    results = {
        r.order_ref: r for r in inventory_api.commit(order_refs=[o.order_no for o in orders])
    }
    lacking = {o.order_no: (o, _uncommitted_lines(o, results.get(o.order_no))) for o in orders}
    return {ref: entry for ref, entry in lacking.items() if entry[1]}


def _payment_after_expiry(
    order: Order, lines: tuple[inventory_api.ReservationLine, ...]
) -> Conflict:
    return Conflict(
        "The stock held for this order was released before the payment and has been sold since; "
        "the payment is not recorded.",
        code="payment_after_expiry",
        details={"order_no": order.order_no, "sku_ids": [line.sku_id for line in lines]},
    )


def _reserving(orders: list[Order]) -> list[Order]:
    """The orders whose stock ordering reserved itself; a preallocated order's units belong to
    the context that placed it (see models.STOCK_PREALLOCATED), so ordering leaves them alone."""
    return [o for o in orders if o.stock_mode == STOCK_RESERVE]


def trade_stock_commit(orders: list[Order]) -> None:
    """Deduct the held stock of a trade's paid orders: one inventory commit for all of them
    (inventory locks every row in one sorted pass, so a payment cannot deadlock with a checkout).

    A hold that expired and was released before this payment deducts nothing, and deducting
    nothing would sell those units twice. Such lines are held again right away (inventory
    reserve with renew_released) and committed, if the stock is still free; otherwise 409
    payment_after_expiry, and the caller's transaction writes nothing (payments refunds it).
    """
    orders = _reserving(orders)
    if not orders:
        return
    lacking = _lacking_after_commit(orders)
    if not lacking:
        return
    try:
        inventory_api.reserve(
            requests=[
                inventory_api.ReservationRequest(order_ref=ref, lines=lines)
                for ref, (_, lines) in lacking.items()
            ],
            region_code=orders[0].province_code,
            ttl_seconds=stock_hold_seconds(),
            renew_released=True,
        )
    except BusinessRuleViolation as exc:
        if exc.code != "out_of_stock":
            raise
        order, lines = next(iter(lacking.values()))
        raise _payment_after_expiry(order, lines) from exc
    still_lacking = _lacking_after_commit([order for order, _ in lacking.values()])
    if still_lacking:
        raise _payment_after_expiry(*next(iter(still_lacking.values())))


def trade_stock_release(orders: list[Order], *, reason: str) -> None:
    """Release the held stock of a trade's cancelled orders in one inventory call (preallocated
    orders excluded: their source takes the units back on OrderCancelled)."""
    orders = _reserving(orders)
    if orders:
        inventory_api.release(order_refs=[o.order_no for o in orders], reason=reason)


def _already_paid_with(orders: list[Order], payment_ref: str) -> bool:
    """An order these were paid with this payment (never a blank ref): a repeat of it."""
    return any(o.paid_at is not None and o.payment_ref == payment_ref for o in orders)


@transaction.atomic
def order_mark_paid(
    *,
    trade_no: str | None = None,
    order_no: str | None = None,
    paid_amount: Decimal,
    payment_ref: str,
) -> Trade:
    """Record a payment of a whole trade (or of one order): pending_payment -> paid.

    `payment_ref` must be non-empty (400). The amount must equal what is still to pay, exactly,
    unrounded (422 amount_mismatch). The reserved stock of the paid orders is deducted in one
    inventory commit in the same transaction (see trade_stock_commit); stock whose hold expired
    before the payment is held again if still free, else the payment is refused with 409
    payment_after_expiry and nothing is written. A repeat of an already recorded payment (the
    same payment_ref on a paid order) changes nothing; a payment for cancelled orders is a 409
    illegal_transition. The payments context refunds a refused payment.
    """
    if (trade_no is None) == (order_no is None):
        raise ValidationFailed("Give exactly one of trade_no and order_no.")
    payment_ref = (payment_ref or "").strip()
    if not payment_ref:
        raise ValidationFailed(
            "A payment reference is required.",
            details={"fields": {"payment_ref": ["This field is required."]}},
        )
    try:
        paid_amount = to_decimal(paid_amount)
    except (TypeError, ValueError) as exc:
        raise ValidationFailed(
            "The amount paid is not an amount.",
            details={"fields": {"paid_amount": ["Not an amount."]}},
        ) from exc
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
        if _already_paid_with(orders, payment_ref):
            return trade  # this payment was recorded before
        states.check_transition(orders[0].status, OrderStatus.PAID)
    expected = sum((o.pay_amount for o in pending), ZERO)
    # Exact: 19.985 paid for 19.99 due is a mismatch, never rounded into a match.
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
    trade_stock_commit(pending)
    for order in pending:
        publish(
            OrderPaid(
                order_no=order.order_no,
                trade_no=trade.trade_no,
                buyer_id=order.buyer_id,
                merchant_id=order.merchant_id,
                pay_amount=order.pay_amount,
                payment_ref=payment_ref,
                source=order.source,
                source_ref=order.source_ref or "",
            )
        )
    pricing_steps_confirm(
        trade_no=trade.trade_no,
        buyer_id=trade.buyer_id,
        order_nos=[order.order_no for order in pending],
    )
    trade.paid_amount = (trade.paid_amount or ZERO) + expected
    trade.payment_ref = payment_ref
    trade.paid_at = timezone.now()
    trade.save(update_fields=["paid_amount", "payment_ref", "paid_at"])
    _refresh_trade_status(trade)
    return trade


# --- Cancel ---------------------------------------------------------------------------------


def cancel_locked(orders: list[Order], trade: Trade, *, actor: str, reason: str) -> None:
    """Cancel locked unpaid orders of one trade: release their stock in one inventory call and
    the pricing steps' holds once for them all, tell the others, update the trade."""
    for order in orders:
        transition(order, OrderStatus.CANCELLED, actor=actor, reason=reason, cancel_reason=reason)
    trade_stock_release(orders, reason=reason)
    pricing_steps_release(
        trade_no=trade.trade_no,
        buyer_id=trade.buyer_id,
        order_nos=[order.order_no for order in orders],
        reason=reason,
    )
    for order in orders:
        publish(
            OrderCancelled(
                order_no=order.order_no,
                trade_no=trade.trade_no,
                buyer_id=order.buyer_id,
                merchant_id=order.merchant_id,
                actor=actor,
                reason=reason,
                lines=_placed_lines(order),
                source=order.source,
                source_ref=order.source_ref or "",
                stock_mode=order.stock_mode,
            )
        )
    _refresh_trade_status(trade)


@transaction.atomic
def order_cancel(*, order_no: str, buyer_id: int, reason: str = "") -> Order:
    """The buyer cancels one of their orders, only while it is unpaid (409 otherwise)."""
    trade = _lock_trade_of(order_no, buyer_id=buyer_id)
    order = _lock_order(order_no, buyer_id=buyer_id)
    cancel_locked(
        [order], trade, actor=actor_of(buyer_id), reason=reason or "cancelled by the buyer"
    )
    return order


# --- Fulfilment -----------------------------------------------------------------------------


def _ordered_quantities(order: Order) -> dict[int, int]:
    """Units to ship per SKU: what was ordered, less the units refunded (or being refunded)
    before shipment, which the buyer no longer expects and whose stock went back on hand."""
    ordered: dict[int, int] = {}
    for sku_id, quantity in order.lines.values_list("sku_id", "quantity"):
        ordered[sku_id] = ordered.get(sku_id, 0) + quantity
    refunded = (
        OrderLineRefund.objects.filter(order=order, before_shipment=True)
        .exclude(state=OrderLineRefund.RELEASED)
        .values_list("line__sku_id", "quantity")
    )
    for sku_id, quantity in refunded:
        ordered[sku_id] = max(ordered.get(sku_id, 0) - quantity, 0)
    return ordered


@transaction.atomic
def order_shipment_create(
    *,
    order_no: str,
    actor_id: int,
    carrier_code: str,
    principal: Principal,
    tracking_number: str = "",
    waybill: bool = False,
    lines: dict[int, int] | None = None,
) -> logistics_api.ShipmentInfo:
    """A parcel of a paid (or already partly shipped) order leaves the warehouse: logistics
    records it (with the merchant's tracking number, or an e-waybill from the carrier) in this
    transaction, with the order row locked so parcels of one order queue up. `lines`: SKU id ->
    units in this parcel (None: everything not shipped yet); a SKU not in the order or more
    than is left is a 422 over_shipped; an order whose fulfilment is held (fulfilment_hold) is
    a 409 fulfilment_held. The first parcel moves the order paid -> shipped
    (OrderShipped with its carrier and number); delivery comes from tracking
    (handlers.shipment_delivered_order_deliver). Needs order.ship over the order's shop
    (another shop's order is not found); any status but paid or shipped is a 409."""
    order = _lock_order(order_no)
    principal.require("order.ship", merchant_id=order.merchant_id, not_found=_order_not_found())
    if order.fulfilment_held:
        raise Conflict(
            "This order waits for its group buy to fill before it ships.",
            code="fulfilment_held",
            details={"order_no": order.order_no},
        )
    if order.status not in (OrderStatus.PAID, OrderStatus.SHIPPED):
        states.check_transition(order.status, OrderStatus.SHIPPED)  # the 409, as any move
    shipment = logistics_api.shipment_create(
        order_no=order.order_no,
        merchant_id=order.merchant_id,
        buyer_id=order.buyer_id,
        ordered=_ordered_quantities(order),
        lines=lines,
        carrier_code=carrier_code,
        tracking_number=tracking_number,
        waybill=waybill,
        address=logistics_api.ShipmentAddress(
            name=order.receiver_name,
            phone=order.receiver_phone,
            province_code=order.province_code,
            city_code=order.city_code,
            district_code=order.district_code,
            detail=order.address_detail,
        ),
    )
    if order.status == OrderStatus.PAID:
        transition(
            order,
            OrderStatus.SHIPPED,
            actor=actor_of(actor_id),
            reason=f"shipped with {shipment.carrier_code} {shipment.tracking_number}",
            carrier_code=shipment.carrier_code,
            tracking_number=shipment.tracking_number,
        )
        publish(
            OrderShipped(
                order_no=order.order_no,
                buyer_id=order.buyer_id,
                merchant_id=order.merchant_id,
                carrier_code=shipment.carrier_code,
                tracking_number=shipment.tracking_number,
            )
        )
    return shipment


@transaction.atomic
def order_ship(
    *,
    order_no: str,
    actor_id: int,
    carrier_code: str,
    tracking_number: str,
    principal: Principal,
) -> Order:
    """Ship everything not shipped yet in one parcel with the merchant's tracking number
    (order_shipment_create with all lines); returns the order."""
    order_shipment_create(
        order_no=order_no,
        actor_id=actor_id,
        carrier_code=carrier_code,
        tracking_number=tracking_number,
        principal=principal,
    )
    return Order.objects.get(order_no=order_no)


@transaction.atomic
def order_deliver_if_all_parcels_delivered(*, order_no: str) -> bool:
    """Tracking said a parcel was delivered: a shipped order becomes delivered once everything
    it holds has shipped and every parcel is delivered. Idempotent (any other status, or
    parcels still on their way: nothing). Returns whether the order moved."""
    order = Order.objects.select_for_update().filter(order_no=order_no).first()
    if order is None or order.status != OrderStatus.SHIPPED:
        return False
    parcels = logistics_api.shipments_for_order(order_no=order_no)
    shipped: dict[int, int] = {}
    for parcel in parcels:
        for line in parcel.lines:
            shipped[line.sku_id] = shipped.get(line.sku_id, 0) + line.quantity
    everything_shipped = all(
        shipped.get(sku, 0) >= quantity for sku, quantity in _ordered_quantities(order).items()
    )
    if not parcels or not everything_shipped:
        return False
    if any(parcel.status != "delivered" for parcel in parcels):
        return False
    _deliver_locked(order, actor=SYSTEM, reason=f"all {len(parcels)} parcel(s) delivered")
    return True


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
def order_deliver(*, order_no: str, actor_id: int, principal: Principal) -> Order:
    """Staff (order.deliver) mark a shipped order delivered by hand (a parcel whose tracking
    went silent); tracking normally does it (order_deliver_if_all_parcels_delivered)."""
    principal.require("order.deliver")
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
def order_note_add(*, order_no: str, author_id: int, body: str, principal: Principal) -> OrderNote:
    """Staff or the shop's staff (order.note.write) leave an internal note on the order."""
    order = Order.objects.filter(order_no=order_no).first()
    if order is None:
        raise _order_not_found()
    principal.require(
        "order.note.write", merchant_id=order.merchant_id, not_found=_order_not_found()
    )
    return OrderNote.objects.create(order=order, author_id=author_id, body=body)
