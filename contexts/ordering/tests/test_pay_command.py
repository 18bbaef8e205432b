"""The development payment command pays exactly the payable amount, once."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from contexts.ordering import api, services
from contexts.ordering.services import CheckoutItem


@pytest.fixture
def placed_trade(world, buyer) -> str:
    world.sku(11, merchant_id=1, price="19.99")
    placed = services.order_place(
        buyer_id=buyer.pk,
        address_id=world.identity.add_address(buyer.pk),
        items=[CheckoutItem(sku_id=11, quantity=2)],
    )
    return placed.trade.trade_no


@pytest.mark.django_db
def test_pay_trade_command_pays_a_placed_trade(placed_trade):
    out = io.StringIO()
    call_command("pay_trade", placed_trade, stdout=out)
    assert "paid" in out.getvalue()
    assert api.get_trade(placed_trade).status == "paid"
    with pytest.raises(CommandError, match="illegal_transition"):
        call_command("pay_trade", placed_trade, stdout=out)


@pytest.mark.django_db
def test_pay_trade_command_rejects_an_unknown_trade():
    with pytest.raises(CommandError, match="no trade"):
        call_command("pay_trade", "T-nope")
