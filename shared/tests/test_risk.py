"""The risk port: the default allows, a refusing adapter turns into a 403 risk_refused."""

from __future__ import annotations

import logging

import pytest

from shared.errors import PermissionDenied
from shared.ports import use_adapter
from shared.risk import RefuseEverything, RiskDecision, RiskRequest, risk_check


def test_the_default_allows():
    risk_check(action="coupon.claim", user_id=1, ip="203.0.113.9", subject="12")


def test_a_refusal_is_a_403_and_the_reason_is_logged_not_shown(caplog):
    with (
        use_adapter("RISK_CHECKER", RefuseEverything()),
        caplog.at_level(logging.WARNING),
        pytest.raises(PermissionDenied) as refused,
    ):
        risk_check(action="coupon.claim", user_id=1)
    assert refused.value.code == "risk_refused"
    assert "configuration" not in str(refused.value)
    assert any(getattr(r, "reason", "") == "refused by configuration" for r in caplog.records)


def test_the_checker_sees_what_is_attempted():
    seen: list[RiskRequest] = []

    class Recording:
        def assess(self, request: RiskRequest) -> RiskDecision:
            seen.append(request)
            return RiskDecision(allowed=True)

    with use_adapter("RISK_CHECKER", Recording()):
        risk_check(action="flashsale.purchase", user_id=5, ip="198.51.100.1", subject="item-3")
    assert seen == [RiskRequest("flashsale.purchase", 5, "198.51.100.1", "item-3")]
