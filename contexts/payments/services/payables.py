"""What a payment can pay: ordering's trades, and the payables other contexts register.

Payments sits below the contexts that sell something other than goods (subscription
invoices, ...), so it cannot read them itself: such a context registers a resolver for its
`kind` from its AppConfig.ready() (`payments.api.register_payable_source`), exactly as pricing
steps are registered with ordering. A resolver answers, for one reference, who owes what
(`PayableInfo`), or None when there is no such payable. The payment's amount always comes from
the resolver, never from the client. "trade" is built in and reads ordering's api.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from contexts.ordering import api as ordering_api
from contexts.payments.data import PayableInfo
from contexts.payments.models import TRADE

PayableResolver = Callable[[str], PayableInfo | None]

_lock = threading.Lock()


def _trade(reference: str) -> PayableInfo | None:
    trade = ordering_api.get_trade(reference)
    if trade is None:
        return None
    return PayableInfo(
        kind=TRADE,
        source_ref=trade.trade_no,
        buyer_id=trade.buyer_id,
        amount=trade.payable_amount,
        payable=trade.payable_amount > 0 and trade.status == "unpaid",
        status=trade.status,
        subject=f"Trade {trade.trade_no}",
        expires_at=trade.payment_deadline,
    )


PAYABLE_SOURCES: dict[str, PayableResolver] = {TRADE: _trade}


def payable_source_register(*, kind: str, resolver: PayableResolver) -> None:
    """Register the resolver of a kind of payable. A kind already taken by another resolver
    is a ValueError (registering the same one again, as a reloaded app does, is harmless)."""
    if not kind or len(kind) > 20 or not kind.replace("_", "").isalnum():
        raise ValueError(f"bad payable kind {kind!r}")
    with _lock:
        found = PAYABLE_SOURCES.get(kind)
        if found is not None and found is not resolver:
            raise ValueError(f"payable kind {kind!r} is already registered")
        PAYABLE_SOURCES[kind] = resolver


def payable_kinds() -> tuple[str, ...]:
    return tuple(sorted(PAYABLE_SOURCES))


def payable_resolve(*, kind: str, source_ref: str) -> PayableInfo | None:
    """The payable of that kind and reference, or None (unknown kind or reference)."""
    resolver = PAYABLE_SOURCES.get(kind)
    return resolver(source_ref) if resolver is not None else None


__all__ = [
    "PAYABLE_SOURCES",
    "PayableResolver",
    "payable_kinds",
    "payable_resolve",
    "payable_source_register",
]
