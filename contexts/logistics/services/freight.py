"""Freight template commands. Each runs in one transaction.

Callers pass their principal (shared.auth; the default is the system): a template of a shop
over which it lacks logistics.freight_template.write is not found (404), and creating one for
such a shop is refused (403 not_your_merchant).

At most one default template per merchant: a write that touches a merchant's templates first
locks all of them in id order (so concurrent writers queue and never deadlock), and the unique
`default_for_merchant` column catches the one race no row lock covers (two first templates of
a merchant created as default at once): the loser gets 409.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction

from contexts.catalog import api as catalog_api
from contexts.logistics import domain
from contexts.logistics.models import FreightRule, FreightTemplate
from shared.auth import Principal
from shared.errors import Conflict, NotFound, ValidationFailed

# Fields a template is created/updated with (merchant_id is fixed at creation).
TEMPLATE_FIELDS = (
    "name",
    "charge_by",
    "first_unit",
    "first_fee",
    "additional_unit",
    "additional_fee",
    "free_shipping_threshold",
    "not_deliverable_provinces",
)


@dataclass(frozen=True)
class RuleDraft:
    province_codes: Sequence[str]
    first_fee: Decimal
    additional_fee: Decimal


WRITE = "logistics.freight_template.write"


def _not_found() -> NotFound:
    return NotFound("Freight template not found.", code="freight_template_not_found")


def _merchant_must_exist(merchant_id: int) -> None:
    if catalog_api.get_merchant(merchant_id=merchant_id) is None:
        raise ValidationFailed(details={"fields": {"merchant_id": ["No merchant has this id."]}})


def _default_conflict() -> Conflict:
    return Conflict(
        "Another default template was saved at the same time; try again.",
        code="freight_template_default_conflict",
    )


def _rule_drafts(rules: Iterable[RuleDraft | Mapping[str, Any]]) -> list[RuleDraft]:
    drafts = []
    for rule in rules:
        if isinstance(rule, Mapping):
            rule = RuleDraft(**rule)
        drafts.append(
            RuleDraft(
                province_codes=domain.normalize_provinces(rule.province_codes),
                first_fee=rule.first_fee,
                additional_fee=rule.additional_fee,
            )
        )
    return drafts


def _validate(values: Mapping[str, Any], rules: Sequence[RuleDraft]) -> None:
    domain.raise_if_invalid(
        {
            **domain.template_errors(**{n: v for n, v in values.items() if n != "name"}),
            **domain.regional_rule_errors(
                [(rule.province_codes, rule.first_fee, rule.additional_fee) for rule in rules]
            ),
        }
    )


def _lock_merchant_templates(merchant_id: int) -> dict[int, FreightTemplate]:
    """Lock every template of the merchant, in id order (the one lock order: no deadlocks)."""
    rows = FreightTemplate.objects.select_for_update().filter(merchant_id=merchant_id)
    return {template.pk: template for template in rows.order_by("pk")}


def _unset_default(merchant_id: int, *, keep_id: int | None = None) -> None:
    FreightTemplate.objects.filter(merchant_id=merchant_id, is_default=True).exclude(
        pk=keep_id
    ).update(is_default=False, default_for_merchant=None)


def _replace_rules(template: FreightTemplate, rules: Sequence[RuleDraft]) -> None:
    FreightRule.objects.filter(template=template).delete()
    FreightRule.objects.bulk_create(
        FreightRule(
            template=template,
            province_codes=list(rule.province_codes),
            first_fee=rule.first_fee,
            additional_fee=rule.additional_fee,
        )
        for rule in rules
    )


def _fresh(template_id: int) -> FreightTemplate:
    return FreightTemplate.objects.prefetch_related("rules").get(pk=template_id)


@transaction.atomic
def freight_template_create(
    *,
    merchant_id: int,
    name: str,
    charge_by: str,
    first_unit: int,
    first_fee: Decimal,
    additional_unit: int,
    additional_fee: Decimal,
    free_shipping_threshold: Decimal | None = None,
    not_deliverable_provinces: Sequence[str] = (),
    is_default: bool = False,
    rules: Sequence[RuleDraft | Mapping[str, Any]] = (),
    principal: Principal,
) -> FreightTemplate:
    """Create a template for a merchant the principal manages (403 otherwise) that exists in
    catalog (400 otherwise). Made default, it replaces the merchant's previous default in the
    same transaction."""
    principal.require(WRITE, merchant_id=merchant_id)
    _merchant_must_exist(merchant_id)
    values = {
        "name": name,
        "charge_by": charge_by,
        "first_unit": first_unit,
        "first_fee": first_fee,
        "additional_unit": additional_unit,
        "additional_fee": additional_fee,
        "free_shipping_threshold": free_shipping_threshold,
        "not_deliverable_provinces": domain.normalize_provinces(not_deliverable_provinces),
    }
    drafts = _rule_drafts(rules)
    _validate(values, drafts)
    try:
        with transaction.atomic():
            if is_default:
                _lock_merchant_templates(merchant_id)
                _unset_default(merchant_id)
            template = FreightTemplate.objects.create(
                merchant_id=merchant_id,
                is_default=is_default,
                default_for_merchant=merchant_id if is_default else None,
                **values,
            )
    except IntegrityError as exc:
        raise _default_conflict() from exc
    _replace_rules(template, drafts)
    return _fresh(template.pk)


@transaction.atomic
def freight_template_update(
    *, template_id: int, data: Mapping[str, Any], principal: Principal
) -> FreightTemplate:
    """Change a template in the caller's scope (404 otherwise). Fields not in `data` keep their
    value; `rules`, when given, replace all regional rules. `is_default: true` moves the
    merchant's default here atomically; `false` leaves the merchant without a default."""
    found = principal.filter(FreightTemplate.objects.filter(pk=template_id), WRITE)
    merchant_id = found.values_list("merchant_id", flat=True).first()
    if merchant_id is None:
        raise _not_found()
    template = _lock_merchant_templates(merchant_id).get(template_id)
    if template is None:  # deleted between the read and the lock
        raise _not_found()
    values = {
        name: domain.normalize_provinces(data[name])
        if name == "not_deliverable_provinces"
        else data[name]
        for name in TEMPLATE_FIELDS
        if name in data
    }
    drafts = _rule_drafts(data["rules"]) if "rules" in data else None
    current_rules = drafts
    if current_rules is None:
        current_rules = _rule_drafts(
            RuleDraft(rule.province_codes, rule.first_fee, rule.additional_fee)
            for rule in template.rules.order_by("pk")
        )
    _validate({**{n: getattr(template, n) for n in TEMPLATE_FIELDS}, **values}, current_rules)
    for name, value in values.items():
        setattr(template, name, value)
    if data.get("is_default") is True and not template.is_default:
        _unset_default(merchant_id, keep_id=template.pk)
        template.is_default, template.default_for_merchant = True, merchant_id
    elif data.get("is_default") is False:
        template.is_default, template.default_for_merchant = False, None
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:
        raise _default_conflict() from exc
    if drafts is not None:
        _replace_rules(template, drafts)
    return _fresh(template.pk)


@transaction.atomic
def freight_template_delete(*, template_id: int, principal: Principal) -> None:
    """Delete a template in the caller's scope (404 otherwise). The merchant's default template
    is not deleted (409 freight_template_is_default): another must be made default first, so
    a shop never loses its freight by accident (without one it cannot be ordered from)."""
    found = principal.filter(FreightTemplate.objects.filter(pk=template_id), WRITE)
    merchant_id = found.values_list("merchant_id", flat=True).first()
    if merchant_id is None:
        raise _not_found()
    template = _lock_merchant_templates(merchant_id).get(template_id)
    if template is None:  # deleted between the read and the lock
        raise _not_found()
    if template.is_default:
        raise Conflict(
            "This is the shop's default template: make another template the default first.",
            code="freight_template_is_default",
        )
    template.delete()
