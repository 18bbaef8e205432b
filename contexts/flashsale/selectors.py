"""Reads: the storefront's current and upcoming sessions with what is left, a buyer's ticket,
staff lists. Each list is a fixed number of queries (items prefetched, SKUs in one catalog call,
what is left in one engine call)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.flashsale.domain import ItemStatus, PurchaseStatus, SessionStatus, ticket_item_id
from contexts.flashsale.models import FlashItem, FlashPurchase, FlashSession
from contexts.flashsale.services import stock_engine
from shared.auth import Principal
from shared.errors import NotFound

STOREFRONT_SESSIONS = 10


@dataclass(frozen=True)
class StorefrontItem:
    id: int
    sku_id: int
    spu_id: int | None
    title: str
    image_url: str
    price: Decimal | None
    flash_price: Decimal
    flash_stock: int
    per_user_limit: int
    remaining: int | None  # None: not loaded yet (the sale has not opened)
    remaining_percent: int
    sold_out: bool


@dataclass(frozen=True)
class StorefrontSession:
    id: int
    name: str
    starts_at: datetime
    ends_at: datetime
    state: str  # "upcoming" | "ongoing"
    starts_in_seconds: int
    ends_in_seconds: int
    items: tuple[StorefrontItem, ...]


def _storefront(sessions: list[FlashSession], now: datetime) -> list[StorefrontSession]:
    items = [item for session in sessions for item in session.live_items]
    skus = catalog_api.get_skus(sku_ids={item.sku_id for item in items}) if items else {}
    left = stock_engine().remaining(item_ids=[item.pk for item in items]) if items else {}
    result = []
    for session in sessions:
        rows = []
        for item in session.live_items:
            sku = skus.get(item.sku_id)
            remaining = left.get(item.pk)
            shown = item.flash_stock if remaining is None else remaining
            rows.append(
                StorefrontItem(
                    id=item.pk,
                    sku_id=item.sku_id,
                    spu_id=sku.spu_id if sku else None,
                    title=sku.title if sku else "",
                    image_url=sku.image_url if sku else "",
                    price=sku.price if sku else None,
                    flash_price=item.flash_price,
                    flash_stock=item.flash_stock,
                    per_user_limit=item.per_user_limit,
                    remaining=remaining,
                    remaining_percent=int(shown * 100 / item.flash_stock),
                    sold_out=remaining == 0,
                )
            )
        result.append(
            StorefrontSession(
                id=session.pk,
                name=session.name,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                state="ongoing" if session.starts_at <= now else "upcoming",
                starts_in_seconds=max(int((session.starts_at - now).total_seconds()), 0),
                ends_in_seconds=max(int((session.ends_at - now).total_seconds()), 0),
                items=tuple(rows),
            )
        )
    return result


def _live_sessions() -> QuerySet[FlashSession]:
    return FlashSession.objects.filter(status=SessionStatus.SCHEDULED).prefetch_related(
        Prefetch(
            "items",
            queryset=FlashItem.objects.filter(status=ItemStatus.SCHEDULED).order_by("id"),
            to_attr="live_items",
        )
    )


def storefront_sessions(*, now: datetime | None = None) -> list[StorefrontSession]:
    """The sessions selling now and the next upcoming ones (STOREFRONT_SESSIONS at most),
    soonest first, with what is left of each item."""
    now = now or timezone.now()
    sessions = list(
        _live_sessions().filter(ends_at__gt=now).order_by("starts_at", "id")[:STOREFRONT_SESSIONS]
    )
    return _storefront(sessions, now)


def storefront_session(*, session_id: int, now: datetime | None = None) -> StorefrontSession:
    """One current or upcoming session (404 for any other)."""
    now = now or timezone.now()
    session = _live_sessions().filter(pk=session_id, ends_at__gt=now).first()
    if session is None:
        raise NotFound("Flash sale session not found.")
    return _storefront([session], now)[0]


def purchase_get(*, ticket_no: str, user_id: int) -> FlashPurchase:
    """The buyer's own ticket (someone else's is not found): its purchase row, or while the
    order task has not written it, the engine's queued ticket (pending, not saved)."""
    rows = FlashPurchase.objects.filter(ticket_no=ticket_no, user_id=user_id)
    purchase = rows.first()
    if purchase is not None:
        return purchase
    item_id = ticket_item_id(ticket_no)
    queued = (
        stock_engine().queued_ticket(item_id=item_id, ticket_no=ticket_no)
        if item_id is not None
        else None
    )
    if queued is None:
        # The task may have written the row and left the queue since the first read.
        purchase = rows.first()
        if purchase is None:
            raise NotFound("Ticket not found.")
        return purchase
    if queued.user_id != user_id:
        raise NotFound("Ticket not found.")
    return FlashPurchase(
        ticket_no=ticket_no,
        item_id=item_id,
        user_id=user_id,
        address_id=queued.address_id,
        quantity=queued.quantity,
        status=PurchaseStatus.PENDING,
    )


def session_list(*, principal: Principal, status: str | None = None) -> QuerySet[FlashSession]:
    """Sessions for staff and merchants (flashsale.read), newest start first."""
    principal.require("flashsale.read")
    sessions = FlashSession.objects.order_by("-starts_at", "-id")
    return sessions.filter(status=status) if status else sessions


def session_get(*, session_id: int, principal: Principal) -> FlashSession:
    principal.require("flashsale.read")
    session = FlashSession.objects.filter(pk=session_id).first()
    if session is None:
        raise NotFound("Flash sale session not found.")
    return session


def session_items(*, session_id: int, principal: Principal) -> QuerySet[FlashItem]:
    """The session's items the principal may see (a shop's staff: their shop's)."""
    return principal.filter(
        FlashItem.objects.filter(session_id=session_id).order_by("id"), "flashsale.read"
    )
