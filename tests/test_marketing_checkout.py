"""Promotions, coupons and points together through the one pricing pipeline, every context real
(payments through the sandbox provider's signed callback): the cart quote, the preview, the placed
order and the payment show the same numbers to the cent; cancelling returns the coupon and the
points; a full refund returns both; a 70% coupon on top of a 40% promotion never gives the goods
away."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from contexts.coupons import services as coupon_services
from contexts.coupons.models import Coupon
from contexts.coupons.tests.support import buyer as buyer_principal
from contexts.coupons.tests.support import make_template
from contexts.loyalty import services as loyalty_services
from contexts.loyalty.models import PointsAccount
from contexts.ordering.models import Order
from contexts.ordering.tests.support import place
from contexts.payments.models import Payment
from contexts.promotions import services as promotion_services
from shared.auth import SYSTEM
from tests.support import (
    activity,
    client_for,
    created,
    make_user,
    open_shop,
    pay,
    real_address,
    sandbox_payments,
)

pytestmark = pytest.mark.django_db(transaction=True)
D = Decimal


@pytest.fixture
def world(settings, tmp_path):
    """A shop selling at 60.00 (8.00 freight per order); a buyer with 2 in the cart, 3000 points
    and a claimed platform coupon "10 off 100"; the platform's promotion "10 off 100"."""
    sandbox_payments(settings, tmp_path)
    settings.LOYALTY_POINTS_PER_YUAN = 100
    settings.LOYALTY_MAX_SHARE = "0.5"
    settings.LOYALTY_MIN_BALANCE_TO_SPEND = 100
    admin = client_for(make_user(is_staff=True))
    shop = open_shop(
        admin, name="M", owner_id=make_user().pk, prices=["60.00"], units=10, freight="8.00"
    )
    user = make_user()
    buyer_api = client_for(user)
    loyalty_services.points_adjust(principal=SYSTEM, user_id=user.pk, delta=3000, reason="test")
    coupon = coupon_services.coupon_claim(
        principal=buyer_principal(user.pk), template_id=make_template(total_quantity=10).pk
    )
    promotion = activity(None, "spend_off", {"tiers": [{"threshold": "100", "amount": "10"}]})
    created(
        buyer_api.post(
            "/api/v1/cart/items", {"sku_id": shop["sku_ids"][0], "quantity": 2}, format="json"
        )
    )
    return {
        "admin": admin,
        "buyer_api": buyer_api,
        "user": user,
        "coupon": coupon,
        "promotion": promotion,
        "shop": shop,
        "body": {"address_id": real_address(buyer_api), "points": 1000},
    }


def by_source(body: dict) -> dict[str, str]:
    totals: dict[str, Decimal] = {}
    for a in body["adjustments"]:
        totals[a["source"]] = totals.get(a["source"], D(0)) + D(a["amount"])
    return {source: str(amount) for source, amount in totals.items()}


def points(user_id: int) -> tuple[int, int]:
    account = PointsAccount.objects.get(user_id=user_id)
    return account.balance, account.held


def coupon_status(coupon: Coupon) -> str:
    return Coupon.objects.get(pk=coupon.pk).status


def test_promotion_coupon_and_points_agree_from_cart_to_payment(world):
    buyer_api, body, user = world["buyer_api"], world["body"], world["user"]

    quote = created(buyer_api.get("/api/v1/checkout/cart-quote?points=1000"))
    preview = created(buyer_api.post("/api/v1/checkout/preview", body, format="json"))
    placed = created(place(buyer_api, {**body, "expected_pay_amount": preview["pay_amount"]}))

    # 120.00 - 10.00 (promotion) - 10.00 (coupon: 110.00 still reaches 100) - 10.00 (1000
    # points) = 90.00; the preview adds 8.00 freight.
    expected = {"promotions": "10.00", "coupons": "10.00", "points": "10.00"}
    assert by_source(quote) == by_source(preview) == expected
    assert quote["pay_amount"] == "90.00"
    assert preview["pay_amount"] == placed["pay_amount"] == "98.00"
    order = Order.objects.get()
    assert (order.items_amount, order.freight_amount, order.discount_amount) == (
        D("120.00"),
        D("8.00"),
        D("30.00"),
    )
    assert sum(line.pay_amount for line in order.lines.all()) == D("90.00")
    assert {n["source"] for n in preview["notes"]} >= {"promotions", "coupons"}
    assert coupon_status(world["coupon"]) == "held"
    assert points(user.pk) == (2000, 1000)

    payment_no = pay(buyer_api, placed["trade_no"])

    assert Payment.objects.get(payment_no=payment_no).amount == D("98.00")
    order.refresh_from_db()
    assert order.status == "paid" and order.pay_amount == D("98.00")
    assert coupon_status(world["coupon"]) == "used"
    assert points(user.pk) == (2000, 0)


def test_cancelling_before_payment_returns_the_coupon_and_the_points(world):
    buyer_api, body, user = world["buyer_api"], world["body"], world["user"]
    placed = created(place(buyer_api, body))
    assert coupon_status(world["coupon"]) == "held" and points(user.pk) == (2000, 1000)

    (order,) = placed["orders"]
    created(buyer_api.post(f"/api/v1/orders/{order['order_no']}/cancel", {}, format="json"))

    assert coupon_status(world["coupon"]) == "available"
    assert points(user.pk) == (3000, 0)


def test_a_full_refund_returns_the_coupon_and_the_spent_points(world):
    buyer_api, body, user, admin = world["buyer_api"], world["body"], world["user"], world["admin"]
    placed = created(place(buyer_api, body))
    payment_no = pay(buyer_api, placed["trade_no"])
    assert points(user.pk) == (2000, 0)

    created(
        admin.post(
            f"/api/v1/admin/payments/{payment_no}/refunds",
            {"amount": placed["pay_amount"], "reason": "returned goods"},
            format="json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
    )

    assert coupon_status(world["coupon"]) == "available"
    assert points(user.pk) == (3000, 0)


@pytest.mark.parametrize(
    ("stackable", "expected_pay", "coupon_discount"),
    [
        # Not stackable: the coupon does not touch promoted lines; 60% of 120.00 is paid.
        (False, "72.00", None),
        # Stackable: 70% of what is left after the 40% (72.00 -> 21.60), never 110% off.
        (True, "21.60", "50.40"),
    ],
)
def test_a_seventy_percent_coupon_on_a_forty_percent_promotion_never_gives_goods_away(
    world, stackable, expected_pay, coupon_discount
):
    buyer_api, user, shop = world["buyer_api"], world["user"], world["shop"]
    promotion_services.activity_pause(principal=SYSTEM, activity_id=world["promotion"].pk)
    activity(shop["merchant_id"], "item_percent", {"percent_off": "40"})
    seventy = make_template(
        name="70% off",
        kind="percent_off",
        percent=D("70"),
        max_discount=D("1000.00"),
        min_spend=D("0"),
        stackable_with_promotions=stackable,
    )
    coupon = coupon_services.coupon_claim(
        principal=buyer_principal(user.pk), template_id=seventy.pk
    )

    chosen = buyer_api.get(f"/api/v1/checkout/cart-quote?coupon_ids={coupon.pk}")
    auto = created(buyer_api.get("/api/v1/checkout/cart-quote"))

    assert by_source(auto)["promotions"] == "48.00"
    assert by_source(auto).get("coupons") == coupon_discount
    assert auto["pay_amount"] == expected_pay
    if stackable:
        assert created(chosen)["pay_amount"] == expected_pay
    else:  # chosen anyway: refused with the reason, nothing given away
        assert chosen.status_code == 422
        assert chosen.json()["error"]["code"] == "coupon_not_applicable"
