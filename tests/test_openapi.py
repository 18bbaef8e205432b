"""The OpenAPI schema: generated without warnings, every operation documents its errors."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command


@pytest.fixture(scope="module")
def schema(tmp_path_factory):
    target = tmp_path_factory.mktemp("schema") / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    return yaml.safe_load(target.read_text())


def test_every_operation_documents_an_error_response_in_the_envelope(schema):
    undocumented = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {
                code: response
                for code, response in operation["responses"].items()
                if code.startswith("4")
            }
            envelope = any(
                "ErrorEnvelope" in str(response.get("content", {})) for response in errors.values()
            )
            if not envelope:
                undocumented.append(f"{method.upper()} {path}")
    assert undocumented == []


def test_every_operation_has_a_success_response_schema(schema):
    missing = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if not any(code.startswith("2") for code in operation["responses"])
    ]
    assert missing == []


def _view_classes():
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
                yield pattern.callback.cls

    return set(walk(get_resolver().url_patterns))


def test_tags_follow_one_scheme_with_storefront_groups_before_staff_groups(schema):
    tags_by_operation = {
        f"{method.upper()} {path}": operation["tags"]
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }
    wrong = {
        op: tags
        for op, tags in tags_by_operation.items()
        if len(tags) != 1 or tags[0].endswith("-admin") != ("/admin/" in op)
    }
    assert wrong == {}
    listed = [tag["name"] for tag in schema["tags"]]
    assert set(listed) == {tags[0] for tags in tags_by_operation.values()}
    staff = [name.endswith("-admin") for name in listed]
    assert staff == sorted(staff), listed


def test_tag_is_the_context_the_view_lives_in(schema):
    from drf_spectacular.generators import SchemaGenerator

    generator = SchemaGenerator()
    generator._initialise_endpoints()
    checked, mismatched = 0, []
    for path, _regex, method, callback in generator.endpoints:
        module = callback.cls.__module__
        if not module.startswith("contexts."):
            continue
        context = module.split(".")[1]
        expected = f"{context}-admin" if "/admin/" in path else context
        checked += 1
        if schema["paths"][path][method.lower()]["tags"] != [expected]:
            mismatched.append(f"{method} {path}")
    assert checked > 50
    assert mismatched == []


def test_no_class_docstring_becomes_a_public_description(schema):
    import inspect

    class_docs = {
        inspect.cleandoc(klass.__doc__)
        for view in _view_classes()
        for klass in view.__mro__
        if klass.__doc__ and len(inspect.cleandoc(klass.__doc__)) > 20
    }
    leaked = [
        f"{method.upper()} {path}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if any(doc in operation.get("description", "") for doc in class_docs)
    ]
    assert leaked == []


def test_no_operation_is_listed_twice(schema):
    def normalised(path):
        return path.rstrip("/")

    seen = [
        (method, normalised(path))
        for path, operations in schema["paths"].items()
        for method in operations
    ]
    assert len(seen) == len(set(seen))
    operation_ids = [
        operation["operationId"]
        for operations in schema["paths"].values()
        for operation in operations.values()
    ]
    assert len(operation_ids) == len(set(operation_ids))


def test_every_operation_has_a_short_unique_summary(schema):
    summaries = {
        f"{method.upper()} {path}": (operation.get("summary") or "").strip()
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
    }
    assert [op for op, summary in summaries.items() if not summary] == []
    assert [s for s in summaries.values() if len(s) > 70 or s.endswith(".")] == []
    by_summary: dict[str, list[str]] = {}
    for op, summary in summaries.items():
        by_summary.setdefault(summary, []).append(op)
    assert {summary: ops for summary, ops in by_summary.items() if len(ops) > 1} == {}
