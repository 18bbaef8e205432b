"""The cart's commands. Each runs in one transaction and locks the cart row first
(`select_for_update`), so concurrent requests on one cart queue up (no lost quantity, no 101st
line) while different carts never wait for each other. A merge locks the user's cart before the
guest's; nothing else locks two carts, so merges cannot deadlock.

Catalog and inventory are asked before the lock is taken where the answer does not depend on
the cart, to keep the lock short.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from contexts.cart import domain, selectors
from contexts.cart.domain import CartOwner
from contexts.cart.events import CartItemAdded
from contexts.cart.models import Cart, CartLine
from contexts.catalog import api as catalog_api
from contexts.inventory import api as inventory_api
from shared.errors import BusinessRuleViolation, NotFound
from shared.events import publish

# Guest carts live this long after their last change; configurable for operators.
GUEST_CART_TTL_DEFAULT_SECONDS = 30 * 24 * 3600


@dataclass(frozen=True)
class CartRef:
    """The cart a command worked on, and the guest token it issued (only when it created one)."""

    cart_id: int | None
    issued_token: str | None = None


@dataclass(frozen=True)
class MergeResult:
    cart_id: int
    merged_sku_ids: tuple[int, ...]
    skipped: dict[int, str]
    guest_cart_found: bool = False  # False: unknown, expired or already merged token


def _guest_ttl() -> timedelta:
    return timedelta(
        seconds=getattr(settings, "CART_GUEST_TTL_SECONDS", GUEST_CART_TTL_DEFAULT_SECONDS)
    )


def _line_not_found(sku_id: int) -> NotFound:
    return NotFound(
        "This product is not in the cart.", code="cart_line_not_found", details={"sku_id": sku_id}
    )


def _ensure_user_cart(user_id: int) -> None:
    """Create the user's cart, if missing, in its own short transaction before any lock is taken.

    Why not inside the locking transaction: on MariaDB, concurrent INSERTs of the same unique
    user_id leave the losers holding a shared lock on the key; each then asks for the row lock
    and they deadlock. Committed first, the row simply exists when the lock is requested."""
    if Cart.objects.filter(user_id=user_id).exists():
        return
    try:
        with transaction.atomic():
            Cart.objects.create(user_id=user_id)
    except IntegrityError:
        pass  # a concurrent request created it: that is all we wanted


def _lock_user_cart(*, user_id: int, create: bool) -> Cart | None:
    cart = Cart.objects.select_for_update().filter(user_id=user_id).first()
    if cart is None and create:
        # Only reached when the cart vanished after _ensure_user_cart (staff deleted it).
        cart = Cart.objects.create(user_id=user_id)
    return cart


def _lock_guest_cart(*, token: str | None) -> Cart | None:
    token_hash = domain.hash_cart_token(token or "")
    if token_hash is None:
        return None
    return (
        Cart.objects.select_for_update()
        .filter(token_hash=token_hash, expires_at__gt=timezone.now())
        .first()
    )


def _lock_cart(owner: CartOwner, *, create: bool) -> tuple[Cart | None, str | None]:
    """The owner's cart, locked; with `create`, a new one when there is none.

    A guest without a (live) cart gets a new cart under a freshly issued token, returned as the
    second element; an expired or unknown token is never revived."""
    if owner.user_id is not None:
        return _lock_user_cart(user_id=owner.user_id, create=create), None
    cart = _lock_guest_cart(token=owner.token)
    if cart is not None or not create:
        return cart, None
    token = domain.new_cart_token()
    cart = Cart.objects.create(
        token_hash=domain.hash_cart_token(token), expires_at=timezone.now() + _guest_ttl()
    )
    return cart, token


def _touch(cart: Cart) -> None:
    """Record activity: a guest cart's expiry slides with each change."""
    if cart.is_guest:
        cart.expires_at = timezone.now() + _guest_ttl()
    cart.save(update_fields=["expires_at", "updated_at"])


def _available(sku_ids: Iterable[int]) -> dict[int, int]:
    stock = inventory_api.availability(sku_ids=list(sku_ids))
    return {sku_id: entry.available for sku_id, entry in stock.items()}


def cart_item_add(*, owner: CartOwner, sku_id: int, quantity: int) -> CartRef:
    """Put `quantity` units of a SKU in the owner's cart (creating the cart if needed).

    Rules: the SKU exists (404 sku_not_found) and can be bought (422 sku_unavailable);
    1 <= quantity <= CART_MAX_QUANTITY; a SKU already in the cart gets the quantities added,
    capped at CART_MAX_QUANTITY, and is selected again; a new SKU needs room (CART_MAX_LINES);
    the resulting quantity must be in stock (422 out_of_stock / insufficient_stock)."""
    domain.validate_quantity(quantity, max_quantity=settings.CART_MAX_QUANTITY)
    sku = catalog_api.get_skus(sku_ids=[sku_id]).get(sku_id)
    if sku is None:
        raise NotFound("No such product.", code="sku_not_found", details={"sku_id": sku_id})
    if not sku.purchasable:
        raise BusinessRuleViolation(
            "This product cannot be bought now.",
            code="sku_unavailable",
            details={"sku_id": sku_id},
        )
    available = _available([sku_id]).get(sku_id, 0)
    # The units asked for must be in stock whatever the cart holds: refuse before any write.
    domain.ensure_in_stock(sku_id=sku_id, requested=quantity, available=available)
    if owner.user_id is not None:
        _ensure_user_cart(owner.user_id)
    with transaction.atomic():
        cart, issued_token = _lock_cart(owner, create=True)
        line = CartLine.objects.filter(cart=cart, sku_id=sku_id).first()
        new_quantity = domain.added_quantity(
            existing=line.quantity if line else 0,
            added=quantity,
            max_quantity=settings.CART_MAX_QUANTITY,
        )
        if line is None:
            domain.ensure_room_for_line(
                line_count=CartLine.objects.filter(cart=cart).count(),
                max_lines=settings.CART_MAX_LINES,
            )
        domain.ensure_in_stock(sku_id=sku_id, requested=new_quantity, available=available)
        if line is None:
            CartLine.objects.create(
                cart=cart,
                sku_id=sku_id,
                merchant_id=sku.merchant_id,
                quantity=new_quantity,
                price_when_added=sku.price,
            )
        else:
            line.quantity = new_quantity
            line.selected = True
            line.save(update_fields=["quantity", "selected", "updated_at"])
        _touch(cart)
        publish(
            CartItemAdded(
                cart_id=cart.pk,
                user_id=cart.user_id,
                sku_id=sku_id,
                spu_id=sku.spu_id,
                quantity=quantity,
            )
        )
    return CartRef(cart_id=cart.pk, issued_token=issued_token)


def cart_item_update(
    *, owner: CartOwner, sku_id: int, quantity: int | None = None, selected: bool | None = None
) -> CartRef:
    """Change a line's quantity and/or selection.

    Rules: the line must be in the owner's cart (404 cart_line_not_found);
    1 <= quantity <= CART_MAX_QUANTITY; raising a quantity needs the stock for it (lowering one
    never fails, even when stock dropped below it)."""
    available = None
    if quantity is not None:
        domain.validate_quantity(quantity, max_quantity=settings.CART_MAX_QUANTITY)
        available = _available([sku_id]).get(sku_id, 0)
    with transaction.atomic():
        cart, _ = _lock_cart(owner, create=False)
        line = CartLine.objects.filter(cart=cart, sku_id=sku_id).first() if cart else None
        if line is None:
            raise _line_not_found(sku_id)
        fields = []
        if quantity is not None and quantity != line.quantity:
            if quantity > line.quantity:
                domain.ensure_in_stock(sku_id=sku_id, requested=quantity, available=available)
            line.quantity = quantity
            fields.append("quantity")
        if selected is not None and selected != line.selected:
            line.selected = selected
            fields.append("selected")
        if fields:
            line.save(update_fields=[*fields, "updated_at"])
            _touch(cart)
    return CartRef(cart_id=cart.pk)


def cart_item_remove(*, owner: CartOwner, sku_id: int) -> CartRef:
    """Take a line out of the owner's cart (404 cart_line_not_found when it is not there)."""
    with transaction.atomic():
        cart, _ = _lock_cart(owner, create=False)
        deleted = CartLine.objects.filter(cart=cart, sku_id=sku_id).delete()[0] if cart else 0
        if not deleted:
            raise _line_not_found(sku_id)
        _touch(cart)
    return CartRef(cart_id=cart.pk)


def cart_lines_select(
    *, owner: CartOwner, selected: bool, sku_ids: Iterable[int] | None = None
) -> CartRef:
    """Select or unselect every line, or only the listed SKUs (ids not in the cart are ignored:
    the buyer's intent for the others is still applied)."""
    with transaction.atomic():
        cart, _ = _lock_cart(owner, create=False)
        if cart is None:
            return CartRef(cart_id=None)
        lines = CartLine.objects.filter(cart=cart)
        if sku_ids is not None:
            lines = lines.filter(sku_id__in=list(sku_ids))
        if lines.exclude(selected=selected).update(selected=selected, updated_at=timezone.now()):
            _touch(cart)
    return CartRef(cart_id=cart.pk)


def cart_clear(*, owner: CartOwner) -> CartRef:
    """Empty the owner's cart (the cart itself, and a guest's token, stay valid)."""
    with transaction.atomic():
        cart, _ = _lock_cart(owner, create=False)
        if cart is None:
            return CartRef(cart_id=None)
        CartLine.objects.filter(cart=cart).delete()
        _touch(cart)
    return CartRef(cart_id=cart.pk)


def cart_merge(*, user_id: int, token: str) -> MergeResult:
    """Fold the guest cart of `token` into the user's cart, then delete the guest cart.

    Quantities of the same SKU add up, capped by CART_MAX_QUANTITY and the stock available now
    (never lowering what the user had); new lines are added up to CART_MAX_LINES; unavailable
    and out-of-stock SKUs are skipped. Idempotent: an unknown, expired or already merged token
    changes nothing. Two merges of one token serialise on the user's cart row: one merges, the
    other finds the guest cart gone."""
    _ensure_user_cart(user_id)
    with transaction.atomic():
        user_cart = _lock_user_cart(user_id=user_id, create=True)
        guest_cart = _lock_guest_cart(token=token)
        if guest_cart is None:
            return MergeResult(cart_id=user_cart.pk, merged_sku_ids=(), skipped={})
        guest_lines = list(CartLine.objects.filter(cart=guest_cart).order_by("added_at", "id"))
        user_lines = {line.sku_id: line for line in CartLine.objects.filter(cart=user_cart)}
        sku_ids = [line.sku_id for line in guest_lines]
        skus = catalog_api.get_skus(sku_ids=sku_ids) if sku_ids else {}
        plan = domain.plan_merge(
            user_lines={sku_id: line.quantity for sku_id, line in user_lines.items()},
            guest_lines=[domain.GuestLine(line.sku_id, line.quantity) for line in guest_lines],
            purchasable={sku_id for sku_id, sku in skus.items() if sku.purchasable},
            available=_available(sku_ids) if sku_ids else {},
            max_lines=settings.CART_MAX_LINES,
            max_quantity=settings.CART_MAX_QUANTITY,
        )
        now = timezone.now()
        changed = []
        for sku_id, quantity in plan.updated.items():
            line = user_lines[sku_id]
            line.quantity = quantity
            line.updated_at = now  # bulk_update does not apply auto_now
            changed.append(line)
        CartLine.objects.bulk_update(changed, ["quantity", "updated_at"])
        guest_by_sku = {line.sku_id: line for line in guest_lines}
        CartLine.objects.bulk_create(
            CartLine(
                cart=user_cart,
                sku_id=sku_id,
                merchant_id=guest_by_sku[sku_id].merchant_id,
                quantity=quantity,
                selected=guest_by_sku[sku_id].selected,
                price_when_added=guest_by_sku[sku_id].price_when_added,
            )
            for sku_id, quantity in plan.added.items()
        )
        guest_cart.delete()
        _touch(user_cart)
    return MergeResult(
        cart_id=user_cart.pk,
        merged_sku_ids=(*plan.updated, *plan.added),
        skipped=plan.skipped,
        guest_cart_found=True,
    )


def cart_remove_items(*, user_id: int, sku_ids: Iterable[int]) -> int:
    """Drop these SKUs from the user's cart (after an order bought them). Idempotent: SKUs not
    in the cart, or no cart at all, are fine. Returns how many lines went."""
    sku_ids = list(sku_ids)
    if not sku_ids:
        return 0
    with transaction.atomic():
        cart = _lock_user_cart(user_id=user_id, create=False)
        if cart is None:
            return 0
        deleted = CartLine.objects.filter(cart=cart, sku_id__in=sku_ids).delete()[0]
        if deleted:
            _touch(cart)
    return deleted


def cart_selected_lines_take(*, user_id: int) -> list[CartLine]:
    """Remove the user's selected, purchasable lines and return them, oldest first, under the
    cart's row lock and in the caller's transaction: of two checkouts of one cart, the second
    waits for the first and finds the lines gone (or back, if the first rolled back). Blocked
    lines stay in the cart with their issue (selectors.checkout_lines_for_user)."""
    with transaction.atomic():
        cart = _lock_user_cart(user_id=user_id, create=False)
        if cart is None:
            return []
        lines = selectors.purchasable_lines(
            list(CartLine.objects.filter(cart=cart, selected=True).order_by("added_at", "id"))
        )
        if lines:
            CartLine.objects.filter(pk__in=[line.pk for line in lines]).delete()
            _touch(cart)
    return lines


@transaction.atomic
def cart_delete(*, cart_id: int) -> None:
    """Delete a cart and its lines (support staff removing a stuck cart); 404 cart_not_found."""
    cart = Cart.objects.select_for_update().filter(pk=cart_id).first()
    if cart is None:
        raise NotFound("Cart not found.", code="cart_not_found")
    CartLine.objects.filter(cart=cart).delete()
    cart.delete()


def guest_carts_purge_expired(*, now=None) -> int:
    """Delete guest carts past their expiry (they are already invisible to buyers).
    Returns how many carts went."""
    now = now or timezone.now()
    expired = Cart.objects.filter(user_id__isnull=True, expires_at__lte=now)
    return expired.delete()[1].get(Cart._meta.label, 0)
