"""The demo settlement setup loads once."""

from __future__ import annotations

import pytest

from contexts.settlement.demo import demo_settlement_create
from contexts.settlement.models import CommissionRule, MerchantProfile

pytestmark = pytest.mark.django_db


def test_demo_settlement_is_idempotent():
    assert demo_settlement_create(sku_ids_by_merchant={1: [101, 201], 2: [102]}) == 3
    assert demo_settlement_create(sku_ids_by_merchant={1: [101, 201], 2: [102]}) == 0
    assert list(MerchantProfile.objects.values_list("merchant_id", "cycle")) == [
        (1, "daily"),
        (2, "daily"),
    ]
    rule = CommissionRule.objects.get()
    assert (rule.merchant_id, rule.category_id) == (None, 12)  # SKU 101's category
