"""Suite-wide fixtures.

Every public `api` function of every context is wrapped for the whole run so that any call that
returns a Django model or queryset (however deeply inside a list or dataclass) fails the test
that made it. Contexts call each other as `api_module.function(...)`, so the wrapper is seen.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


def pytest_configure(config):
    # The whole suite runs with Oracle MySQL's behaviour: a bulk insert returns no primary keys
    # (MariaDB, PostgreSQL and SQLite do). Set on the class, so every connection has it, in
    # every thread; code that relies on pks after bulk_create fails here as on MySQL.
    from django.db.backends.mysql.features import DatabaseFeatures

    DatabaseFeatures.can_return_rows_from_bulk_insert = False


def _leaks_orm(value, depth: int = 0) -> str | None:
    from django.db import models

    if depth > 4 or value is None or isinstance(value, str | int | float | bool):
        return None
    if isinstance(value, models.Model | models.QuerySet | models.Manager):
        return type(value).__name__
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return next(
            (
                leak
                for f in dataclasses.fields(value)
                if (leak := _leaks_orm(getattr(value, f.name), depth + 1))
            ),
            None,
        )
    if isinstance(value, list | tuple | set | frozenset):
        return next((leak for v in value if (leak := _leaks_orm(v, depth + 1))), None)
    if isinstance(value, dict):
        return next((leak for v in value.values() if (leak := _leaks_orm(v, depth + 1))), None)
    return None


def _guard(module_name: str, name: str, func):
    @functools.wraps(func)
    def guarded(*args, **kwargs):
        result = func(*args, **kwargs)
        leak = _leaks_orm(result)
        if leak:
            raise AssertionError(f"{module_name}.{name} returned a {leak}: api must return data")
        return result

    guarded.__api_guarded__ = True
    return guarded


@pytest.fixture(autouse=True)
def _results_can_be_awaited():
    """Each test starts outside any task. Celery runs an eager task under `denied_join_result()`,
    which saves and restores a process-wide flag without a lock: threads running eager tasks at
    once (the concurrency tests) can leave it set, after which every later `result.get()` in the
    process raises "Never call result.get() within a task!"."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture(autouse=True, scope="session")
def _api_functions_return_plain_data(django_db_setup):
    for pkg in sorted((ROOT / "contexts").iterdir()):
        if not (pkg / "api.py").exists():
            continue
        module = importlib.import_module(f"contexts.{pkg.name}.api")
        for name, func in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or func.__module__ != module.__name__:
                continue
            if not getattr(func, "__api_guarded__", False):
                setattr(module, name, _guard(module.__name__, name, func))
    yield


# Rows that data migrations seed and the product relies on. A transactional test ends with a
# flush that deletes them; they are put back before the next test that uses the database.
MIGRATION_SEEDS = (("contexts.loyalty.migrations.0002_default_levels", "levels_seed"),)


@pytest.fixture(autouse=True)
def _migration_seeded_rows(request, django_db_blocker):
    if request.node.get_closest_marker("django_db") is None:
        return
    from django.apps import apps

    with django_db_blocker.unblock():
        for module_name, function_name in MIGRATION_SEEDS:
            getattr(importlib.import_module(module_name), function_name)(apps, None)
