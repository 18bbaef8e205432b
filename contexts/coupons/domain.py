"""Pure coupon rules: what a coupon takes off a checkout, and which coupons to use.

Rules (each tested in tests/test_domain.py):
  * a coupon applies to the lines in its scope (all / categories with their descendants /
    products / merchants; a merchant's coupon only ever to that merchant's lines); a coupon not
    stackable with promotions skips the lines (and, for free shipping, the shops' freight) a
    promotion already discounted;
  * `min_spend` is measured on what those lines still cost, after promotions and after the
    coupons applied before it;
  * amount off: at most what the lines still cost; percent off: of what they still cost,
    rounded half-up to the cent, at most `max_discount`; threshold off: `amount` once
    `min_spend` is reached; free shipping: the freight still due of the shops in scope;
  * at most one platform coupon and one coupon per merchant; merchant coupons apply first,
    then the platform coupon on what is left (a platform coupon counts as left what its lines
    cost minus every earlier coupon touching any of them, never more);
  * the best combination is the largest total discount; ties go to fewer coupons, then to the
    coupons expiring first, then to the lower ids: the same input always picks the same coupons.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from shared.money import ZERO, quantize

AMOUNT_OFF = "amount_off"
PERCENT_OFF = "percent_off"
THRESHOLD_OFF = "threshold_off"
FREE_SHIPPING = "free_shipping"

SCOPE_ALL = "all"
SCOPE_CATEGORIES = "categories"
SCOPE_PRODUCTS = "products"  # scope ids are SKU ids
SCOPE_MERCHANTS = "merchants"

PLATFORM_SLOT = 0  # merchants' slots are their ids (> 0)
# Per merchant, how many of its best coupons the search combines with the platform's.
BEST_PER_MERCHANT = 3
MAX_COMBINATIONS = 5000

# Why a coupon does not apply (the `reason` of a 422 coupon_not_applicable, and of the notes).
NOT_FOUND = "not_found"
NOT_AVAILABLE = "not_available"
NOT_STARTED = "not_started"
EXPIRED = "expired"
NO_ELIGIBLE_ITEMS = "no_eligible_items"
BELOW_THRESHOLD = "below_threshold"
SLOT_TAKEN = "one_per_issuer"
REASONS = {
    NOT_FOUND: "You hold no such coupon.",
    NOT_AVAILABLE: "The coupon is already used or held by another order.",
    NOT_STARTED: "The coupon is not valid yet.",
    EXPIRED: "The coupon has expired.",
    NO_ELIGIBLE_ITEMS: "No item of this checkout is covered by the coupon.",
    BELOW_THRESHOLD: "The items the coupon covers do not reach its minimum spend.",
    SLOT_TAKEN: "Only one platform coupon and one coupon per shop can be used at once.",
}


@dataclass(frozen=True)
class Terms:
    """What a template grants (see models.CouponTemplate)."""

    kind: str
    amount: Decimal = ZERO
    percent: Decimal = ZERO
    max_discount: Decimal | None = None
    min_spend: Decimal = ZERO
    scope: str = SCOPE_ALL
    scope_ids: frozenset[int] = frozenset()
    merchant_id: int | None = None  # the issuing merchant; None: the platform
    stackable_with_promotions: bool = True

    @property
    def slot(self) -> int:
        return self.merchant_id if self.merchant_id is not None else PLATFORM_SLOT


@dataclass(frozen=True)
class Line:
    sku_id: int
    merchant_id: int
    category_ids: tuple[int, ...]  # the SKU's category and its ancestors
    pay_amount: Decimal  # what it still costs
    promoted: bool = False  # a promotion discounted it


@dataclass(frozen=True)
class Shop:
    merchant_id: int
    freight_due: Decimal
    freight_promoted: bool = False


@dataclass(frozen=True)
class Candidate:
    coupon_id: int
    terms: Terms
    valid_until: datetime


@dataclass(frozen=True)
class Grant:
    """What one coupon takes off: items (over `sku_ids`) or freight (per merchant)."""

    coupon_id: int
    terms: Terms
    discount: Decimal
    sku_ids: tuple[int, ...] = ()
    freight: tuple[tuple[int, Decimal], ...] = ()  # (merchant_id, amount)
    reason: str = ""  # why it does not apply ("" when it does)

    @property
    def applicable(self) -> bool:
        return not self.reason


@dataclass
class _Taken:
    """Discounts granted so far: (sku ids, amount) for items, per merchant for freight."""

    items: list[tuple[frozenset[int], Decimal]] = field(default_factory=list)
    freight: dict[int, Decimal] = field(default_factory=dict)


def in_scope(terms: Terms, line: Line) -> bool:
    if terms.merchant_id is not None and line.merchant_id != terms.merchant_id:
        return False
    if not terms.stackable_with_promotions and line.promoted:
        return False
    if terms.scope == SCOPE_CATEGORIES:
        return any(c in terms.scope_ids for c in line.category_ids)
    if terms.scope == SCOPE_PRODUCTS:
        return line.sku_id in terms.scope_ids
    if terms.scope == SCOPE_MERCHANTS:
        return line.merchant_id in terms.scope_ids
    return True


def _grant(
    candidate: Candidate, lines: Sequence[Line], shops: Sequence[Shop], taken: _Taken
) -> Grant:
    terms = candidate.terms
    eligible = [line for line in lines if in_scope(terms, line) and line.pay_amount > 0]
    if not eligible:
        return Grant(candidate.coupon_id, terms, ZERO, reason=NO_ELIGIBLE_ITEMS)
    sku_ids = frozenset(line.sku_id for line in eligible)
    earlier = sum((amount for skus, amount in taken.items if skus & sku_ids), ZERO)
    base = max(sum((line.pay_amount for line in eligible), ZERO) - earlier, ZERO)
    if base <= 0 or base < terms.min_spend:
        return Grant(candidate.coupon_id, terms, ZERO, reason=BELOW_THRESHOLD)
    ordered_skus = tuple(line.sku_id for line in eligible)
    if terms.kind == FREE_SHIPPING:
        merchants = sorted({line.merchant_id for line in eligible})
        freight = []
        for shop in shops:
            if shop.merchant_id not in merchants:
                continue
            if shop.freight_promoted and not terms.stackable_with_promotions:
                continue
            due = max(shop.freight_due - taken.freight.get(shop.merchant_id, ZERO), ZERO)
            if due > 0:
                freight.append((shop.merchant_id, due))
        total = sum((amount for _, amount in freight), ZERO)
        return Grant(candidate.coupon_id, terms, total, freight=tuple(freight))
    if terms.kind == PERCENT_OFF:
        discount = quantize(base * terms.percent / Decimal(100))
        if terms.max_discount is not None:
            discount = min(discount, terms.max_discount)
    else:  # amount off, threshold off
        discount = terms.amount
    return Grant(candidate.coupon_id, terms, min(quantize(discount), base), sku_ids=ordered_skus)


def _take(taken: _Taken, grant: Grant) -> None:
    if grant.sku_ids:
        taken.items.append((frozenset(grant.sku_ids), grant.discount))
    for merchant_id, amount in grant.freight:
        taken.freight[merchant_id] = taken.freight.get(merchant_id, ZERO) + amount


def application_order(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Merchant coupons first (by merchant id), then the platform's."""
    return sorted(candidates, key=lambda c: (c.terms.merchant_id is None, c.terms.slot))


def grants_for(
    candidates: Sequence[Candidate], lines: Sequence[Line], shops: Sequence[Shop]
) -> list[Grant]:
    """What each coupon takes off, applied in `application_order`. Two coupons of one issuer
    (the platform, or one merchant): the later one is refused (`one_per_issuer`)."""
    taken = _Taken()
    slots: set[int] = set()
    grants = []
    for candidate in application_order(candidates):
        if candidate.terms.slot in slots:
            grants.append(Grant(candidate.coupon_id, candidate.terms, ZERO, reason=SLOT_TAKEN))
            continue
        slots.add(candidate.terms.slot)
        grant = _grant(candidate, lines, shops, taken)
        if grant.applicable:
            _take(taken, grant)
        grants.append(grant)
    return grants


def _rank(grants: Sequence[Grant], by_id: dict[int, Candidate]) -> tuple:
    total = sum((g.discount for g in grants), ZERO)
    ids = sorted(g.coupon_id for g in grants)
    expiries = sorted(by_id[i].valid_until for i in ids)
    # max() picks the best: most discount, then fewest coupons, earliest expiries, lowest ids.
    return (total, -len(ids), [-e.timestamp() for e in expiries], [-i for i in ids])


def best_combination(
    candidates: Sequence[Candidate], lines: Sequence[Line], shops: Sequence[Shop]
) -> list[Grant]:
    """The applicable grants of the best combination (module docstring), in application order.
    Coupons that would take nothing off are never picked."""
    by_id = {c.coupon_id: c for c in candidates}
    # Alone, each coupon's effect on an untouched checkout: prunes each merchant's options.
    alone = {c.coupon_id: _grant(c, lines, shops, _Taken()) for c in candidates}
    useful = [
        c for c in candidates if alone[c.coupon_id].applicable and alone[c.coupon_id].discount
    ]
    per_slot: dict[int, list[Candidate]] = {}
    for candidate in useful:
        per_slot.setdefault(candidate.terms.slot, []).append(candidate)
    options: list[list[Candidate | None]] = []
    for slot in sorted(per_slot):
        ranked = sorted(
            per_slot[slot],
            key=lambda c: (-alone[c.coupon_id].discount, c.valid_until, c.coupon_id),
        )
        keep = ranked if slot == PLATFORM_SLOT else ranked[:BEST_PER_MERCHANT]
        options.append([None, *keep])
    best: list[Grant] = []
    best_rank = _rank([], by_id)
    for count, combination in enumerate(itertools.product(*options)):
        if count >= MAX_COMBINATIONS:
            break
        chosen = [c for c in combination if c is not None]
        grants = [g for g in grants_for(chosen, lines, shops) if g.applicable and g.discount]
        rank = _rank(grants, by_id)
        if rank > best_rank:
            best, best_rank = grants, rank
    return best
