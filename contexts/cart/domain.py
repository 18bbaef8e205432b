"""The cart's rules, free of Django: quantity and line limits, how quantities add up and merge,
and what a read tells the buyer about each line (unavailable, out of stock, short, repriced)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from shared.errors import BusinessRuleViolation, ValidationFailed

UNAVAILABLE = "unavailable"
OUT_OF_STOCK = "out_of_stock"
INSUFFICIENT_STOCK = "insufficient_stock"
PRICE_CHANGED = "price_changed"
CART_FULL = "cart_full"
QUANTITY_LIMIT = "quantity_limit"
# Issues that keep a line out of the totals (and out of a checkout): a new price does not.
BLOCKING_ISSUES = frozenset({UNAVAILABLE, OUT_OF_STOCK, INSUFFICIENT_STOCK})

# 32 random bytes, url-safe base64: 43 characters. Longer input is not a token of ours.
TOKEN_BYTES = 32
TOKEN_MAX_LENGTH = 128


@dataclass(frozen=True)
class CartOwner:
    """Whose cart a request works on: a signed-in buyer, or a guest holding a cart token."""

    user_id: int | None = None
    token: str | None = None

    @property
    def is_guest(self) -> bool:
        return self.user_id is None


def new_cart_token() -> str:
    """An anonymous cart token: unguessable, url-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_cart_token(token: str) -> str | None:
    """What is stored for a token (its SHA-256), or None for something that cannot be a token."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    return hashlib.sha256(token.encode()).hexdigest()


# --- Quantities and lines ---------------------------------------------------------------------


def validate_quantity(quantity: int, *, max_quantity: int) -> None:
    """A line holds 1..max_quantity units."""
    if not 1 <= quantity <= max_quantity:
        raise ValidationFailed(
            f"Quantity must be between 1 and {max_quantity}.",
            code="invalid_quantity",
            details={"fields": {"quantity": [f"Must be between 1 and {max_quantity}."]}},
        )


def added_quantity(*, existing: int, added: int, max_quantity: int) -> int:
    """Adding a SKU already in the cart adds the quantities, capped at the per-line limit."""
    return min(existing + added, max_quantity)


def ensure_room_for_line(*, line_count: int, max_lines: int) -> None:
    """A cart holds at most `max_lines` distinct SKUs."""
    if line_count >= max_lines:
        raise BusinessRuleViolation(
            f"The cart already holds {max_lines} products.",
            code=CART_FULL,
            details={"max_lines": max_lines},
        )


def ensure_in_stock(*, sku_id: int, requested: int, available: int) -> None:
    """A buyer cannot put more units in the cart than are available right now."""
    if available <= 0:
        raise BusinessRuleViolation(
            "This product is out of stock.",
            code=OUT_OF_STOCK,
            details={"sku_id": sku_id, "requested": requested, "available": 0},
        )
    if requested > available:
        raise BusinessRuleViolation(
            f"Only {available} left in stock.",
            code=INSUFFICIENT_STOCK,
            details={"sku_id": sku_id, "requested": requested, "available": available},
        )


# --- Reading a cart -----------------------------------------------------------------------


@dataclass(frozen=True)
class LineIssue:
    code: str
    available: int | None = None
    old_price: Decimal | None = None
    new_price: Decimal | None = None


@dataclass(frozen=True)
class LineCheck:
    issues: tuple[LineIssue, ...]

    @property
    def purchasable(self) -> bool:
        """A line can be bought as it is (a changed price is reported but does not block)."""
        return not any(issue.code in BLOCKING_ISSUES for issue in self.issues)


def check_line(
    *,
    quantity: int,
    price_when_added: Decimal,
    current_price: Decimal | None,
    sku_purchasable: bool,
    available: int,
) -> LineCheck:
    """What is wrong with a line now. A SKU gone from the catalog (or unpublished) is only
    `unavailable`; otherwise stock (none / less than the quantity) and price changes are told."""
    if current_price is None or not sku_purchasable:
        return LineCheck(issues=(LineIssue(code=UNAVAILABLE),))
    issues: list[LineIssue] = []
    if available <= 0:
        issues.append(LineIssue(code=OUT_OF_STOCK, available=0))
    elif available < quantity:
        issues.append(LineIssue(code=INSUFFICIENT_STOCK, available=available))
    if current_price != price_when_added:
        issues.append(
            LineIssue(code=PRICE_CHANGED, old_price=price_when_added, new_price=current_price)
        )
    return LineCheck(issues=tuple(issues))


@dataclass(frozen=True)
class Totals:
    selected_lines: int
    selected_quantity: int
    selected_amount: Decimal


def selected_totals(lines: Iterable[tuple[bool, bool, Decimal, int]]) -> Totals:
    """Totals over lines that are selected AND purchasable, at today's price.

    `lines` yields (selected, purchasable, unit_price, quantity)."""
    count, units, amount = 0, 0, Decimal("0.00")
    for selected, purchasable, unit_price, quantity in lines:
        if selected and purchasable:
            count += 1
            units += quantity
            amount += unit_price * quantity
    return Totals(selected_lines=count, selected_quantity=units, selected_amount=amount)


# --- Merging a guest cart into a user cart ------------------------------------------------


@dataclass(frozen=True)
class GuestLine:
    sku_id: int
    quantity: int


@dataclass(frozen=True)
class MergePlan:
    updated: dict[int, int]  # sku_id -> new quantity of a line the user already had
    added: dict[int, int]  # sku_id -> quantity of a new line, in the guest cart's order
    skipped: dict[int, str]  # sku_id -> why nothing of it was merged


def plan_merge(
    *,
    user_lines: Mapping[int, int],
    guest_lines: Sequence[GuestLine],
    purchasable: frozenset[int] | set[int],
    available: Mapping[int, int],
    max_lines: int,
    max_quantity: int,
) -> MergePlan:
    """Fold the guest's lines into the user's cart.

    Quantities of the same SKU add up, capped by the per-line limit and by the stock available
    now; a cap never lowers what the user already had. New lines come in the guest cart's order
    until the cart holds `max_lines`. Unavailable and out-of-stock SKUs are skipped."""
    updated: dict[int, int] = {}
    added: dict[int, int] = {}
    skipped: dict[int, str] = {}
    line_count = len(user_lines)
    for line in guest_lines:
        stock = available.get(line.sku_id, 0)
        if line.sku_id not in purchasable:
            skipped[line.sku_id] = UNAVAILABLE
            continue
        have = user_lines.get(line.sku_id, 0)
        target = min(have + line.quantity, max_quantity, stock)
        if target <= have:
            if stock <= 0:
                skipped[line.sku_id] = OUT_OF_STOCK
            elif have >= max_quantity:
                skipped[line.sku_id] = QUANTITY_LIMIT
            else:
                skipped[line.sku_id] = INSUFFICIENT_STOCK
            continue
        if line.sku_id in user_lines:
            updated[line.sku_id] = target
        elif line_count >= max_lines:
            skipped[line.sku_id] = CART_FULL
        else:
            added[line.sku_id] = target
            line_count += 1
    return MergePlan(updated=updated, added=added, skipped=skipped)
