"""Claiming coupons: atomic against the template's total and the buyer's per-user limit.

One transaction per claim: the conditional UPDATE `issued = issued + 1 WHERE issued < total`
takes one of the remaining coupons and locks the template row until commit, so the claims of
one template queue there; the buyer's count is then read under that lock and the new coupon is
numbered count + 1, with (template, user, seq) unique as the backstop. A refusal after the
UPDATE rolls it back with the transaction. Tested with real threads against MariaDB
(tests/test_claim_concurrency.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.coupons.events import CouponClaimed
from contexts.coupons.models import Coupon, CouponCode, CouponTemplate
from contexts.coupons.services.templates import template_issue_slot, template_not_found
from contexts.identity import api as identity_api
from contexts.loyalty import api as loyalty_api
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotAuthenticated
from shared.events import publish
from shared.risk import risk_check

T = CouponTemplate


def _member_level_code(user_id: int) -> str | None:
    """The buyer's member level code, from loyalty."""
    return loyalty_api.member_level(user_id=user_id).code


def _not_eligible(message: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(message, code="coupon_not_eligible")


def _exhausted() -> Conflict:
    return Conflict("All of these coupons have been claimed.", code="coupons_exhausted")


def _limit_reached(limit: int) -> Conflict:
    return Conflict(
        "You already hold as many of this coupon as allowed.",
        code="claim_limit_reached",
        details={"per_user_limit": limit},
    )


def template_claim_check(*, template: CouponTemplate, user_id: int, now: datetime) -> None:
    """Whether the buyer may claim from this template now: active, inside its claim window,
    still valid, and the buyer in its audience (422 coupon_not_eligible / claim_closed)."""
    closed = BusinessRuleViolation("This coupon cannot be claimed now.", code="claim_closed")
    if template.status != T.Status.ACTIVE or template.claim_starts_at > now:
        raise closed
    if template.claim_ends_at is not None and template.claim_ends_at <= now:
        raise closed
    if template.validity == T.Validity.FIXED and template.valid_until <= now:
        raise closed
    if template.audience == T.Audience.NEW_USERS:
        user = identity_api.get_user(user_id=user_id)
        if user is None or user.date_joined < now - timedelta(days=template.new_user_days):
            raise _not_eligible("This coupon is for new users only.")
    elif template.audience == T.Audience.MEMBER_LEVELS and _member_level_code(user_id) not in set(
        template.member_levels
    ):
        raise _not_eligible("This coupon is for other member levels.")


def _validity(template: CouponTemplate, now: datetime) -> tuple[datetime, datetime]:
    if template.validity == T.Validity.FIXED:
        return template.valid_from, template.valid_until
    return now, now + timedelta(days=template.valid_days or 0)


def coupon_issue(
    *, template: CouponTemplate, user_id: int, now: datetime, code: CouponCode | None = None
) -> Coupon:
    """Give the buyer one coupon of the template, inside the caller's transaction: 409
    claim_limit_reached at the per-user limit, 409 coupons_exhausted when none is left."""
    held = Coupon.objects.filter(template_id=template.pk, user_id=user_id).count()
    if held >= template.per_user_limit:  # cheap refusal without queueing on the row lock
        raise _limit_reached(template.per_user_limit)
    if not template_issue_slot(template_id=template.pk):
        raise _exhausted()
    template.refresh_from_db(fields=["issued", "total_quantity"])  # read under the row lock
    held = Coupon.objects.filter(template_id=template.pk, user_id=user_id).count()
    if held >= template.per_user_limit:
        raise _limit_reached(template.per_user_limit)
    valid_from, valid_until = _validity(template, now)
    try:
        with transaction.atomic():
            coupon = Coupon.objects.create(
                template=template,
                user_id=user_id,
                seq=held + 1,
                valid_from=valid_from,
                valid_until=valid_until,
                code=code,
                claimed_at=now,
            )
    except IntegrityError as exc:  # the unique (template, user, seq): a concurrent claim won
        raise _limit_reached(template.per_user_limit) from exc
    publish(
        CouponClaimed(
            coupon_id=coupon.pk,
            template_id=template.pk,
            user_id=user_id,
            channel="claim" if code is None else "redemption",
        )
    )
    return coupon


def coupon_claim(*, principal: Principal, template_id: int, ip: str = "") -> Coupon:
    """The buyer claims one coupon of a claimable template: the risk check first (403
    risk_refused), then template_claim_check, then coupon_issue, in one transaction."""
    if principal.user_id is None:
        raise NotAuthenticated()
    user_id = principal.user_id
    risk_check(action="coupons.claim", user_id=user_id, ip=ip, subject=str(template_id))
    now = timezone.now()
    with transaction.atomic():
        template = CouponTemplate.objects.filter(pk=template_id, claimable=True).first()
        if template is None:
            raise template_not_found()
        template_claim_check(template=template, user_id=user_id, now=now)
        return coupon_issue(template=template, user_id=user_id, now=now)
