"""Commission rules and merchants' settlement profiles (staff: settlement.manage).

A rule's merchant and category are checked against the catalog; a rate is a fraction between
0 and 1. One rule per (merchant, category) scope, a merchant-wide or category-wide scope too.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from contexts.catalog import api as catalog_api
from contexts.settlement.domain import RATE_MAX, Cycle
from contexts.settlement.models import CommissionRule, MerchantProfile
from shared.auth import Principal
from shared.errors import Conflict, ValidationFailed
from shared.money import ZERO


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={"fields": {field: [message]}})


@transaction.atomic
def commission_rule_save(
    *,
    principal: Principal,
    rule_id: int | None = None,
    merchant_id: int | None,
    category_id: int | None,
    rate: Decimal,
    note: str = "",
) -> CommissionRule:
    """Create (rule_id None) or change a commission rule. 400 for an unknown merchant or
    category, a rate outside 0..1 or no scope; 409 when the scope has a rule already."""
    principal.require("settlement.manage")
    if merchant_id is None and category_id is None:
        raise _invalid("merchant_id", "A rule names a merchant, a category or both.")
    if not ZERO <= rate <= RATE_MAX:
        raise _invalid("rate", "A rate is between 0 and 1 (0.05 is 5 %).")
    if merchant_id is not None and catalog_api.get_merchant(merchant_id=merchant_id) is None:
        raise _invalid("merchant_id", "No such merchant.")
    if category_id is not None and not catalog_api.categories_ancestor_ids(
        category_ids=[category_id]
    ):
        raise _invalid("category_id", "No such category.")
    clash = CommissionRule.objects.filter(merchant_id=merchant_id, category_id=category_id)
    if rule_id is not None:
        clash = clash.exclude(pk=rule_id)
    if clash.exists():
        raise Conflict(
            "A rule for this merchant and category already exists.",
            code="commission_rule_exists",
            details={"field": "category_id"},
        )
    rule = CommissionRule() if rule_id is None else CommissionRule.objects.get(pk=rule_id)
    rule.merchant_id, rule.category_id, rule.rate, rule.note = merchant_id, category_id, rate, note
    rule.save()
    return rule


def commission_rule_delete(*, principal: Principal, rule_id: int) -> None:
    principal.require("settlement.manage")
    CommissionRule.objects.filter(pk=rule_id).delete()


@transaction.atomic
def merchant_profile_save(
    *,
    principal: Principal,
    merchant_id: int,
    cycle: str,
    payee_provider: str,
    payee_account: str,
    payee_name: str = "",
) -> MerchantProfile:
    """A merchant's statement cycle and payee account (one profile per merchant)."""
    principal.require("settlement.manage")
    if cycle not in {c.value for c in Cycle}:
        raise _invalid("cycle", "One of daily, weekly, monthly.")
    if catalog_api.get_merchant(merchant_id=merchant_id) is None:
        raise _invalid("merchant_id", "No such merchant.")
    # Provider codes are ASCII names ("sandbox", "alipay"); isidentifier() alone lets "\u017f" in.
    if not (payee_provider.isascii() and payee_provider.isidentifier()):
        raise _invalid("payee_provider", "A payment provider code.")
    # The provider itself is checked when a payout is made (it may be enabled later).
    profile, _ = MerchantProfile.objects.update_or_create(
        merchant_id=merchant_id,
        defaults={
            "cycle": cycle,
            "payee_provider": payee_provider,
            "payee_account": payee_account,
            "payee_name": payee_name,
        },
    )
    return profile
