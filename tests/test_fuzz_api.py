"""Every operation in the OpenAPI schema, fuzzed in-process with schemathesis.

Three identities (anonymous, a buyer, staff) against a small seeded catalog. Each operation gets a
bounded, derandomized number of generated requests (valid and invalid); every response must be no
server error and conform to the schema: a documented status code, content type and body. A context
added later is fuzzed here without any change, since the operations come from the schema.
"""

from __future__ import annotations

import time

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

# Committed transactions, as deployed: a request that fails in the database rolls back only itself.
pytestmark = [pytest.mark.fuzz, pytest.mark.django_db(transaction=True)]

EXAMPLES_PER_OPERATION = 12
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _headers(identity: str) -> dict[str, str]:
    if identity == "anonymous":
        return {}
    email = "admin@example.com" if identity == "staff" else "buyer1@example.com"
    user = get_user_model().objects.get(email=email)
    return {"Authorization": f"Bearer {RefreshToken.for_user(user).access_token}"}


def _fuzz_operation(operation, headers: dict[str, str], counter: list[int]) -> None:
    # Valid and invalid requests alike (negative data must give a documented 4xx, not a 500).
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    def run(case):
        counter[0] += 1
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.mark.parametrize("identity", ["anonymous", "buyer", "staff"])
def test_every_operation_fuzzed_without_server_errors_and_conforming_to_schema(identity, capsys):
    call_command("load_demo_data", users=1, products=3, skus_per_product=2, stock=50, verbosity=0)
    headers = _headers(identity)
    app = get_wsgi_application()
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", app)
    failures: dict[str, str] = {}
    counter = [0]
    operations = 0
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            _fuzz_operation(operation, headers, counter)
        except (Exception, BaseExceptionGroup) as exc:  # every operation's failure is collected
            failures[f"{operation.method.upper()} {operation.path}"] = str(exc)[:1500]
    with capsys.disabled():
        print(
            f"\nfuzz[{identity}]: {operations} operations, {counter[0]} requests, "
            f"{time.monotonic() - started:.1f}s, {len(failures)} failing operations"
        )
    assert operations > 50
    assert failures == {}, "\n\n".join(f"{op}:\n{msg}" for op, msg in failures.items())
