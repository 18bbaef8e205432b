"""The risk port: asked before an action that abuse targets (claiming a coupon, redeeming a code,
buying in a flash sale). Until the risk context exists the default allows everything; the risk
context will provide the real adapter (device, IP and account signals, blacklists).

    decision = risk_check(action="coupon.claim", user_id=7, ip="203.0.113.9", subject="12")
    # refused -> PermissionDenied 403 "risk_refused" (the reason is logged, not shown)

Setting `RISK_CHECKER`: a dotted path to a zero-argument callable building the adapter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from shared.errors import PermissionDenied
from shared.ports import adapter

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RiskRequest:
    action: str  # what is attempted: "coupon.claim", "coupon.redeem", "flashsale.purchase" ...
    user_id: int | None
    ip: str = ""
    subject: str = ""  # what it is about (a template id, a session item id), never a secret


@dataclass(frozen=True)
class RiskDecision:
    allowed: bool
    reason: str = ""


class RiskChecker(Protocol):
    def assess(self, request: RiskRequest) -> RiskDecision: ...


class AllowEverything:
    """The default until the risk context exists."""

    def assess(self, request: RiskRequest) -> RiskDecision:
        return RiskDecision(allowed=True)


class RefuseEverything:
    """For tests and for an emergency stop of an abused action."""

    def assess(self, request: RiskRequest) -> RiskDecision:
        return RiskDecision(allowed=False, reason="refused by configuration")


def risk_check(*, action: str, user_id: int | None, ip: str = "", subject: str = "") -> None:
    """Ask the configured checker; a refusal is a 403 risk_refused (the reason only in the log)."""
    request = RiskRequest(action=action, user_id=user_id, ip=ip, subject=subject)
    decision: RiskDecision = adapter("RISK_CHECKER").assess(request)
    if not decision.allowed:
        logger.warning(
            "risk check refused",
            extra={"action": action, "user_id": user_id, "reason": decision.reason},
        )
        raise PermissionDenied(
            "This action is not available to you right now.", code="risk_refused"
        )
