"""The "coupons" pricing step and its lifecycle: quote, hold at placement, use on payment,
give back on cancellation before payment and on a full refund.

`checkout.options["coupon_ids"]`: None (absent) lets the step pick the best combination of the
buyer's available coupons (domain.best_combination); [] uses none; a list uses exactly those,
and one that cannot be used is a 422 coupon_not_applicable naming the coupon and the reason.
Each coupon's adjustments carry its id as `reference`.

Hold (in the placement transaction): the coupons are locked in id order and must still be the
buyer's, available and valid (else 409 coupon_unavailable: nothing is placed); they become held
for the orders they fell on. Confirm (payment): held -> used (coupons.coupon.used.v1). Release
(cancellation, payment timeout): the cancelled orders leave the coupon; once none is left it is
available again, or expired past its validity (coupons.coupon.returned.v1, reason cancelled).
A refund that brings the trade's refunded total to its paid amount returns its used coupons
the same way (reason refunded) when COUPONS_RETURN_ON_FULL_REFUND is on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contexts.catalog import api as catalog_api
from contexts.coupons import domain, selectors
from contexts.coupons.events import CouponReturned, CouponUsed
from contexts.coupons.models import Coupon, CouponTemplate
from contexts.ordering import api as ordering_api
from contexts.payments import api as payments_api
from shared.errors import BusinessRuleViolation, Conflict
from shared.events import publish
from shared.money import ZERO

PROMOTIONS = "promotions"
T = CouponTemplate


def terms_of(template: CouponTemplate) -> domain.Terms:
    return domain.Terms(
        kind=template.kind,
        amount=template.amount,
        percent=template.percent,
        max_discount=template.max_discount,
        min_spend=template.min_spend,
        scope=template.scope,
        scope_ids=frozenset(template.scope_ids or ()),
        merchant_id=template.merchant_id,
        stackable_with_promotions=template.stackable_with_promotions,
    )


def _lines_and_shops(
    checkout: ordering_api.Checkout, coupons: Sequence[Coupon]
) -> tuple[list[domain.Line], list[domain.Shop]]:
    """The checkout as the coupon rules see it: each line's category path (only looked up
    when a coupon is scoped by category) and whether a promotion discounted it."""
    paths: dict[int, tuple[int, ...]] = {}
    if any(c.template.scope == T.Scope.CATEGORIES for c in coupons):
        skus = catalog_api.get_skus(sku_ids=[line.sku_id for line in checkout.lines])
        ancestors = catalog_api.categories_ancestor_ids(
            category_ids={s.category_id for s in skus.values()}
        )
        paths = {sku_id: ancestors.get(s.category_id, ()) for sku_id, s in skus.items()}
    lines = [
        domain.Line(
            sku_id=line.sku_id,
            merchant_id=line.merchant_id,
            category_ids=paths.get(line.sku_id, ()),
            pay_amount=line.pay_amount,
            promoted=any(a.source == PROMOTIONS and a.amount for a in line.discounts),
        )
        for line in checkout.lines
    ]
    shops = [
        domain.Shop(
            merchant_id=group.merchant_id,
            freight_due=group.freight_due,
            freight_promoted=any(
                a.source == PROMOTIONS and a.amount for a in group.freight_discounts
            ),
        )
        for group in checkout.groups
    ]
    return lines, shops


def _candidate(coupon: Coupon) -> domain.Candidate:
    return domain.Candidate(
        coupon_id=coupon.pk, terms=terms_of(coupon.template), valid_until=coupon.valid_until
    )


def _usable_reason(coupon: Coupon | None, now: datetime) -> str:
    if coupon is None:
        return domain.NOT_FOUND
    if coupon.status != Coupon.Status.AVAILABLE:
        return domain.EXPIRED if coupon.status == Coupon.Status.EXPIRED else domain.NOT_AVAILABLE
    if coupon.valid_from > now:
        return domain.NOT_STARTED
    if coupon.valid_until <= now:
        return domain.EXPIRED
    return ""


def not_applicable(coupon_id: int, reason: str) -> BusinessRuleViolation:
    return BusinessRuleViolation(
        domain.REASONS.get(reason, "This coupon cannot be used here."),
        code="coupon_not_applicable",
        details={"coupon_id": coupon_id, "reason": reason},
    )


def requested_coupon_ids(options) -> list[int] | None:
    """`options["coupon_ids"]` as a list of ids, or None (let the step choose)."""
    requested = options.get("coupon_ids") if options else None
    if requested is None:
        return None
    return list(dict.fromkeys(int(i) for i in requested))


@dataclass(frozen=True)
class CouponQuote:
    """What the step grants (`grants`, in application order) and, when the buyer chose the
    coupons, the best combination they could have had instead (`suggested`)."""

    grants: tuple[domain.Grant, ...]
    suggested: tuple[domain.Grant, ...]
    names: dict[int, str]


def coupon_quote(checkout: ordering_api.Checkout) -> CouponQuote:
    """The grants this checkout gets (module docstring): the chosen coupons, or the best."""
    requested = requested_coupon_ids(checkout.options)
    if requested == []:
        return CouponQuote((), (), {})
    now = timezone.now()
    coupons = selectors.coupons_for_checkout(
        user_id=checkout.buyer_id, coupon_ids=requested, now=now
    )
    if not coupons and requested is None:
        return CouponQuote((), (), {})
    names = {c.pk: c.template.name for c in coupons}
    if requested is None:
        lines, shops = _lines_and_shops(checkout, coupons)
        best = domain.best_combination([_candidate(c) for c in coupons], lines, shops)
        return CouponQuote(tuple(best), tuple(best), names)
    by_id = {c.pk: c for c in coupons}
    for coupon_id in requested:
        reason = _usable_reason(by_id.get(coupon_id), now)
        if reason:
            raise not_applicable(coupon_id, reason)
    # The buyer's other coupons too: to suggest a better combination when there is one.
    available = selectors.coupons_for_checkout(user_id=checkout.buyer_id, coupon_ids=None, now=now)
    names.update({c.pk: c.template.name for c in available})
    lines, shops = _lines_and_shops(checkout, [*coupons, *available])
    grants = domain.grants_for([_candidate(by_id[i]) for i in requested], lines, shops)
    for grant in grants:
        if not grant.applicable:
            raise not_applicable(grant.coupon_id, grant.reason)
    best = domain.best_combination([_candidate(c) for c in available], lines, shops)
    return CouponQuote(tuple(grants), tuple(best), names)


def notes_for(quote: CouponQuote) -> list[ordering_api.PricingNote]:
    """One note per coupon applied, and one per suggested coupon when the buyer's choice
    takes off less than the best combination would (ids and names only, never a code)."""
    notes = []
    chosen = {g.coupon_id for g in quote.grants}
    for grant in quote.grants:
        suggested = grant.coupon_id in {g.coupon_id for g in quote.suggested}
        prefix = "Suggested coupon" if suggested else "Coupon"
        notes.append(
            ordering_api.PricingNote(
                message=f"{prefix} {quote.names.get(grant.coupon_id, '')}: {grant.discount} off.",
                reference=str(grant.coupon_id),
                sku_ids=grant.sku_ids,
                merchant_id=grant.terms.merchant_id,
                applied=True,
            )
        )
    total = sum((g.discount for g in quote.grants), ZERO)
    if sum((g.discount for g in quote.suggested), ZERO) > total:
        notes.extend(
            ordering_api.PricingNote(
                message=f"Suggested coupon {quote.names.get(grant.coupon_id, '')}: "
                f"{grant.discount} off.",
                reference=str(grant.coupon_id),
                sku_ids=grant.sku_ids,
                merchant_id=grant.terms.merchant_id,
                applied=False,
            )
            for grant in quote.suggested
            if grant.coupon_id not in chosen
        )
    return notes


def adjustments_for(
    grants: Sequence[domain.Grant], names: dict[int, str]
) -> list[ordering_api.Adjustment]:
    adjustments = []
    for grant in grants:
        label, reference = names.get(grant.coupon_id, ""), str(grant.coupon_id)
        if grant.terms.kind == domain.FREE_SHIPPING:
            adjustments.extend(
                ordering_api.Adjustment(
                    amount=amount,
                    target="freight",
                    merchant_id=merchant_id,
                    label=label,
                    reference=reference,
                )
                for merchant_id, amount in grant.freight
            )
        elif grant.discount:
            adjustments.append(
                ordering_api.Adjustment(
                    amount=grant.discount,
                    merchant_id=grant.terms.merchant_id,
                    sku_ids=grant.sku_ids,
                    label=label,
                    reference=reference,
                )
            )
    return adjustments


@dataclass(frozen=True)
class CouponOption:
    """One of the buyer's coupons at a checkout: what it would take off on its own, whether it
    can be used (else why not), and whether it is among the suggested (best) combination."""

    coupon_id: int
    template_id: int
    name: str
    merchant_id: int | None
    valid_until: datetime
    discount: Decimal
    usable: bool
    reason: str
    suggested: bool


def coupon_options(checkout: ordering_api.Checkout) -> list[CouponOption]:
    """Every available coupon of the buyer against this checkout (priced up to the coupons
    step), best first, with the suggested combination marked."""
    now = timezone.now()
    coupons = selectors.coupons_for_checkout(user_id=checkout.buyer_id, coupon_ids=None, now=now)
    if not coupons:
        return []
    lines, shops = _lines_and_shops(checkout, coupons)
    suggested = {
        g.coupon_id for g in domain.best_combination([_candidate(c) for c in coupons], lines, shops)
    }
    options = []
    for coupon in coupons:
        (grant,) = domain.grants_for([_candidate(coupon)], lines, shops)
        usable = grant.applicable and grant.discount > 0
        options.append(
            CouponOption(
                coupon_id=coupon.pk,
                template_id=coupon.template_id,
                name=coupon.template.name,
                merchant_id=coupon.template.merchant_id,
                valid_until=coupon.valid_until,
                discount=grant.discount if grant.applicable else ZERO,
                usable=usable,
                reason=grant.reason,
                suggested=coupon.pk in suggested,
            )
        )
    return sorted(options, key=lambda o: (not o.suggested, -o.discount, o.valid_until, o.coupon_id))


class CouponStep(ordering_api.PricingStepBase):
    """The pricing pipeline's "coupons" step (registered from CouponsConfig.ready())."""

    def quote(
        self, checkout: ordering_api.Checkout
    ) -> list[ordering_api.Adjustment | ordering_api.PricingNote]:
        quote = coupon_quote(checkout)
        return [*adjustments_for(quote.grants, quote.names), *notes_for(quote)]

    def hold(self, hold: ordering_api.PricingHold) -> None:
        coupons_hold(hold=hold)

    def confirm(self, settlement: ordering_api.PricingSettlement) -> None:
        coupons_confirm(settlement=settlement)

    def release(self, settlement: ordering_api.PricingSettlement) -> None:
        coupons_release(settlement=settlement)


def _unavailable(coupon_id: int) -> Conflict:
    return Conflict(
        "A coupon of this checkout is no longer available.",
        code="coupon_unavailable",
        details={"coupon_id": coupon_id},
    )


def coupons_hold(*, hold: ordering_api.PricingHold) -> None:
    """Placement: lock the coupons the adjustments used (id order) and hold them for their
    orders; one already held, used, expired or not the buyer's is a 409 coupon_unavailable."""
    coupon_ids = sorted(
        {
            int(a.reference)
            for a in hold.adjustments
            if a.amount and a.reference.isascii() and a.reference.isdigit()
        }
    )
    if not coupon_ids:
        return
    now = timezone.now()
    locked = {
        c.pk: c for c in Coupon.objects.select_for_update().filter(pk__in=coupon_ids).order_by("pk")
    }
    for coupon_id in coupon_ids:
        coupon = locked.get(coupon_id)
        if coupon is None or coupon.user_id != hold.buyer_id or _usable_reason(coupon, now):
            raise _unavailable(coupon_id)
        order_nos = [o.order_no for o in hold.orders if str(coupon_id) in o.references]
        coupon.status = Coupon.Status.HELD
        coupon.trade_no = hold.trade_no
        coupon.order_nos = order_nos
        coupon.held_order_nos = order_nos
        coupon.save(
            update_fields=["status", "trade_no", "order_nos", "held_order_nos", "updated_at"]
        )


def _held_for(*, trade_no: str, order_nos: Sequence[str]) -> list[Coupon]:
    rows = Coupon.objects.select_for_update().filter(trade_no=trade_no, status=Coupon.Status.HELD)
    return [c for c in rows.order_by("pk") if set(c.held_order_nos) & set(order_nos)]


def coupons_confirm(*, settlement: ordering_api.PricingSettlement) -> None:
    """Payment: the coupons held for these orders are used."""
    now = timezone.now()
    for coupon in _held_for(trade_no=settlement.trade_no, order_nos=settlement.order_nos):
        coupon.status = Coupon.Status.USED
        coupon.used_at = now
        coupon.held_order_nos = []
        coupon.save(update_fields=["status", "used_at", "held_order_nos", "updated_at"])
        publish(
            CouponUsed(
                coupon_id=coupon.pk,
                template_id=coupon.template_id,
                user_id=coupon.user_id,
                trade_no=coupon.trade_no,
            )
        )


def _give_back(coupon: Coupon, *, reason: str, now: datetime) -> None:
    trade_no = coupon.trade_no
    expired = coupon.valid_until <= now
    coupon.status = Coupon.Status.EXPIRED if expired else Coupon.Status.AVAILABLE
    coupon.held_order_nos = []
    coupon.used_at = None
    coupon.trade_no = ""
    coupon.save(update_fields=["status", "held_order_nos", "used_at", "trade_no", "updated_at"])
    publish(
        CouponReturned(
            coupon_id=coupon.pk,
            template_id=coupon.template_id,
            user_id=coupon.user_id,
            trade_no=trade_no,
            reason=reason,
        )
    )


def coupons_release(*, settlement: ordering_api.PricingSettlement) -> None:
    """Cancellation before payment: the cancelled orders leave their coupons; a coupon none of
    whose orders is left open is given back (available, or expired past its validity)."""
    now = timezone.now()
    for coupon in _held_for(trade_no=settlement.trade_no, order_nos=settlement.order_nos):
        left = [o for o in coupon.held_order_nos if o not in settlement.order_nos]
        if left:
            coupon.held_order_nos = left
            coupon.save(update_fields=["held_order_nos", "updated_at"])
        else:
            _give_back(coupon, reason="cancelled", now=now)


@transaction.atomic
def coupons_return_for_refund(*, payment_no: str, trade_no: str) -> int:
    """A refund succeeded: once the trade's succeeded refunds add up to what was paid, its
    used coupons are given back (COUPONS_RETURN_ON_FULL_REFUND). Returns how many; a repeat
    finds none used any more."""
    if not settings.COUPONS_RETURN_ON_FULL_REFUND:
        return 0
    payment = payments_api.get_payment(payment_no)
    trade = ordering_api.get_trade(trade_no)
    if payment is None or trade is None:
        return 0
    paid = trade.paid_amount if trade.paid_amount is not None else payment.amount
    refunded = sum((r.amount for r in payment.refunds if r.state == "succeeded"), ZERO)
    if refunded != paid:
        return 0
    now = timezone.now()
    coupons = list(
        Coupon.objects.select_for_update()
        .filter(trade_no=trade_no, status=Coupon.Status.USED)
        .order_by("pk")
    )
    for coupon in coupons:
        _give_back(coupon, reason="refunded", now=now)
    return len(coupons)


def templates_covering_sku(
    *, templates: Iterable[CouponTemplate], sku_id: int, limit: int = 500
) -> list[CouponTemplate]:
    """Of `templates` (the first `limit`), those whose scope covers the SKU (a product page's
    coupons); an unknown SKU has none."""
    sku = catalog_api.get_skus(sku_ids=[sku_id]).get(sku_id)
    if sku is None:
        return []
    path = catalog_api.categories_ancestor_ids(category_ids=[sku.category_id])
    line = domain.Line(
        sku_id=sku_id,
        merchant_id=sku.merchant_id,
        category_ids=path.get(sku.category_id, ()),
        pay_amount=sku.price,
    )
    return [t for t in list(templates)[:limit] if domain.in_scope(terms_of(t), line)]


def cart_coupon_options(*, buyer_id: int) -> list[CouponOption]:
    """The buyer's coupons against the cart's selection as the cart quote prices it, before
    the coupons step (promotions applied): what each takes off, which are suggested."""
    groups = ordering_api.cart_groups_before(buyer_id=buyer_id, step="coupons")
    if not groups:
        return []
    return coupon_options(ordering_api.Checkout(buyer_id=buyer_id, province_code="", groups=groups))
