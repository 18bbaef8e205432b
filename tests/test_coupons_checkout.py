"""The coupons step with every context real: the best coupon is applied in the cart quote, the
preview and the placed order alike; held at placement, used when paid, given back when the
order is cancelled before payment or its trade refunded in full; two checkouts racing for one
coupon: one gets it, the other is refused (409) with nothing placed."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contexts.coupons import services
from contexts.coupons.models import Coupon
from contexts.coupons.tests.support import buyer, make_template
from contexts.ordering.models import Trade
from contexts.ordering.tests.support import place
from shared.events.models import OutboxEvent
from shared.testing import run_concurrently
from tests.support import (
    client_for,
    created,
    make_user,
    open_shop,
    pay,
    real_address,
    sandbox_payments,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(settings, tmp_path):
    sandbox_payments(settings, tmp_path)
    staff = make_user(is_staff=True)
    admin = client_for(staff)
    shop = open_shop(admin, name="C", owner_id=make_user().pk, prices=["60.00"], units=10)
    user = make_user()
    buyer_api = client_for(user)
    template = make_template(total_quantity=10)
    coupon = services.coupon_claim(principal=buyer(user.pk), template_id=template.pk)
    body = {
        "address_id": real_address(buyer_api),
        "items": [{"sku_id": shop["sku_ids"][0], "quantity": 2}],
    }
    return {"admin": admin, "buyer_api": buyer_api, "body": body, "coupon": coupon, "user": user}


def _status(coupon: Coupon) -> str:
    return Coupon.objects.get(pk=coupon.pk).status


def _events(kind: str) -> list[dict]:
    return [e.payload for e in OutboxEvent.objects.filter(event_type=f"coupons.coupon.{kind}.v1")]


def test_the_best_coupon_is_applied_held_and_used_when_paid(world):
    buyer_api, body, coupon = world["buyer_api"], world["body"], world["coupon"]
    preview = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    assert preview["items_amount"] == "120.00"
    coupon_adjustments = [a for a in preview["adjustments"] if a["source"] == "coupons"]
    assert [(a["amount"], a["reference"]) for a in coupon_adjustments] == [
        ("10.00", str(coupon.pk))
    ]

    placed = created(place(buyer_api, {**body, "expected_pay_amount": preview["pay_amount"]}))
    assert placed["pay_amount"] == preview["pay_amount"]
    held = Coupon.objects.get(pk=coupon.pk)
    assert held.status == "held"
    assert held.held_order_nos == [o["order_no"] for o in placed["orders"]]

    pay(buyer_api, placed["trade_no"])
    assert _status(coupon) == "used"
    assert _events("used") == [
        {
            "coupon_id": coupon.pk,
            "template_id": coupon.template_id,
            "user_id": coupon.user_id,
            "trade_no": placed["trade_no"],
        }
    ]
    # Used: the next checkout gets no coupon.
    again = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    assert [a for a in again["adjustments"] if a["source"] == "coupons"] == []


def test_cancelling_before_payment_gives_the_coupon_back(world):
    buyer_api, body, coupon = world["buyer_api"], world["body"], world["coupon"]
    placed = created(place(buyer_api, body))
    assert _status(coupon) == "held"
    for order in placed["orders"]:
        created(buyer_api.post(f"/api/v1/orders/{order['order_no']}/cancel", {}, format="json"))
    assert _status(coupon) == "available"
    assert [e["reason"] for e in _events("returned")] == ["cancelled"]
    replaced = created(place(buyer_api, body))
    assert Decimal(replaced["pay_amount"]) == Decimal("110.00")


def test_a_full_refund_gives_the_coupon_back_and_a_partial_one_does_not(world, settings):
    buyer_api, body, coupon, admin = (
        world["buyer_api"],
        world["body"],
        world["coupon"],
        world["admin"],
    )
    placed = created(place(buyer_api, body))
    payment_no = pay(buyer_api, placed["trade_no"])

    def refund(amount: str):
        return created(
            admin.post(
                f"/api/v1/admin/payments/{payment_no}/refunds",
                {"amount": amount, "reason": "returned goods"},
                format="json",
                HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
            )
        )

    refund("10.00")
    assert _status(coupon) == "used"
    refund(str(Decimal(placed["pay_amount"]) - Decimal("10.00")))
    assert _status(coupon) == "available"
    assert [e["reason"] for e in _events("returned")] == ["refunded"]


def test_a_full_refund_keeps_the_coupon_spent_when_the_setting_is_off(world, settings):
    settings.COUPONS_RETURN_ON_FULL_REFUND = False
    buyer_api, body, coupon, admin = (
        world["buyer_api"],
        world["body"],
        world["coupon"],
        world["admin"],
    )
    placed = created(place(buyer_api, body))
    payment_no = pay(buyer_api, placed["trade_no"])
    created(
        admin.post(
            f"/api/v1/admin/payments/{payment_no}/refunds",
            {"amount": placed["pay_amount"], "reason": "returned goods"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
    )
    assert _status(coupon) == "used"


def test_two_checkouts_racing_for_one_coupon_place_it_once(world, settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    buyer_api, body, coupon = world["buyer_api"], world["body"], world["coupon"]
    item = {**body["items"][0], "quantity": 2}

    def checkout(_: int):
        return place(buyer_api, {**body, "items": [item]})

    answers = run_concurrently(2, checkout)
    statuses = sorted(a.status_code for a in answers)
    assert statuses[0] == 201
    if statuses[1] == 409:
        loser = next(a for a in answers if a.status_code == 409)
        assert loser.json()["error"]["code"] == "coupon_unavailable"
        assert Trade.objects.count() == 1
    else:  # the second quoted after the first committed: it placed without the coupon
        assert statuses == [201, 201]
        assert sorted(a.json()["pay_amount"] for a in answers) == ["110.00", "120.00"]
    assert _status(coupon) == "held"


def test_the_buyer_chooses_coupons_or_none_and_sees_the_suggestion(world):
    buyer_api, body, coupon, user = (
        world["buyer_api"],
        world["body"],
        world["coupon"],
        world["user"],
    )
    small = make_template(name="3 off", kind="amount_off", amount=Decimal("3.00"), min_spend=0)
    small_coupon = services.coupon_claim(principal=buyer(user.pk), template_id=small.pk)

    def preview(**options):
        return buyer_api.post("/api/v1/checkout/preview", {**body, **options}, format="json")

    best = created(preview())
    assert best["discount_amount"] == "10.00"
    assert [(n["source"], n["reference"], n["applied"]) for n in best["notes"]] == [
        ("coupons", str(coupon.pk), True)
    ]
    none = created(preview(coupon_ids=[]))
    assert (none["discount_amount"], none["notes"]) == ("0.00", [])
    chosen = created(preview(coupon_ids=[small_coupon.pk]))
    assert chosen["discount_amount"] == "3.00"
    assert [(n["reference"], n["applied"]) for n in chosen["notes"]] == [
        (str(small_coupon.pk), True),
        (str(coupon.pk), False),  # the better one is suggested
    ]
    both = preview(coupon_ids=[small_coupon.pk, coupon.pk])
    assert both.status_code == 422
    assert both.json()["error"]["code"] == "coupon_not_applicable"
    assert both.json()["error"]["details"]["reason"] == "one_per_issuer"
    foreign = preview(coupon_ids=[999_999])
    assert foreign.json()["error"]["details"] == {"coupon_id": 999_999, "reason": "not_found"}
    # Below its threshold: one item costs 60 < 100.
    single = {**body, "items": [{**body["items"][0], "quantity": 1}], "coupon_ids": [coupon.pk]}
    below = buyer_api.post("/api/v1/checkout/preview", single, format="json")
    assert below.json()["error"]["details"]["reason"] == "below_threshold"

    placed = created(place(buyer_api, {**body, "coupon_ids": [small_coupon.pk]}))
    assert placed["pay_amount"] == "117.00"
    assert _status(small_coupon) == "held"
    assert _status(coupon) == "available"


def test_the_cart_quote_and_the_coupon_list_show_the_same_best_coupon(world):
    buyer_api, body, coupon = world["buyer_api"], world["body"], world["coupon"]
    created(buyer_api.post("/api/v1/cart/items", body["items"][0], format="json"))
    quote = created(buyer_api.get("/api/v1/checkout/cart-quote"))
    assert quote["discount_amount"] == "10.00"
    options = created(buyer_api.get("/api/v1/checkout/coupons"))["coupons"]
    assert [(o["coupon_id"], o["discount"], o["usable"], o["suggested"]) for o in options] == [
        (coupon.pk, "10.00", True, True)
    ]
    without = created(buyer_api.get("/api/v1/checkout/cart-quote?no_coupons=true"))
    assert without["discount_amount"] == "0.00"


def test_free_shipping_and_category_coupons_with_the_real_catalog_and_freight(world):
    from contexts.catalog import api as catalog_api

    admin, user = world["admin"], world["user"]
    shop = open_shop(
        admin, name="F", owner_id=make_user().pk, prices=["30.00"], units=5, freight="8.00"
    )
    (sku_id,) = shop["sku_ids"]
    category_id = catalog_api.get_skus(sku_ids=[sku_id])[sku_id].category_id
    free = make_template(name="free shipping", kind="free_shipping", min_spend=Decimal("0"))
    shop_coupon = make_template(
        name="3 off the category",
        issuer="merchant",
        merchant_id=shop["merchant_id"],
        kind="amount_off",
        amount=Decimal("3.00"),
        min_spend=Decimal("0"),
        scope="categories",
        scope_ids=[category_id],
    )
    for template in (free, shop_coupon):
        services.coupon_claim(principal=buyer(user.pk), template_id=template.pk)
    body = {**world["body"], "items": [{"sku_id": sku_id, "quantity": 1}]}

    preview = created(world["buyer_api"].post("/api/v1/checkout/preview", body, format="json"))
    coupons = sorted(
        (a["target"], a["amount"]) for a in preview["adjustments"] if a["source"] == "coupons"
    )
    assert coupons == [("freight", "8.00"), ("items", "3.00")]
    assert preview["pay_amount"] == "27.00"  # 30.00 + 8.00 freight - 8.00 - 3.00
    placed = created(place(world["buyer_api"], {**body, "expected_pay_amount": "27.00"}))
    assert placed["pay_amount"] == "27.00"
    assert Coupon.objects.filter(status="held").count() == 2
