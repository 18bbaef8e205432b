"""The address book: validation, 20 per user, exactly one default, owner-only access."""

from __future__ import annotations

import pytest

from contexts.identity.models import Address
from contexts.identity.tests.factories import AddressFactory, UserFactory
from contexts.identity.tests.support import ADDRESS, signed_in
from tests.support import error_code

pytestmark = pytest.mark.django_db
LIST = "/api/v1/me/addresses"


def detail(address_id: int) -> str:
    return f"{LIST}/{address_id}"


def defaults_of(user) -> list[int]:
    return list(Address.objects.filter(user=user, is_default=True).values_list("id", flat=True))


def create(client, **changes):
    response = client.post(LIST, {**ADDRESS, **changes})
    assert response.status_code == 201, response.json()
    return response.json()


def test_first_address_becomes_the_default(user_api, user):
    first = create(user_api)
    second = create(user_api, receiver_name="Han Meimei")

    assert first["is_default"] is True
    assert second["is_default"] is False
    assert defaults_of(user) == [first["id"]]
    listed = user_api.get(LIST).json()
    assert [a["id"] for a in listed] == [first["id"], second["id"]]
    assert {k: listed[0][k] for k in ADDRESS} == ADDRESS


def test_creating_a_default_address_moves_the_default(user_api, user):
    create(user_api)
    newer = create(user_api, is_default=True)

    assert defaults_of(user) == [newer["id"]]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("receiver_name", "   "),
        ("receiver_phone", "12345"),
        ("province_code", "11000"),
        ("province_code", "110100"),
        ("city_code", "120100"),
        ("district_code", "110205"),
        ("district_code", "abcdef"),
        ("detail", ""),
        ("postal_code", "!!"),
    ],
)
def test_invalid_addresses_are_rejected_per_field(user_api, user, field, value):
    response = user_api.post(LIST, {**ADDRESS, field: value})

    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert field in response.json()["error"]["details"]["fields"]
    assert not Address.objects.filter(user=user).exists()


@pytest.mark.parametrize(
    "phone", ["13800138000", "+14155552671", "010-12345678", "0755-8888888-12"]
)
def test_receiver_phone_may_be_a_mobile_or_a_landline(user_api, phone):
    assert create(user_api, receiver_phone=phone)["receiver_phone"] == phone


def test_the_21st_address_breaks_the_limit(user_api, user):
    AddressFactory.create_batch(19, user=user)
    AddressFactory(user=user, is_default=True)

    response = user_api.post(LIST, ADDRESS)

    assert response.status_code == 422
    assert error_code(response) == "address_limit_reached"
    assert response.json()["error"]["details"] == {"limit": 20}
    assert Address.objects.filter(user=user).count() == 20


def test_get_patch_and_put_an_address(user_api, user):
    address = create(user_api)

    assert user_api.get(detail(address["id"])).json()["detail"] == ADDRESS["detail"]
    patched = user_api.patch(detail(address["id"]), {"detail": "No. 2 Changan Street"})
    assert patched.status_code == 200
    assert patched.json()["detail"] == "No. 2 Changan Street"
    assert patched.json()["receiver_name"] == ADDRESS["receiver_name"]

    replacement = {**ADDRESS, "receiver_name": "Wang Wu", "tag": ""}
    del replacement["postal_code"]
    put = user_api.put(detail(address["id"]), replacement)
    assert put.status_code == 200, put.json()
    assert put.json()["receiver_name"] == "Wang Wu"
    assert put.json()["postal_code"] == ""
    assert put.json()["is_default"] is True


def test_put_needs_every_required_field(user_api):
    address = create(user_api)

    response = user_api.put(detail(address["id"]), {"receiver_name": "Only me"})

    assert response.status_code == 400


def test_patch_validates_the_address_as_a_whole(user_api):
    address = create(user_api)

    response = user_api.patch(detail(address["id"]), {"city_code": "310100"})

    assert response.status_code == 400
    assert "city_code" in response.json()["error"]["details"]["fields"]


def test_setting_a_default_leaves_exactly_one(user_api, user):
    ids = [create(user_api, receiver_name=f"R{n}")["id"] for n in range(3)]

    for chosen in (ids[2], ids[1], ids[1], ids[0]):
        response = user_api.post(f"{detail(chosen)}/default")
        assert response.status_code == 200
        assert response.json()["is_default"] is True
        assert defaults_of(user) == [chosen]


def test_patch_is_default_true_moves_the_default(user_api, user):
    first = create(user_api)
    second = create(user_api)

    response = user_api.patch(detail(second["id"]), {"is_default": True})

    assert response.json()["is_default"] is True
    assert defaults_of(user) == [second["id"]]
    assert first["id"] not in defaults_of(user)


def test_the_default_cannot_be_switched_off_directly(user_api, user):
    first = create(user_api)

    response = user_api.patch(detail(first["id"]), {"is_default": False})

    assert response.status_code == 422
    assert error_code(response) == "default_address_required"
    assert defaults_of(user) == [first["id"]]


def test_deleting_the_default_promotes_the_most_recent_other(user_api, user):
    oldest = create(user_api, receiver_name="Oldest")
    create(user_api, receiver_name="Middle")
    newest = create(user_api, receiver_name="Newest")

    response = user_api.delete(detail(oldest["id"]))

    assert response.status_code == 204
    assert defaults_of(user) == [newest["id"]]
    assert Address.objects.filter(user=user).count() == 2


def test_deleting_a_non_default_keeps_the_default(user_api, user):
    first = create(user_api)
    second = create(user_api)

    user_api.delete(detail(second["id"]))

    assert defaults_of(user) == [first["id"]]


def test_deleting_the_last_address_leaves_an_empty_book(user_api, user):
    only = create(user_api)

    assert user_api.delete(detail(only["id"])).status_code == 204
    assert user_api.get(LIST).json() == []


def test_another_users_address_is_not_found_for_every_operation(user_api, user):
    owner = UserFactory()
    theirs = AddressFactory(user=owner, is_default=True)
    mine = create(user_api)
    url = detail(theirs.pk)

    responses = [
        user_api.get(url),
        user_api.patch(url, {"detail": "Mine now"}),
        user_api.put(url, ADDRESS),
        user_api.delete(url),
        user_api.post(f"{url}/default"),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    assert {error_code(r) for r in responses} == {"not_found"}
    theirs.refresh_from_db()
    assert theirs.detail != "Mine now" and theirs.is_default
    assert defaults_of(user) == [mine["id"]]
    assert [a["id"] for a in user_api.get(LIST).json()] == [mine["id"]]
    owner_api, _ = signed_in(owner)
    assert [a["id"] for a in owner_api.get(LIST).json()] == [theirs.pk]


def test_missing_address_is_404(user_api):
    assert user_api.get(detail(987654)).status_code == 404
    assert user_api.get(f"{LIST}/not-a-number").status_code == 404


def test_addresses_need_authentication(api):
    assert api.get(LIST).status_code == 401
    assert api.post(LIST, ADDRESS).status_code == 401
