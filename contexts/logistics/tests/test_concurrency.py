"""One default template per merchant under concurrent writers (real threads, MariaDB)."""

from __future__ import annotations

import pytest

from contexts.logistics import services
from contexts.logistics.models import FreightTemplate
from contexts.logistics.tests.conftest import make_template
from shared.auth import SYSTEM
from shared.testing import run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_concurrent_default_switches_leave_exactly_one_default():
    templates = [make_template(name=f"T{i}") for i in range(6)]

    results = run_concurrently(
        6,
        lambda i: services.freight_template_update(
            principal=SYSTEM, template_id=templates[i].pk, data={"is_default": True}
        ),
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert FreightTemplate.objects.filter(merchant_id=1, is_default=True).count() == 1


def test_concurrent_default_creations_leave_at_most_one_default():
    make_template(name="Existing", is_default=True)

    results = run_concurrently(6, lambda i: make_template(name=f"New {i}", is_default=True))

    assert not [r for r in results if isinstance(r, Exception)], results
    assert FreightTemplate.objects.filter(merchant_id=1, is_default=True).count() == 1


def test_first_templates_created_as_default_at_once_conflict_instead_of_doubling():
    results = run_concurrently(4, lambda i: make_template(name=f"First {i}", is_default=True))

    errors = [r for r in results if isinstance(r, Exception)]
    assert all(getattr(e, "code", None) == "freight_template_default_conflict" for e in errors)
    assert FreightTemplate.objects.filter(merchant_id=1, is_default=True).count() == 1
