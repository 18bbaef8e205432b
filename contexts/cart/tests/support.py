"""Helpers shared by the cart's tests: accounts, signed-in clients, the error envelope."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

_emails = itertools.count()


def make_user(**extra):
    return get_user_model().objects.create_user(
        email=f"buyer{next(_emails)}@example.com", password="Str0ng-Passw0rd!", **extra
    )


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]["code"]
