"""A merchant profile for an id no shop can have, against the real catalog api (the other
settlement tests fake it): a 400 in the envelope, never the 500 the fuzzer found on SQLite
(the id reached the query and overflowed), and no profile written."""

from __future__ import annotations

import pytest

from contexts.settlement.models import MerchantProfile

pytestmark = pytest.mark.django_db
URL = "/api/v1/admin/settlement/merchants/{}/profile"


@pytest.fixture
def catalog():
    """Overrides the package's faked catalog api: these requests reach the real one."""


@pytest.mark.parametrize("merchant_id", [2**63, 2**64 + 1, 10**30, 0])
def test_a_profile_for_an_impossible_merchant_id_is_a_validation_error(staff_api, merchant_id):
    body = {"cycle": "daily", "payee_provider": "sandbox", "payee_account": "6222"}
    response = staff_api.put(URL.format(merchant_id), body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["details"]["fields"]) == (
        "validation_error",
        {"merchant_id": ["No such merchant."]},
    )
    assert not MerchantProfile.objects.exists()
