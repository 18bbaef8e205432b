"""An unmatched URL under /api/ answers the JSON envelope, whatever DEBUG says."""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.http.conftest import error_of


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/products", "/api/v1/products/1/x"])
def test_an_unknown_api_path_is_a_json_404(path, debug):
    with override_settings(DEBUG=debug):
        response = APIClient().get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_of(response)["code"] == "not_found"


def test_a_missing_trailing_slash_still_redirects():
    response = APIClient().get("/api/schema")
    assert response.status_code == 301
    assert response["Location"] == "/api/schema/"
