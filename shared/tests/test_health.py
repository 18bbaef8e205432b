from __future__ import annotations

import pytest
from django.test import Client

from ecommerce import health


@pytest.fixture
def client():
    return Client()


def test_healthz(client):
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_each_dependency(client):
    body = client.get("/readyz").json()
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_readyz_names_what_failed(client, monkeypatch):
    def cache_down():
        raise ConnectionError("no cache")

    monkeypatch.setitem(health.CHECKS, "cache", cache_down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["details"]["failed"] == ["cache"]


@pytest.mark.django_db
def test_readyz_checks_a_real_broker(client, settings):
    # A Redis broker URL that nothing listens on: readiness must fail on the broker.
    from ecommerce.celery import app

    # Read before the settings change: Celery's conf reads Django's settings lazily, so reading
    # it afterwards would "restore" the dead URL for every later test.
    old = app.conf.broker_url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    app.conf.broker_url = settings.CELERY_BROKER_URL
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = old
    assert response.status_code == 503
    assert response.json()["error"]["details"]["failed"] == ["broker"]


def test_metrics_are_exposed(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"django_http_requests" in response.content


@pytest.mark.django_db
def test_openapi_schema_documents_the_error_envelope(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert "ErrorEnvelope" in schema["components"]["schemas"]
    assert client.get("/api/docs/").status_code == 200


def test_request_id_is_echoed_or_made(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc-1").headers["X-Request-ID"] == "abc-1"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces").headers["X-Request-ID"]
    assert len(made) == 32
