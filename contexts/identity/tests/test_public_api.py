"""identity.api: what other contexts may call, returning plain frozen data."""

from __future__ import annotations

import dataclasses

import pytest

from contexts.identity import api
from contexts.identity.data import AddressInfo, UserInfo
from contexts.identity.tests.factories import AddressFactory, UserFactory
from shared.errors import NotFound

pytestmark = pytest.mark.django_db


def test_get_user_returns_frozen_data_or_none(user):
    info = api.get_user(user_id=user.pk)

    assert isinstance(info, UserInfo)
    assert (info.id, info.email, info.is_staff) == (user.pk, user.email, False)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.email = "x"
    assert api.get_user(user_id=987654) is None


def test_get_users_in_one_call(django_assert_num_queries):
    users = UserFactory.create_batch(3)

    with django_assert_num_queries(1):
        found = api.get_users(user_ids=[u.pk for u in users] + [987654])

    assert set(found) == {u.pk for u in users}


def test_get_address_only_for_its_owner(user):
    address = AddressFactory(user=user, is_default=True)
    stranger = UserFactory()

    info = api.get_address(user_id=user.pk, address_id=address.pk)

    assert isinstance(info, AddressInfo)
    assert (info.id, info.user_id, info.is_default) == (address.pk, user.pk, True)
    with pytest.raises(NotFound):
        api.get_address(user_id=stranger.pk, address_id=address.pk)


def test_default_address_and_list(user):
    assert api.get_default_address(user_id=user.pk) is None
    assert api.list_addresses(user_id=user.pk) == []
    other = AddressFactory(user=user)
    default = AddressFactory(user=user, is_default=True)

    assert api.get_default_address(user_id=user.pk).id == default.pk
    assert [a.id for a in api.list_addresses(user_id=user.pk)] == [default.pk, other.pk]


@pytest.mark.parametrize(
    ("func", "args"),
    [
        (api.get_user, (1,)),
        (api.get_users, ([1],)),
        (api.get_address, (1, 1)),
        (api.get_default_address, (1,)),
        (api.list_addresses, (1,)),
    ],
)
def test_public_functions_are_keyword_only(func, args):
    # Positional ids are easy to swap (user_id, address_id): callers must name them.
    with pytest.raises(TypeError):
        func(*args)
