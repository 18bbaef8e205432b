"""Buying: a one-time purchase token, the stock engine's atomic take, the ticket the buyer polls,
the order created asynchronously through ordering, and the unit's return (exactly once).

Flow: GET token (issued from FLASHSALE_TOKEN_LEAD_SECONDS before the start until the end, kept
by the stock engine for FLASHSALE_TOKEN_TTL_SECONDS: in the item's Redis keys, or the cache for
the database engine) -> POST purchase: risk port asked, the engine consumes the token (the first
purchase call that shows it) and takes the units (window, stock and the buyer's limit checked
atomically; Redis: the token in the same script) -> the ticket:
  * database engine: the buyer's address is checked (404) and the ticket row written in the
    take's transaction;
  * Redis engine: the take script records the ticket itself (queued, with the address), so the
    purchase does no database round trip; the order task writes the purchase row, checks the
    address (not the buyer's: the ticket fails with `address_invalid` and the unit goes back)
    and removes the queued ticket after its commit;
the order task is queued after commit -> the task places the order at the flash price
(ordering.api.place_special_order, stock "preallocated", payment window
FLASHSALE_PAYMENT_TIMEOUT_SECONDS, idempotent per ticket).

A unit goes back to the engine when the order cannot be created, when the order is cancelled
unpaid (ordering's OrderCancelled), or never (paid). The purchase row moves to "returned" under
its row lock first, and the engine's give_back is itself idempotent per ticket, so a replayed
return never adds stock twice. At the session's end the units left go back to normal stock
through the item's settlement (services.sessions).
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.flashsale.domain import (
    OPEN_PURCHASE_STATUSES,
    ItemStatus,
    PurchaseStatus,
    SessionStatus,
    TakeOutcome,
    ticket_item_id,
    token_digest,
)
from contexts.flashsale.events import FlashPurchaseOrdered, FlashPurchaseReturned
from contexts.flashsale.models import FlashItem, FlashPurchase
from contexts.flashsale.services.sessions import item_stock, stock_engine
from contexts.identity import api as identity_api
from contexts.ordering import api as ordering_api
from shared.errors import AppError, Conflict, NotFound, PermissionDenied
from shared.events import publish
from shared.risk import risk_check

logger = logging.getLogger(__name__)

SOURCE = "flashsale"
ORDER_FAILED = "order_failed"
ORDER_CANCELLED = "order_cancelled"
ADDRESS_INVALID = "address_invalid"

_REFUSALS = {
    TakeOutcome.NOT_LOADED: ("sale_not_started", "The sale has not started."),
    TakeOutcome.NOT_STARTED: ("sale_not_started", "The sale has not started."),
    TakeOutcome.ENDED: ("sale_ended", "The sale has ended."),
    TakeOutcome.SOLD_OUT: ("sold_out", "Sold out."),
    TakeOutcome.LIMIT_REACHED: ("limit_reached", "You have bought as many as allowed."),
    TakeOutcome.DUPLICATE: ("duplicate_purchase", "This purchase was already made."),
}


@dataclass(frozen=True)
class PurchaseToken:
    token: str
    expires_in: int


def new_ticket_no(item_id: int) -> str:
    """F + milliseconds + random + I + item id: unique, unguessable, its age is readable
    (reconcile) and so is its item (a queued ticket is found in the item's Redis keys)."""
    return f"F{int(time.time() * 1000):013d}{uuid.uuid4().hex[:16]}I{item_id}"


def ticket_age_seconds(ticket_no: str, now: datetime) -> float:
    try:
        return now.timestamp() - int(ticket_no[1:14]) / 1000
    except ValueError:
        return float("inf")


def _ticket_time(ticket_no: str) -> datetime:
    """When the ticket was taken (its number carries the milliseconds)."""
    return datetime.fromtimestamp(int(ticket_no[1:14]) / 1000, tz=UTC)


def purchase_token_issue(*, item_id: int, user_id: int) -> PurchaseToken:
    """A one-time token to buy this item: only for a scheduled item from
    FLASHSALE_TOKEN_LEAD_SECONDS before its session starts until it ends (409
    sale_not_open otherwise, 404 for an unknown item). It expires after
    FLASHSALE_TOKEN_TTL_SECONDS and works for one purchase call."""
    item = (
        FlashItem.objects.select_related("session")
        .filter(pk=item_id, status=ItemStatus.SCHEDULED, session__status=SessionStatus.SCHEDULED)
        .first()
    )
    if item is None:
        raise NotFound("Flash sale item not found.")
    now = timezone.now()
    opens = item.session.starts_at - timedelta(seconds=settings.FLASHSALE_TOKEN_LEAD_SECONDS)
    if not opens <= now < item.session.ends_at:
        raise Conflict(
            "Purchase tokens are issued shortly before the sale starts, until it ends.",
            code="sale_not_open",
            details={"opens_at": opens.isoformat(), "ends_at": item.session.ends_at.isoformat()},
        )
    token = secrets.token_urlsafe(24)
    ttl = settings.FLASHSALE_TOKEN_TTL_SECONDS
    # Kept by the stock engine (Redis: in the item's keys, so the take script consumes it).
    stock_engine().store_token(
        item_id=item_id, user_id=user_id, digest=token_digest(token), ttl=ttl
    )
    return PurchaseToken(token=token, expires_in=ttl)


def purchase_start(
    *, item_id: int, user_id: int, token: str, address_id: int, quantity: int = 1, ip: str = ""
) -> FlashPurchase:
    """Buy: the risk port consulted (403 risk_refused); then the engine consumes the token
    (403 invalid_purchase_token: missing, expired, another item's or buyer's, or used) and
    takes the units atomically: 409 sale_not_started, sale_ended, sold_out or limit_reached
    when it refuses. On success the pending ticket is returned; the caller queues
    purchase_order_create after commit. Database engine: the address must be the buyer's (404,
    nothing taken) and the ticket row is written here. Redis engine: the take queued the ticket
    (no database round trip); the order task writes its row and checks the address then."""
    risk_check(action="flashsale.purchase", user_id=user_id, ip=ip, subject=str(item_id))
    ticket_no = new_ticket_no(item_id)
    digest = token_digest(token)
    engine = stock_engine()
    if engine.joins_transaction:
        with transaction.atomic():
            _take(
                engine,
                item_id=item_id,
                user_id=user_id,
                quantity=quantity,
                ticket=ticket_no,
                digest=digest,
            )
            return _write_ticket(
                ticket_no=ticket_no,
                item_id=item_id,
                user_id=user_id,
                address_id=address_id,
                quantity=quantity,
            )
    # The token, the take and the queued ticket are one script: nothing to undo if this
    # process dies now (reconciliation queues the order of a ticket still queued after the
    # grace period).
    _take(
        engine,
        item_id=item_id,
        user_id=user_id,
        quantity=quantity,
        ticket=ticket_no,
        digest=digest,
        address_id=address_id,
    )
    return FlashPurchase(
        ticket_no=ticket_no,
        item_id=item_id,
        user_id=user_id,
        address_id=address_id,
        quantity=quantity,
        status=PurchaseStatus.PENDING,
    )


def _take(
    engine,
    *,
    item_id: int,
    user_id: int,
    quantity: int,
    ticket: str,
    digest: str,
    address_id: int = 0,
) -> None:
    result = engine.take(
        item_id=item_id,
        user_id=user_id,
        quantity=quantity,
        ticket_no=ticket,
        now=timezone.now(),
        address_id=address_id,
        token_digest=digest,
    )
    if result.outcome == TakeOutcome.INVALID_TOKEN:
        raise PermissionDenied(
            "The purchase token is missing, expired or used.", code="invalid_purchase_token"
        )
    if result.outcome != TakeOutcome.TAKEN:
        code, message = _REFUSALS[result.outcome]
        raise Conflict(message, code=code)


def _write_ticket(
    *, ticket_no: str, item_id: int, user_id: int, address_id: int, quantity: int
) -> FlashPurchase:
    # After the take, so a refused attempt (most of a crowd) costs no address read; a wrong
    # address (404) rolls the database engine's take back.
    identity_api.require_own_address(user_id=user_id, address_id=address_id)
    return FlashPurchase.objects.create(
        ticket_no=ticket_no,
        item_id=item_id,
        user_id=user_id,
        address_id=address_id,
        quantity=quantity,
    )


def _give_back_after_commit(purchase: FlashPurchase) -> None:
    item_id, ticket_no = purchase.item_id, purchase.ticket_no
    transaction.on_commit(
        lambda: stock_engine().give_back(item_id=item_id, ticket_no=ticket_no), robust=True
    )


def _return_locked(purchase: FlashPurchase, *, reason: str, failure_code: str = "") -> None:
    purchase.status = PurchaseStatus.RETURNED
    purchase.failure_code = (failure_code or reason)[:40]
    purchase.returned_at = timezone.now()
    purchase.save(update_fields=["status", "failure_code", "returned_at", "updated_at"])
    publish(
        FlashPurchaseReturned(
            ticket_no=purchase.ticket_no,
            item_id=purchase.item_id,
            buyer_id=purchase.user_id,
            reason=reason,
        )
    )
    _give_back_after_commit(purchase)


def _lock_purchase(ticket_no: str) -> FlashPurchase | None:
    # The purchase row only: a join would lock the item row too (MariaDB has no FOR UPDATE OF),
    # and every order task of the item would queue on it (and on the database engine's counter).
    return FlashPurchase.objects.select_for_update().filter(ticket_no=ticket_no).first()


def _purchase_from_queue(ticket_no: str) -> FlashPurchase | None:
    """The purchase row of a ticket the Redis engine queued, written now (locked); None when
    the engine has no such ticket."""
    item_id = ticket_item_id(ticket_no)
    if item_id is None:
        return None
    engine = stock_engine()
    queued = engine.queued_ticket(item_id=item_id, ticket_no=ticket_no)
    if queued is None:
        return None
    try:
        with transaction.atomic():
            FlashPurchase.objects.create(
                ticket_no=ticket_no,
                item_id=item_id,
                user_id=queued.user_id,
                address_id=queued.address_id,
                quantity=queued.quantity,
                created_at=_ticket_time(ticket_no),
            )
    except IntegrityError:
        pass  # a concurrent run of the task wrote it: the lock below waits for its commit
    return _lock_purchase(ticket_no)


def _dequeue_after_commit(purchase: FlashPurchase) -> None:
    # After the row committed: at every moment the ticket is queued, written, or both, so
    # reconciliation and settlement (which read the queue first) never miss it.
    item_id, ticket_no = purchase.item_id, purchase.ticket_no
    transaction.on_commit(
        lambda: stock_engine().dequeue(item_id=item_id, ticket_no=ticket_no), robust=True
    )


@transaction.atomic
def purchase_order_create(*, ticket_no: str) -> str:
    """Create the pending purchase's order at the flash price (the queued task's work).

    A ticket the Redis engine queued gets its purchase row first. Idempotent: a purchase no
    longer pending is left alone, and ordering places at most one order per ticket. When the
    address is not the buyer's (reason order_failed, failure code address_invalid) or ordering
    refuses (the SKU unavailable, not deliverable ...: its failure code kept) the purchase is
    returned and its unit given back, once. Returns the purchase's status."""
    purchase = _lock_purchase(ticket_no) or _purchase_from_queue(ticket_no)
    if purchase is None:
        return "missing"
    _dequeue_after_commit(purchase)
    if purchase.status != PurchaseStatus.PENDING:
        return purchase.status
    try:
        identity_api.require_own_address(user_id=purchase.user_id, address_id=purchase.address_id)
    except NotFound:
        logger.warning("flash sale address invalid", extra={"ticket_no": ticket_no})
        _return_locked(purchase, reason=ORDER_FAILED, failure_code=ADDRESS_INVALID)
        return purchase.status
    item = purchase.item
    try:
        with transaction.atomic():
            order = ordering_api.place_special_order(
                buyer_id=purchase.user_id,
                address_id=purchase.address_id,
                sku_id=item.sku_id,
                quantity=purchase.quantity,
                unit_price=item.flash_price,
                source=SOURCE,
                source_ref=purchase.ticket_no,
                payment_timeout_seconds=settings.FLASHSALE_PAYMENT_TIMEOUT_SECONDS,
                stock_mode=ordering_api.STOCK_PREALLOCATED,
            )
    except AppError as exc:
        logger.warning("flash sale order refused", extra={"ticket_no": ticket_no, "code": exc.code})
        _return_locked(purchase, reason=ORDER_FAILED, failure_code=exc.code)
        return purchase.status
    purchase.status = PurchaseStatus.ORDERED
    purchase.order_no = order.order_no
    purchase.save(update_fields=["status", "order_no", "updated_at"])
    publish(
        FlashPurchaseOrdered(
            ticket_no=purchase.ticket_no,
            item_id=purchase.item_id,
            buyer_id=purchase.user_id,
            order_no=order.order_no,
        )
    )
    return purchase.status


@transaction.atomic
def purchase_return(*, ticket_no: str, reason: str) -> bool:
    """Give the purchase's unit back (its order was cancelled unpaid): once per ticket, under
    the purchase's row lock; a paid or already returned purchase is left alone. Returns whether
    this call returned it."""
    purchase = _lock_purchase(ticket_no)
    if purchase is None or purchase.status not in OPEN_PURCHASE_STATUSES:
        return False
    _return_locked(purchase, reason=reason)
    return True


@transaction.atomic
def purchase_mark_paid(*, ticket_no: str) -> bool:
    """The purchase's order was paid: the unit is sold. Idempotent."""
    return bool(
        FlashPurchase.objects.filter(ticket_no=ticket_no, status=PurchaseStatus.ORDERED).update(
            status=PurchaseStatus.PAID, updated_at=timezone.now()
        )
    )


@dataclass(frozen=True)
class ReconcileReport:
    items: int = 0
    reloaded: int = 0
    returns_replayed: int = 0
    orphans_returned: int = 0
    lowered_units: int = 0
    stuck_tickets: tuple[str, ...] = ()


def purchases_reconcile(*, now: datetime | None = None) -> ReconcileReport:
    """Compare the engine's records of every loaded, unsettled item with the purchases and fix
    drift in the safe direction (never selling a unit twice), logging each fix:

      * the engine lost the item (Redis restarted) while it still sells: reload it from the
        purchases (units held, buyers' counts, tickets);
      * a purchase returned whose units the engine did not get back: give them back (the
        engine's give_back is idempotent per ticket);
      * a ticket the engine took, not queued, and no purchase row committed within
        FLASHSALE_RECONCILE_GRACE_SECONDS (the database engine's rows are in the take's
        transaction; a Redis ticket is queued by the take script until its row commits, so
        this only catches records from before that): give it back. A queued ticket holds its
        unit like a purchase row: it is never given back here;
      * a queued ticket older than the grace period (its task was lost: the publish failed,
        the worker died): in `stuck_tickets`;
      * the engine has more units left than the allotment minus the units held: lower it (it
        would oversell); fewer is only logged (a unit unsold is safe);
      * purchases pending longer than the grace period are returned in `stuck_tickets` for
        the caller to queue their order creation again (it is idempotent).
    """
    now = now or timezone.now()
    grace = settings.FLASHSALE_RECONCILE_GRACE_SECONDS
    engine = stock_engine()
    report = dict(items=0, reloaded=0, returns_replayed=0, orphans_returned=0, lowered_units=0)
    stuck: list[str] = []
    items = FlashItem.objects.select_related("session").filter(
        status=ItemStatus.SCHEDULED, loaded_at__isnull=False
    )
    for item in items:
        report["items"] += 1
        snap = engine.snapshot(item_id=item.pk)
        if snap is None:
            if item.session.status == SessionStatus.SCHEDULED and now < item.session.ends_at:
                engine.load(item_stock(item))
                report["reloaded"] += 1
                logger.warning("flash item reloaded into the engine", extra={"item_id": item.pk})
            continue
        purchases = dict(FlashPurchase.objects.filter(item=item).values_list("ticket_no", "status"))
        for ticket, status in purchases.items():
            if status == PurchaseStatus.RETURNED and ticket not in snap.returned:
                if engine.give_back(item_id=item.pk, ticket_no=ticket):
                    report["returns_replayed"] += 1
                    logger.warning(
                        "flash return replayed", extra={"item_id": item.pk, "ticket_no": ticket}
                    )
            elif status == PurchaseStatus.PENDING and ticket_age_seconds(ticket, now) > grace:
                stuck.append(ticket)
        for ticket in snap.queued:
            if ticket not in purchases and ticket_age_seconds(ticket, now) > grace:
                stuck.append(ticket)
        for ticket in snap.tickets:
            if (
                ticket not in purchases
                and ticket not in snap.queued
                and ticket not in snap.returned
                and ticket_age_seconds(ticket, now) > grace
                and not FlashPurchase.objects.filter(ticket_no=ticket).exists()
                and engine.give_back(item_id=item.pk, ticket_no=ticket)
            ):
                report["orphans_returned"] += 1
                logger.warning(
                    "flash orphan ticket returned", extra={"item_id": item.pk, "ticket_no": ticket}
                )
        snap = engine.snapshot(item_id=item.pk)
        if snap is None:
            continue
        held = sum(units for t, (_, units) in snap.tickets.items() if t not in snap.returned)
        expected = item.flash_stock - held
        if snap.remaining > expected:
            engine.lower(item_id=item.pk, units=snap.remaining - expected)
            report["lowered_units"] += snap.remaining - expected
            logger.error(
                "flash engine had more units left than the allotment allows; lowered",
                extra={"item_id": item.pk, "engine": snap.remaining, "expected": expected},
            )
        elif snap.remaining < expected:
            logger.warning(
                "flash engine has fewer units left than expected (left unsold)",
                extra={"item_id": item.pk, "engine": snap.remaining, "expected": expected},
            )
    return ReconcileReport(**report, stuck_tickets=tuple(stuck))
