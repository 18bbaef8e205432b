"""Refund races with real threads against MariaDB and every context real: never more refunded
than was paid, never two refunds for one request."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contexts.aftersales import services
from contexts.aftersales.models import AftersalesRequest
from contexts.ordering import api as ordering_api
from contexts.payments.models import Refund
from shared.auth import principal_for_user
from shared.errors import AppError
from shared.testing import run_concurrently
from tests.aftersales_support import paid_order, sandbox_payments, shop_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]
D = Decimal


@pytest.fixture
def world(settings, tmp_path):
    sandbox_payments(settings, tmp_path)
    w = shop_world()
    w["buyer_p"] = principal_for_user(w["buyer"])
    w["merchant_p"] = principal_for_user(w["owner"])
    return w


def application(order_no: str, *, quantity: int, kind: str = "refund_only"):
    line_id = ordering_api.order_line_refundable(order_no=order_no).lines[0].line_id
    return services.Application(
        order_no=order_no, line_id=line_id, kind=kind, quantity=quantity, reason_code="other"
    )


def refunded_total() -> Decimal:
    return sum(Refund.objects.values_list("amount", flat=True), D(0))


def test_two_requests_for_every_unit_of_a_line_at_once_make_one(world):
    order_no = paid_order(world, quantity=2)["order_no"]

    results = run_concurrently(
        4,
        lambda n: services.request_apply(
            principal=world["buyer_p"], application=application(order_no, quantity=2)
        ),
    )

    made = [r for r in results if isinstance(r, AftersalesRequest)]
    refused = [r for r in results if isinstance(r, AppError)]
    assert len(made) == 1, results
    assert {e.code for e in refused} == {"quantity_exceeds_line"}
    services.request_approve(principal=world["merchant_p"], request_no=made[0].request_no)
    assert refunded_total() == D("120.00")


def test_the_merchant_and_the_timer_approving_one_request_at_once_refund_it_once(world):
    order_no = paid_order(world, quantity=2)["order_no"]
    req = services.request_apply(
        principal=world["buyer_p"], application=application(order_no, quantity=1)
    )
    later = timezone.now() + timedelta(days=3)

    def work(n: int):
        if n % 2:
            return services.requests_auto_approve(now=later)
        return services.request_approve(principal=world["merchant_p"], request_no=req.request_no)

    results = run_concurrently(4, work)

    assert not any(isinstance(r, Exception) and not isinstance(r, AppError) for r in results)
    assert Refund.objects.count() == 1
    assert refunded_total() == D("60.00")
    assert AftersalesRequest.objects.get(pk=req.pk).status == "refunded"


def test_refunds_racing_past_what_the_line_was_paid_are_refused_by_the_ledger(world):
    """Two requests whose figures together pass the line (as if each was accepted while the
    other's units still looked free) are approved at once: one is refunded, the other refused
    with nothing written, and the money back never passes what was paid."""
    order_no = paid_order(world, quantity=2)["order_no"]
    first = services.request_apply(
        principal=world["buyer_p"], application=application(order_no, quantity=1)
    )
    second = services.request_apply(
        principal=world["buyer_p"], application=application(order_no, quantity=1)
    )
    AftersalesRequest.objects.filter(pk__in=[first.pk, second.pk]).update(
        quantity=2, amount=D("120.00")
    )
    numbers = [first.request_no, second.request_no]

    results = run_concurrently(
        2,
        lambda n: services.request_approve(principal=world["merchant_p"], request_no=numbers[n]),
    )

    refused = [r for r in results if isinstance(r, AppError)]
    assert len(refused) == 1 and refused[0].code == "refund_exceeds_quantity", results
    assert Refund.objects.count() == 1
    assert refunded_total() == D("120.00")
    statuses = sorted(AftersalesRequest.objects.values_list("status", flat=True))
    assert statuses == ["refunded", "requested"]
    assert ordering_api.get_order(order_no).status == "refunded"


def test_a_return_refund_racing_the_approval_of_another_request_stays_within_the_paid_amount(
    world,
):
    """A refund alone is approved while the merchant's inspection refunds a return of the
    same line: both fit, together they give back exactly what was paid."""
    from tests.aftersales_support import ship

    order_no = paid_order(world, quantity=2)["order_no"]
    ship(world, order_no)
    ret = services.request_apply(
        principal=world["buyer_p"],
        application=application(order_no, quantity=1, kind="return_refund"),
    )
    services.request_approve(principal=world["merchant_p"], request_no=ret.request_no)
    services.request_ship_return(
        principal=world["buyer_p"],
        request_no=ret.request_no,
        carrier_code="sf",
        tracking_number="SF9",
    )
    alone = services.request_apply(
        principal=world["buyer_p"], application=application(order_no, quantity=1)
    )

    def work(n: int):
        if n == 0:
            return services.request_inspect(
                principal=world["merchant_p"], request_no=ret.request_no, passed=True
            )
        return services.request_approve(principal=world["merchant_p"], request_no=alone.request_no)

    results = run_concurrently(2, work)

    assert not any(isinstance(r, Exception) for r in results), results
    assert refunded_total() == D("120.00")
    assert ordering_api.get_order(order_no).status == "refunded"


def test_re_shipping_one_exchange_from_several_threads_takes_its_replacement_once(world):
    from contexts.inventory import api as inventory_api
    from tests.aftersales_support import deliver_and_confirm, ship

    sku = world["sku_id"]
    order_no = paid_order(world, quantity=1)["order_no"]
    ship(world, order_no)
    deliver_and_confirm(world, order_no)
    req = services.request_apply(
        principal=world["buyer_p"], application=application(order_no, quantity=1, kind="exchange")
    )
    services.request_approve(principal=world["merchant_p"], request_no=req.request_no)
    services.request_ship_return(
        principal=world["buyer_p"],
        request_no=req.request_no,
        carrier_code="sf",
        tracking_number="SF-BACK-T",
    )
    services.request_inspect(principal=world["merchant_p"], request_no=req.request_no, passed=True)
    before = inventory_api.availability(sku_ids=[sku])[sku].on_hand

    results = run_concurrently(
        4,
        lambda n: services.request_reship(
            principal=world["merchant_p"],
            request_no=req.request_no,
            carrier_code="sf",
            tracking_number="SF-NEW-T",
        ),
    )

    assert all(isinstance(r, AftersalesRequest) for r in results), results
    assert AftersalesRequest.objects.get(pk=req.pk).status == "completed"
    assert inventory_api.availability(sku_ids=[sku])[sku].on_hand == before - 1
