"""Demo after-sales: one delivered order of a demo buyer with requests in several states, so
the merchant's queue (`GET /api/v1/admin/aftersales/requests`) and the buyer's list show
something: a return just asked for (with a ticket on it), a return approved and waiting for
the buyer's parcel, a refund alone refunded through the sandbox provider, a repair rejected.

The order is placed, paid, shipped and confirmed by the `delivered_order(buyer_id, sku_id,
quantity)` callable the demo command passes (ordering and payments are not after-sales'); the
requests then go through after-sales' own services, as the buyer and the shop would."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence

from contexts.aftersales import services
from contexts.aftersales.models import Ticket
from contexts.catalog import api as catalog_api
from shared.auth import SYSTEM, principal_from
from shared.errors import AppError
from shared.events.relay import relay_once

logger = logging.getLogger(__name__)

DEMO_TICKET_SUBJECT = "Demo: where do I send my return?"


def _drain_events() -> None:
    """Deliver what payments published (the refund's result settles its request)."""
    for _ in range(10):
        if not relay_once():
            return


def demo_aftersales_create(
    *,
    sku_ids_by_merchant: Mapping[int, Iterable[int]],
    buyer_ids: Sequence[int],
    delivered_order: Callable[[int, int, int], str | None] | None,
) -> int:
    """Create the demo requests and ticket unless the ticket exists (idempotent). Returns how
    many requests were made (0 without a buyer, a purchasable SKU or the order callable)."""
    if (
        delivered_order is None
        or not buyer_ids
        or Ticket.objects.filter(subject=DEMO_TICKET_SUBJECT).exists()
    ):
        return 0
    # The last shop's second SKU: away from the SKUs the group buy and the tour use first.
    candidates = [s for _, ids in sorted(sku_ids_by_merchant.items()) for s in sorted(ids)[1:2]]
    skus = catalog_api.get_skus(sku_ids=candidates)
    sku = next((skus[s] for s in reversed(candidates) if s in skus and skus[s].purchasable), None)
    if sku is None:
        return 0
    buyer_id = buyer_ids[-1]
    buyer = principal_from(user_id=buyer_id)
    made = 0
    try:
        order_no = delivered_order(buyer_id, sku.sku_id, 4)
        if order_no is None:
            return 0

        def apply(kind: str, reason: str, description: str):
            return services.request_apply(
                principal=buyer,
                application=services.Application(
                    order_no=order_no,
                    line_id=None,
                    sku_id=sku.sku_id,
                    kind=kind,
                    quantity=1,
                    reason_code=reason,
                    description=description,
                ),
            )

        asked = apply("return_refund", "not_as_described", "demo: the colour is not the one shown")
        made += 1
        approved = apply("return_refund", "changed_mind", "demo: bought two by mistake")
        services.request_approve(
            principal=SYSTEM, request_no=approved.request_no, note="send it back unused"
        )
        made += 1
        refunded = apply("refund_only", "missing_parts", "demo: a part was missing")
        services.request_approve(
            principal=SYSTEM, request_no=refunded.request_no, note="sorry, refunded"
        )
        _drain_events()
        made += 1
        rejected = apply("repair", "defective", "demo: it stopped working")
        services.request_reject(
            principal=SYSTEM,
            request_no=rejected.request_no,
            reason="the warranty does not cover water damage",
        )
        made += 1
        services.ticket_open(
            principal=buyer,
            subject=DEMO_TICKET_SUBJECT,
            body="I asked for a return yesterday; which address do I use?",
            request_no=asked.request_no,
        )
    except AppError as exc:  # no stock, a shop that does not deliver there ...
        logger.warning("demo after-sales incomplete: %s", exc.code)
    return made
