"""Defect 14: with the cache (Redis) unreachable the API degrades, it never answers 500.

The cache is pointed at a closed local port. Throttles and cached reads fail open (one warning per
kind, not one per request); sign-in, whose lockout counters live in the cache, answers 503.
"""

from __future__ import annotations

import logging
import socket

import pytest
from django.test import override_settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from shared import cache as shared_cache
from tests.http.conftest import error_of


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_down(settings, monkeypatch):
    monkeypatch.setattr(shared_cache, "_last_warning", {})
    closed = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "anon": "2/min", "user": "2/min"}
    with override_settings(
        CACHES=closed,
        LIST_COUNT_CACHE_SECONDS=30,
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates},
    ):
        from rest_framework.settings import api_settings

        api_settings.reload()
        yield
    from rest_framework.settings import api_settings

    api_settings.reload()


@pytest.mark.django_db(transaction=True)
def test_public_reads_schema_and_authenticated_calls_work_without_the_cache(
    shop, buyer, buyer_api, redis_down, caplog
):
    anonymous = APIClient()
    sku_id = shop["sku_ids"][0]
    caplog.set_level(logging.WARNING, logger="ecommerce.cache")
    for _ in range(5):  # over the 2/min throttle: it fails open
        listing = anonymous.get("/api/v1/products")
        assert listing.status_code == 200, listing.content
    product_id = listing.json()["results"][0]["id"]
    detail = anonymous.get(f"/api/v1/products/{product_id}")
    assert detail.status_code == 200
    assert detail.json()["skus"][0]["available"] == 5  # availability read from the database
    assert anonymous.get("/api/schema/").status_code == 200
    signed_in = APIClient()
    signed_in.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(buyer)}")
    assert signed_in.get("/api/v1/me").status_code == 200
    cart = buyer_api.post("/api/v1/cart/items", {"sku_id": sku_id, "quantity": 1}, format="json")
    assert cart.status_code in (200, 201), cart.content
    warnings = [r for r in caplog.records if r.name == "ecommerce.cache"]
    # One warning per kind of degraded use, not one per request.
    assert sorted({r.op for r in warnings}) == ["availability cache", "list count", "throttle"]
    assert len(warnings) == 3


@pytest.mark.django_db(transaction=True)
def test_sign_in_answers_503_while_the_lockout_store_is_unreachable(buyer, redis_down):
    response = APIClient().post(
        "/api/v1/auth/login",
        {"identifier": buyer.email, "password": "Str0ng-Passw0rd!"},
        format="json",
    )
    assert response.status_code == 503
    assert error_of(response)["code"] == "service_unavailable"
