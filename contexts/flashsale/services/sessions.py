"""Sessions and items: prepare (draft), schedule (allotments out of normal stock), load into the
stock engine before the start, end, settle (sold units deducted, the rest back), cancel.

Every write locks the session row first, then its items by id: one lock order. The beat tasks
(load, end, settle) are safe to run concurrently and again: each step re-checks the status under
its lock, and inventory's settle is idempotent itself.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.flashsale.domain import (
    OPEN_PURCHASE_STATUSES,
    ItemStatus,
    ItemStock,
    PurchaseStatus,
    SessionStatus,
    allotment_ref,
)
from contexts.flashsale.events import (
    FlashItemSettled,
    FlashSessionCancelled,
    FlashSessionEnded,
    FlashSessionScheduled,
)
from contexts.flashsale.models import FlashItem, FlashPurchase, FlashSession
from contexts.flashsale.ports import StockEngine
from contexts.inventory import api as inventory_api
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotFound, ValidationFailed
from shared.events import publish
from shared.money import quantize
from shared.ports import adapter

logger = logging.getLogger(__name__)

SESSION_WRITE = "flashsale.session.write"
ITEM_WRITE = "flashsale.item.write"


def stock_engine() -> StockEngine:
    return adapter("FLASHSALE_STOCK_ENGINE")


def _session_not_found() -> NotFound:
    return NotFound("Flash sale session not found.")


def _item_not_found() -> NotFound:
    return NotFound("Flash sale item not found.")


def _lock_session(session_id: int) -> FlashSession:
    session = FlashSession.objects.select_for_update().filter(pk=session_id).first()
    if session is None:
        raise _session_not_found()
    return session


def _check_window(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationFailed(
            "A session ends after it starts.",
            details={"fields": {"ends_at": ["Must be after starts_at."]}},
        )
    if ends_at <= timezone.now():
        raise ValidationFailed(
            "A session must end in the future.",
            details={"fields": {"ends_at": ["Must be in the future."]}},
        )


def _require_draft(session: FlashSession) -> None:
    if session.status != SessionStatus.DRAFT:
        raise Conflict(
            "Only a draft session can be changed.",
            code="session_not_draft",
            details={"status": session.status},
        )


@transaction.atomic
def session_create(
    *, name: str, starts_at: datetime, ends_at: datetime, principal: Principal
) -> FlashSession:
    """A draft session (platform staff: flashsale.session.write); it ends after it starts and in
    the future (400)."""
    principal.require(SESSION_WRITE)
    _check_window(starts_at, ends_at)
    return FlashSession.objects.create(name=name, starts_at=starts_at, ends_at=ends_at)


@transaction.atomic
def session_update(
    *,
    session_id: int,
    principal: Principal,
    name: str | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> FlashSession:
    """Rename or move a draft session (409 session_not_draft once scheduled)."""
    principal.require(SESSION_WRITE)
    session = _lock_session(session_id)
    _require_draft(session)
    session.name = name if name is not None else session.name
    session.starts_at = starts_at or session.starts_at
    session.ends_at = ends_at or session.ends_at
    _check_window(session.starts_at, session.ends_at)
    session.save()
    return session


@transaction.atomic
def item_add(
    *,
    session_id: int,
    sku_id: int,
    flash_price: Decimal,
    flash_stock: int,
    per_user_limit: int,
    principal: Principal,
) -> FlashItem:
    """Add a SKU to a draft session (flashsale.item.write over the SKU's shop: 403
    not_your_merchant otherwise). The SKU must be purchasable (422 sku_unavailable), the flash
    price above zero and below the SKU's price (422 flash_price_not_lower), each SKU once per
    session (409 item_exists)."""
    principal.require(ITEM_WRITE)
    session = FlashSession.objects.filter(pk=session_id).first()
    if session is None:
        raise _session_not_found()
    sku = catalog_api.get_skus(sku_ids=[sku_id]).get(sku_id)
    if sku is None or not sku.purchasable:
        raise BusinessRuleViolation(
            "This SKU cannot be sold.", code="sku_unavailable", details={"sku_id": sku_id}
        )
    principal.require(ITEM_WRITE, merchant_id=sku.merchant_id)
    session = _lock_session(session_id)
    _require_draft(session)
    flash_price = quantize(flash_price)
    if not Decimal(0) < flash_price < sku.price:
        raise BusinessRuleViolation(
            "The flash price must be above zero and below the SKU's price.",
            code="flash_price_not_lower",
            details={"price": str(sku.price)},
        )
    if FlashItem.objects.filter(session=session, sku_id=sku_id).exists():
        raise Conflict("This SKU is already in the session.", code="item_exists")
    return FlashItem.objects.create(
        session=session,
        sku_id=sku_id,
        merchant_id=sku.merchant_id,
        flash_price=flash_price,
        flash_stock=flash_stock,
        per_user_limit=per_user_limit,
    )


@transaction.atomic
def item_remove(*, item_id: int, principal: Principal) -> None:
    """Take an item out of a draft session (409 session_not_draft otherwise)."""
    item = FlashItem.objects.filter(pk=item_id).first()
    if item is None:
        raise _item_not_found()
    principal.require(ITEM_WRITE, merchant_id=item.merchant_id, not_found=_item_not_found())
    session = _lock_session(item.session_id)
    _require_draft(session)
    FlashItem.objects.filter(pk=item_id).delete()


def _allotment_ttl(session: FlashSession) -> int:
    """The allotment outlives the session by the payment window and a day: settlement (not
    the reservation's expiry) normally ends it."""
    until = session.ends_at + timedelta(seconds=settings.FLASHSALE_PAYMENT_TIMEOUT_SECONDS)
    return int((until - timezone.now()).total_seconds()) + 24 * 3600


@transaction.atomic
def session_schedule(*, session_id: int, principal: Principal) -> FlashSession:
    """draft -> scheduled: every item's flash stock is taken out of normal inventory (one
    inventory reserve per item, ref FS-ITEM-<id>, all or nothing: 422 out_of_stock) and the
    items are loaded into the stock engine FLASHSALE_LOAD_AHEAD_SECONDS before the start (now
    if that is already due). A session without items is a 422 session_empty; one that has
    ended a 400. Scheduling again is a 409 session_not_draft."""
    principal.require(SESSION_WRITE)
    session = _lock_session(session_id)
    _require_draft(session)
    _check_window(session.starts_at, session.ends_at)
    items = list(FlashItem.objects.select_for_update().filter(session=session).order_by("id"))
    if not items:
        raise BusinessRuleViolation("The session has no items.", code="session_empty")
    skus = catalog_api.get_skus(sku_ids=[item.sku_id for item in items])
    unavailable = [
        i.sku_id for i in items if i.sku_id not in skus or not skus[i.sku_id].purchasable
    ]
    if unavailable:
        raise BusinessRuleViolation(
            "Some SKUs cannot be sold.", code="sku_unavailable", details={"sku_ids": unavailable}
        )
    inventory_api.reserve(
        requests=[
            inventory_api.ReservationRequest(
                order_ref=allotment_ref(item.pk),
                lines=(
                    inventory_api.ReservationLine(sku_id=item.sku_id, quantity=item.flash_stock),
                ),
            )
            for item in items
        ],
        ttl_seconds=_allotment_ttl(session),
    )
    FlashItem.objects.filter(pk__in=[i.pk for i in items]).update(
        status=ItemStatus.SCHEDULED, remaining=0
    )
    session.status = SessionStatus.SCHEDULED
    session.save(update_fields=["status", "updated_at"])
    publish(FlashSessionScheduled(session_id=session.pk, item_ids=tuple(i.pk for i in items)))
    transaction.on_commit(items_load_due, robust=True)
    return session


def item_stock(item: FlashItem) -> ItemStock:
    """What the engine needs to sell the item: the allotment minus the units purchases hold
    (every purchase not returned), the buyers' counts and the tickets (a reload keeps them)."""
    holding = list(
        FlashPurchase.objects.filter(item=item)
        .exclude(status=PurchaseStatus.RETURNED)
        .values_list("ticket_no", "user_id", "quantity")
    )
    by_user: dict[int, int] = {}
    for _, user_id, quantity in holding:
        by_user[user_id] = by_user.get(user_id, 0) + quantity
    return ItemStock(
        item_id=item.pk,
        stock=item.flash_stock - sum(q for _, _, q in holding),
        per_user_limit=item.per_user_limit,
        starts_at=item.session.starts_at,
        ends_at=item.session.ends_at,
        taken_by_user=by_user,
        tickets={ticket: (user_id, q) for ticket, user_id, q in holding},
    )


def items_load_due(*, now: datetime | None = None) -> int:
    """Load the scheduled items of sessions starting within FLASHSALE_LOAD_AHEAD_SECONDS (and
    not ended) into the stock engine, once each (loaded_at). Returns items loaded."""
    now = now or timezone.now()
    due = FlashItem.objects.select_related("session").filter(
        status=ItemStatus.SCHEDULED,
        loaded_at__isnull=True,
        session__status=SessionStatus.SCHEDULED,
        session__starts_at__lte=now + timedelta(seconds=settings.FLASHSALE_LOAD_AHEAD_SECONDS),
        session__ends_at__gt=now,
    )
    loaded = 0
    for item in due:
        stock_engine().load(item_stock(item))
        loaded += FlashItem.objects.filter(pk=item.pk, loaded_at__isnull=True).update(loaded_at=now)
        logger.info("flash item loaded", extra={"item_id": item.pk})
    return loaded


def sessions_end_due(*, now: datetime | None = None) -> int:
    """scheduled -> ended for sessions past their end (FlashSessionEnded). Returns the count."""
    now = now or timezone.now()
    ended = 0
    for session_id in FlashSession.objects.filter(
        status=SessionStatus.SCHEDULED, ends_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            session = _lock_session(session_id)
            if session.status != SessionStatus.SCHEDULED:
                continue
            session.status = SessionStatus.ENDED
            session.save(update_fields=["status", "updated_at"])
            publish(FlashSessionEnded(session_id=session.pk))
            ended += 1
    return ended


def items_settle_due() -> int:
    """Settle the items of ended sessions once none of their purchases awaits an order or a
    payment: the paid units are deducted from stock and the rest of the allotment goes back to
    normal stock (inventory settle, idempotent), the engine forgets the item. Returns items
    settled."""
    settled = 0
    for item_id in FlashItem.objects.filter(
        status=ItemStatus.SCHEDULED, session__status=SessionStatus.ENDED
    ).values_list("pk", flat=True):
        if item_settle(item_id=item_id):
            settled += 1
    return settled


@transaction.atomic
def item_settle(*, item_id: int) -> bool:
    """Settle one item of an ended session (see items_settle_due); False when it is not due
    (already settled, or purchases still open or queued in the engine)."""
    # The queue first: a ticket leaves it only after its purchase row committed, so read in
    # this order an open ticket is seen in one place or the other.
    if stock_engine().queued_tickets(item_id=item_id):
        return False
    item = FlashItem.objects.select_for_update().filter(pk=item_id).first()
    if item is None or item.status != ItemStatus.SCHEDULED:
        return False
    purchases = FlashPurchase.objects.filter(item=item)
    if purchases.filter(status__in=OPEN_PURCHASE_STATUSES).exists():
        return False
    sold = purchases.filter(status=PurchaseStatus.PAID).aggregate(n=Sum("quantity"))["n"] or 0
    _, returned = inventory_api.settle(
        order_ref=allotment_ref(item.pk), sold=sold, reason="flash sale ended"
    )
    item.status = ItemStatus.SETTLED
    item.sold_units = sold
    item.settled_at = timezone.now()
    item.save(update_fields=["status", "sold_units", "settled_at", "updated_at"])
    publish(
        FlashItemSettled(
            item_id=item.pk,
            session_id=item.session_id,
            sku_id=item.sku_id,
            sold_units=sold,
            returned_units=returned,
        )
    )
    transaction.on_commit(lambda: stock_engine().unload(item_id=item_id), robust=True)
    logger.info("flash item settled", extra={"item_id": item.pk, "sold": sold, "back": returned})
    return True


@transaction.atomic
def session_cancel(*, session_id: int, principal: Principal) -> FlashSession:
    """Cancel a session before it starts: a scheduled one's allotments go back to normal stock
    and the engine forgets its items. Once started it cannot be cancelled (409
    session_started); an ended or cancelled one neither (409 session_not_cancellable)."""
    principal.require(SESSION_WRITE)
    session = _lock_session(session_id)
    if session.status not in (SessionStatus.DRAFT, SessionStatus.SCHEDULED):
        raise Conflict("This session cannot be cancelled.", code="session_not_cancellable")
    if session.status == SessionStatus.SCHEDULED and session.starts_at <= timezone.now():
        raise Conflict("The session has started.", code="session_started")
    items = list(FlashItem.objects.select_for_update().filter(session=session).order_by("id"))
    if session.status == SessionStatus.SCHEDULED:
        for item in items:
            inventory_api.settle(
                order_ref=allotment_ref(item.pk), sold=0, reason="flash sale cancelled"
            )
    FlashItem.objects.filter(pk__in=[i.pk for i in items]).update(status=ItemStatus.CANCELLED)
    session.status = SessionStatus.CANCELLED
    session.save(update_fields=["status", "updated_at"])
    publish(FlashSessionCancelled(session_id=session.pk))

    def unload() -> None:
        for item in items:
            stock_engine().unload(item_id=item.pk)

    transaction.on_commit(unload, robust=True)
    return session
