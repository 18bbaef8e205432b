"""The step's lifecycle at the service level: hold refuses a coupon already held, used or not
the buyer's (409, nothing changed); a coupon spread over two orders is released only when both
are cancelled; one whose validity ended meanwhile comes back expired; confirm uses it once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.coupons import services
from contexts.coupons.models import Coupon
from contexts.coupons.tests.support import buyer, make_template
from contexts.ordering import api as ordering_api
from shared.errors import Conflict
from shared.events.models import OutboxEvent

pytestmark = pytest.mark.django_db


def claimed(user_id: int = 5) -> Coupon:
    template = make_template(total_quantity=10, per_user_limit=3)
    return services.coupon_claim(principal=buyer(user_id), template_id=template.pk)


def hold_for(coupon: Coupon, *order_nos: str, buyer_id: int = 5, trade_no: str = "T1"):
    reference = str(coupon.pk)
    return ordering_api.PricingHold(
        trade_no=trade_no,
        buyer_id=buyer_id,
        options={},
        adjustments=(ordering_api.Adjustment(amount=Decimal("10.00"), reference=reference),),
        orders=tuple(
            ordering_api.HeldOrder(
                order_no=o, merchant_id=1, discount_amount=Decimal("5.00"), references=(reference,)
            )
            for o in order_nos
        ),
    )


def settlement(*order_nos: str, trade_no: str = "T1"):
    return ordering_api.PricingSettlement(trade_no=trade_no, buyer_id=5, order_nos=order_nos)


def returned_reasons() -> list[str]:
    return [
        e.payload["reason"]
        for e in OutboxEvent.objects.filter(event_type="coupons.coupon.returned.v1")
    ]


@pytest.mark.parametrize("state", ["held", "used", "expired"])
def test_hold_refuses_a_coupon_no_longer_available(state):
    coupon = claimed()
    Coupon.objects.filter(pk=coupon.pk).update(status=state)
    with pytest.raises(Conflict) as refused:
        services.coupons_hold(hold=hold_for(coupon, "O1"))
    assert refused.value.code == "coupon_unavailable"
    assert Coupon.objects.get(pk=coupon.pk).status == state


def test_hold_refuses_another_buyers_coupon():
    coupon = claimed(user_id=6)
    with pytest.raises(Conflict):
        services.coupons_hold(hold=hold_for(coupon, "O1", buyer_id=5))
    assert Coupon.objects.get(pk=coupon.pk).status == "available"


def test_a_coupon_over_two_orders_comes_back_when_both_are_cancelled():
    coupon = claimed()
    services.coupons_hold(hold=hold_for(coupon, "O1", "O2"))
    held = Coupon.objects.get(pk=coupon.pk)
    assert (held.status, held.held_order_nos, held.trade_no) == ("held", ["O1", "O2"], "T1")

    services.coupons_release(settlement=settlement("O1"))
    assert Coupon.objects.get(pk=coupon.pk).held_order_nos == ["O2"]
    assert returned_reasons() == []
    services.coupons_release(settlement=settlement("O2"))
    back = Coupon.objects.get(pk=coupon.pk)
    assert (back.status, back.held_order_nos, back.trade_no) == ("available", [], "")
    assert back.order_nos == ["O1", "O2"]
    assert returned_reasons() == ["cancelled"]


def test_a_coupon_whose_validity_ended_while_held_comes_back_expired():
    coupon = claimed()
    services.coupons_hold(hold=hold_for(coupon, "O1"))
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=timezone.now() - timedelta(seconds=1))
    services.coupons_release(settlement=settlement("O1"))
    assert Coupon.objects.get(pk=coupon.pk).status == "expired"


def test_confirm_uses_the_coupon_once_and_ignores_other_trades():
    coupon = claimed()
    services.coupons_hold(hold=hold_for(coupon, "O1"))
    services.coupons_confirm(settlement=settlement("O1", trade_no="T2"))
    assert Coupon.objects.get(pk=coupon.pk).status == "held"
    services.coupons_confirm(settlement=settlement("O1"))
    services.coupons_confirm(settlement=settlement("O1"))
    assert Coupon.objects.get(pk=coupon.pk).status == "used"
    assert OutboxEvent.objects.filter(event_type="coupons.coupon.used.v1").count() == 1
    services.coupons_release(settlement=settlement("O1"))  # too late: paid
    assert Coupon.objects.get(pk=coupon.pk).status == "used"
