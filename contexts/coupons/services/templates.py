"""Coupon template commands (merchant and staff). Each runs in one transaction.

A merchant's template is written by a principal holding coupons.template.write over that shop
(another shop's existing template: 404; creating for a shop not managed: 403
not_your_merchant); a platform template only by one holding it over every shop (staff).
Ids into other contexts (merchant, categories, SKUs) are checked through their `api`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.coupons.models import CouponTemplate
from contexts.loyalty import api as loyalty_api
from shared.auth import Principal
from shared.errors import NotFound, PermissionDenied, ValidationFailed
from shared.money import ZERO

WRITE = "coupons.template.write"
READ = "coupons.template.read"
T = CouponTemplate


@dataclass(frozen=True)
class TemplateDraft:
    name: str
    issuer: str
    kind: str
    total_quantity: int
    merchant_id: int | None = None
    amount: Decimal = ZERO
    percent: Decimal = ZERO
    max_discount: Decimal | None = None
    min_spend: Decimal = ZERO
    scope: str = T.Scope.ALL
    scope_ids: Sequence[int] = ()
    validity: str = T.Validity.FIXED
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    valid_days: int | None = None
    claim_starts_at: datetime | None = None
    claim_ends_at: datetime | None = None
    per_user_limit: int = 1
    audience: str = T.Audience.EVERYONE
    new_user_days: int = 30
    member_levels: Sequence[str] = field(default_factory=tuple)
    stackable_with_promotions: bool = True
    claimable: bool = True


def template_not_found() -> NotFound:
    return NotFound("Coupon template not found.", code="coupon_template_not_found")


def _invalid(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(details={"fields": {field_name: [message]}})


def _check_terms(d: TemplateDraft) -> None:
    if d.kind in (T.Kind.AMOUNT_OFF, T.Kind.THRESHOLD_OFF) and d.amount <= 0:
        raise _invalid("amount", "An amount-off coupon takes a positive amount off.")
    if d.kind == T.Kind.THRESHOLD_OFF and d.min_spend <= d.amount:
        raise _invalid("min_spend", "A spend-threshold coupon's minimum spend exceeds its amount.")
    if d.kind == T.Kind.PERCENT_OFF and not (0 < d.percent < 100):
        raise _invalid("percent", "A percent-off coupon takes between 0 and 100 percent off.")
    if d.max_discount is not None and d.max_discount <= 0:
        raise _invalid("max_discount", "The maximum discount must be positive.")
    if d.min_spend < 0:
        raise _invalid("min_spend", "The minimum spend must not be negative.")
    if d.total_quantity < 1 or d.per_user_limit < 1:
        raise _invalid("total_quantity", "Quantities must be at least 1.")
    if d.validity == T.Validity.FIXED:
        if d.valid_from is None or d.valid_until is None or d.valid_from >= d.valid_until:
            raise _invalid("valid_until", "A fixed validity needs valid_from before valid_until.")
    elif not d.valid_days:
        raise _invalid("valid_days", "A validity after the claim needs valid_days (at least 1).")
    if d.audience == T.Audience.MEMBER_LEVELS and not d.member_levels:
        raise _invalid("member_levels", "Name at least one member level.")
    unknown_levels = sorted(set(d.member_levels) - set(loyalty_api.level_codes()))
    if unknown_levels:
        raise _invalid("member_levels", f"Unknown member levels: {', '.join(unknown_levels)}.")
    if d.claim_ends_at is not None and d.claim_starts_at and d.claim_ends_at <= d.claim_starts_at:
        raise _invalid("claim_ends_at", "The claim window must end after it starts.")


def _check_scope(d: TemplateDraft) -> list[int]:
    ids = sorted(set(d.scope_ids))
    if d.scope == T.Scope.ALL:
        if ids:
            raise _invalid("scope_ids", "A coupon for everything lists no ids.")
        return []
    if not ids:
        raise _invalid("scope_ids", "List the ids the coupon covers.")
    if d.scope == T.Scope.CATEGORIES:
        known = catalog_api.categories_ancestor_ids(category_ids=ids)
        missing = [i for i in ids if i not in known]
    elif d.scope == T.Scope.PRODUCTS:
        skus = catalog_api.get_skus(sku_ids=ids)
        missing = [
            i
            for i in ids
            if i not in skus or (d.merchant_id is not None and skus[i].merchant_id != d.merchant_id)
        ]
    else:
        if d.issuer == T.Issuer.MERCHANT:
            raise _invalid("scope", "A merchant's coupon covers its own shop only.")
        missing = [i for i in ids if i not in catalog_api.get_merchants(merchant_ids=ids)]
    if missing:
        raise _invalid("scope_ids", f"Unknown ids: {', '.join(map(str, missing[:20]))}.")
    return ids


def _check_issuer(d: TemplateDraft, principal: Principal) -> None:
    if d.issuer == T.Issuer.MERCHANT:
        if d.merchant_id is None:
            raise _invalid("merchant_id", "A merchant's coupon names its merchant.")
        principal.require(WRITE, merchant_id=d.merchant_id)
        if catalog_api.get_merchant(merchant_id=d.merchant_id) is None:
            raise _invalid("merchant_id", "No merchant has this id.")
    else:
        if d.merchant_id is not None:
            raise _invalid("merchant_id", "A platform coupon names no merchant.")
        if principal.merchant_scope(WRITE) is not None:
            raise PermissionDenied("Only the platform's staff issue platform coupons.")


@transaction.atomic
def template_create(*, principal: Principal, draft: TemplateDraft) -> CouponTemplate:
    """Create a template after checking who may issue it and every id it names."""
    _check_issuer(draft, principal)
    _check_terms(draft)
    scope_ids = _check_scope(draft)
    now = timezone.now()
    return CouponTemplate.objects.create(
        name=draft.name,
        issuer=draft.issuer,
        merchant_id=draft.merchant_id,
        kind=draft.kind,
        amount=draft.amount,
        percent=draft.percent,
        max_discount=draft.max_discount,
        min_spend=draft.min_spend,
        scope=draft.scope,
        scope_ids=scope_ids,
        validity=draft.validity,
        valid_from=draft.valid_from if draft.validity == T.Validity.FIXED else None,
        valid_until=draft.valid_until if draft.validity == T.Validity.FIXED else None,
        valid_days=draft.valid_days if draft.validity == T.Validity.AFTER_CLAIM else None,
        claim_starts_at=draft.claim_starts_at or now,
        claim_ends_at=draft.claim_ends_at,
        total_quantity=draft.total_quantity,
        per_user_limit=draft.per_user_limit,
        audience=draft.audience,
        new_user_days=draft.new_user_days,
        member_levels=sorted(set(draft.member_levels)),
        stackable_with_promotions=draft.stackable_with_promotions,
        claimable=draft.claimable,
        created_by=principal.user_id,
    )


def _lock_template(*, template_id: int, principal: Principal) -> CouponTemplate:
    template = CouponTemplate.objects.select_for_update().filter(pk=template_id).first()
    if template is None:
        raise template_not_found()
    if template.merchant_id is None:
        if principal.merchant_scope(WRITE) is not None:
            raise template_not_found()
    else:
        principal.require(WRITE, merchant_id=template.merchant_id, not_found=template_not_found())
    return template


@transaction.atomic
def template_update(
    *,
    principal: Principal,
    template_id: int,
    name: str | None = None,
    status: str | None = None,
    total_quantity: int | None = None,
    claim_ends_at: datetime | None = None,
) -> CouponTemplate:
    """Rename, pause/resume, change the total (never below what was issued: 422
    below_issued) or the end of the claim window."""
    template = _lock_template(template_id=template_id, principal=principal)
    if name is not None:
        template.name = name
    if status is not None:
        template.status = status
    if total_quantity is not None:
        if total_quantity < template.issued:
            raise ValidationFailed(
                "The total cannot go below the coupons already issued.",
                code="below_issued",
                details={"issued": template.issued},
            )
        template.total_quantity = total_quantity
    if claim_ends_at is not None:
        template.claim_ends_at = claim_ends_at
    template.save()
    return template


def template_issue_slot(*, template_id: int) -> bool:
    """Take one of the template's remaining coupons (the conditional UPDATE that enforces the
    total under any concurrency; its row lock is held until the caller's transaction ends)."""
    return bool(
        CouponTemplate.objects.filter(pk=template_id, issued__lt=F("total_quantity")).update(
            issued=F("issued") + 1
        )
    )
