"""Settlement's pure rules: what a merchant is owed for an order, commission, refunds,
statement periods. No Django here.

The amount of a settlement line (one completed order):

    net = paid + platform_funded - commission - refunded + commission_returned

* `paid`: what the buyer paid for the order (goods after every discount, plus freight).
* `platform_funded`: the discounts the platform funds, paid to the merchant on top: the
  discount shares of the steps in PLATFORM_FUNDED_SOURCES. Ordering records each line's share
  of each pricing step's discount (source = the step, reference = what it granted) but not who
  funds it, so the funder is decided here by the step: points are the platform's own currency
  (platform-funded); coupons are platform-funded (platform coupons are the common case; a
  coupon template issued by a merchant is not told apart through the public apis, see the
  README); promotions (满减, percent off, limited-time prices) are run by the shops and are
  merchant-funded, as is a flash-sale or group-buy price (it is the order's price, no discount).
  The set is the setting SETTLEMENT_PLATFORM_FUNDED_SOURCES.
* `commission`: per order line, rate x (line paid + its platform-funded share), the rate being
  the commission rule of the line's category (or an ancestor's, nearest first) for the merchant,
  else that category rule for every merchant, else the merchant's own rule, else the merchant's
  rate in the catalog. No commission on freight. Rounded per line.
* `refunded`: money refunded to the buyer for the order before the line was settled;
  `commission_returned`: the commission on the refunded money, commission x refunded / paid
  (never more than the commission). A refund after the line went on an issued statement is an
  adjustment line on the next statement: -refund + commission returned.

Rounding: every amount is exact Decimal yuan; a computed amount (a line's commission, the
commission returned) is rounded once, half-up to the cent (shared.money.quantize); sums of
rounded amounts are exact.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from shared.errors import BusinessRuleViolation, Conflict
from shared.money import ZERO, quantize

RATE_MAX = Decimal("1")


class Cycle(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class StatementState(StrEnum):
    ISSUED = "issued"
    APPROVED = "approved"
    PAID = "paid"


class PayoutState(StrEnum):
    PENDING = "pending"
    PROCESSING = "processing"
    PAID = "paid"
    FAILED = "failed"


class LineKind(StrEnum):
    ORDER = "order"
    ADJUSTMENT = "adjustment"
    # An earlier statement's negative net (refunds above sales), carried to the next one.
    CARRIED = "carried"


class StatementImmutable(Conflict):
    default_code = "statement_immutable"
    default_message = "An issued statement and its lines never change."


class StatementNotApproved(BusinessRuleViolation):
    default_code = "statement_not_approved"
    default_message = "Only an approved statement is paid out."


class IllegalStatementTransition(Conflict):
    default_code = "illegal_transition"
    default_message = "The statement cannot make this move in its state."


class PayoutNotRetryable(Conflict):
    default_code = "payout_not_retryable"
    default_message = "Only a failed payout is retried."


class NothingToPay(BusinessRuleViolation):
    default_code = "nothing_to_pay"
    default_message = "The statement's net amount is not positive: nothing is paid out."


def commission(*, base: Decimal, rate: Decimal) -> Decimal:
    """rate x base, half-up to the cent (rates are fractions: 0.05 is 5 %)."""
    if not ZERO <= rate <= RATE_MAX:
        raise ValueError(f"commission rate {rate} is outside 0..1")
    return quantize(base * rate)


@dataclass(frozen=True)
class SoldLine:
    """One order line as settlement sees it."""

    sku_id: int
    category_id: int | None
    pay_amount: Decimal  # what the buyer paid for the line
    platform_funded: Decimal  # the platform-funded discounts that fell on it


@dataclass(frozen=True)
class RateBook:
    """The commission rules that apply to one merchant: `categories` {category id: rate} for
    this merchant, `any_merchant_categories` for every merchant, `merchant` the merchant's
    own rule (None: `catalog_rate`). `lineage` {category id: (itself, parent, ..., root)}."""

    catalog_rate: Decimal
    merchant: Decimal | None = None
    categories: Mapping[int, Decimal] | None = None
    any_merchant_categories: Mapping[int, Decimal] | None = None
    lineage: Mapping[int, tuple[int, ...]] | None = None

    def rate_for(self, category_id: int | None) -> Decimal:
        """The nearest category rule (the line's category, then its ancestors): this
        merchant's before every merchant's; else the merchant's rate."""
        if category_id is not None:
            chain = (self.lineage or {}).get(category_id) or (category_id,)
            for table in (self.categories or {}, self.any_merchant_categories or {}):
                for candidate in chain:
                    if candidate in table:
                        return table[candidate]
        return self.merchant if self.merchant is not None else self.catalog_rate


@dataclass(frozen=True)
class OrderAmounts:
    paid: Decimal
    platform_funded: Decimal
    commission: Decimal


def order_amounts(
    *, paid: Decimal, freight_platform_funded: Decimal, lines: Iterable[SoldLine], rates: RateBook
) -> OrderAmounts:
    """What an order brings the merchant before refunds (see the module docstring)."""
    lines = list(lines)
    charged = sum(
        (
            commission(
                base=line.pay_amount + line.platform_funded, rate=rates.rate_for(line.category_id)
            )
            for line in lines
        ),
        ZERO,
    )
    funded = sum((line.platform_funded for line in lines), ZERO) + freight_platform_funded
    return OrderAmounts(paid=paid, platform_funded=funded, commission=charged)


def commission_returned(*, commission: Decimal, paid: Decimal, refunded: Decimal) -> Decimal:
    """The commission on refunded money: commission x refunded / paid, half-up, at most the
    commission (zero when nothing was paid)."""
    if paid <= 0 or refunded <= 0:
        return ZERO
    return min(commission, quantize(commission * refunded / paid))


def line_net(
    *,
    paid: Decimal,
    platform_funded: Decimal,
    commission: Decimal,
    refunded: Decimal,
    commission_back: Decimal,
) -> Decimal:
    return paid + platform_funded - commission - refunded + commission_back


def split_by_weight(amount: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """`amount` spread over keys in proportion to their weights, to the cent, the remainder
    cents going to the largest weights first (sums exactly to `amount`)."""
    keys = sorted(weights, key=lambda k: (-weights[k], k))
    total = sum(weights.values(), ZERO)
    if not keys or total <= 0:
        return {}
    shares = {
        k: (amount * weights[k] / total).quantize(Decimal("0.01"), "ROUND_DOWN") for k in keys
    }
    left = amount - sum(shares.values(), ZERO)
    cent = Decimal("0.01")
    index = 0
    while left > 0:
        shares[keys[index % len(keys)]] += cent
        left -= cent
        index += 1
    return shares


def period_containing(*, cycle: Cycle | str, day: date) -> tuple[date, date]:
    """The period [start, end) of `cycle` that contains `day` (weeks start on Monday)."""
    cycle = Cycle(cycle)
    if cycle is Cycle.DAILY:
        return day, day + timedelta(days=1)
    if cycle is Cycle.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=7)
    start = day.replace(day=1)
    last = calendar.monthrange(day.year, day.month)[1]
    return start, start + timedelta(days=last)


def last_closed_period(*, cycle: Cycle | str, today: date) -> tuple[date, date]:
    """The latest whole period that ended on or before `today` (yesterday's for daily): the one
    before the period `today` is in."""
    current_start, _ = period_containing(cycle=cycle, day=today)
    return period_containing(cycle=cycle, day=current_start - timedelta(days=1))


STATEMENT_MOVES = {
    StatementState.ISSUED: {StatementState.APPROVED},
    StatementState.APPROVED: {StatementState.PAID},
    StatementState.PAID: set(),
}


def statement_can_move(current: str, target: str) -> bool:
    return StatementState(target) in STATEMENT_MOVES[StatementState(current)]


# The failure payments reports when part of a payout's money moved (WeChat profit sharing of
# several payments, some split): a new attempt would pay that part twice, so it is not retried.
PARTIALLY_SPLIT = "PARTIALLY_SPLIT"


def payout_sources(
    lines: Iterable[tuple[str, Decimal]], *, total: Decimal
) -> tuple[tuple[str, Decimal], ...]:
    """Which buyer payments fund a payout of `total`: (payment_no, amount) pairs adding up to
    `total`, ordered by payment_no, from the statement's (payment_no, net) lines.

    Each payment funds the net of its lines (several orders of one trade share a payment; an
    adjustment line takes its refund off the payment it was paid with). What no payment can
    carry (a carried deficit has no payment; a payment whose lines net below zero) is taken
    off the largest remaining payments first (ties by payment_no), so no source is negative
    and every cent of `total` is named. A `total` above what the payments carry is a
    ValueError (a payout is never more than its statement's lines)."""
    per_payment: dict[str, Decimal] = {}
    for payment_no, net in lines:
        if payment_no:
            per_payment[payment_no] = per_payment.get(payment_no, ZERO) + net
    per_payment = {p: amount for p, amount in per_payment.items() if amount > 0}
    excess = sum(per_payment.values(), ZERO) - total
    if excess < 0:
        raise ValueError(f"the payments carry {excess + total}, less than the payout {total}")
    for payment_no in sorted(per_payment, key=lambda p: (-per_payment[p], p)):
        taken = min(excess, per_payment[payment_no])
        per_payment[payment_no] -= taken
        excess -= taken
    return tuple((p, amount) for p, amount in sorted(per_payment.items()) if amount > 0)
