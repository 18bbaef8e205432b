"""Membership benefits through the one pricing pipeline, every context real: a member's cart
quote, preview and placed order waive the freight and take the member price off the items; a
non-member (or a lapsed member) pays both."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.ordering.models import Order
from contexts.ordering.tests.support import place
from contexts.subscription import services as subscription_services
from contexts.subscription.models import Membership
from shared.auth import SYSTEM, principal_from
from tests.support import client_for, created, make_user, open_shop, real_address

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def world():
    """A shop selling tea at 50.00 with 8.00 freight per order, and a plan with free shipping
    and a 5% member price."""
    admin = client_for(make_user(is_staff=True))
    shop = open_shop(
        admin, name="M", owner_id=make_user().pk, prices=["50.00"], units=10, freight="8.00"
    )
    plan = subscription_services.plan_create(
        principal=SYSTEM,
        draft=subscription_services.PlanDraft(
            code="plus",
            name="Plus",
            period="monthly",
            price=D("25.00"),
            free_shipping=True,
            member_discount_percent=D("5"),
        ),
    )
    return shop, plan


def _buyer(shop):
    user = make_user()
    api = client_for(user)
    created(
        api.post("/api/v1/cart/items", {"sku_id": shop["sku_ids"][0], "quantity": 2}, format="json")
    )
    return user, api, {"address_id": real_address(api)}


def _member(user, plan):
    invoice = subscription_services.subscribe(
        principal=principal_from(user_id=user.pk), plan_id=plan.pk
    ).invoice
    subscription_services.invoice_paid(
        invoice_no=invoice.invoice_no, payment_no=f"P-{user.pk}", amount=invoice.amount
    )


def _by_source(body: dict) -> dict[tuple[str, str], str]:
    totals: dict[tuple[str, str], Decimal] = {}
    for a in body["adjustments"]:
        key = (a["source"], a["target"])
        totals[key] = totals.get(key, D(0)) + D(a["amount"])
    return {key: str(value) for key, value in totals.items()}


def test_a_member_ships_free_and_pays_the_member_price(world):
    shop, plan = world
    user, api, body = _buyer(shop)
    _member(user, plan)

    quote = created(api.get("/api/v1/checkout/cart-quote"))
    preview = created(api.post("/api/v1/checkout/preview", body, format="json"))
    placed = created(place(api, {**body, "expected_pay_amount": preview["pay_amount"]}))

    assert _by_source(quote) == {("membership", "items"): "5.00"}
    assert quote["pay_amount"] == "95.00"
    assert preview["freight_amount"] == "8.00"
    assert _by_source(preview) == {
        ("membership", "items"): "5.00",
        ("membership", "freight"): "8.00",
    }
    assert preview["pay_amount"] == placed["pay_amount"] == "95.00"  # 100.00 + 8.00 - 13.00
    order = Order.objects.get()
    assert (order.freight_amount, order.discount_amount, order.pay_amount) == (
        D("8.00"),
        D("13.00"),
        D("95.00"),
    )
    assert {(d["target"], d["amount"]) for d in order.discounts} == {
        ("items", "5.00"),
        ("freight", "8.00"),
    }


def test_a_non_member_pays_the_freight_and_the_full_price(world):
    shop, _ = world
    _, api, body = _buyer(shop)
    preview = created(api.post("/api/v1/checkout/preview", body, format="json"))
    placed = created(place(api, body))
    assert _by_source(preview) == {}
    assert preview["pay_amount"] == placed["pay_amount"] == "108.00"


def test_a_membership_that_ended_gives_nothing(world):
    shop, plan = world
    user, api, body = _buyer(shop)
    _member(user, plan)
    principal = principal_from(user_id=user.pk)
    subscription_services.cancel(principal=principal)
    end = Membership.objects.get(user_id=user.pk).current_period_end
    subscription_services.renewals_run(now=end)
    preview = created(api.post("/api/v1/checkout/preview", body, format="json"))
    assert preview["pay_amount"] == "108.00"
