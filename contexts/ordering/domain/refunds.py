"""What a line may still give back, and what refunds do to an order's status (pure rules).

A line's refundable amount is what the buyer paid for it (its subtotal minus the discounts the
pricing steps allocated to it: promotions, coupons, points) minus the refunds already asked
for or made. Freight is not a line's: after-sales refunds never include it.

Status rule (documented in README, "After-sales"):
  * refunds are recorded per line; the order's status changes only when the refunds cover
    every unit of every line: a paid, shipped or delivered order then becomes `refunding`, and
    `refunded` once each of those refunds succeeded (the order is over: a paid order's
    remaining lines are never shipped);
  * a partial refund leaves the order as it is (paid: the merchant ships what is left;
    delivered or completed: the order keeps its status) and shows on the lines;
  * a completed order's status never changes (the state machine ends there);
  * a `refunding` order whose refunds no longer cover it (a refund that covered it failed and
    was given up: its ledger row released) goes back to the status it came from (paid,
    shipped or delivered, read from its log), logged, `ordering.order.refund_abandoned.v1`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from contexts.ordering.domain.states import OrderStatus

S = OrderStatus

# An order whose money may be given back (it was paid and is not over).
REFUNDABLE_STATUSES = frozenset({S.PAID, S.SHIPPED, S.DELIVERED, S.COMPLETED, S.REFUNDING})
# The statuses the whole-order rule moves to refunding.
COVERABLE_STATUSES = frozenset({S.PAID, S.SHIPPED, S.DELIVERED})


@dataclass(frozen=True)
class LineBalance:
    """One line with what its refunds already took (pending or made)."""

    quantity: int
    pay_amount: Decimal
    taken_quantity: int
    taken_amount: Decimal

    @property
    def refundable_quantity(self) -> int:
        return self.quantity - self.taken_quantity

    @property
    def refundable_amount(self) -> Decimal:
        return self.pay_amount - self.taken_amount

    def cap_for(self, quantity: int) -> Decimal:
        """The most `quantity` more units may give back: everything left when they are the last
        units, else their share of the line's paid amount (rounded down, so the last units
        carry the cents), never more than is left."""
        if quantity >= self.refundable_quantity:
            return self.refundable_amount
        share = (self.pay_amount * quantity / self.quantity).quantize(
            Decimal("0.01"), rounding=ROUND_DOWN
        )
        return min(share, self.refundable_amount)


def status_after_abandoned_refund(came_from: str | None) -> OrderStatus | None:
    """Where a `refunding` order goes back when its refunds no longer cover it: the status it
    came from (its log's last move into refunding). None for anything but paid, shipped or
    delivered (no such move logged): the order then stays as it is, for staff to look at."""
    return OrderStatus(came_from) if came_from in COVERABLE_STATUSES else None


def fully_covered(balances: list[LineBalance]) -> bool:
    """True when the refunds take every unit of every line."""
    return bool(balances) and all(b.refundable_quantity <= 0 for b in balances)
