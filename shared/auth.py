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

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db.models import QuerySet

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
    }
)

# The declared table. Roles the back office adds later (customer service, finance, ...) are
# new rows; shop roles are listed in SHOP_ROLES.
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    BUYER: frozenset({"order.place", "cart.write", "catalog.review.write"}),
    MERCHANT_OWNER: _SHOP_WORK,
    MERCHANT_STAFF: _SHOP_WORK,
    STAFF: _SHOP_WORK | {"order.deliver", "catalog.merchant.write", "catalog.taxonomy.write"},
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
    permissions they hold (`platform_permissions` over every shop, `shop_permissions` per shop)."""

    user_id: int | None
    roles: frozenset[str] = frozenset()
    platform_permissions: frozenset[str] = frozenset()
    shop_permissions: Mapping[int, frozenset[str]] = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_staff(self) -> bool:
        return STAFF in self.roles or SUPERUSER in self.roles

    @property
    def merchant_ids(self) -> frozenset[int]:
        return frozenset(self.shop_permissions)

    @property
    def permissions(self) -> frozenset[str]:
        """Every permission held somewhere (over every shop or over at least one)."""
        return self.platform_permissions.union(*self.shop_permissions.values())

    def _everywhere(self, permission: str) -> bool:
        return ALL in self.platform_permissions or permission in self.platform_permissions

    def can(self, permission: str, *, merchant_id: int | None = None) -> bool:
        """Holds `permission` (over `merchant_id` when given, else over at least one shop)."""
        if self._everywhere(permission):
            return True
        if merchant_id is None:
            return permission in self.permissions
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
SYSTEM = Principal(user_id=None, roles=frozenset({"system"}), platform_permissions=frozenset({ALL}))


def tenancy() -> Tenancy:
    return adapter("AUTH_TENANCY")


def principal_from(
    *,
    user_id: int,
    roles: Iterable[str] = (BUYER,),
    merchant_roles: Mapping[int, str] | None = None,
    extra_permissions: Iterable[str] = (),
) -> Principal:
    """A principal from its platform roles, its shop roles ({merchant_id: role}) and any
    further platform permissions (a staff user's Django permissions), through ROLE_PERMISSIONS."""
    all_roles = set(roles)
    platform = set(extra_permissions)
    for role in all_roles:
        platform |= ROLE_PERMISSIONS.get(role, frozenset())
    shop_permissions = {}
    for merchant_id, role in (merchant_roles or {}).items():
        all_roles.add(role)
        shop_permissions[merchant_id] = ROLE_PERMISSIONS.get(role, frozenset())
    return Principal(
        user_id=user_id,
        roles=frozenset(all_roles),
        platform_permissions=frozenset(platform),
        shop_permissions=shop_permissions,
    )


def principal_for_user(user: Any) -> Principal:
    """The principal of a Django user (anonymous or inactive: ANONYMOUS). One tenancy lookup;
    a staff user who is not a superuser also has their Django permissions read."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return ANONYMOUS
    roles = [BUYER]
    extra: set[str] = set()
    if user.is_superuser:
        roles.append(SUPERUSER)
    if user.is_staff:
        roles.append(STAFF)
        if not user.is_superuser:
            extra = user.get_all_permissions()
    return principal_from(
        user_id=user.pk,
        roles=roles,
        merchant_roles=tenancy().merchant_roles(user_id=user.pk),
        extra_permissions=extra,
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
