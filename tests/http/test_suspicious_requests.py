"""Django's suspicious-request family answers in the one envelope, never 500."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from tests.http.conftest import error_of

pytestmark = pytest.mark.django_db


def test_more_than_1000_query_parameters_is_a_400():
    query = urlencode([(f"f{n}", "1") for n in range(1001)])
    response = APIClient().get(f"/api/v1/products?{query}")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_request"


def test_more_than_1000_form_fields_is_a_400():
    body = urlencode([(f"f{n}", "1") for n in range(1001)])
    response = APIClient().post(
        "/api/v1/auth/login", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_request"


def test_a_body_over_the_upload_limit_is_a_413(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"identifier": "x" * 2000, "password": "y"})
    response = APIClient().post("/api/v1/auth/login", body, content_type="application/json")
    assert response.status_code == 413
    assert error_of(response)["code"] == "payload_too_large"


@pytest.mark.parametrize("depth", [40, 950, 5000])
def test_deeply_nested_json_is_a_400(buyer_api, depth):
    body = '{"nickname": ' + "[" * depth + "]" * depth + "}"
    response = buyer_api.patch("/api/v1/me", body, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "malformed_request"


def test_json_nested_within_the_limit_reaches_validation(buyer_api):
    body = '{"nickname": ' + "[" * 10 + "]" * 10 + "}"
    response = buyer_api.patch("/api/v1/me", body, content_type="application/json")
    assert response.status_code == 400
    assert error_of(response)["code"] == "validation_error"
