"""Events coupons publishes (PUBLIC). Ids only: never a code, in any event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.events import DomainEvent


@dataclass(frozen=True, kw_only=True)
class CouponClaimed(DomainEvent):
    """A buyer got a coupon: `channel` "claim" (claimed it) or "redemption" (redeemed a code
    for it; the code itself is never in an event)."""

    event_type: ClassVar[str] = "coupons.coupon.claimed.v1"
    aggregate: ClassVar[str] = "coupon_id"
    coupon_id: int
    template_id: int
    user_id: int
    channel: str


@dataclass(frozen=True, kw_only=True)
class CouponUsed(DomainEvent):
    """The orders a coupon was held for were paid: it is spent."""

    event_type: ClassVar[str] = "coupons.coupon.used.v1"
    aggregate: ClassVar[str] = "coupon_id"
    coupon_id: int
    template_id: int
    user_id: int
    trade_no: str


@dataclass(frozen=True, kw_only=True)
class CouponReturned(DomainEvent):
    """A held or used coupon went back to its buyer: `reason` "cancelled" (its orders were
    cancelled before payment) or "refunded" (its trade was refunded in full)."""

    event_type: ClassVar[str] = "coupons.coupon.returned.v1"
    aggregate: ClassVar[str] = "coupon_id"
    coupon_id: int
    template_id: int
    user_id: int
    trade_no: str
    reason: str
