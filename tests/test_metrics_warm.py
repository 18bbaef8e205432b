"""The request metrics exist before the first request, so concurrent first requests of a process
(threads of a server, of a test) never register them twice."""

from __future__ import annotations

from django_prometheus.middleware import Metrics


def test_the_request_metrics_are_built_at_start_up():
    assert Metrics._instance is not None
