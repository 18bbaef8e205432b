"""Ordering's read queries, N+1-free. Object-level permission lives here: a buyer's order is
looked up through the buyer, a merchant's through the merchants they manage, so anyone else's
order is simply not found (404, nothing leaks)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Prefetch, QuerySet

from contexts.ordering.domain.states import OrderStatus
from contexts.ordering.models import Order, OrderLine, OrderLog, Trade
from shared.auth import Principal
from shared.errors import NotFound

READ = "order.read"


def _with_lines(orders: QuerySet[Order]) -> QuerySet[Order]:
    return orders.prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))


def order_list_for_buyer(*, buyer_id: int, status: str | None = None) -> QuerySet[Order]:
    """The buyer's orders, newest first, with their lines (one extra query per page)."""
    orders = Order.objects.filter(buyer_id=buyer_id)
    if status:
        orders = orders.filter(status=status)
    return _with_lines(orders.select_related("trade").order_by("-id"))


def order_get_for_buyer(*, buyer_id: int, order_no: str) -> Order:
    """One of the buyer's own orders with its lines; NotFound for a missing or foreign one."""
    order = (
        _with_lines(Order.objects.select_related("trade"))
        .filter(buyer_id=buyer_id, order_no=order_no)
        .first()
    )
    if order is None:
        raise NotFound("Order not found.")
    return order


def order_logs_for_buyer(*, buyer_id: int, order_no: str) -> list[OrderLog]:
    """The status history of one of the buyer's own orders, oldest first."""
    order_id = (
        Order.objects.filter(buyer_id=buyer_id, order_no=order_no)
        .values_list("id", flat=True)
        .first()
    )
    if order_id is None:
        raise NotFound("Order not found.")
    return list(OrderLog.objects.filter(order_id=order_id).order_by("id"))


def order_search(
    *,
    principal: Principal,
    order_no: str | None = None,
    buyer_id: int | None = None,
    status: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> QuerySet[Order]:
    """Orders for the back office, newest first: those of the shops over which the principal
    holds order.read (staff: every shop)."""
    orders = principal.filter(Order.objects.all(), READ)
    if order_no:
        orders = orders.filter(order_no=order_no)
    if buyer_id is not None:
        orders = orders.filter(buyer_id=buyer_id)
    if status:
        orders = orders.filter(status=status)
    if created_from is not None:
        orders = orders.filter(created_at__gte=created_from)
    if created_to is not None:
        orders = orders.filter(created_at__lt=created_to)
    return _with_lines(orders.select_related("trade").order_by("-id"))


def order_get_for_back_office(*, order_no: str, principal: Principal) -> Order:
    """One order with lines, logs and notes, of a shop over which the principal holds
    order.read (another shop's is not found)."""
    orders = Order.objects.select_related("trade").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id")), "logs", "notes"
    )
    order = principal.filter(orders, READ).filter(order_no=order_no).first()
    if order is None:
        raise NotFound("Order not found.")
    return order


def trade_get(*, trade_no: str) -> Trade | None:
    """A trade with its orders (one extra query)."""
    return (
        Trade.objects.prefetch_related(Prefetch("orders", queryset=Order.objects.order_by("id")))
        .filter(trade_no=trade_no)
        .first()
    )


def order_get(*, order_no: str) -> Order | None:
    """Any order by number, with its trade and lines."""
    return _with_lines(Order.objects.select_related("trade")).filter(order_no=order_no).first()


def completed_purchase_exists(*, user_id: int, sku_id: int) -> bool:
    """True when the user has a completed order with a line for this SKU."""
    return OrderLine.objects.filter(
        sku_id=sku_id, order__buyer_id=user_id, order__status=OrderStatus.COMPLETED
    ).exists()


def orders_for_search(*, order_nos: Iterable[str] = (), after_id: int = 0, limit: int = 0):
    """Orders by number, or (with `limit`) the next `limit` orders above row id `after_id`,
    ascending, as (row id, order) pairs with their trade, in one query."""
    orders = Order.objects.select_related("trade").order_by("id")
    if limit:
        orders = orders.filter(pk__gt=after_id)[:limit]
    else:
        orders = orders.filter(order_no__in=list(order_nos))
    return [(order.pk, order) for order in orders]
