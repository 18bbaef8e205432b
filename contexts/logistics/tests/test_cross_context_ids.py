"""A freight template's merchant is catalog's shop: checked through catalog.api in the service,
so the API and the Django admin (which saves through the service) both refuse a shop that does
not exist."""

from __future__ import annotations

import pytest

from contexts.logistics.models import FreightTemplate
from contexts.logistics.tests.conftest import make_template
from shared.errors import ValidationFailed

pytestmark = pytest.mark.django_db

TEMPLATE = {
    "merchant_id": 999,
    "name": "Standard",
    "charge_by": "piece",
    "first_unit": 1,
    "first_fee": "10.00",
    "additional_unit": 1,
    "additional_fee": "5.00",
}


def test_the_api_refuses_a_template_for_a_shop_that_does_not_exist(staff_api):
    response = staff_api.post("/api/v1/admin/freight-templates", TEMPLATE, format="json")
    body = response.json()
    assert response.status_code == 400, body
    assert "merchant_id" in body["error"]["details"]["fields"]
    assert not FreightTemplate.objects.exists()


def test_the_service_refuses_a_shop_that_does_not_exist():
    with pytest.raises(ValidationFailed) as refused:
        make_template(merchant_id=999)
    assert "merchant_id" in refused.value.details["fields"]
    make_template(merchant_id=1)
    assert FreightTemplate.objects.count() == 1
