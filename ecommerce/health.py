"""Liveness and readiness probes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse


def healthz(request):
    """The process is up and serving."""
    return JsonResponse({"status": "ok"})


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=5)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not return what was written")
    cache.delete(key)


def _check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER or settings.CELERY_BROKER_URL.startswith("memory://"):
        return  # embedded default: tasks run in-process
    from ecommerce.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


CHECKS = {"database": _check_database, "cache": _check_cache, "broker": _check_broker}


def readyz(request):
    """Ready when the database, the cache and the broker answer; 503 names what failed."""
    results, failed = {}, []
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:
            results[name] = f"error: {type(exc).__name__}"
            failed.append(name)
        else:
            results[name] = "ok"
    if failed:
        return JsonResponse(
            {
                "error": {
                    "code": "not_ready",
                    "message": f"Not ready: {', '.join(failed)} unreachable.",
                    "details": {"checks": results, "failed": failed},
                }
            },
            status=503,
        )
    return JsonResponse({"status": "ok", "checks": results})
