"""Demo group buys: one activity (the first SKU of the first demo shop, for two, at 60% of its
price) with a completed group (two buyers paid: their orders can ship), an open group (the
leader paid, a seat left) and a group that failed (its deadline moved into the past and the
expiry job run: the paid leader is refunded through payments, the unit is back in stock).

Paying goes through the `pay(buyer_id, trade_no)` callable the demo command passes (the sandbox
provider); without it, or without a second demo buyer, only the open group is made."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.groupbuy import services
from contexts.groupbuy.models import GroupBuyActivity, GroupBuyGroup
from contexts.identity import api as identity_api
from shared.auth import SYSTEM
from shared.errors import AppError
from shared.events.relay import relay_once
from shared.money import quantize

logger = logging.getLogger(__name__)

DEMO_NAME = "Demo group buy: tea for two"


def _drain_events() -> None:
    """Deliver what the payments published (their handlers complete or refund groups)."""
    for _ in range(10):
        if not relay_once():
            return


def _seat(activity, buyer_id: int, *, group_no: str | None = None):
    address = identity_api.get_default_address(user_id=buyer_id)
    if address is None:
        return None
    if group_no is None:
        return services.group_start(
            activity_id=activity.pk, user_id=buyer_id, address_id=address.id
        )
    return services.group_join(group_no=group_no, user_id=buyer_id, address_id=address.id)


def demo_group_buys_create(
    *,
    sku_ids_by_merchant: Mapping[int, Iterable[int]],
    buyer_ids: Sequence[int],
    pay: Callable[[int, str], None] | None = None,
) -> int:
    """Create the demo activity and its groups unless it exists (idempotent). Returns how many
    groups were made."""
    if GroupBuyActivity.objects.filter(name=DEMO_NAME).exists() or not buyer_ids:
        return 0
    firsts = [sorted(ids)[0] for _, ids in sorted(sku_ids_by_merchant.items()) if ids]
    sku = next((s for s in catalog_api.get_skus(sku_ids=firsts).values() if s.purchasable), None)
    if sku is None:
        return 0
    now = timezone.now()
    activity = services.activity_create(
        principal=SYSTEM,
        name=DEMO_NAME,
        sku_id=sku.sku_id,
        group_price=max(quantize(sku.price * Decimal("0.6")), Decimal("0.01")),
        group_size=2,
        fill_seconds=24 * 3600,
        per_user_limit=99,  # the tour (scripts/tour.sh) may run again and again
        starts_at=now - timedelta(minutes=5),
        ends_at=now + timedelta(days=7),
    )
    made = 0
    try:
        leader, other = buyer_ids[0], buyer_ids[1 % len(buyer_ids)]
        can_pay = pay is not None and leader != other
        if can_pay:
            # Completed: both seats paid.
            first = _seat(activity, leader)
            pay(leader, first.trade_no)
            second = _seat(activity, other, group_no=first.group.group_no)
            pay(other, second.trade_no)
            _drain_events()
            made += 1
            # Failed: the leader paid, nobody joined, the deadline passed.
            failing = _seat(activity, other)
            pay(other, failing.trade_no)
            _drain_events()
            GroupBuyGroup.objects.filter(pk=failing.group_id).update(
                deadline=timezone.now() - timedelta(seconds=1)
            )
            services.groups_expire_due()
            _drain_events()
            made += 1
        # Open: the leader's seat (paid when payments are at hand), one seat left.
        opened = _seat(activity, leader)
        if opened is not None:
            if can_pay:
                pay(leader, opened.trade_no)
                _drain_events()
            made += 1
    except AppError as exc:  # a demo shop that does not deliver there, no stock ...
        logger.warning("demo group buy incomplete", extra={"code": exc.code})
    return made
