"""Numbers too large for their columns, and hostile list queries, are 4xx in the envelope, never
a database error (500); the largest unit a column holds is accepted."""

from __future__ import annotations

import pytest

from contexts.logistics.models import FreightTemplate
from contexts.logistics.tests.conftest import make_template
from contexts.logistics.tests.test_templates_rest import LIST, code, detail, payload

pytestmark = pytest.mark.django_db

INT_OVER = 2**31  # one past a PositiveIntegerField (signed 32-bit on every backend)
BIGINT_OVER = 2**63  # one past a BIGINT id column
HUGE = "99999999999999999999999"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"merchant_id": BIGINT_OVER}, "merchant_id"),
        ({"merchant_id": int(HUGE)}, "merchant_id"),
        ({"first_unit": INT_OVER}, "first_unit"),
        ({"additional_unit": INT_OVER}, "additional_unit"),
        ({"first_fee": "1" * 13}, "first_fee"),
        ({"additional_fee": "1e999"}, "additional_fee"),
        ({"free_shipping_threshold": "0.001"}, "free_shipping_threshold"),
        (
            {
                "rules": [
                    {"province_codes": ["110000"], "first_fee": "1" * 13, "additional_fee": "1"}
                ]
            },
            "rules",
        ),
    ],
)
def test_oversized_numbers_are_refused_on_create(staff_api, changes, field):
    response = staff_api.post(LIST, payload(**changes), format="json")
    assert response.status_code == 400, response.content
    assert code(response) == "validation_error"
    assert set(response.json()["error"]["details"]["fields"]) == {field}
    assert not FreightTemplate.objects.exists()


@pytest.mark.parametrize("field", ["first_unit", "additional_unit"])
def test_oversized_units_are_refused_on_update_by_merchant_staff(merchant_api, field):
    template = make_template()
    response = merchant_api.patch(detail(template.pk), {field: INT_OVER}, format="json")
    assert response.status_code == 400, response.content
    assert code(response) == "validation_error"
    template.refresh_from_db()
    assert getattr(template, field) == 1


def test_the_largest_units_a_column_holds_are_accepted(staff_api):
    response = staff_api.post(
        LIST,
        payload(first_unit=INT_OVER - 1, additional_unit=INT_OVER - 1, first_fee="999999999999.99"),
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert FreightTemplate.objects.get().first_unit == INT_OVER - 1


@pytest.mark.parametrize(
    "query",
    [
        {"merchant_id": "abc"},
        {"merchant_id": HUGE},
        {"merchant_id": str(BIGINT_OVER)},
        {"merchant_id": "0"},
        {"page": HUGE},
        {"page": "-1"},
        {"page": "abc"},
        {"page_size": HUGE},
        {"page_size": "-5"},
    ],
)
def test_hostile_list_queries_are_4xx_in_the_envelope(staff_api, query):
    make_template()
    response = staff_api.get(LIST, query)
    assert response.status_code in (200, 400, 404), response.content
    if "merchant_id" in query:
        assert response.status_code == 400
        assert code(response) == "validation_error"
    elif response.status_code == 404:
        assert code(response) == "not_found"


def test_a_huge_template_id_is_not_found(staff_api):
    assert staff_api.get(detail(int(HUGE))).status_code == 404
    assert staff_api.patch(detail(int(HUGE)), {"name": "x"}, format="json").status_code == 404
    assert staff_api.delete(detail(int(HUGE))).status_code == 404
