"""Write endpoints refuse keys they do not declare: 400 validation_error naming them.

Walked over the URL conf through the OpenAPI generator, so an endpoint added later is covered:
every request body serializer (and every serializer nested in one) must be a shared Input, and
every write endpoint without path parameters is called with an unknown key.
"""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from shared.rest.serializers import Input
from tests.http.conftest import error_of

WRITE_METHODS = ("POST", "PUT", "PATCH")


def _write_endpoints() -> list[tuple[str, str, object]]:
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    found = []
    for path, _regex, method, callback in generator.endpoints:
        if method not in WRITE_METHODS:
            continue
        view = generator.create_view(callback, method)
        serializer = view.schema.get_request_serializer()
        if isinstance(serializer, type) and issubclass(serializer, serializers.BaseSerializer):
            serializer = serializer()
        found.append((path, method, serializer))
    return found


def _nested_serializers(serializer) -> list[serializers.BaseSerializer]:
    if isinstance(serializer, serializers.ListSerializer):
        return _nested_serializers(serializer.child)
    if not isinstance(serializer, serializers.Serializer):
        return []
    found = [serializer]
    for field in serializer.fields.values():
        found += _nested_serializers(getattr(field, "child", field))
    return found


WRITE_ENDPOINTS = _write_endpoints()


def test_the_walk_finds_the_write_endpoints():
    assert len(WRITE_ENDPOINTS) > 40
    assert ("/api/v1/orders", "POST") in {(path, method) for path, method, _ in WRITE_ENDPOINTS}


@pytest.mark.parametrize(
    ("path", "method", "serializer"),
    WRITE_ENDPOINTS,
    ids=[f"{m} {p}" for p, m, _ in WRITE_ENDPOINTS],
)
def test_every_request_body_is_a_strict_input(path, method, serializer):
    if serializer is None or not isinstance(serializer, serializers.BaseSerializer):
        pytest.skip("no JSON body")
    for each in _nested_serializers(serializer):
        assert isinstance(each, Input), f"{method} {path}: {type(each).__name__} is not an Input"


WITHOUT_PATH_PARAMS = [
    (path, method)
    for path, method, serializer in WRITE_ENDPOINTS
    if "{" not in path and isinstance(serializer, serializers.BaseSerializer)
]


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method"), WITHOUT_PATH_PARAMS)
def test_an_unknown_key_is_a_400_naming_it(path, method, staff_api):
    response = getattr(staff_api, method.lower())(
        path, {"zz_unknown": 1}, format="json", HTTP_IDEMPOTENCY_KEY="unknown-fields-1"
    )
    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert "zz_unknown" in error["details"]["fields"]


@pytest.mark.django_db
def test_order_placement_with_remark_instead_of_remarks_is_refused(shop, buyer_api, address_id):
    body = {
        "address_id": address_id,
        "items": [{"sku_id": shop["sku_ids"][0], "quantity": 1}],
        "remark": [{"merchant_id": shop["merchant_id"], "remark": "leave at the door"}],
    }
    response = buyer_api.post("/api/v1/orders", body, format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert response.status_code == 400
    assert list(error_of(response)["details"]["fields"]) == ["remark"]
    nested = {**body, "remark": None}
    del nested["remark"]
    nested["items"] = [{"sku_id": shop["sku_ids"][0], "quantity": 1, "qty": 2}]
    response = buyer_api.post("/api/v1/orders", nested, format="json", HTTP_IDEMPOTENCY_KEY="r-2")
    assert response.status_code == 400
    assert error_of(response)["details"]["fields"] == {"items": {"0": {"qty": ["Unknown field."]}}}
