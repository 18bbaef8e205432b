"""shared.auth: the role-permission table, require()'s answers, and one principal per request."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Permission
from django.test import RequestFactory
from rest_framework.request import Request

from shared import auth
from shared.auth import ANONYMOUS, InMemoryTenancy, principal_from, principal_of
from shared.errors import NotAuthenticated, NotFound, PermissionDenied
from shared.ports import use_adapter

SHOP, OTHER_SHOP = 1, 2


def _buyer():
    return principal_from(user_id=1)


def _shop_staff():
    return principal_from(user_id=2, merchant_roles={SHOP: auth.MERCHANT_STAFF})


def _shop_owner():
    return principal_from(user_id=3, merchant_roles={SHOP: auth.MERCHANT_OWNER})


def _staff():
    return principal_from(user_id=4, roles=[auth.BUYER, auth.STAFF])


def _superuser():
    return principal_from(user_id=5, roles=[auth.BUYER, auth.SUPERUSER])


@pytest.mark.parametrize(
    ("who", "permission", "merchant_id", "allowed"),
    [
        (_buyer, "order.place", None, True),
        (_buyer, "order.ship", SHOP, False),
        (_buyer, "catalog.product.write", None, False),
        (_shop_staff, "order.ship", SHOP, True),
        (_shop_staff, "order.ship", OTHER_SHOP, False),
        (_shop_staff, "inventory.stock.write", SHOP, True),
        (_shop_staff, "logistics.freight_template.write", SHOP, True),
        (_shop_staff, "catalog.product.write", None, True),  # over at least one shop
        (_shop_staff, "order.deliver", SHOP, False),  # platform staff only
        (_shop_staff, "catalog.merchant.write", SHOP, False),
        (_shop_owner, "catalog.product.write", SHOP, True),
        (_shop_owner, "catalog.product.write", OTHER_SHOP, False),
        (_staff, "order.ship", OTHER_SHOP, True),
        (_staff, "order.deliver", None, True),
        (_staff, "catalog.taxonomy.write", None, True),
        (_staff, "some.permission.not.in.the.table", None, False),
        (_superuser, "some.permission.not.in.the.table", OTHER_SHOP, True),
        (lambda: ANONYMOUS, "order.place", None, False),
        (lambda: auth.SYSTEM, "order.ship", OTHER_SHOP, True),
    ],
)
def test_the_role_table_decides(who, permission, merchant_id, allowed):
    assert who().can(permission, merchant_id=merchant_id) is allowed


def test_require_answers_401_403_or_the_resources_404():
    with pytest.raises(NotAuthenticated):
        ANONYMOUS.require("order.read")
    with pytest.raises(PermissionDenied) as nowhere:
        _buyer().require("order.ship", merchant_id=SHOP)
    assert nowhere.value.code == "permission_denied"
    # Another shop named in the input: 403; another shop's existing resource: its 404.
    with pytest.raises(PermissionDenied) as named:
        _shop_staff().require("order.ship", merchant_id=OTHER_SHOP)
    assert named.value.code == "not_your_merchant"
    hidden = NotFound("Order not found.")
    with pytest.raises(NotFound) as found:
        _shop_staff().require("order.ship", merchant_id=OTHER_SHOP, not_found=hidden)
    assert found.value is hidden
    _shop_staff().require("order.ship", merchant_id=SHOP, not_found=hidden)


def test_merchant_scope_is_none_for_every_shop_and_the_managed_shops_otherwise():
    assert _staff().merchant_scope("order.read") is None
    assert _shop_owner().merchant_scope("order.read") == frozenset({SHOP})
    with pytest.raises(PermissionDenied):
        _buyer().merchant_scope("order.read")


def test_roles_carry_shop_roles_and_future_roles_are_rows_of_the_table(monkeypatch):
    assert _shop_owner().roles == {auth.BUYER, auth.MERCHANT_OWNER}
    monkeypatch.setitem(auth.ROLE_PERMISSIONS, "customer_service", frozenset({"order.read"}))
    agent = principal_from(user_id=9, roles=["customer_service"])
    assert agent.can("order.read", merchant_id=OTHER_SHOP)
    assert not agent.can("order.ship", merchant_id=OTHER_SHOP)


# --- Resolution from a request ----------------------------------------------------------------


def _user(**extra):
    return get_user_model().objects.create_user(
        email=f"auth{get_user_model().objects.count()}@example.com", password="x", **extra
    )


def _drf_request(user) -> Request:
    django_request = RequestFactory().get("/")
    django_request.user = user
    request = Request(django_request)
    request._force_auth_user = user
    request.user = user
    return request


@pytest.mark.django_db
def test_one_tenancy_lookup_per_request_however_often_it_is_asked():
    user = _user()
    tenancy = InMemoryTenancy(owner_of={user.pk: [SHOP]})
    with use_adapter("AUTH_TENANCY", tenancy):
        request = _drf_request(user)
        first = principal_of(request)
        assert first.can("order.ship", merchant_id=SHOP)
        assert not first.can("order.ship", merchant_id=OTHER_SHOP)
        # The same principal again, through the DRF request or the Django request under it.
        assert principal_of(request) is first
        assert principal_of(request._request) is first
        assert first.merchant_ids == {SHOP}
        assert tenancy.lookups == 1
        # Another request resolves again.
        principal_of(_drf_request(user)).can("order.read")
        assert tenancy.lookups == 2


@pytest.mark.django_db
def test_platform_staff_cost_no_tenancy_lookup_for_a_table_permission():
    tenancy = InMemoryTenancy()
    with use_adapter("AUTH_TENANCY", tenancy):
        principal = principal_of(_drf_request(_user(is_staff=True)))
        assert principal.can("order.ship", merchant_id=OTHER_SHOP)
        assert tenancy.lookups == 0


@pytest.mark.django_db
def test_anonymous_and_inactive_callers_get_the_anonymous_principal():
    with use_adapter("AUTH_TENANCY", InMemoryTenancy()) as tenancy:
        assert principal_of(_drf_request(AnonymousUser())) is ANONYMOUS
        assert principal_of(_drf_request(_user(is_active=False))) is ANONYMOUS
        assert tenancy.lookups == 0


@pytest.mark.django_db
def test_django_permissions_of_staff_are_honoured():
    staff = _user(is_staff=True)
    buyer = _user()
    permission = Permission.objects.get(codename="view_user")
    for user in (staff, buyer):
        user.user_permissions.add(permission)
    name = f"{permission.content_type.app_label}.view_user"
    with use_adapter("AUTH_TENANCY", InMemoryTenancy()):
        assert principal_of(_drf_request(get_user_model().objects.get(pk=staff.pk))).can(name)
        # Django permissions are a staff matter: a non-staff user's are not read.
        assert not principal_of(_drf_request(get_user_model().objects.get(pk=buyer.pk))).can(name)
