"""Activity commands (one transaction each) and the pricing of a cart with activities.

Callers pass their principal (shared.auth): a shop's activities need `promotion.manage` over
that shop (another shop's activity is not found: 404; creating one for it 403
not_your_merchant); platform activities (merchant_id None) need `promotion.platform.manage`,
held by platform staff only.

Life cycle (status is derived, domain.activity_status): created as a draft (or scheduled at
once), scheduled -> active inside its window, paused and resumed by hand, ended by hand or at
the end of its window. A draft, or a scheduled activity that has not started, may be changed
in full; a started one (active or paused) only its name, description and end; an ended one
not at all. Every change publishes `promotions.activity.created.v1` / `.changed.v1` in its
transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.promotions import domain
from contexts.promotions.events import ActivityChanged, ActivityCreated
from contexts.promotions.models import Activity
from contexts.promotions.selectors import PLATFORM, activity_not_found
from shared.auth import Principal
from shared.errors import Conflict, ValidationFailed
from shared.events import publish
from shared.money import ZERO, quantize, to_decimal

MANAGE = "promotion.manage"

# Fields of a started (active or paused) activity that may still change.
LIVE_FIELDS = frozenset({"name", "description", "ends_at"})
FIELDS = (
    "name",
    "description",
    "rule_kind",
    "rule_params",
    "scope_kind",
    "scope_ids",
    "exclusive",
    "priority",
    "starts_at",
    "ends_at",
)


def _field_error(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(
        f"The request is invalid: {message}", details={"fields": {name: [message]}}
    )


def _require_owner(principal: Principal, merchant_id: int | None, *, not_found=None) -> None:
    if merchant_id is None:
        if not_found is not None and principal.is_authenticated and not principal.can(PLATFORM):
            raise not_found  # a platform activity is not revealed to a shop
        principal.require(PLATFORM)
    else:
        principal.require(MANAGE, merchant_id=merchant_id, not_found=not_found)


def _validate(values: Mapping[str, Any], merchant_id: int | None) -> domain.Rule:
    """Every rule of an activity that another context's ids take part in, checked through
    their api: the shop, the scope's categories / products / shops, the special prices' and
    the gift's SKUs (the owner's own)."""
    rule = domain.parse_rule(values["rule_kind"], values["rule_params"])
    if values["ends_at"] <= values["starts_at"]:
        raise _field_error("ends_at", "An activity must end after it starts.")
    scope_kind = domain.ScopeKind(values["scope_kind"])
    ids = list(values["scope_ids"] or ())
    if scope_kind == domain.ScopeKind.ALL and ids:
        raise _field_error("scope_ids", "A scope of all goods lists no ids.")
    if scope_kind != domain.ScopeKind.ALL and not ids:
        raise _field_error("scope_ids", "List the ids the scope covers.")
    if scope_kind == domain.ScopeKind.CATEGORIES:
        known = catalog_api.categories_ancestor_ids(category_ids=ids)
        if set(ids) - set(known):
            raise _field_error("scope_ids", "No category has some of these ids.")
    elif scope_kind == domain.ScopeKind.PRODUCTS:
        owners = catalog_api.spu_merchants(spu_ids=ids)
        if set(ids) - set(owners) or (
            merchant_id is not None and set(owners.values()) - {merchant_id}
        ):
            raise _field_error("scope_ids", "Some of these products do not exist in this shop.")
    elif scope_kind == domain.ScopeKind.MERCHANT:
        if merchant_id is not None:
            raise _field_error("scope_kind", "A shop's activity covers its own goods already.")
        if set(ids) - set(catalog_api.get_merchants(merchant_ids=ids)):
            raise _field_error("scope_ids", "No shop has some of these ids.")
    sku_ids = [sku for sku, _ in rule.prices]
    if rule.gift_sku_id is not None:
        if merchant_id is None:
            raise _field_error("rule_kind", "A gift is given by a shop: create it for the shop.")
        sku_ids.append(rule.gift_sku_id)
    if sku_ids:
        skus = catalog_api.get_skus(sku_ids=sku_ids)
        for sku_id in sku_ids:
            sku = skus.get(sku_id)
            if sku is None or (merchant_id is not None and sku.merchant_id != merchant_id):
                raise _field_error("rule_params", f"SKU {sku_id} is not a SKU of this shop.")
        for sku_id, price in rule.prices:
            if price >= skus[sku_id].price:
                raise _field_error(
                    "rule_params", f"The special price of SKU {sku_id} must be below its price."
                )
    return rule


def _publish_changed(activity: Activity, action: str) -> None:
    publish(
        ActivityChanged(
            activity_id=activity.pk,
            merchant_id=activity.merchant_id,
            status=activity.status,
            action=action,
        )
    )


@transaction.atomic
def activity_create(
    *,
    principal: Principal,
    merchant_id: int | None,
    name: str,
    rule_kind: str,
    rule_params: Mapping[str, Any],
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    scope_kind: str = domain.ScopeKind.ALL,
    scope_ids: Sequence[int] = (),
    exclusive: bool = False,
    priority: int = 0,
    schedule: bool = False,
) -> Activity:
    """Create an activity of a shop the principal manages (403 otherwise; the shop must exist:
    400) or of the platform (staff); a draft unless `schedule`."""
    _require_owner(principal, merchant_id)
    if merchant_id is not None and catalog_api.get_merchant(merchant_id=merchant_id) is None:
        raise _field_error("merchant_id", "No merchant has this id.")
    values = {
        "name": name,
        "description": description,
        "rule_kind": rule_kind,
        "rule_params": rule_params,
        "scope_kind": scope_kind,
        "scope_ids": sorted(set(scope_ids)),
        "exclusive": exclusive,
        "priority": priority,
        "starts_at": starts_at,
        "ends_at": ends_at,
    }
    rule = _validate(values, merchant_id)
    if ends_at <= timezone.now():
        raise _field_error("ends_at", "An activity must end in the future.")
    values["rule_params"] = domain.rule_params(rule)
    activity = Activity.objects.create(
        merchant_id=merchant_id, scheduled=schedule, created_by=principal.user_id, **values
    )
    publish(
        ActivityCreated(activity_id=activity.pk, merchant_id=merchant_id, status=activity.status)
    )
    return activity


def _lock(activity_id: int, principal: Principal) -> Activity:
    activity = Activity.objects.select_for_update().filter(pk=activity_id).first()
    if activity is None:
        raise activity_not_found()
    _require_owner(principal, activity.merchant_id, not_found=activity_not_found())
    return activity


def _refuse(activity: Activity, action: str) -> Conflict:
    return Conflict(
        f"A {activity.status} activity cannot be {action}.",
        code="activity_illegal_transition",
        details={"status": activity.status},
    )


@transaction.atomic
def activity_update(*, activity_id: int, data: Mapping[str, Any], principal: Principal) -> Activity:
    """Change an activity in the caller's scope (404 otherwise). Before it starts any field;
    once started (active or paused) only name, description and ends_at (409
    activity_running naming the others); ended: 409."""
    activity = _lock(activity_id, principal)
    now = timezone.now()
    status = activity.status_at(now)
    if status == domain.Status.ENDED:
        raise _refuse(activity, "changed")
    changes = {name: data[name] for name in FIELDS if name in data}
    if "scope_ids" in changes:
        changes["scope_ids"] = sorted(set(changes["scope_ids"] or ()))
    if domain.has_started(scheduled=activity.scheduled, starts_at=activity.starts_at, now=now):
        frozen = sorted(
            name
            for name, value in changes.items()
            if name not in LIVE_FIELDS and value != getattr(activity, name)
        )
        if frozen:
            raise Conflict(
                "A running activity only changes its name, description and end.",
                code="activity_running",
                details={"fields": frozen},
            )
    values = {**{name: getattr(activity, name) for name in FIELDS}, **changes}
    rule = _validate(values, activity.merchant_id)
    if values["ends_at"] <= now:
        raise _field_error("ends_at", "An activity must end in the future (end it instead).")
    values["rule_params"] = domain.rule_params(rule)
    for name, value in values.items():
        setattr(activity, name, value)
    activity.save()
    _publish_changed(activity, "updated")
    return activity


def _transition(activity_id: int, principal: Principal, action: str) -> Activity:
    activity = _lock(activity_id, principal)
    now = timezone.now()
    status = activity.status_at(now)
    if action == "scheduled" and status == domain.Status.DRAFT:
        activity.scheduled = True
    elif action == "paused" and status in (domain.Status.SCHEDULED, domain.Status.ACTIVE):
        activity.paused = True
    elif action == "resumed" and status == domain.Status.PAUSED:
        activity.paused = False
    elif action == "ended" and status != domain.Status.ENDED:
        activity.ended_at = now
    else:
        raise _refuse(activity, action)
    activity.save()
    _publish_changed(activity, action)
    return activity


@transaction.atomic
def activity_schedule(*, activity_id: int, principal: Principal) -> Activity:
    """A draft becomes scheduled (active once its window opens); else 409."""
    return _transition(activity_id, principal, "scheduled")


@transaction.atomic
def activity_pause(*, activity_id: int, principal: Principal) -> Activity:
    """A scheduled or active activity stops applying until resumed; else 409."""
    return _transition(activity_id, principal, "paused")


@transaction.atomic
def activity_resume(*, activity_id: int, principal: Principal) -> Activity:
    """A paused activity applies again (inside its window); else 409."""
    return _transition(activity_id, principal, "resumed")


@transaction.atomic
def activity_end(*, activity_id: int, principal: Principal) -> Activity:
    """Ends an activity now, for good (409 when it already ended)."""
    return _transition(activity_id, principal, "ended")


# --- Pricing ------------------------------------------------------------------------------------


def min_pay_amount() -> Decimal:
    """PROMOTIONS_MIN_PAY_AMOUNT: the least a shop's goods cost after promotions (0.01)."""
    return quantize(to_decimal(str(getattr(settings, "PROMOTIONS_MIN_PAY_AMOUNT", "0.01"))))


@dataclass(frozen=True)
class LineDraft:
    """A line to price: what it costs so far, and who sells it."""

    sku_id: int
    merchant_id: int
    quantity: int
    unit_price: Decimal
    pay_amount: Decimal


def cart_lines(
    drafts: Sequence[LineDraft],
    activities: Iterable[domain.Activity],
    *,
    skus: Mapping[int, catalog_api.SkuInfo] | None = None,
) -> list[domain.CartLine]:
    """The engine's lines: products and categories (with their ancestors, one catalog call)
    are looked up only when an activity's scope needs them."""
    kinds = {a.scope.kind for a in activities}
    spu_of: dict[int, int] = {}
    categories_of: dict[int, frozenset[int]] = {}
    if kinds & {domain.ScopeKind.PRODUCTS, domain.ScopeKind.CATEGORIES}:
        if skus is None:
            skus = catalog_api.get_skus(sku_ids=[d.sku_id for d in drafts])
        spu_of = {sku_id: info.spu_id for sku_id, info in skus.items()}
        if domain.ScopeKind.CATEGORIES in kinds:
            ancestors = catalog_api.categories_ancestor_ids(
                category_ids={info.category_id for info in skus.values()}
            )
            categories_of = {
                sku_id: frozenset(ancestors.get(info.category_id, (info.category_id,)))
                for sku_id, info in skus.items()
            }
    return [
        domain.CartLine(
            sku_id=d.sku_id,
            merchant_id=d.merchant_id,
            quantity=d.quantity,
            unit_price=d.unit_price,
            pay_amount=d.pay_amount,
            spu_id=spu_of.get(d.sku_id),
            category_ids=categories_of.get(d.sku_id, frozenset()),
        )
        for d in drafts
    ]


def running_domain_activities(rows: Iterable[Activity]) -> list[domain.Activity]:
    """The rows as the engine's activities; one whose stored rule no longer reads is skipped
    (never a failed checkout)."""
    out = []
    for row in rows:
        try:
            out.append(row.as_domain())
        except (ValidationFailed, ValueError):
            continue
    return out


def price_drafts(
    drafts: Sequence[LineDraft],
    activities: Sequence[domain.Activity],
    *,
    freight_due: Mapping[int, Decimal] | None = None,
    skus: Mapping[int, catalog_api.SkuInfo] | None = None,
) -> domain.Outcome:
    if not activities or not drafts:
        return domain.Outcome(line_discounts={d.sku_id: ZERO for d in drafts})
    return domain.best_outcome(
        activities=activities,
        lines=cart_lines(drafts, activities, skus=skus),
        freight_due=freight_due,
        floor=min_pay_amount(),
    )


@dataclass(frozen=True)
class SampleLine:
    sku_id: int
    merchant_id: int
    title: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    discount_amount: Decimal
    pay_amount: Decimal


@dataclass(frozen=True)
class SampleQuote:
    lines: tuple[SampleLine, ...]
    items_amount: Decimal
    discount_amount: Decimal
    pay_amount: Decimal
    outcome: domain.Outcome


def price_sample(
    *, items: Sequence[Mapping[str, int]], activities: Sequence[domain.Activity]
) -> SampleQuote:
    """A sample cart ({sku_id, quantity} each, SKUs merged) priced at list prices with
    `activities`, before freight; an unknown SKU is a 400 naming `items`."""
    quantities: dict[int, int] = {}
    for item in items:
        quantities[item["sku_id"]] = quantities.get(item["sku_id"], 0) + item["quantity"]
    skus = catalog_api.get_skus(sku_ids=list(quantities))
    missing = sorted(set(quantities) - set(skus))
    if missing:
        raise _field_error("items", f"No SKU has the id {missing[0]}.")
    drafts = [
        LineDraft(
            sku_id=sku_id,
            merchant_id=skus[sku_id].merchant_id,
            quantity=quantity,
            unit_price=skus[sku_id].price,
            pay_amount=quantize(skus[sku_id].price * quantity),
        )
        for sku_id, quantity in quantities.items()
    ]
    outcome = price_drafts(drafts, activities, skus=skus)
    lines = tuple(
        SampleLine(
            sku_id=d.sku_id,
            merchant_id=d.merchant_id,
            title=skus[d.sku_id].title,
            quantity=d.quantity,
            unit_price=d.unit_price,
            subtotal=d.pay_amount,
            discount_amount=outcome.line_discounts.get(d.sku_id, ZERO),
            pay_amount=d.pay_amount - outcome.line_discounts.get(d.sku_id, ZERO),
        )
        for d in drafts
    )
    items_amount = sum((line.subtotal for line in lines), ZERO)
    discount = sum((line.discount_amount for line in lines), ZERO)
    return SampleQuote(
        lines=lines,
        items_amount=items_amount,
        discount_amount=discount,
        pay_amount=items_amount - discount,
        outcome=outcome,
    )


def activities_for_sku(*, sku_id: int, rows: Sequence[Activity]) -> list[Activity]:
    """Of the running `rows`, those that cover this SKU (what a product page shows); an
    unknown SKU has none."""
    skus = catalog_api.get_skus(sku_ids=[sku_id])
    sku = skus.get(sku_id)
    if sku is None:
        return []
    by_id = {row.pk: row for row in rows}
    activities = running_domain_activities(rows)
    draft = LineDraft(sku_id, sku.merchant_id, 1, sku.price, sku.price)
    (line,) = cart_lines([draft], activities, skus=skus)
    return [by_id[a.activity_id] for a in activities if domain.in_scope(a, line)]
