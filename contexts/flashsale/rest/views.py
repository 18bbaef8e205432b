"""Flash sale endpoints: the storefront (sessions, purchase token, purchase, ticket) and the
staff/merchant back office (sessions, items, schedule, cancel). Thin: each validates input and
calls one service or selector."""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from contexts.flashsale import selectors, services, tasks
from contexts.flashsale.rest import serializers as s
from shared.auth import principal_of
from shared.pagination import paginated
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS, error_responses
from shared.rest.serializers import validated
from shared.rest.throttling import (
    BatchedThrottlesMixin,
    ScopedIPRateThrottle,
    ScopedUserRateThrottle,
)


class SessionsView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="v1_flash_sessions_list",
        responses={200: s.StorefrontSessionsOut, **error_responses(429)},
        summary="Current and upcoming flash sale sessions",
        description="Sessions selling now and the next ones, soonest first, each item with the "
        "units left (`remaining`, null before the sale opens) and countdowns from the server's "
        "clock (`server_time`).",
    )
    def get(self, request: Request) -> Response:
        now = timezone.now()
        sessions = selectors.storefront_sessions(now=now)
        return Response(
            s.StorefrontSessionsOut(
                {"server_time": now, "sessions": [asdict(x) for x in sessions]}
            ).data
        )


class SessionView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        responses={200: s.StorefrontSessionDetailOut, **error_responses(404)},
        summary="One flash sale session",
    )
    def get(self, request: Request, session_id: int) -> Response:
        now = timezone.now()
        session = selectors.storefront_session(session_id=session_id, now=now)
        return Response(s.StorefrontSessionDetailOut({**asdict(session), "server_time": now}).data)


class PurchaseTokenView(BatchedThrottlesMixin, APIView):
    # The buyer's id is all these endpoints need: no user row read (a deactivated account is
    # still refused), and both rate limits counted in one cache round trip. Per user
    # (THROTTLE_FLASHSALE_USER) and per client IP whoever is signed in (THROTTLE_FLASHSALE_IP).
    user_from_token_claims = True
    permission_classes = (IsAuthenticated,)
    throttle_classes = (ScopedUserRateThrottle, ScopedIPRateThrottle)
    throttle_scope_user = "flashsale_purchase_user"
    throttle_scope_ip = "flashsale_purchase_ip"

    @extend_schema(
        responses={200: s.PurchaseTokenOut, **error_responses(401, 404, 409, 429, 503)},
        summary="A one-time purchase token",
        description="Issued from shortly before the sale starts until it ends (409 "
        "`sale_not_open` otherwise); it works for one purchase call and expires quickly.",
    )
    def get(self, request: Request, item_id: int) -> Response:
        token = services.purchase_token_issue(item_id=item_id, user_id=request.user.pk)
        return Response(s.PurchaseTokenOut(asdict(token)).data)


class PurchaseView(BatchedThrottlesMixin, APIView):
    user_from_token_claims = True
    permission_classes = (IsAuthenticated,)
    throttle_classes = (ScopedUserRateThrottle, ScopedIPRateThrottle)
    throttle_scope_user = "flashsale_purchase_user"
    throttle_scope_ip = "flashsale_purchase_ip"

    @extend_schema(
        request=s.PurchaseIn,
        responses={202: s.TicketOut, **error_responses(400, 401, 403, 404, 409, 429, 503)},
        summary="Buy a flash sale item",
        description="Needs the purchase token (403 `invalid_purchase_token`). When a unit is "
        "yours the answer is 202 with a ticket: poll it until it has an `order_no` (pay that "
        "order within the flash sale's payment window) or it failed. 409 `sold_out`, "
        "`limit_reached`, `sale_not_started`, `sale_ended`; 403 `risk_refused`. The address "
        "must be yours: with the Redis stock engine (the default in production) it is checked "
        "when the order is created, and the ticket fails with `failure_code` "
        "`address_invalid` (the unit goes back); with the database engine the purchase "
        "answers 404.",
    )
    def post(self, request: Request, item_id: int) -> Response:
        data = s.purchase_input(request.data)
        purchase = services.purchase_start(
            item_id=item_id,
            user_id=request.user.pk,
            token=data["token"],
            address_id=data["address_id"],
            quantity=data["quantity"],
            ip=BaseThrottle().get_ident(request) or "",
        )
        ticket_no = purchase.ticket_no
        transaction.on_commit(lambda: tasks.create_order.delay(ticket_no))
        return Response(s.ticket_out(purchase), status=status.HTTP_202_ACCEPTED)


class TicketView(APIView):
    user_from_token_claims = True
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        responses={200: s.TicketOut, **error_responses(401, 404)},
        summary="A flash sale ticket",
        description="`state`: pending (the order is being created), ordered (`order_no`), "
        "failed (`failure_code`: `address_invalid` when the address is not yours, or the "
        "order's refusal code).",
    )
    def get(self, request: Request, ticket_no: str) -> Response:
        purchase = selectors.purchase_get(ticket_no=ticket_no, user_id=request.user.pk)
        return Response(s.ticket_out(purchase))


# --- Back office ----------------------------------------------------------------------------


def _session_detail(request: Request, session) -> Response:
    items = selectors.session_items(session_id=session.pk, principal=principal_of(request))
    return Response(s.SessionDetailOut(session, context={"items": list(items)}).data)


class AdminSessionListView(APIView):
    permission_classes = (HasPermission("flashsale.read"),)

    @extend_schema(
        operation_id="v1_admin_flash_sessions_list",
        parameters=[
            s.SessionListQuery,
            *PAGE_PARAMETERS,
        ],
        responses={200: s.SessionPageOut, **error_responses(400, 401, 403)},
        summary="List flash sale sessions (staff, merchant)",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.SessionListQuery, request.query_params)
        sessions = selectors.session_list(
            principal=principal_of(request), status=query.get("status")
        )
        return paginated(request, self, sessions, s.SessionOut)

    @extend_schema(
        request=s.SessionIn,
        responses={201: s.SessionOut, **error_responses(400, 401, 403)},
        summary="Create a flash sale session (staff)",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.SessionIn, request.data)
        session = services.session_create(principal=principal_of(request), **data)
        return Response(s.SessionOut(session).data, status=status.HTTP_201_CREATED)


class AdminSessionDetailView(APIView):
    permission_classes = (HasPermission("flashsale.read"),)

    @extend_schema(
        responses={200: s.SessionDetailOut, **error_responses(401, 403, 404)},
        summary="A flash sale session with its items (staff, merchant)",
    )
    def get(self, request: Request, session_id: int) -> Response:
        session = selectors.session_get(session_id=session_id, principal=principal_of(request))
        return _session_detail(request, session)

    @extend_schema(
        request=s.SessionUpdateIn,
        responses={200: s.SessionDetailOut, **error_responses(400, 401, 403, 404, 409)},
        summary="Change a draft flash sale session (staff)",
    )
    def patch(self, request: Request, session_id: int) -> Response:
        data = validated(s.SessionUpdateIn, request.data)
        session = services.session_update(
            session_id=session_id, principal=principal_of(request), **data
        )
        return _session_detail(request, session)


class AdminSessionScheduleView(APIView):
    permission_classes = (HasPermission("flashsale.session.write"),)

    @extend_schema(
        request=None,
        responses={200: s.SessionDetailOut, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Schedule a flash sale session (staff)",
        description="Takes every item's flash stock out of normal inventory (422 `out_of_stock`"
        ", nothing taken) and loads the items into the stock engine before the start.",
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = services.session_schedule(session_id=session_id, principal=principal_of(request))
        return _session_detail(request, session)


class AdminSessionCancelView(APIView):
    permission_classes = (HasPermission("flashsale.session.write"),)

    @extend_schema(
        request=None,
        responses={200: s.SessionDetailOut, **error_responses(401, 403, 404, 409)},
        summary="Cancel a flash sale session before it starts (staff)",
        description="The items' flash stock goes back to normal inventory.",
    )
    def post(self, request: Request, session_id: int) -> Response:
        session = services.session_cancel(session_id=session_id, principal=principal_of(request))
        return _session_detail(request, session)


class AdminSessionItemsView(APIView):
    permission_classes = (HasPermission("flashsale.item.write"),)

    @extend_schema(
        request=s.ItemIn,
        responses={201: s.ItemOut, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Add an item to a draft flash sale session (merchant, staff)",
        description="The SKU's shop must be yours (403 `not_your_merchant`); the flash price "
        "is below the SKU's price (422 `flash_price_not_lower`).",
    )
    def post(self, request: Request, session_id: int) -> Response:
        data = validated(s.ItemIn, request.data)
        item = services.item_add(session_id=session_id, principal=principal_of(request), **data)
        return Response(s.ItemOut(item).data, status=status.HTTP_201_CREATED)


class AdminItemView(APIView):
    permission_classes = (HasPermission("flashsale.item.write"),)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Remove an item from a draft flash sale session (merchant, staff)",
    )
    def delete(self, request: Request, item_id: int) -> Response:
        services.item_remove(item_id=item_id, principal=principal_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)
