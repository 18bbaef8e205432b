"""Promotions through the one pricing pipeline, every context real: the cart quote, the checkout
preview and the placed orders show the same discounts (and the notes) for the same input, and a
70% + 40% stack never gives the goods away."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.ordering.models import Order
from contexts.ordering.tests.support import place
from tests.support import activity, client_for, created, make_user, open_shop, real_address

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def world():
    """Shop A (19.99, 8.00 freight per order) and shop B (100.00, free shipping); a buyer with
    2 x A and 1 x B in the cart and an address."""
    admin = client_for(make_user(is_staff=True))
    shops = {
        "A": open_shop(
            admin, name="A", owner_id=make_user().pk, prices=["19.99"], units=5, freight="8.00"
        ),
        "B": open_shop(admin, name="B", owner_id=make_user().pk, prices=["100.00"], units=5),
    }
    buyer_api = client_for(make_user())
    for sku_id, quantity in ((shops["A"]["sku_ids"][0], 2), (shops["B"]["sku_ids"][0], 1)):
        created(
            buyer_api.post(
                "/api/v1/cart/items", {"sku_id": sku_id, "quantity": quantity}, format="json"
            )
        )
    return shops, buyer_api, {"address_id": real_address(buyer_api)}


def promotion_adjustments(body: dict) -> list[tuple[str, str]]:
    """The promotions' adjustments summed per activity (one per shop it fell on)."""
    totals: dict[str, Decimal] = {}
    for a in body["adjustments"]:
        if a["source"] == "promotions":
            totals[a["reference"]] = totals.get(a["reference"], D(0)) + D(a["amount"])
    return sorted((reference, str(amount)) for reference, amount in totals.items())


def test_cart_quote_preview_and_placed_orders_show_the_same_promotions(world):
    shops, buyer_api, body = world
    a, b = shops["A"]["merchant_id"], shops["B"]["merchant_id"]
    platform = activity(None, "spend_off", {"tiers": [{"threshold": "100", "amount": "10"}]})
    free_shipping = activity(a, "free_shipping", {"threshold": "30"})
    percent = activity(b, "item_percent", {"percent_off": "10"})
    big = activity(b, "spend_off", {"tiers": [{"threshold": "500", "amount": "50"}]}, name="Big")

    quote = created(buyer_api.get("/api/v1/checkout/cart-quote"))
    preview = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    placed = created(place(buyer_api, {**body, "expected_pay_amount": preview["pay_amount"]}))

    # 10.00 split 2.86 / 7.14 over the shops; then 10% of B's 92.86 = 9.29; A ships free.
    items = [(f"activity:{platform.pk}", "10.00"), (f"activity:{percent.pk}", "9.29")]
    assert promotion_adjustments(quote) == sorted(items)  # no freight before an address
    assert promotion_adjustments(preview) == sorted(
        [*items, (f"activity:{free_shipping.pk}", "8.00")]
    )
    assert quote["discount_amount"] == "19.29" and quote["pay_amount"] == "120.69"
    assert preview["discount_amount"] == "27.29"
    assert preview["pay_amount"] == placed["pay_amount"] == "120.69"  # 139.98 + 8.00 - 27.29
    discounts = {
        (o.merchant_id, d["target"], d["reference"]): d["amount"]
        for o in Order.objects.all()
        for d in o.discounts
    }
    assert discounts == {
        (a, "items", f"activity:{platform.pk}"): "2.86",
        (b, "items", f"activity:{platform.pk}"): "7.14",
        (b, "items", f"activity:{percent.pk}"): "9.29",
        (a, "freight", f"activity:{free_shipping.pk}"): "8.00",
    }
    for priced in (quote, preview):
        notes = {n["reference"]: n for n in priced["notes"] if n["source"] == "promotions"}
        assert notes[f"activity:{platform.pk}"]["applied"] is True
        assert notes[f"activity:{big.pk}"]["message"] == "Big: spend 400.00 more to qualify."
        assert notes[f"activity:{big.pk}"]["applied"] is False


def test_seventy_and_forty_percent_through_the_pipeline_never_give_goods_away(world):
    shops, buyer_api, body = world
    a = shops["A"]["merchant_id"]
    seventy = activity(a, "item_percent", {"percent_off": "70"}, exclusive=True)
    activity(a, "item_percent", {"percent_off": "40"})
    activity(
        a, "special_price", {"prices": [{"sku_id": shops["A"]["sku_ids"][0], "price": "0.01"}]}
    )

    preview = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))

    group = next(g for g in preview["groups"] if g["merchant_id"] == a)
    items_paid = D(group["items_amount"]) - sum(
        D(line["discount_amount"]) for line in group["lines"]
    )
    assert items_paid >= D("0.01")
    # The special price (0.01 each) is worth most alone: 39.96 off; the exclusive 70% is not
    # combined with it, and the 40% stacks on what is left (never below the floor).
    refs = {a["reference"] for a in preview["adjustments"] if a["source"] == "promotions"}
    assert f"activity:{seventy.pk}" not in refs
    assert D(preview["pay_amount"]) > 0


@pytest.fixture
def gift_world():
    """Shop G: a tea (50.00, 5 units) and a cup (the gift, 9.90, 2 units); a buyer with 2 teas
    in the cart and an address; a gift activity: one cup with 100.00 of tea."""
    admin = client_for(make_user(is_staff=True))
    shop = open_shop(admin, name="G", owner_id=make_user().pk, prices=["50.00", "9.90"], units=2)
    tea, cup = shop["sku_ids"]
    buyer_api = client_for(make_user())
    created(buyer_api.post("/api/v1/cart/items", {"sku_id": tea, "quantity": 2}, format="json"))
    gift = activity(
        shop["merchant_id"],
        "gift",
        {"threshold": "100.00", "gift_sku_id": cup, "gift_quantity": 1},
        name="Free cup",
    )
    return shop, buyer_api, {"address_id": real_address(buyer_api)}, gift


def reserved(sku_id: int) -> int:
    from contexts.inventory import api as inventory_api

    return inventory_api.availability(sku_ids=[sku_id])[sku_id].reserved


def test_a_gift_is_a_line_priced_zero_whose_stock_is_reserved_and_released(gift_world):
    shop, buyer_api, body, gift = gift_world
    tea, cup = shop["sku_ids"]

    quote = created(buyer_api.get("/api/v1/checkout/cart-quote"))
    preview = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    placed = created(place(buyer_api, {**body, "expected_pay_amount": preview["pay_amount"]}))

    assert [(g["sku_id"], g["quantity"], g["reference"]) for g in quote["gifts"]] == [
        (cup, 1, f"activity:{gift.pk}")
    ]
    assert quote["sku_ids"] == [tea] and quote["pay_amount"] == "100.00"
    lines = {line["sku_id"]: line for line in preview["groups"][0]["lines"]}
    assert lines[cup]["gift"] is True and lines[cup]["pay_amount"] == "0.00"
    assert lines[tea]["gift"] is False
    assert preview["pay_amount"] == placed["pay_amount"] == "100.00"
    order = Order.objects.get()
    gift_line = order.lines.get(sku_id=cup)
    assert (gift_line.gift, gift_line.unit_price, gift_line.pay_amount) == (True, D(0), D(0))
    assert reserved(cup) == 1 and reserved(tea) == 2

    cancelled = buyer_api.post(f"/api/v1/orders/{order.order_no}/cancel")
    assert cancelled.status_code == 200, cancelled.json()
    assert reserved(cup) == 0 and reserved(tea) == 0


def test_a_gift_out_of_stock_is_dropped_with_a_note_and_the_order_placed(gift_world):
    shop, _, body, gift = gift_world
    tea, cup = shop["sku_ids"]
    other = client_for(make_user())
    other_body = {"address_id": real_address(other), "items": [{"sku_id": cup, "quantity": 2}]}
    created(place(other, other_body))  # the last two cups

    buyer_api = gift_world[1]
    preview = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    placed = created(place(buyer_api, {**body, "expected_pay_amount": preview["pay_amount"]}))

    assert [line["sku_id"] for line in preview["groups"][0]["lines"]] == [tea]
    note = next(n for n in preview["notes"] if n["sku_ids"] == [cup])
    assert note["source"] == "promotions" and note["reference"] == f"activity:{gift.pk}"
    assert "out of stock" in note["message"]
    order = Order.objects.get(order_no=placed["orders"][0]["order_no"])
    assert list(order.lines.values_list("sku_id", flat=True)) == [tea]
