"""Promotions' pure rules: an activity's status, its rule (what it grants on the lines in its
scope), and the engine that picks the best combination of activities for a cart.

Rules (`RuleKind`), each on the lines in the activity's scope ("the scope amount" is what those
lines cost as priced so far, i.e. after the activities applied before it):
  * spend_off: tiered spend-X-save-Y (满减): the highest tier whose threshold the scope amount
    reaches takes its amount off (200-20, 300-40: 320.00 of goods take 40.00 off);
  * spend_percent: tiered spend-X-percent-off (满折): that tier's percent off the scope amount;
  * item_percent: a percent off every line in scope;
  * special_price: a limited-time price per SKU: the line pays at most price x quantity;
  * buy_n_get_m: the units in scope, dearest first, in runs of N+M: the cheapest M of each full
    run are free;
  * free_shipping: each merchant group whose scope amount reaches the threshold ships free (a
    discount on that group's freight);
  * gift: a gift SKU (满赠) when the scope amount reaches the threshold: answered as a gift line
    (priced 0), no discount.

Stacking: activities apply in priority order (higher first, then lower id), each on what is
left to pay after the earlier ones, so percents are taken from the already-discounted amount
and thresholds are measured on it too. An exclusive activity shares no line with any other
activity of the combination. `best_outcome` tries every valid combination of the activities
that qualify and keeps the one with the largest total discount (then the most gifts, then the
most activities); equal ones are decided by priority then id, so the answer is deterministic.

Caps: every discount is split to lines (largest remainder, to the cent), never takes a line
below zero, and never takes a merchant group's goods below `floor` (the smallest amount an
order of a shop still costs: promotions never make goods free). The ordering engine applies
the answers and enforces its own caps again.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from shared.errors import ValidationFailed
from shared.money import ZERO, quantize, quantum

HUNDRED = Decimal(100)
# Above this many qualifying activities in one cart, only the most valuable ones (alone) are
# combined exhaustively; the others are noted as not combined.
MAX_COMBINED = 10


class RuleKind(StrEnum):
    SPEND_OFF = "spend_off"
    SPEND_PERCENT = "spend_percent"
    ITEM_PERCENT = "item_percent"
    SPECIAL_PRICE = "special_price"
    BUY_N_GET_M = "buy_n_get_m"
    FREE_SHIPPING = "free_shipping"
    GIFT = "gift"


class ScopeKind(StrEnum):
    ALL = "all"
    CATEGORIES = "categories"  # the categories and every descendant
    PRODUCTS = "products"  # SPU ids
    MERCHANT = "merchant"  # one shop's goods (a platform activity for a shop)


class Status(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class NoteReason(StrEnum):
    APPLIED = "applied"
    THRESHOLD_NOT_MET = "threshold_not_met"
    EXCLUSIVE = "excluded_by_exclusive"
    OUT_OF_SCOPE = "out_of_scope"
    NOT_BETTER = "not_better"
    NOTHING_OFF = "nothing_off"


def activity_status(
    *,
    scheduled: bool,
    paused: bool,
    ended_at: datetime | None,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
) -> Status:
    """Ended (by hand or past its window) wins; a draft is not scheduled yet; then paused;
    then scheduled (before its window) or active (inside it)."""
    if ended_at is not None or now >= ends_at:
        return Status.ENDED
    if not scheduled:
        return Status.DRAFT
    if paused:
        return Status.PAUSED
    return Status.SCHEDULED if now < starts_at else Status.ACTIVE


def has_started(*, scheduled: bool, starts_at: datetime, now: datetime) -> bool:
    return scheduled and now >= starts_at


# --- Rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tier:
    threshold: Decimal
    amount: Decimal = ZERO  # spend_off: money off
    percent_off: Decimal = ZERO  # spend_percent


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    tiers: tuple[Tier, ...] = ()
    percent_off: Decimal = ZERO
    prices: tuple[tuple[int, Decimal], ...] = ()  # special_price: (sku_id, price)
    buy: int = 0
    free: int = 0
    threshold: Decimal = ZERO  # free_shipping, gift
    gift_sku_id: int | None = None
    gift_quantity: int = 0

    @property
    def price_of(self) -> Mapping[int, Decimal]:
        return dict(self.prices)


def _money(value: Any, errors: list[str], what: str, *, positive: bool = True) -> Decimal:
    if isinstance(value, bool | float) or not isinstance(value, int | str | Decimal):
        errors.append(f'{what} must be an amount written as a string, e.g. "20.00".')
        return ZERO
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError):
        errors.append(f'{what} must be an amount, e.g. "20.00".')
        return ZERO
    if not amount.is_finite() or abs(amount) >= Decimal(10**10) or amount != quantize(amount):
        errors.append(f"{what} must be an amount with at most two decimals.")
        return ZERO
    if amount < 0 or (positive and amount == 0):
        errors.append(f"{what} must be {'above' if positive else 'at least'} zero.")
    return quantize(amount)


def _percent(value: Any, errors: list[str], what: str) -> Decimal:
    percent = _money(value, errors, what)
    if percent >= HUNDRED:
        errors.append(f"{what} must be below 100.")
    return percent


def _count(value: Any, errors: list[str], what: str, *, maximum: int = 1000) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= maximum:
        errors.append(f"{what} must be a whole number from 1 to {maximum}.")
        return 0
    return value


def _mapping(value: Any, errors: list[str], what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        errors.append(f"{what} must be an object.")
        return {}
    return value


def _tiers(params: Mapping[str, Any], errors: list[str], *, percent: bool) -> tuple[Tier, ...]:
    raw = params.get("tiers")
    if not isinstance(raw, list) or not 1 <= len(raw) <= 10:
        errors.append("tiers must list 1 to 10 tiers.")
        return ()
    tiers = []
    for index, item in enumerate(raw, start=1):
        entry = _mapping(item, errors, f"Tier {index}")
        unknown = set(entry) - {"threshold", "percent_off" if percent else "amount"}
        if unknown:
            errors.append(f"Tier {index} has unknown fields: {', '.join(sorted(unknown))}.")
        threshold = _money(entry.get("threshold"), errors, f"Tier {index}'s threshold")
        if percent:
            off = _percent(entry.get("percent_off"), errors, f"Tier {index}'s percent_off")
            tiers.append(Tier(threshold=threshold, percent_off=off))
        else:
            amount = _money(entry.get("amount"), errors, f"Tier {index}'s amount")
            if amount >= threshold > 0:
                errors.append(f"Tier {index}'s amount must be below its threshold.")
            tiers.append(Tier(threshold=threshold, amount=amount))
    for lower, higher in itertools.pairwise(tiers):
        if higher.threshold <= lower.threshold:
            errors.append("Tier thresholds must increase.")
            break
        if (higher.amount, higher.percent_off) <= (lower.amount, lower.percent_off):
            errors.append("A higher tier must give more than a lower one.")
            break
    return tuple(tiers)


_PARAMS: dict[RuleKind, frozenset[str]] = {
    RuleKind.SPEND_OFF: frozenset({"tiers"}),
    RuleKind.SPEND_PERCENT: frozenset({"tiers"}),
    RuleKind.ITEM_PERCENT: frozenset({"percent_off"}),
    RuleKind.SPECIAL_PRICE: frozenset({"prices"}),
    RuleKind.BUY_N_GET_M: frozenset({"buy", "free"}),
    RuleKind.FREE_SHIPPING: frozenset({"threshold"}),
    RuleKind.GIFT: frozenset({"threshold", "gift_sku_id", "gift_quantity"}),
}


def parse_rule(kind: str, params: Any) -> Rule:
    """The rule of `kind` from its JSON parameters; a 400 naming `rule_params` when invalid.

    spend_off {"tiers": [{"threshold": "200.00", "amount": "20.00"}, ...]},
    spend_percent {"tiers": [{"threshold": "300.00", "percent_off": "10"}]},
    item_percent {"percent_off": "15"}, special_price {"prices": [{"sku_id": 1, "price": "9.90"}]},
    buy_n_get_m {"buy": 2, "free": 1}, free_shipping {"threshold": "99.00"},
    gift {"threshold": "199.00", "gift_sku_id": 7, "gift_quantity": 1}."""
    try:
        rule_kind = RuleKind(kind)
    except ValueError:
        raise _invalid("rule_kind", [f"Unknown rule kind; one of {', '.join(RuleKind)}."]) from None
    errors: list[str] = []
    params = _mapping(params, errors, "rule_params")
    unknown = set(params) - _PARAMS[rule_kind]
    if unknown:
        errors.append(f"Unknown parameters for {rule_kind}: {', '.join(sorted(unknown))}.")
    rule = Rule(kind=rule_kind)
    if rule_kind in (RuleKind.SPEND_OFF, RuleKind.SPEND_PERCENT):
        percent = rule_kind == RuleKind.SPEND_PERCENT
        rule = Rule(kind=rule_kind, tiers=_tiers(params, errors, percent=percent))
    elif rule_kind == RuleKind.ITEM_PERCENT:
        rule = Rule(
            kind=rule_kind, percent_off=_percent(params.get("percent_off"), errors, "percent_off")
        )
    elif rule_kind == RuleKind.SPECIAL_PRICE:
        raw = params.get("prices")
        prices: dict[int, Decimal] = {}
        if not isinstance(raw, list) or not 1 <= len(raw) <= 200:
            errors.append("prices must list 1 to 200 SKUs.")
            raw = []
        for index, item in enumerate(raw, start=1):
            entry = _mapping(item, errors, f"Price {index}")
            if set(entry) - {"sku_id", "price"}:
                errors.append(f"Price {index} has unknown fields.")
            sku_id = _count(entry.get("sku_id"), errors, f"Price {index}'s sku_id", maximum=2**53)
            if sku_id in prices:
                errors.append(f"SKU {sku_id} is listed twice.")
            prices[sku_id] = _money(entry.get("price"), errors, f"Price {index}'s price")
        rule = Rule(kind=rule_kind, prices=tuple(sorted(prices.items())))
    elif rule_kind == RuleKind.BUY_N_GET_M:
        rule = Rule(
            kind=rule_kind,
            buy=_count(params.get("buy"), errors, "buy", maximum=99),
            free=_count(params.get("free"), errors, "free", maximum=99),
        )
    elif rule_kind == RuleKind.FREE_SHIPPING:
        threshold = _money(params.get("threshold", "0"), errors, "threshold", positive=False)
        rule = Rule(kind=rule_kind, threshold=threshold)
    elif rule_kind == RuleKind.GIFT:
        rule = Rule(
            kind=rule_kind,
            threshold=_money(params.get("threshold", "0"), errors, "threshold", positive=False),
            gift_sku_id=_count(params.get("gift_sku_id"), errors, "gift_sku_id", maximum=2**53),
            gift_quantity=_count(
                params.get("gift_quantity", 1), errors, "gift_quantity", maximum=99
            ),
        )
    if errors:
        raise _invalid("rule_params", errors)
    return rule


def rule_params(rule: Rule) -> dict[str, Any]:
    """The JSON parameters of a rule (what `parse_rule` reads back)."""
    if rule.kind == RuleKind.SPEND_OFF:
        return {
            "tiers": [{"threshold": str(t.threshold), "amount": str(t.amount)} for t in rule.tiers]
        }
    if rule.kind == RuleKind.SPEND_PERCENT:
        return {
            "tiers": [
                {"threshold": str(t.threshold), "percent_off": str(t.percent_off)}
                for t in rule.tiers
            ]
        }
    if rule.kind == RuleKind.ITEM_PERCENT:
        return {"percent_off": str(rule.percent_off)}
    if rule.kind == RuleKind.SPECIAL_PRICE:
        return {"prices": [{"sku_id": s, "price": str(p)} for s, p in rule.prices]}
    if rule.kind == RuleKind.BUY_N_GET_M:
        return {"buy": rule.buy, "free": rule.free}
    if rule.kind == RuleKind.FREE_SHIPPING:
        return {"threshold": str(rule.threshold)}
    return {
        "threshold": str(rule.threshold),
        "gift_sku_id": rule.gift_sku_id,
        "gift_quantity": rule.gift_quantity,
    }


def _invalid(name: str, messages: list[str]) -> ValidationFailed:
    return ValidationFailed(
        f"The request is invalid: {messages[0]}", details={"fields": {name: messages}}
    )


# --- The engine --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    kind: ScopeKind = ScopeKind.ALL
    ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Activity:
    activity_id: int
    name: str
    merchant_id: int | None  # the owner; None: the platform
    rule: Rule
    scope: Scope = Scope()
    exclusive: bool = False
    priority: int = 0

    @property
    def order_key(self) -> tuple[int, int]:
        """Application order and tie-break: higher priority first, then lower id."""
        return (-self.priority, self.activity_id)


@dataclass(frozen=True)
class CartLine:
    sku_id: int
    merchant_id: int
    quantity: int
    unit_price: Decimal
    pay_amount: Decimal  # what the line costs as priced so far
    spu_id: int | None = None
    category_ids: frozenset[int] = frozenset()  # its category and every ancestor


@dataclass(frozen=True)
class Grant:
    """A discount of one activity on one merchant group: on the goods `sku_ids` ("items") or on
    the group's freight ("freight")."""

    activity_id: int
    merchant_id: int
    amount: Decimal
    target: str = "items"
    sku_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class GiftGrant:
    activity_id: int
    merchant_id: int
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class Note:
    activity_id: int
    reason: NoteReason
    message: str
    applied: bool = False
    sku_ids: tuple[int, ...] = ()
    merchant_id: int | None = None


@dataclass(frozen=True)
class Outcome:
    grants: tuple[Grant, ...] = ()
    gifts: tuple[GiftGrant, ...] = ()
    notes: tuple[Note, ...] = ()
    applied: tuple[int, ...] = ()  # activity ids, in application order
    line_discounts: Mapping[int, Decimal] = field(default_factory=dict)  # by SKU id

    @property
    def discount(self) -> Decimal:
        return sum((g.amount for g in self.grants), ZERO)

    def discount_of(self, activity_id: int) -> Decimal:
        return sum((g.amount for g in self.grants if g.activity_id == activity_id), ZERO)


def split(amount: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`amount` over `weights` in proportion, in minor units, by largest remainder (ties to the
    earlier weight): the shares add up to `amount` exactly, as ordering's engine splits."""
    unit = quantum()
    total = int(quantize(amount) / unit)
    units = [int(quantize(w) / unit) for w in weights]
    weight_sum = sum(units)
    if total <= 0 or weight_sum <= 0:
        return [ZERO for _ in weights]
    total = min(total, weight_sum)
    base = [total * w // weight_sum for w in units]
    remainders = [total * w % weight_sum for w in units]
    for index in sorted(range(len(base)), key=lambda i: -remainders[i])[: total - sum(base)]:
        base[index] += 1
    return [quantize(u * unit) for u in base]


def in_scope(activity: Activity, line: CartLine) -> bool:
    if activity.merchant_id is not None and line.merchant_id != activity.merchant_id:
        return False
    if activity.rule.kind == RuleKind.SPECIAL_PRICE and line.sku_id not in activity.rule.price_of:
        return False
    scope = activity.scope
    if scope.kind == ScopeKind.CATEGORIES:
        return bool(scope.ids & line.category_ids)
    if scope.kind == ScopeKind.PRODUCTS:
        return line.spu_id in scope.ids
    if scope.kind == ScopeKind.MERCHANT:
        return line.merchant_id in scope.ids
    return True


@dataclass
class _State:
    """Per-line amounts left to pay, freight left per group, room above the floor per group."""

    pay: dict[int, Decimal]
    freight: dict[int, Decimal]
    room: dict[int, Decimal]


@dataclass(frozen=True)
class _Result:
    grants: tuple[Grant, ...] = ()
    gifts: tuple[GiftGrant, ...] = ()
    qualified: bool = False
    short_by: Decimal | None = None  # threshold not met: how much more to spend
    sku_ids: tuple[int, ...] = ()


def _tier(tiers: Sequence[Tier], amount: Decimal) -> Tier | None:
    reached = [t for t in tiers if t.threshold <= amount]
    return reached[-1] if reached else None


def _per_group(lines: Sequence[CartLine]) -> dict[int, list[CartLine]]:
    groups: dict[int, list[CartLine]] = {}
    for line in lines:
        groups.setdefault(line.merchant_id, []).append(line)
    return groups


def _take_from_lines(
    state: _State, activity_id: int, merchant_id: int, lines: Sequence[CartLine], amount: Decimal
) -> Grant | None:
    """Take up to `amount` off `lines` (one group), capped by the group's room above the floor
    and by what the lines cost, split in proportion to what they cost."""
    amount = min(
        quantize(amount), state.room[merchant_id], sum(state.pay[ln.sku_id] for ln in lines)
    )
    if amount <= 0:
        return None
    for line, share in zip(
        lines, split(amount, [state.pay[ln.sku_id] for ln in lines]), strict=True
    ):
        state.pay[line.sku_id] -= share
    state.room[merchant_id] -= amount
    return Grant(activity_id, merchant_id, amount, sku_ids=tuple(ln.sku_id for ln in lines))


def _apply(activity: Activity, lines: Sequence[CartLine], state: _State) -> _Result:
    """Apply one activity to its in-scope `lines` on `state` (changed in place)."""
    rule = activity.rule
    aid = activity.activity_id
    scope_amount = sum((state.pay[ln.sku_id] for ln in lines), ZERO)
    sku_ids = tuple(ln.sku_id for ln in lines)
    grants: list[Grant] = []
    if rule.kind in (RuleKind.SPEND_OFF, RuleKind.SPEND_PERCENT):
        tier = _tier(rule.tiers, scope_amount)
        if tier is None:
            return _Result(short_by=rule.tiers[0].threshold - scope_amount, sku_ids=sku_ids)
        off = (
            tier.amount
            if rule.kind == RuleKind.SPEND_OFF
            else quantize(scope_amount * tier.percent_off / HUNDRED)
        )
        groups = _per_group(lines)
        group_amounts = [sum((state.pay[ln.sku_id] for ln in g), ZERO) for g in groups.values()]
        for (merchant_id, group_lines), share in zip(
            groups.items(), split(min(off, scope_amount), group_amounts), strict=True
        ):
            grant = _take_from_lines(state, aid, merchant_id, group_lines, share)
            if grant:
                grants.append(grant)
        return _Result(grants=tuple(grants), qualified=True, sku_ids=sku_ids)
    if rule.kind in (RuleKind.ITEM_PERCENT, RuleKind.SPECIAL_PRICE, RuleKind.BUY_N_GET_M):
        free_units = _free_units(rule, lines, state) if rule.kind == RuleKind.BUY_N_GET_M else {}
        for line in lines:
            pay = state.pay[line.sku_id]
            if rule.kind == RuleKind.ITEM_PERCENT:
                off = quantize(pay * rule.percent_off / HUNDRED)
            elif rule.kind == RuleKind.SPECIAL_PRICE:
                off = pay - quantize(rule.price_of[line.sku_id] * line.quantity)
            else:
                off = quantize(pay * free_units.get(line.sku_id, 0) / line.quantity)
            grant = _take_from_lines(state, aid, line.merchant_id, [line], off)
            if grant:
                grants.append(grant)
        if rule.kind == RuleKind.BUY_N_GET_M and not free_units:
            units = sum(ln.quantity for ln in lines)
            return _Result(sku_ids=sku_ids, short_by=Decimal(rule.buy + rule.free - units))
        return _Result(grants=tuple(grants), qualified=bool(grants), sku_ids=sku_ids)
    if rule.kind == RuleKind.FREE_SHIPPING:
        short: list[Decimal] = []
        qualified = False
        for merchant_id, group_lines in _per_group(lines).items():
            amount = sum((state.pay[ln.sku_id] for ln in group_lines), ZERO)
            if amount < rule.threshold:
                short.append(rule.threshold - amount)
                continue
            qualified = True
            freight = state.freight.get(merchant_id, ZERO)
            if freight > 0:
                state.freight[merchant_id] = ZERO
                grants.append(Grant(aid, merchant_id, freight, target="freight"))
        return _Result(
            grants=tuple(grants),
            qualified=qualified,
            short_by=None if qualified else min(short),
            sku_ids=sku_ids,
        )
    # gift
    if scope_amount < rule.threshold or rule.gift_sku_id is None:
        return _Result(short_by=rule.threshold - scope_amount, sku_ids=sku_ids)
    owner = activity.merchant_id if activity.merchant_id is not None else lines[0].merchant_id
    gift = GiftGrant(aid, owner, rule.gift_sku_id, rule.gift_quantity)
    return _Result(gifts=(gift,), qualified=True, sku_ids=sku_ids)


def _free_units(rule: Rule, lines: Sequence[CartLine], state: _State) -> dict[int, int]:
    """buy_n_get_m: the units dearest first (then by SKU id), in runs of buy+free; the last
    `free` units of each full run are free. {sku_id: free units}, counted per line without
    listing the units (a line may hold hundreds)."""
    run = rule.buy + rule.free
    total = sum(ln.quantity for ln in lines)
    limit = total // run * run  # units in full runs

    def free_before(n: int) -> int:  # free units among the first n (n <= limit)
        return n // run * rule.free + max(0, n % run - rule.buy)

    ordered = sorted(lines, key=lambda ln: (-(state.pay[ln.sku_id] / ln.quantity), ln.sku_id))
    free: dict[int, int] = {}
    start = 0
    for line in ordered:
        end = start + line.quantity
        count = free_before(min(end, limit)) - free_before(min(start, limit))
        if count:
            free[line.sku_id] = count
        start = end
    return free


def _initial_state(
    lines: Sequence[CartLine], freight_due: Mapping[int, Decimal], floor: Decimal
) -> _State:
    group_pay: dict[int, Decimal] = {}
    for line in lines:
        group_pay[line.merchant_id] = group_pay.get(line.merchant_id, ZERO) + line.pay_amount
    return _State(
        pay={line.sku_id: line.pay_amount for line in lines},
        freight={m: freight_due.get(m, ZERO) for m in group_pay},
        room={m: max(pay - floor, ZERO) for m, pay in group_pay.items()},
    )


@dataclass(frozen=True)
class _Evaluation:
    members: tuple[Activity, ...]
    results: Mapping[int, _Result]
    state: _State

    @property
    def score(self) -> tuple[Decimal, int, int]:
        discount = sum((g.amount for r in self.results.values() for g in r.grants), ZERO)
        gifts = sum(len(r.gifts) for r in self.results.values())
        effective = sum(1 for r in self.results.values() if r.qualified)
        return (discount, gifts, effective)

    @property
    def tie_key(self) -> tuple[tuple[int, int], ...]:
        return tuple(a.order_key for a in self.members)


def _evaluate(
    members: Sequence[Activity],
    scope_of: Mapping[int, Sequence[CartLine]],
    lines: Sequence[CartLine],
    freight_due: Mapping[int, Decimal],
    floor: Decimal,
) -> _Evaluation:
    state = _initial_state(lines, freight_due, floor)
    ordered = tuple(sorted(members, key=lambda a: a.order_key))
    results = {a.activity_id: _apply(a, scope_of[a.activity_id], state) for a in ordered}
    return _Evaluation(members=ordered, results=results, state=state)


def _compatible(members: Sequence[Activity], lines_of: Mapping[int, frozenset[int]]) -> bool:
    for a, b in itertools.combinations(members, 2):
        if (a.exclusive or b.exclusive) and lines_of[a.activity_id] & lines_of[b.activity_id]:
            return False
    return True


def _better(candidate: _Evaluation, best: _Evaluation | None) -> bool:
    if best is None or candidate.score > best.score:
        return True
    return candidate.score == best.score and candidate.tie_key < best.tie_key


def _money_text(amount: Decimal) -> str:
    return f"{quantize(amount):.2f}"


def best_outcome(
    *,
    activities: Iterable[Activity],
    lines: Sequence[CartLine],
    freight_due: Mapping[int, Decimal] | None = None,
    floor: Decimal = ZERO,
) -> Outcome:
    """The best valid combination of `activities` (all taken as running) for `lines`, with a
    note per activity saying what it did or why it did not apply (module docstring)."""
    freight_due = dict(freight_due or {})
    merchants = {line.merchant_id for line in lines}
    activities = sorted(activities, key=lambda a: a.order_key)
    scope_of = {a.activity_id: [ln for ln in lines if in_scope(a, ln)] for a in activities}
    lines_of = {aid: frozenset(ln.sku_id for ln in ls) for aid, ls in scope_of.items()}
    notes: dict[int, Note] = {}
    qualifying: list[tuple[Activity, _Evaluation]] = []
    for activity in activities:
        aid = activity.activity_id
        if not scope_of[aid]:
            if activity.merchant_id is None or activity.merchant_id in merchants:
                notes[aid] = Note(
                    aid,
                    NoteReason.OUT_OF_SCOPE,
                    f"{activity.name}: none of these items is included.",
                )
            continue
        alone = _evaluate([activity], scope_of, lines, freight_due, floor)
        result = alone.results[aid]
        if result.qualified:
            qualifying.append((activity, alone))
        elif result.short_by is not None:
            notes[aid] = _short_note(activity, result)
        else:
            notes[aid] = Note(
                aid,
                NoteReason.NOTHING_OFF,
                f"{activity.name}: nothing to take off these items.",
                sku_ids=result.sku_ids,
            )
    # The most valuable alone first; beyond MAX_COMBINED the rest are not combined.
    qualifying.sort(key=lambda pair: (-pair[1].score[0], -pair[1].score[1], pair[0].order_key))
    pool = [a for a, _ in qualifying[:MAX_COMBINED]]
    best: _Evaluation | None = None
    for size in range(len(pool), 0, -1):
        for members in itertools.combinations(pool, size):
            if not _compatible(members, lines_of):
                continue
            candidate = _evaluate(members, scope_of, lines, freight_due, floor)
            if _better(candidate, best):
                best = candidate
    chosen = best.members if best else ()
    grants: list[Grant] = []
    gifts: list[GiftGrant] = []
    for activity in chosen:
        result = best.results[activity.activity_id]
        grants.extend(result.grants)
        gifts.extend(result.gifts)
        notes[activity.activity_id] = _result_note(activity, result)
    chosen_ids = {a.activity_id for a in chosen}
    for activity, _ in qualifying:
        aid = activity.activity_id
        if aid in chosen_ids:
            continue
        blockers = [
            other
            for other in chosen
            if (other.exclusive or activity.exclusive)
            and lines_of[aid] & lines_of[other.activity_id]
        ]
        if blockers:
            names = ", ".join(b.name for b in blockers)
            message = (
                f"{activity.name}: not combined with {names} (exclusive); the better one applies."
            )
            notes[aid] = Note(
                aid, NoteReason.EXCLUSIVE, message, sku_ids=tuple(sorted(lines_of[aid]))
            )
        else:
            message = f"{activity.name}: a better combination of activities applies."
            notes[aid] = Note(
                aid, NoteReason.NOT_BETTER, message, sku_ids=tuple(sorted(lines_of[aid]))
            )
    return Outcome(
        grants=tuple(grants),
        gifts=tuple(gifts),
        notes=tuple(notes[a.activity_id] for a in activities if a.activity_id in notes),
        applied=tuple(a.activity_id for a in chosen),
        line_discounts={
            line.sku_id: line.pay_amount - best.state.pay[line.sku_id] if best else ZERO
            for line in lines
        },
    )


def _short_note(activity: Activity, result: _Result) -> Note:
    aid = activity.activity_id
    if activity.rule.kind == RuleKind.BUY_N_GET_M:
        message = f"{activity.name}: add {int(result.short_by or 0)} more item(s) in the offer."
    else:
        message = f"{activity.name}: spend {_money_text(result.short_by or ZERO)} more to qualify."
    return Note(aid, NoteReason.THRESHOLD_NOT_MET, message, sku_ids=result.sku_ids)


def _result_note(activity: Activity, result: _Result) -> Note:
    aid = activity.activity_id
    if not result.qualified:  # qualified alone, not after the discounts applied before it
        if result.short_by is not None:
            return _short_note(activity, result)
        return Note(
            aid,
            NoteReason.NOTHING_OFF,
            f"{activity.name}: nothing left to take off.",
            sku_ids=result.sku_ids,
        )
    amount = sum((g.amount for g in result.grants), ZERO)
    if result.gifts:
        message = f"{activity.name}: a gift is added to your order."
    elif activity.rule.kind == RuleKind.FREE_SHIPPING:
        message = f"{activity.name}: free shipping."
        if amount:
            message = f"{activity.name}: free shipping (-{_money_text(amount)})."
    else:
        message = f"{activity.name}: -{_money_text(amount)}."
    merchant_ids = {g.merchant_id for g in result.grants} | {g.merchant_id for g in result.gifts}
    return Note(
        aid,
        NoteReason.APPLIED,
        message,
        applied=True,
        sku_ids=result.sku_ids,
        merchant_id=next(iter(merchant_ids)) if len(merchant_ids) == 1 else None,
    )
