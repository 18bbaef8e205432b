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
