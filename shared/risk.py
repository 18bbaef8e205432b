"""The risk port: may this user do this now? (coupon claims today, flash sale later.)

A `RiskChecker` answers a `RiskVerdict` for an action by a user from an IP; the adapter is named
by the setting RISK_CHECKER (a dotted path, resolved through shared.ports.adapter). Until a risk
context exists the default allows everything; callers refuse a denied action with 403
`risk_refused` (`risk_require`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from shared.errors import PermissionDenied
from shared.ports import adapter


@dataclass(frozen=True)
class RiskVerdict:
    allowed: bool
    reason: str = ""  # a code for the log and the error's details, never a secret


@dataclass(frozen=True)
class RiskQuery:
    action: str  # e.g. "coupons.claim", "flash_sale.order"
    user_id: int | None
    ip: str = ""
    attributes: Mapping[str, str | int] = field(default_factory=dict)  # ids, never secrets


class RiskChecker(Protocol):
    def check(self, query: RiskQuery) -> RiskVerdict:
        """Whether the action may go ahead."""
        ...


class AllowAllRiskChecker:
    """The default: no risk context yet, everything is allowed."""

    def check(self, query: RiskQuery) -> RiskVerdict:
        return RiskVerdict(allowed=True)


class DenyAllRiskChecker:
    """Refuses everything (tests, or an emergency switch)."""

    def check(self, query: RiskQuery) -> RiskVerdict:
        return RiskVerdict(allowed=False, reason="denied")


def risk_checker() -> RiskChecker:
    return adapter("RISK_CHECKER")


def risk_require(query: RiskQuery) -> None:
    """Raise 403 risk_refused unless the risk checker allows the action."""
    verdict = risk_checker().check(query)
    if not verdict.allowed:
        raise PermissionDenied(
            "This action was refused by the risk check.",
            code="risk_refused",
            details={"reason": verdict.reason} if verdict.reason else {},
        )
