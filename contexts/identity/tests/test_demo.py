"""Demo accounts."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from contexts.identity.demo import demo_users_create
from contexts.identity.models import Address, User

pytestmark = pytest.mark.django_db


def test_demo_users_are_created_once_with_a_default_address_each():
    first = demo_users_create(3)
    again = demo_users_create(3)

    assert first == again
    assert len(first) == 3
    admin = User.objects.get(email="admin@example.com")
    assert admin.is_superuser and admin.is_staff
    assert User.objects.count() == 4
    for n, user_id in enumerate(first, start=1):
        user = User.objects.get(pk=user_id)
        assert user.email == f"buyer{n}@example.com"
        assert list(Address.objects.filter(user=user).values_list("is_default", flat=True)) == [
            True
        ]


def test_demo_passwords_work():
    demo_users_create(1)
    client = APIClient()

    for identifier, password in (
        ("admin@example.com", "admin12345"),
        ("buyer1@example.com", "buyer12345"),
    ):
        response = client.post(
            "/api/v1/auth/login", {"identifier": identifier, "password": password}
        )
        assert response.status_code == 200
