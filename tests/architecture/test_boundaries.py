"""The architecture, checked: generated import contracts, api return types, no cross-context FK."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import subprocess
import sys
import types
import typing
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from uuid import UUID

import pytest
from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import import_contracts  # noqa: E402

PLAIN_TYPES = (type(None), int, str, bool, Decimal, datetime, date, UUID, float)


def test_importlinter_config_matches_the_contexts_on_disk():
    current = (ROOT / ".importlinter").read_text()
    assert current == import_contracts.render(), (
        "`.importlinter` is stale: run `python scripts/import_contracts.py`"
    )


def test_every_module_of_a_context_has_a_layer():
    """A new kind of module must be placed in LAYERS, or the layer rules would not see it."""
    known = {m for layer in import_contracts.LAYERS for m in layer}
    known |= set(import_contracts.UNLAYERED)
    unplaced = {
        name: sorted(import_contracts.top_level_modules(name) - known)
        for name in import_contracts.context_names()
    }
    assert {k: v for k, v in unplaced.items() if v} == {}


def test_every_context_is_an_installed_app():
    installed = {app.name for app in apps.get_app_configs()}
    for name in import_contracts.context_names():
        assert f"contexts.{name}" in installed


def test_import_contracts_catch_a_context_reaching_into_another(tmp_path):
    """Build a two-context tree where one imports the other's models: lint-imports must fail."""
    for name in ("alpha", "beta"):
        pkg = tmp_path / "contexts" / name
        pkg.mkdir(parents=True)
        (pkg / "__init__.py").write_text("")
        (pkg / "models.py").write_text("")
        (pkg / "api.py").write_text("")
    (tmp_path / "contexts" / "__init__.py").write_text("")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "__init__.py").write_text("")
    (tmp_path / "ecommerce").mkdir()
    (tmp_path / "ecommerce" / "__init__.py").write_text("")
    (tmp_path / "contexts" / "beta" / "services.py").write_text("from contexts.alpha import api\n")
    tiers = (("alpha",), ("beta",))  # alpha upstream of beta
    (tmp_path / ".importlinter").write_text(import_contracts.render(tmp_path, tiers))
    lint = str(Path(sys.executable).with_name("lint-imports"))

    ok = subprocess.run(
        [lint], cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)}
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr

    (tmp_path / "contexts" / "beta" / "services.py").write_text(
        "from contexts.alpha.models import *\n"
    )
    broken = subprocess.run(
        [lint], cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)}
    )
    assert broken.returncode != 0
    assert "alpha only through its api and events" in broken.stdout

    # A lower layer reaching up inside its own context is caught too.
    (tmp_path / "contexts" / "beta" / "services.py").write_text("")
    (tmp_path / "contexts" / "beta" / "models.py").write_text("from contexts.beta import api\n")
    (tmp_path / ".importlinter").write_text(import_contracts.render(tmp_path, tiers))
    layered = subprocess.run(
        [lint], cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)}
    )
    assert layered.returncode != 0
    assert "beta: models never import api" in layered.stdout

    # Upstream calling a downstream context's api breaks the dependency direction.
    (tmp_path / "contexts" / "beta" / "models.py").write_text("")
    (tmp_path / "contexts" / "alpha" / "services.py").write_text("from contexts.beta import api\n")
    (tmp_path / ".importlinter").write_text(import_contracts.render(tmp_path, tiers))
    backwards = subprocess.run(
        [lint], cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path)}
    )
    assert backwards.returncode != 0
    assert "alpha never calls the api of beta (events only)" in backwards.stdout


def test_every_context_has_a_place_in_the_dependency_direction():
    placed = {name for tier in import_contracts.CONTEXT_TIERS for name in tier}
    assert set(import_contracts.context_names()) - placed == set()


def _api_modules():
    for name in import_contracts.context_names():
        try:
            yield importlib.import_module(f"contexts.{name}.api")
        except ModuleNotFoundError:
            continue


def _public_functions(module):
    for name, func in inspect.getmembers(module, inspect.isfunction):
        if not name.startswith("_") and func.__module__ == module.__name__:
            yield name, func


def plain_type_problem(hint) -> str | None:
    """Why `hint` is not a plain return type (frozen dataclass, builtin, container of them)."""
    if hint in PLAIN_TYPES or hint is typing.Any:
        return None if hint is not typing.Any else "Any hides what is returned"
    origin = typing.get_origin(hint)
    if origin in (list, tuple, dict, set, frozenset, typing.Union, types.UnionType):
        for arg in typing.get_args(hint):
            if arg is Ellipsis:
                continue
            problem = plain_type_problem(arg)
            if problem:
                return problem
        return None
    if isinstance(hint, type):
        if issubclass(hint, (models.Model, models.QuerySet, models.Manager)):
            return f"{hint.__name__} is a Django model/queryset"
        if dataclasses.is_dataclass(hint):
            if not hint.__dataclass_params__.frozen:
                return f"{hint.__name__} is not frozen"
            for field_name, field_hint in typing.get_type_hints(hint).items():
                problem = plain_type_problem(field_hint)
                if problem:
                    return f"{hint.__name__}.{field_name}: {problem}"
            return None
    return f"{hint!r} is not a plain type"


def test_plain_type_check_rejects_models_querysets_and_mutable_dataclasses():
    @dataclasses.dataclass
    class Mutable:
        x: int

    @dataclasses.dataclass(frozen=True)
    class Holder:
        user: models.Model

    assert plain_type_problem(models.QuerySet)
    assert plain_type_problem(list[models.Model])
    assert plain_type_problem(Mutable)
    assert plain_type_problem(Holder)
    assert plain_type_problem(list[int] | None) is None


@pytest.mark.parametrize("module", list(_api_modules()), ids=lambda m: m.__name__)
def test_public_api_functions_return_plain_frozen_data(module):
    functions = list(_public_functions(module))
    assert functions, f"{module.__name__} exposes no function"
    for name, func in functions:
        hints = typing.get_type_hints(func)
        assert "return" in hints, f"{module.__name__}.{name} has no return annotation"
        problem = plain_type_problem(hints["return"])
        assert problem is None, f"{module.__name__}.{name} returns {problem}"


def cross_context_relations(model_classes) -> list[str]:
    """Relations from a context's model to a model of another context."""

    def context_of(model):
        parts = model.__module__.split(".")
        return parts[1] if parts[0] == "contexts" else None

    found = []
    for model in model_classes:
        mine = context_of(model)
        if mine is None:
            continue
        for field in model._meta.get_fields(include_hidden=True):
            if not field.is_relation or field.auto_created or field.related_model is None:
                continue
            theirs = context_of(field.related_model)
            if theirs is not None and theirs != mine:
                found.append(f"{model.__module__}.{model.__name__}.{field.name} -> {theirs}")
    return found


def test_no_foreign_key_crosses_a_context():
    assert cross_context_relations(apps.get_models(include_auto_created=True)) == []


def test_cross_context_relation_check_finds_one():
    fk = types.SimpleNamespace(
        is_relation=True,
        auto_created=False,
        name="buyer",
        related_model=type("User", (), {"__module__": "contexts.identity.models"}),
    )
    fake = type("Order", (), {"__module__": "contexts.ordering.models"})
    fake._meta = types.SimpleNamespace(get_fields=lambda include_hidden: [fk])
    assert cross_context_relations([fake]) == ["contexts.ordering.models.Order.buyer -> identity"]
