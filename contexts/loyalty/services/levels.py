"""Member levels: the rule table (staff edit it), a member's level from growth value, and
level changes (each one a `loyalty.level.changed.v1` event)."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from contexts.loyalty import domain
from contexts.loyalty.events import LevelChanged
from contexts.loyalty.models import LevelRule, PointsAccount
from shared.auth import Principal
from shared.errors import BusinessRuleViolation, Conflict, NotFound
from shared.events import publish

LEVEL_FIELDS = ("code", "name", "min_growth", "multiplier", "free_shipping", "birthday_points")


def levels() -> list[domain.Level]:
    """Every level, lowest first, with its rank (0, 1, ...)."""
    return [
        domain.Level(
            code=rule.code,
            name=rule.name,
            rank=rank,
            min_growth=rule.min_growth,
            multiplier=rule.multiplier,
            free_shipping=rule.free_shipping,
            birthday_points=rule.birthday_points,
        )
        for rank, rule in enumerate(LevelRule.objects.order_by("min_growth"))
    ]


def lowest_level_code() -> str:
    lowest = LevelRule.objects.order_by("min_growth").values_list("code", flat=True).first()
    return lowest or ""


def level_recompute(account: PointsAccount) -> None:
    """Set the locked account's level from its growth (the caller saves it); a change
    publishes LevelChanged."""
    level = domain.level_for(account.growth, levels())
    code = level.code if level is not None else ""
    if code != account.level_code:
        old = account.level_code
        account.level_code = code
        publish(LevelChanged(user_id=account.user_id, old_level=old, new_level=code))


def _validate(*, min_growth: Decimal, multiplier: Decimal, birthday_points: int) -> None:
    if min_growth < 0:
        raise BusinessRuleViolation("min_growth cannot be negative.", code="invalid_level")
    if multiplier <= 0:
        raise BusinessRuleViolation("multiplier must be positive.", code="invalid_level")
    if birthday_points < 0:
        raise BusinessRuleViolation("birthday_points cannot be negative.", code="invalid_level")


def _level_not_found() -> NotFound:
    return NotFound("No such level.", code="level_not_found")


def _save(rule: LevelRule) -> LevelRule:
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError as exc:
        raise Conflict(
            "Another level has this code or minimum growth.", code="level_conflict"
        ) from exc
    return rule


@transaction.atomic
def level_create(
    *,
    principal: Principal,
    code: str,
    name: str,
    min_growth: Decimal,
    multiplier: Decimal = Decimal("1.00"),
    free_shipping: bool = False,
    birthday_points: int = 0,
) -> LevelRule:
    """A new level (permission loyalty.manage); code and minimum growth are unique (409).
    Members' levels follow at their next growth change."""
    principal.require("loyalty.manage")
    _validate(min_growth=min_growth, multiplier=multiplier, birthday_points=birthday_points)
    return _save(
        LevelRule(
            code=code,
            name=name,
            min_growth=min_growth,
            multiplier=multiplier,
            free_shipping=free_shipping,
            birthday_points=birthday_points,
        )
    )


@transaction.atomic
def level_update(
    *,
    principal: Principal,
    level_id: int,
    name: str | None = None,
    min_growth: Decimal | None = None,
    multiplier: Decimal | None = None,
    free_shipping: bool | None = None,
    birthday_points: int | None = None,
) -> LevelRule:
    """Change a level (not its code: members refer to it). Permission loyalty.manage."""
    principal.require("loyalty.manage")
    rule = LevelRule.objects.select_for_update().filter(pk=level_id).first()
    if rule is None:
        raise _level_not_found()
    for field, value in (
        ("name", name),
        ("min_growth", min_growth),
        ("multiplier", multiplier),
        ("free_shipping", free_shipping),
        ("birthday_points", birthday_points),
    ):
        if value is not None:
            setattr(rule, field, value)
    _validate(
        min_growth=rule.min_growth, multiplier=rule.multiplier, birthday_points=rule.birthday_points
    )
    return _save(rule)


@transaction.atomic
def level_delete(*, principal: Principal, level_id: int) -> None:
    """Delete a level no member holds (409 level_in_use) and that is not the only one."""
    principal.require("loyalty.manage")
    rule = LevelRule.objects.select_for_update().filter(pk=level_id).first()
    if rule is None:
        raise _level_not_found()
    if PointsAccount.objects.filter(level_code=rule.code).exists():
        raise Conflict("Members hold this level.", code="level_in_use")
    if LevelRule.objects.count() <= 1:
        raise Conflict("The last level cannot be deleted.", code="level_in_use")
    rule.delete()
