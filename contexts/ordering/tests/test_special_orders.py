"""ordering.api.place_special_order: one SKU line at a price a trusted context sets (flash sale,
group buy): freight only, idempotent per source reference, reserve or preallocated stock."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.ordering import api, services
from contexts.ordering.domain.states import OrderStatus
from contexts.ordering.models import Order
from shared.errors import BusinessRuleViolation, ValidationFailed
from shared.events.models import OutboxEvent
from shared.testing import run_concurrently

D = Decimal


@pytest.fixture
def shop(world, buyer):
    world.sku(11, merchant_id=1, price="99.00", stock=10)
    world.logistics.freight[1] = D("6.00")
    world.address_id = world.identity.add_address(buyer.pk)
    return world


def _place(shop, buyer, **overrides):
    arguments = {
        "buyer_id": buyer.pk,
        "address_id": shop.address_id,
        "sku_id": 11,
        "quantity": 1,
        "unit_price": D("9.90"),
        "source": "flashsale",
        "source_ref": "FS-1",
        "payment_timeout_seconds": 300,
        "stock_mode": api.STOCK_RESERVE,
    }
    arguments.update(overrides)
    return api.place_special_order(**arguments)


def _events(event_type: str) -> list[dict]:
    return [e.payload for e in OutboxEvent.objects.filter(event_type=event_type).order_by("id")]


@pytest.mark.django_db
def test_special_price_with_freight_and_no_discount_step(shop, buyer, monkeypatch):
    # A discount step that would grant something to everyone: it must not apply.
    asked = []

    class Rebate(api.PricingStepBase):
        def quote(self, checkout):
            asked.append(checkout)
            return [api.Adjustment(amount=D("1.00"), merchant_id=1, reference="R")]

    monkeypatch.setattr(
        services.PRICING_STEPS,
        "_steps",
        [*services.PRICING_STEPS.steps(), ("rebate", Rebate())],
    )

    info = _place(shop, buyer, quantity=2)

    assert info.created is True
    assert info.pay_amount == D("25.80")  # 2 x 9.90 + 6.00 freight, no rebate
    assert asked == []
    order = Order.objects.get(order_no=info.order_no)
    assert (order.items_amount, order.freight_amount, order.discount_amount) == (
        D("19.80"),
        D("6.00"),
        D("0.00"),
    )
    assert (order.source, order.source_ref, order.stock_mode) == ("flashsale", "FS-1", "reserve")
    line = order.lines.get()
    assert (line.unit_price, line.quantity) == (D("9.90"), 2)
    remaining = (order.payment_deadline - order.created_at).total_seconds()
    assert remaining == 300
    assert shop.inventory.reserved(11) == 2
    placed = _events("ordering.order.placed.v1")
    assert [(p["source"], p["source_ref"], p["from_cart"]) for p in placed] == [
        ("flashsale", "FS-1", False)
    ]


@pytest.mark.django_db
def test_the_same_source_ref_never_places_twice(shop, buyer):
    first = _place(shop, buyer)
    again = _place(shop, buyer, quantity=3, unit_price=D("1.00"))

    assert (again.order_no, again.created) == (first.order_no, False)
    assert Order.objects.count() == 1
    assert shop.inventory.reserved(11) == 1
    assert len(_events("ordering.order.placed.v1")) == 1
    other_source = _place(shop, buyer, source="groupbuy")
    assert other_source.created is True
    assert Order.objects.count() == 2


@pytest.mark.django_db
def test_preallocated_stock_is_not_reserved_committed_or_released(shop, buyer):
    info = _place(shop, buyer, stock_mode=api.STOCK_PREALLOCATED)
    assert shop.inventory.reserve_calls == []

    api.mark_trade_paid(trade_no=info.trade_no, paid_amount=D("15.90"), payment_ref="P-1")
    assert Order.objects.get(order_no=info.order_no).status == OrderStatus.PAID
    assert shop.inventory.reserved(11) == 0

    other = _place(shop, buyer, source_ref="FS-2", stock_mode=api.STOCK_PREALLOCATED)
    services.order_cancel(order_no=other.order_no, buyer_id=buyer.pk)
    cancelled = _events("ordering.order.cancelled.v1")
    assert [(c["source"], c["source_ref"], c["stock_mode"]) for c in cancelled] == [
        ("flashsale", "FS-2", "preallocated")
    ]
    assert shop.inventory.released == []
    paid = _events("ordering.order.paid.v1")
    assert [(p["source"], p["source_ref"]) for p in paid] == [("flashsale", "FS-1")]


@pytest.mark.django_db
def test_reserved_special_order_cancelled_releases_its_stock(shop, buyer):
    info = _place(shop, buyer)
    services.order_cancel(order_no=info.order_no, buyer_id=buyer.pk)

    assert shop.inventory.reserved(11) == 0
    assert _events("ordering.order.cancelled.v1")[0]["stock_mode"] == "reserve"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("quantity", 0),
        ("unit_price", D("-1")),
        ("unit_price", D("1.001")),
        ("unit_price", D("NaN")),
        ("source", ""),
        ("source_ref", "x" * 65),
        ("payment_timeout_seconds", 0),
        ("stock_mode", "borrowed"),
    ],
)
def test_bad_arguments_are_refused_before_anything_is_written(shop, buyer, field, value):
    with pytest.raises(ValidationFailed):
        _place(shop, buyer, **{field: value})
    assert Order.objects.count() == 0


@pytest.mark.django_db
def test_unbuyable_sku_and_undeliverable_address_place_nothing(shop, buyer):
    shop.catalog.add_sku(12, merchant_id=1, purchasable=False)
    with pytest.raises(BusinessRuleViolation) as unavailable:
        _place(shop, buyer, sku_id=12)
    assert unavailable.value.code == "sku_unavailable"

    shop.logistics.undeliverable.add((1, "110000"))
    with pytest.raises(BusinessRuleViolation) as undeliverable:
        _place(shop, buyer)
    assert undeliverable.value.code == "not_deliverable"

    shop.inventory.stock(11, 0)
    shop.logistics.undeliverable.clear()
    with pytest.raises(BusinessRuleViolation) as short:
        _place(shop, buyer)
    assert short.value.code == "out_of_stock"
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.concurrency
def test_concurrent_calls_with_one_source_ref_place_one_order(shop, buyer):
    results = run_concurrently(12, lambda n: _place(shop, buyer, stock_mode=api.STOCK_PREALLOCATED))

    errors = [r for r in results if isinstance(r, Exception)]
    infos = [r for r in results if not isinstance(r, Exception)]
    assert Order.objects.count() == 1
    assert len({i.order_no for i in infos}) == 1
    assert sum(i.created for i in infos) == 1
    # A loser either waited and got the first order, or hit a lock conflict to retry: never 2.
    assert all("Deadlock" in str(e) or "lock" in str(e).lower() for e in errors), errors
