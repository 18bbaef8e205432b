"""One error envelope for every kind of failure."""

from __future__ import annotations

import logging

import pytest
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from shared.errors import BusinessRuleViolation, Conflict
from shared.money import quantize
from shared.rest.throttling import AnonRateThrottle


class EchoIn(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1, max_value=999)


class Echo(APIView):
    permission_classes = [AllowAny]

    def post(self, request):
        data = EchoIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(data.validated_data)


class Rule(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise BusinessRuleViolation("Only 3 left.", code="out_of_stock", details={"available": 3})


class State(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise Conflict("Order already paid.", code="illegal_transition")


class Crash(APIView):
    permission_classes = [AllowAny]

    def get(self, request):
        raise ZeroDivisionError("secret internals")


class OneThrottle(AnonRateThrottle):
    rate = "1/min"
    scope = "tests-one"


class Throttled(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [OneThrottle]

    def get(self, request):
        return Response({"ok": True})


class Private(APIView):
    def get(self, request):
        return Response({})


urlpatterns = [
    path("echo", Echo.as_view()),
    path("rule", Rule.as_view()),
    path("state", State.as_view()),
    path("crash", Crash.as_view()),
    path("throttled", Throttled.as_view()),
    path("private", Private.as_view()),
]

pytestmark = pytest.mark.urls("shared.tests.test_errors")


@pytest.fixture
def client():
    return APIClient(raise_request_exception=False)


def assert_envelope(response, status, code):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    return body["error"]


def test_validation_error(client):
    error = assert_envelope(
        client.post("/echo", {"quantity": 0}, format="json"), 400, "validation_error"
    )
    assert "quantity" in error["details"]["fields"]


def test_malformed_json(client):
    response = client.post("/echo", data="{not json", content_type="application/json")
    assert_envelope(response, 400, "malformed_request")


def test_business_rule_and_conflict(client):
    error = assert_envelope(client.get("/rule"), 422, "out_of_stock")
    assert error["details"] == {"available": 3}
    assert_envelope(client.get("/state"), 409, "illegal_transition")


def test_authentication_required(client):
    assert_envelope(client.get("/private"), 401, "not_authenticated")


def test_method_not_allowed(client):
    assert_envelope(client.delete("/rule"), 405, "method_not_allowed")


def test_throttled(client, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "throttle-test",
        }
    }
    client.get("/throttled")
    response = client.get("/throttled")
    error = assert_envelope(response, 429, "throttled")
    assert error["details"]["wait_seconds"] > 0
    assert "Retry-After" in response.headers


def test_unhandled_error_is_a_500_envelope_without_internals(client, caplog):
    with caplog.at_level(logging.ERROR, logger="ecommerce.errors"):
        response = client.get("/crash", HTTP_X_REQUEST_ID="req-123")
    error = assert_envelope(response, 500, "internal_error")
    assert "secret" not in response.content.decode()
    assert error["details"]["request_id"] == "req-123"
    assert response.headers["X-Request-ID"] == "req-123"
    assert any("unhandled error" in r.getMessage() for r in caplog.records)


@pytest.mark.urls("ecommerce.urls")
def test_unknown_url_is_a_404_envelope(client):
    assert_envelope(client.get("/no/such/page"), 404, "not_found")


def test_money_rounds_half_up_and_refuses_floats():
    assert str(quantize("2.345")) == "2.35"
    assert str(quantize("2.344")) == "2.34"
    assert str(quantize(3)) == "3.00"
    with pytest.raises(TypeError):
        quantize(1.1)
    with pytest.raises(ValueError):
        quantize("abc")
    with pytest.raises(ValueError):
        quantize("NaN")
