"""Authorization: who is calling (a `Principal`) and what they may do.

A principal is resolved once per request (`principal_of(request)`, cached on the request) and
passed to services, which check it:

    def order_ship(*, principal: Principal, order_no: str, ...) -> Order:
        order = _lock_order(order_no)
        principal.require("order.ship", merchant_id=order.merchant_id, not_found=_order_missing())

Roles map to permission names in `ROLE_PERMISSIONS`. Platform roles (staff, superuser) hold
their permissions over every shop; shop roles (merchant_owner, merchant_staff) hold theirs only
over the shops where the user has that role, which the tenancy port answers (catalog owns shops
and their staff: `settings.AUTH_TENANCY` names its adapter). Django's own permissions of a staff
user ("app_label.codename", groups included) are permissions too; a superuser holds every one.

One rule for another shop's things: acting on an existing resource of a shop the principal does
not manage answers 404 (its existence is not revealed: pass `not_found`); naming a shop the
principal does not manage in the input (e.g. creating for it) answers 403 `not_your_merchant`;
lacking the permission altogether answers 403 `permission_denied` (401 when anonymous).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import QuerySet

from shared.cache import cache_or_default
from shared.errors import AppError, NotAuthenticated, PermissionDenied
from shared.ports import adapter

BUYER = "buyer"
MERCHANT_OWNER = "merchant_owner"
MERCHANT_STAFF = "merchant_staff"
STAFF = "staff"
SUPERUSER = "superuser"

# Every permission, over every shop: only a superuser holds it.
ALL = "*"

_SHOP_WORK = frozenset(
    {
        "catalog.product.read",
        "catalog.product.write",
        "catalog.review.reply",
        "catalog.media.upload",
        "inventory.stock.read",
        "inventory.stock.write",
        "inventory.warehouse.write",
        "logistics.freight_template.read",
        "logistics.freight_template.write",
        "order.read",
        "order.ship",
        "order.note.write",
        "promotion.read",
        "promotion.manage",
        "shipment.read",
        "shipment.poll",
        "coupons.template.read",
        "coupons.template.write",
        "flashsale.read",
        "flashsale.item.write",
        "groupbuy.read",
        "groupbuy.manage",
        "settlement.read",
        "aftersales.manage",
    }
)

# What only the platform's own staff do.
_PLATFORM_WORK = frozenset(
    {
        "order.deliver",
        "catalog.merchant.write",
        "catalog.taxonomy.write",
        "identity.user.read",
        "payment.read",
        "payment.refund",
        "promotion.platform.manage",
        "loyalty.read",
        "loyalty.adjust",
        "loyalty.manage",
        "coupons.code.write",
        "flashsale.session.write",
        "settlement.manage",
        "subscription.read",
        "subscription.manage",
        "order.search",
        "aftersales.arbitrate",
    }
)

# The declared table. Roles the back office adds later (customer service, finance, ...) are
# new rows; shop roles are listed in SHOP_ROLES.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    BUYER: frozenset(
        {
            "order.place",
            "cart.write",
            "catalog.review.write",
            "payment.pay",
            "coupons.claim",
            "subscription.subscribe",
        }
    ),
    MERCHANT_OWNER: _SHOP_WORK,
    MERCHANT_STAFF: _SHOP_WORK,
    STAFF: _SHOP_WORK | _PLATFORM_WORK,
    SUPERUSER: frozenset({ALL}),
}
SHOP_ROLES = frozenset({MERCHANT_OWNER, MERCHANT_STAFF})


class Tenancy(Protocol):
    """Which shops a user works for, and as what."""

    def merchant_roles(self, *, user_id: int) -> Mapping[int, str]:
        """{merchant_id: role} with role one of SHOP_ROLES (owner wins over staff)."""
        ...


class InMemoryTenancy:
    """The tenancy port over memberships a test declares: `staff_of[user_id]` lists the shops
    where the user is staff, `owner_of[user_id]` those they own. Counts its lookups."""

    def __init__(
        self,
        *,
        staff_of: dict[int, Iterable[int]] | None = None,
        owner_of: dict[int, Iterable[int]] | None = None,
    ) -> None:
        self.staff_of = staff_of if staff_of is not None else {}
        self.owner_of = owner_of if owner_of is not None else {}
        self.lookups = 0

    def merchant_roles(self, *, user_id: int) -> Mapping[int, str]:
        self.lookups += 1
        roles = dict.fromkeys(self.staff_of.get(user_id, ()), MERCHANT_STAFF)
        roles.update(dict.fromkeys(self.owner_of.get(user_id, ()), MERCHANT_OWNER))
        return roles


@dataclass(frozen=True)
class Principal:
    """The caller: user id (None when anonymous), roles, the shops they manage, and the
    permissions they hold (`platform_permissions` over every shop, `shop_permissions` per shop).

    The shops are looked up (one tenancy call) the first time a check needs them, so a check
    that platform permissions already answer costs no query."""

    user_id: int | None
    platform_roles: frozenset[str] = frozenset()
    platform_permissions: frozenset[str] = frozenset()
    # {merchant_id: shop role}, or a zero-argument callable returning it (called once, lazily).
    shop_roles: Mapping[int, str] | Callable[[], Mapping[int, str]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Further platform permissions looked up on demand (a staff user's Django permissions:
    # read only when a permission outside the table is asked for).
    platform_lookup: Callable[[str], bool] | None = field(default=None, compare=False, repr=False)

    @cached_property
    def merchant_roles(self) -> Mapping[int, str]:
        return dict(self.shop_roles() if callable(self.shop_roles) else self.shop_roles)

    @cached_property
    def shop_permissions(self) -> Mapping[int, frozenset[str]]:
        return {
            m: ROLE_PERMISSIONS.get(role, frozenset()) for m, role in self.merchant_roles.items()
        }

    @property
    def roles(self) -> frozenset[str]:
        return self.platform_roles | frozenset(self.merchant_roles.values())

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_staff(self) -> bool:
        return STAFF in self.platform_roles or SUPERUSER in self.platform_roles

    @property
    def merchant_ids(self) -> frozenset[int]:
        return frozenset(self.merchant_roles)

    @property
    def permissions(self) -> frozenset[str]:
        """Every permission of the table held somewhere (over every shop or at least one)."""
        return self.platform_permissions.union(*self.shop_permissions.values())

    def _everywhere(self, permission: str) -> bool:
        held = self.platform_permissions
        if ALL in held or permission in held:
            return True
        return self.platform_lookup is not None and self.platform_lookup(permission)

    def can(self, permission: str, *, merchant_id: int | None = None) -> bool:
        """Holds `permission` (over `merchant_id` when given, else over at least one shop)."""
        if self._everywhere(permission):
            return True
        if merchant_id is None:
            return any(permission in held for held in self.shop_permissions.values())
        return permission in self.shop_permissions.get(merchant_id, ())

    def require(
        self, permission: str, *, merchant_id: int | None = None, not_found: AppError | None = None
    ) -> None:
        """Raise unless `can(permission, merchant_id=...)`: 401 when anonymous, 403 when the
        permission is held nowhere; for a shop the principal does not manage, `not_found` (an
        existing resource of another shop) or else 403 not_your_merchant (a shop named in the
        input)."""
        if self.can(permission, merchant_id=merchant_id):
            return
        if not self.is_authenticated:
            raise NotAuthenticated()
        if not self.can(permission):
            raise PermissionDenied(details={"permission": permission})
        if not_found is not None:
            raise not_found
        raise PermissionDenied("You do not manage this merchant.", code="not_your_merchant")

    def merchant_scope(self, permission: str) -> frozenset[int] | None:
        """The shops over which `permission` is held: None for every shop; 401/403 as
        `require` when it is held nowhere."""
        self.require(permission)
        if self._everywhere(permission):
            return None
        return frozenset(m for m, held in self.shop_permissions.items() if permission in held)

    def filter(self, queryset: QuerySet, permission: str, *, field: str = "merchant_id"):
        """`queryset` narrowed to the rows of shops over which `permission` is held."""
        scope = self.merchant_scope(permission)
        return queryset if scope is None else queryset.filter(**{f"{field}__in": scope})


ANONYMOUS = Principal(user_id=None)
# The platform itself (seed data, periodic jobs, another context's api call): every permission
# over every shop. Callers acting for a person pass that person's principal instead.
SYSTEM = Principal(
    user_id=None, platform_roles=frozenset({"system"}), platform_permissions=frozenset({ALL})
)


def tenancy() -> Tenancy:
    return adapter("AUTH_TENANCY")


def principal_from(
    *,
    user_id: int,
    roles: Iterable[str] = (BUYER,),
    merchant_roles: Mapping[int, str] | Callable[[], Mapping[int, str]] | None = None,
    platform_lookup: Callable[[str], bool] | None = None,
) -> Principal:
    """A principal from its platform roles and its shop roles ({merchant_id: role}, or a
    callable answering it when first needed), through ROLE_PERMISSIONS."""
    platform: set[str] = set()
    for role in roles:
        platform |= ROLE_PERMISSIONS.get(role, frozenset())
    return Principal(
        user_id=user_id,
        platform_roles=frozenset(roles),
        platform_permissions=frozenset(platform),
        shop_roles=merchant_roles if merchant_roles is not None else {},
        platform_lookup=platform_lookup,
    )


def principal_for_user(user: Any) -> Principal:
    """The principal of a Django user (anonymous or inactive: ANONYMOUS); its shops come from
    one tenancy lookup, made when a check first needs them. A staff user also holds their
    Django permissions ("app_label.codename", groups included), read from the database only
    when one outside the table is asked for."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    roles = [BUYER]
    if user.is_superuser:
        roles.append(SUPERUSER)
    if user.is_staff:
        roles.append(STAFF)
    return principal_from(
        user_id=user.pk,
        roles=roles,
        merchant_roles=functools.partial(tenancy().merchant_roles, user_id=user.pk),
        platform_lookup=user.has_perm if user.is_staff else None,
    )


_CACHE_ATTR = "_shared_principal"


def principal_of(request: Any) -> Principal:
    """The principal of a request (a Django HttpRequest or a DRF Request), resolved on first
    use and cached on the underlying HttpRequest, so every later call in the request, from a
    permission class, a view or the admin, reuses it."""
    holder = getattr(request, "_request", request)
    user = getattr(request, "user", None)
    user_id = getattr(user, "pk", None) if getattr(user, "is_authenticated", False) else None
    cached = getattr(holder, _CACHE_ATTR, None)
    # Keyed by user id: a principal read before DRF authenticated the request (anonymous)
    # must not stand for the user the token names.
    if cached is None or cached[0] != user_id:
        cached = (user_id, principal_for_user(user))
        setattr(holder, _CACHE_ATTR, cached)
    return cached[1]


# --- Whether a user may still sign in, cached for stateless authentication -------------------
# shared.rest.authentication.StatelessJWTAuthentication trusts the token's claims instead of
# reading the user row on every request, except for this: a deactivated (or deleted) account's
# access token must stop working, as it does with the row read. The answer is cached briefly;
# identity forgets it when the account's row changes (after commit), and the lifetime bounds
# how long a lost invalidation can last.
USER_STATE_CACHE_SECONDS = 60


def _user_state_key(user_id: int) -> str:
    return f"auth:user_active:{user_id}"


def user_is_active(user_id: int) -> bool:
    """Whether the account exists and is active: from the cache, else from the user row (and
    then cached for USER_STATE_CACHE_SECONDS). With the cache unreachable, from the row."""
    key = _user_state_key(user_id)
    cached = cache_or_default("user state", lambda: cache.get(key), default=None)
    if cached is not None:
        return bool(cached)
    active = get_user_model().objects.filter(pk=user_id, is_active=True).exists()
    cache_or_default(
        "user state", lambda: cache.set(key, int(active), USER_STATE_CACHE_SECONDS), default=None
    )
    return active


def forget_user_state(user_id: int) -> None:
    """The account's row changed (activated, deactivated, deleted): the next request reads it."""
    cache_or_default("user state", lambda: cache.delete(_user_state_key(user_id)), default=None)
