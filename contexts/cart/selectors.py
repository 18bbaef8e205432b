"""Reading carts. A cart is always found through its owner (the signed-in user, or the hash of
the guest's token), so nobody reaches another's cart.

`cart_view` re-checks every line against the catalog and inventory with ONE `get_skus` call and
ONE `availability` call for the whole cart, and reports problems per line instead of failing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from contexts.cart import domain
from contexts.cart.models import Cart, CartLine
from contexts.catalog import api as catalog_api
from contexts.inventory import api as inventory_api
from shared.extensions import ExtensionPoint
from shared.money import ZERO, quantize


@dataclass(frozen=True)
class CartLineView:
    sku_id: int
    spu_id: int | None
    merchant_id: int
    title: str
    spec: str
    image_url: str
    quantity: int
    selected: bool
    price_when_added: Decimal
    unit_price: Decimal | None  # today's price; None when the SKU left the catalog
    subtotal: Decimal
    available: int
    purchasable: bool
    issues: tuple[domain.LineIssue, ...]


@dataclass(frozen=True)
class MerchantGroupView:
    merchant_id: int
    lines: tuple[CartLineView, ...]
    selected_quantity: int
    selected_amount: Decimal


@dataclass(frozen=True)
class CartView:
    cart_id: int | None
    groups: tuple[MerchantGroupView, ...]
    line_count: int
    selected_lines: int
    selected_quantity: int
    selected_amount: Decimal
    has_issues: bool


EMPTY_CART = CartView(
    cart_id=None,
    groups=(),
    line_count=0,
    selected_lines=0,
    selected_quantity=0,
    selected_amount=ZERO,
    has_issues=False,
)


def cart_id_for(*, owner: domain.CartOwner) -> int | None:
    """The owner's cart, if any. A guest's expired cart counts as none."""
    if owner.user_id is not None:
        carts = Cart.objects.filter(user_id=owner.user_id)
    else:
        token_hash = domain.hash_cart_token(owner.token or "")
        if token_hash is None:
            return None
        carts = Cart.objects.filter(token_hash=token_hash, expires_at__gt=timezone.now())
    return carts.values_list("pk", flat=True).first()


def _line_view(line: CartLine, sku, available: int) -> CartLineView:
    check = domain.check_line(
        quantity=line.quantity,
        price_when_added=line.price_when_added,
        current_price=sku.price if sku is not None else None,
        sku_purchasable=sku is not None and sku.purchasable,
        available=available,
    )
    unit_price = sku.price if sku is not None else None
    return CartLineView(
        sku_id=line.sku_id,
        spu_id=sku.spu_id if sku is not None else None,
        merchant_id=sku.merchant_id if sku is not None else line.merchant_id,
        title=sku.title if sku is not None else "",
        spec=sku.spec if sku is not None else "",
        image_url=sku.image_url if sku is not None else "",
        quantity=line.quantity,
        selected=line.selected,
        price_when_added=line.price_when_added,
        unit_price=unit_price,
        subtotal=quantize(unit_price * line.quantity) if unit_price is not None else ZERO,
        available=available,
        purchasable=check.purchasable,
        issues=check.issues,
    )


def _totals(lines) -> domain.Totals:
    return domain.selected_totals(
        (line.selected, line.purchasable, line.unit_price or ZERO, line.quantity) for line in lines
    )


def cart_view(*, cart_id: int | None) -> CartView:
    """The cart as the buyer sees it: lines (newest first) grouped by shop, each re-checked,
    totals over the selected purchasable lines. Two catalog/inventory calls whatever the size."""
    if cart_id is None:
        return EMPTY_CART
    lines = list(CartLine.objects.filter(cart_id=cart_id).order_by("-added_at", "-id"))
    if not lines:
        return dataclasses.replace(EMPTY_CART, cart_id=cart_id)
    sku_ids = [line.sku_id for line in lines]
    skus = catalog_api.get_skus(sku_ids=sku_ids)
    stock = inventory_api.availability(sku_ids=sku_ids)
    views = [
        _line_view(
            line,
            skus.get(line.sku_id),
            stock[line.sku_id].available if line.sku_id in stock else 0,
        )
        for line in lines
    ]
    by_merchant: dict[int, list[CartLineView]] = {}
    for view in views:
        by_merchant.setdefault(view.merchant_id, []).append(view)
    groups = []
    for merchant_id, group_lines in by_merchant.items():
        totals = _totals(group_lines)
        groups.append(
            MerchantGroupView(
                merchant_id=merchant_id,
                lines=tuple(group_lines),
                selected_quantity=totals.selected_quantity,
                selected_amount=quantize(totals.selected_amount),
            )
        )
    totals = _totals(views)
    return CartView(
        cart_id=cart_id,
        groups=tuple(groups),
        line_count=len(views),
        selected_lines=totals.selected_lines,
        selected_quantity=totals.selected_quantity,
        selected_amount=quantize(totals.selected_amount),
        has_issues=any(view.issues for view in views),
    )


def selected_lines_for_user(*, user_id: int) -> list[CartLine]:
    """The user's selected lines, oldest first (the order they were put in the cart)."""
    return list(
        CartLine.objects.filter(cart__user_id=user_id, selected=True).order_by("added_at", "id")
    )


def checkout_lines_for_user(*, user_id: int) -> list[CartLine]:
    """The lines a checkout from the cart takes: selected AND purchasable now, oldest first.

    The same rule as the cart's totals (`cart_view`, domain.BLOCKING_ISSUES): a blocked line
    (unavailable, out of stock, short of stock) is shown with its issue, counted nowhere and
    left in the cart. Two catalog/inventory calls whatever the size."""
    return purchasable_lines(selected_lines_for_user(user_id=user_id))


def purchasable_lines(lines: list[CartLine]) -> list[CartLine]:
    """The lines of `lines` that can be bought now (no blocking issue), in their order."""
    if not lines:
        return []
    sku_ids = [line.sku_id for line in lines]
    skus = catalog_api.get_skus(sku_ids=sku_ids)
    stock = inventory_api.availability(sku_ids=sku_ids)
    return [
        line
        for line in lines
        if _line_view(
            line,
            skus.get(line.sku_id),
            stock[line.sku_id].available if line.sku_id in stock else 0,
        ).purchasable
    ]


# Sections that contexts above the cart add to its response (recommendation's "goes well with
# your cart" ...): each registers a provider `(spu_ids, user_id) -> JSON-able` from its
# AppConfig.ready() through `cart.api.register_cart_extra`; the cart shows each under
# `extras.<name>`. A provider must be cheap (precomputed, cached): every cart read calls it.
CART_EXTRAS = ExtensionPoint("cart.cart")


def cart_extras(*, view: CartView, user_id: int | None) -> dict:
    spu_ids = tuple(
        sorted({line.spu_id for g in view.groups for line in g.lines if line.spu_id is not None})
    )
    return CART_EXTRAS.collect(spu_ids=spu_ids, user_id=user_id)
