"""Helpers shared by identity's tests."""

from __future__ import annotations

from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

ADDRESS = {
    "receiver_name": "Li Lei",
    "receiver_phone": "13800138000",
    "province_code": "110000",
    "city_code": "110100",
    "district_code": "110105",
    "detail": "No. 1 Jianguo Road",
    "postal_code": "100020",
    "tag": "home",
}


def signed_in(user) -> tuple[APIClient, str]:
    """A client signed in as `user` with a real JWT, and that session's refresh token."""
    refresh = RefreshToken.for_user(user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {refresh.access_token}")
    return api, str(refresh)
