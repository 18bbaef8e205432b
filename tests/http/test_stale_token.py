"""A stale or forged token: anonymous on public endpoints, 401 where sign-in is required."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tests.http.conftest import error_of

pytestmark = pytest.mark.django_db


def _expired_token(user) -> str:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(minutes=1))
    return str(token)


@pytest.fixture(params=["expired", "garbage"])
def stale_client(request, buyer) -> APIClient:
    client = APIClient()
    token = _expired_token(buyer) if request.param == "expired" else "not.a.token"
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


@pytest.mark.parametrize("path", ["/api/v1/products", "/api/v1/categories"])
def test_public_endpoints_serve_a_stale_token_as_anonymous(stale_client, shop, path):
    assert stale_client.get(path).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/cart"])
def test_a_stale_token_where_identity_matters_is_401(stale_client, path):
    # /cart is public, but a guest cart is not the buyer's cart: they must refresh the token.
    response = stale_client.get(path)
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"


def test_the_schema_documents_the_page_404_and_the_bearer_scheme():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "jwtAuth" in schema["components"]["securitySchemes"]
    assert "ErrorEnvelope" in schema["components"]["schemas"]
    paged = [
        (path, method, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if any(p["name"] == "page" for p in operation.get("parameters", []))
    ]
    assert len(paged) >= 5
    for path, method, operation in paged:
        assert "404" in operation["responses"], f"{method} {path}"


def test_a_page_past_the_end_is_the_documented_404(shop):
    response = APIClient().get("/api/v1/products", {"page": 99})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"
