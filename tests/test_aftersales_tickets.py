"""Tickets (工单) with the real contexts: a thread on a request between the buyer, the shop and
platform staff; who sees what; the SLA escalation timer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contexts.aftersales import services
from contexts.aftersales.models import Ticket
from contexts.ordering import api as ordering_api
from contexts.ordering.tests.support import client_for, created
from shared.events.models import OutboxEvent
from tests.aftersales_support import paid_order, sandbox_payments, shop_world
from tests.support import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world(settings, tmp_path):
    sandbox_payments(settings, tmp_path)
    return shop_world()


def a_request(world) -> str:
    order_no = paid_order(world, quantity=1)["order_no"]
    line = ordering_api.order_line_refundable(order_no=order_no).lines[0]
    return created(
        world["buyer_api"].post(
            "/api/v1/aftersales/requests",
            {
                "order_no": order_no,
                "line_id": line.line_id,
                "kind": "refund_only",
                "quantity": 1,
                "reason_code": "other",
            },
            format="json",
        )
    )["request_no"]


def test_a_ticket_on_a_request_is_a_thread_between_the_three_sides(world):
    buyer_api, merchant_api, admin = world["buyer_api"], world["merchant_api"], world["admin"]
    request_no = a_request(world)

    ticket = created(
        buyer_api.post(
            "/api/v1/aftersales/tickets",
            {"subject": "Where is my refund?", "body": "Please help.", "request_no": request_no},
            format="json",
        )
    )
    no = ticket["ticket_no"]
    assert (ticket["status"], ticket["request_no"]) == ("open", request_no)
    created(
        merchant_api.post(
            f"/api/v1/aftersales/tickets/{no}/messages", {"body": "On it."}, format="json"
        )
    )
    assert created(buyer_api.get(f"/api/v1/aftersales/tickets/{no}"))["status"] == "pending"
    created(
        admin.post(
            f"/api/v1/admin/aftersales/tickets/{no}/assign",
            {"assignee_id": world["admin_user"].pk},
            format="json",
        )
    )
    again = created(
        buyer_api.post(f"/api/v1/aftersales/tickets/{no}/messages", {"body": "?"}, format="json")
    )
    assert again["status"] == "open"
    assert [m["role"] for m in again["messages"]] == ["buyer", "merchant", "buyer"]
    assert created(merchant_api.get("/api/v1/admin/aftersales/tickets"))["count"] == 1

    stranger = client_for(make_user())
    assert stranger.get(f"/api/v1/aftersales/tickets/{no}").status_code == 404
    assert (
        stranger.post(
            f"/api/v1/aftersales/tickets/{no}/messages", {"body": "x"}, format="json"
        ).status_code
        == 404
    )
    other_shop = shop_world()["merchant_api"]
    assert other_shop.get(f"/api/v1/aftersales/tickets/{no}").status_code == 404
    assert other_shop.get("/api/v1/admin/aftersales/tickets").json()["count"] == 0
    assert merchant_api.post(
        f"/api/v1/admin/aftersales/tickets/{no}/assign", {"assignee_id": 1}, format="json"
    ).status_code in (403, 404)

    closed = created(
        buyer_api.post(f"/api/v1/aftersales/tickets/{no}/resolve", {"close": True}, format="json")
    )
    assert closed["status"] == "closed"
    refused = buyer_api.post(
        f"/api/v1/aftersales/tickets/{no}/messages", {"body": "x"}, format="json"
    )
    assert refused.status_code == 409


def test_open_tickets_past_their_sla_are_escalated_once_per_sla(world, settings):
    settings.AFTERSALES_TICKET_SLA_HOURS = 4
    no = created(
        world["buyer_api"].post(
            "/api/v1/aftersales/tickets", {"subject": "Hello", "body": "Anyone?"}, format="json"
        )
    )["ticket_no"]
    soon, late = timezone.now() + timedelta(hours=3), timezone.now() + timedelta(hours=5)

    assert services.tickets_escalate(now=soon) == 0
    assert services.tickets_escalate(now=late) == 1
    assert services.tickets_escalate(now=late) == 0  # safe to re-run
    ticket = Ticket.objects.get(ticket_no=no)
    assert ticket.escalation_level == 1
    assert OutboxEvent.objects.filter(event_type="aftersales.ticket.escalated.v1").count() == 1
    # An answer from the platform stops the clock: nothing escalates while the buyer is awaited.
    created(
        world["admin"].post(
            f"/api/v1/aftersales/tickets/{no}/messages", {"body": "Yes."}, format="json"
        )
    )
    assert services.tickets_escalate(now=late + timedelta(days=3)) == 0
