"""logistics_api.quote_freight: the merchant's default template priced for one group."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.logistics import api as logistics_api
from contexts.logistics.api import FreightItem
from contexts.logistics.tests.conftest import make_template

pytestmark = pytest.mark.django_db
D = Decimal


def items(*rows) -> list[FreightItem]:
    return [FreightItem(sku_id=i, quantity=q, weight_grams=g, amount=D(a)) for i, q, g, a in rows]


def test_a_shop_without_a_default_template_is_not_deliverable():
    quote = logistics_api.quote_freight(merchant_id=1, province_code="110000", items=items())
    assert quote == logistics_api.FreightQuote(
        merchant_id=1, amount=D("0.00"), deliverable=False, template_id=None, reason="no_template"
    )


def test_only_the_default_template_counts():
    make_template(name="Not default")
    quote = logistics_api.quote_freight(
        merchant_id=1, province_code="110000", items=items((1, 1, 100, "5"))
    )
    assert (quote.reason, quote.deliverable) == ("no_template", False)
    default = make_template(name="Default", is_default=True, first_fee=D("7.00"))
    make_template(merchant_id=2, is_default=True, first_fee=D("99.00"))
    quote = logistics_api.quote_freight(
        merchant_id=1, province_code="110000", items=items((1, 1, 100, "5"))
    )
    assert (quote.amount, quote.template_id, quote.reason) == (D("7.00"), default.pk, "")


def test_pieces_weights_and_amounts_add_up_over_the_group():
    make_template(
        is_default=True,
        charge_by="weight",
        first_unit=1000,
        first_fee=D("10.00"),
        additional_unit=1000,
        additional_fee=D("4.00"),
        free_shipping_threshold=D("100.00"),
        rules=[
            {"province_codes": ["650000"], "first_fee": D("20.00"), "additional_fee": D("9.00")}
        ],
        not_deliverable_provinces=["810000"],
    )
    group = items((1, 2, 400, "30.00"), (2, 1, 1500, "20.00"))  # 2300 g, 50.00
    assert logistics_api.quote_freight(
        merchant_id=1, province_code="310000", items=group
    ).amount == D("18.00")
    assert logistics_api.quote_freight(
        merchant_id=1, province_code="650000", items=group
    ).amount == D("38.00")
    rich = items((1, 2, 400, "60.00"), (2, 1, 1500, "40.00"))  # exactly the threshold
    free = logistics_api.quote_freight(merchant_id=1, province_code="310000", items=rich)
    assert (free.amount, free.reason) == (D("0.00"), "free_shipping_threshold")
    blocked = logistics_api.quote_freight(merchant_id=1, province_code="810000", items=group)
    assert (blocked.deliverable, blocked.reason) == (False, "not_deliverable")


def test_a_quote_costs_two_queries(django_assert_max_num_queries):
    make_template(is_default=True)
    with django_assert_max_num_queries(2):
        logistics_api.quote_freight(
            merchant_id=1, province_code="110000", items=items((1, 3, 1, "1"))
        )
