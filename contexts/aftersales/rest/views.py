"""After-sales endpoints: the buyer's (apply, list, detail with timeline, return parcel,
withdraw, messages) and the shop's / platform staff's (queue, approve, reject, inspect,
re-ship, arbitrate, messages). Thin: each validates input and calls one service or selector."""

from __future__ import annotations

from collections.abc import Callable

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.aftersales import selectors, services
from contexts.aftersales.rest import serializers as s
from shared.auth import principal_of
from shared.pagination import paginated as _paginated
from shared.rest.schema import PAGE_PARAMETERS as _PAGING
from shared.rest.schema import error_responses
from shared.rest.serializers import validated as _valid

_NO = [OpenApiParameter("request_no", str, OpenApiParameter.PATH)]


def _buyer_detail(request: Request, request_no: str, code: int = status.HTTP_200_OK) -> Response:
    req = selectors.request_of_buyer(buyer_id=request.user.pk, request_no=request_no)
    return Response(s.AftersalesRequestDetailOut(req).data, status=code)


def _staff_detail(request: Request, request_no: str, code: int = status.HTTP_200_OK) -> Response:
    req = selectors.request_for_staff(principal=principal_of(request), request_no=request_no)
    return Response(s.AftersalesStaffRequestDetailOut(req).data, status=code)


def _post_message(request: Request, request_no: str) -> Response:
    data = _valid(s.AftersalesMessageIn, request.data)
    message = services.message_post(
        principal=principal_of(request),
        request_no=request_no,
        body=data["body"],
        attachments=data.get("attachments"),
    )
    return Response(s.AftersalesMessageOut(message).data, status=status.HTTP_201_CREATED)


class _Action(APIView):
    """A POST on one request (or ticket) named in the path: validates `input_class` (none: no
    body), calls `service` with the principal, the path's key and the input, and answers
    `detail` of it. Subclasses differ only by those attributes and their schema."""

    permission_classes = (IsAuthenticated,)
    input_class: type | None = None
    service: Callable[..., object]  # a staticmethod of services
    detail = staticmethod(_staff_detail)
    code = status.HTTP_200_OK

    def post(self, request: Request, **path: str) -> Response:
        data = _valid(self.input_class, request.data) if self.input_class else {}
        self.service(principal=principal_of(request), **path, **data)
        return self.detail(request, *path.values(), self.code)


# --- Buyer ----------------------------------------------------------------------------------


class MyRequestsView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="v1_aftersales_requests_list",
        parameters=[s.AftersalesMyRequestsQuery, *_PAGING],
        responses={200: s.AftersalesRequestPageOut, **error_responses(400, 401)},
        summary="List my after-sales requests",
    )
    def get(self, request: Request) -> Response:
        query = _valid(s.AftersalesMyRequestsQuery, request.query_params)
        rows = selectors.requests_of_buyer(buyer_id=request.user.pk, status=query.get("status"))
        return _paginated(request, self, rows, s.AftersalesRequestOut)

    @extend_schema(
        request=s.AftersalesApplyIn,
        responses={201: s.AftersalesRequestDetailOut, **error_responses(400, 401, 404, 409, 422)},
        summary="Apply for after-sales on a line of my order",
        description="Kinds: refund_only (from payment on), return_refund, exchange, repair "
        "(once shipped). 422 quantity_exceeds_line, amount_exceeds_refundable; 409 "
        "order_not_eligible, aftersales_window_closed.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.AftersalesApplyIn, request.data)
        req = services.request_apply(
            principal=principal_of(request),
            application=services.Application(
                order_no=data["order_no"],
                line_id=data.get("line_id"),
                sku_id=data.get("sku_id"),
                kind=data["kind"],
                quantity=data["quantity"],
                reason_code=data["reason_code"],
                description=data.get("description", ""),
                evidence=tuple(data.get("evidence", ())),
                amount=data.get("amount"),
            ),
        )
        return _buyer_detail(request, req.request_no, status.HTTP_201_CREATED)


class MyRequestView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=_NO,
        responses={200: s.AftersalesRequestDetailOut, **error_responses(401, 404)},
        summary="One of my after-sales requests, with its timeline and messages",
    )
    def get(self, request: Request, request_no: str) -> Response:
        return _buyer_detail(request, request_no)


@extend_schema(
    parameters=_NO,
    request=s.AftersalesShipmentIn,
    responses={200: s.AftersalesRequestDetailOut, **error_responses(400, 401, 404, 409)},
    summary="I sent the goods back (carrier and tracking number)",
)
class ReturnShipmentView(_Action):
    input_class = s.AftersalesShipmentIn
    service = staticmethod(services.request_ship_return)
    detail = staticmethod(_buyer_detail)


@extend_schema(
    parameters=_NO,
    request=None,
    responses={200: s.AftersalesRequestDetailOut, **error_responses(401, 404, 409)},
    summary="Withdraw my request (while nothing was shipped back nor refunded)",
)
class WithdrawView(_Action):
    service = staticmethod(services.request_withdraw)
    detail = staticmethod(_buyer_detail)


class MyMessagesView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=_NO,
        request=s.AftersalesMessageIn,
        responses={201: s.AftersalesMessageOut, **error_responses(400, 401, 404)},
        summary="Write to the merchant and the platform on my request",
    )
    def post(self, request: Request, request_no: str) -> Response:
        selectors.request_of_buyer(buyer_id=request.user.pk, request_no=request_no)
        return _post_message(request, request_no)


# --- Shop staff and platform staff ----------------------------------------------------------


class QueueView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="v1_admin_aftersales_requests_list",
        parameters=[s.AftersalesQueueQuery, *_PAGING],
        responses={200: s.AftersalesStaffRequestPageOut, **error_responses(400, 401, 403)},
        summary="After-sales requests of the shops I handle (aftersales.manage)",
    )
    def get(self, request: Request) -> Response:
        query = _valid(s.AftersalesQueueQuery, request.query_params)
        rows = selectors.request_queue(principal=principal_of(request), **query)
        return _paginated(request, self, rows, s.AftersalesStaffRequestOut)


class StaffRequestView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=_NO,
        responses={200: s.AftersalesStaffRequestDetailOut, **error_responses(401, 403, 404)},
        summary="One request with its timeline and messages",
    )
    def get(self, request: Request, request_no: str) -> Response:
        return _staff_detail(request, request_no)


_STAFF_ERRORS = error_responses(400, 401, 403, 404, 409, 422)


@extend_schema(
    parameters=_NO,
    request=s.AftersalesNoteIn,
    responses={200: s.AftersalesStaffRequestDetailOut, **_STAFF_ERRORS},
    summary="Approve a request (a refund alone is refunded at once)",
)
class ApproveView(_Action):
    input_class = s.AftersalesNoteIn
    service = staticmethod(services.request_approve)


@extend_schema(
    parameters=_NO,
    request=s.AftersalesRejectIn,
    responses={200: s.AftersalesStaffRequestDetailOut, **_STAFF_ERRORS},
    summary="Reject a request, saying why",
)
class RejectView(_Action):
    input_class = s.AftersalesRejectIn
    service = staticmethod(services.request_reject)


@extend_schema(
    parameters=_NO,
    request=s.AftersalesInspectIn,
    responses={200: s.AftersalesStaffRequestDetailOut, **_STAFF_ERRORS},
    summary="Record the receipt and inspection of returned goods",
    description="Passed: a return is restocked and refunded; an exchange or repair waits for "
    "the parcel back. Failed (note required): rejected, staff may arbitrate.",
)
class InspectView(_Action):
    input_class = s.AftersalesInspectIn
    service = staticmethod(services.request_inspect)


@extend_schema(
    parameters=_NO,
    request=s.AftersalesShipmentIn,
    responses={200: s.AftersalesStaffRequestDetailOut, **_STAFF_ERRORS},
    summary="Send the exchanged or repaired goods back to the buyer",
)
class ReshipView(_Action):
    input_class = s.AftersalesShipmentIn
    service = staticmethod(services.request_reship)


@extend_schema(
    parameters=_NO,
    request=s.AftersalesArbitrateIn,
    responses={200: s.AftersalesStaffRequestDetailOut, **_STAFF_ERRORS},
    summary="Arbitrate a rejected request or a failed refund (platform staff)",
)
class ArbitrateView(_Action):
    input_class = s.AftersalesArbitrateIn
    service = staticmethod(services.request_arbitrate)


class StaffMessagesView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=_NO,
        request=s.AftersalesMessageIn,
        responses={201: s.AftersalesMessageOut, **error_responses(400, 401, 403, 404)},
        summary="Write to the buyer on a request",
    )
    def post(self, request: Request, request_no: str) -> Response:
        return _post_message(request, request_no)


# --- Tickets ----------------------------------------------------------------------------------

_TICKET = [OpenApiParameter("ticket_no", str, OpenApiParameter.PATH)]


def _ticket(request: Request, ticket_no: str, code: int = status.HTTP_200_OK) -> Response:
    ticket = selectors.ticket_for(principal=principal_of(request), ticket_no=ticket_no)
    return Response(s.AftersalesTicketDetailOut(ticket).data, status=code)


class MyTicketsView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="v1_aftersales_tickets_list",
        parameters=_PAGING,
        responses={200: s.AftersalesTicketPageOut, **error_responses(401)},
        summary="List my tickets",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.tickets_of_buyer(buyer_id=request.user.pk)
        return _paginated(request, self, rows, s.AftersalesTicketOut)

    @extend_schema(
        request=s.AftersalesTicketOpenIn,
        responses={201: s.AftersalesTicketDetailOut, **error_responses(400, 401, 404)},
        summary="Open a ticket (on one of my after-sales requests, or standalone)",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.AftersalesTicketOpenIn, request.data)
        ticket = services.ticket_open(principal=principal_of(request), **data)
        return _ticket(request, ticket.ticket_no, status.HTTP_201_CREATED)


class TicketView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=_TICKET,
        responses={200: s.AftersalesTicketDetailOut, **error_responses(401, 404)},
        summary="One ticket with its messages (its buyer, the shop, platform staff)",
    )
    def get(self, request: Request, ticket_no: str) -> Response:
        return _ticket(request, ticket_no)


@extend_schema(
    parameters=_TICKET,
    request=s.AftersalesTicketReplyIn,
    responses={201: s.AftersalesTicketDetailOut, **error_responses(400, 401, 404, 409)},
    summary="Write on a ticket",
)
class TicketMessagesView(_Action):
    input_class = s.AftersalesTicketReplyIn
    service = staticmethod(services.ticket_reply)
    detail = staticmethod(_ticket)
    code = status.HTTP_201_CREATED


@extend_schema(
    parameters=_TICKET,
    request=s.AftersalesTicketResolveIn,
    responses={200: s.AftersalesTicketDetailOut, **error_responses(400, 401, 404, 409)},
    summary="Mark a ticket resolved, or close it (the buyer or platform staff)",
)
class TicketResolveView(_Action):
    input_class = s.AftersalesTicketResolveIn
    service = staticmethod(services.ticket_resolve)
    detail = staticmethod(_ticket)


class TicketQueueView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="v1_admin_aftersales_tickets_list",
        parameters=[s.AftersalesTicketQueueQuery, *_PAGING],
        responses={200: s.AftersalesTicketPageOut, **error_responses(400, 401, 403)},
        summary="Tickets to answer, the most overdue first",
    )
    def get(self, request: Request) -> Response:
        query = _valid(s.AftersalesTicketQueueQuery, request.query_params)
        rows = selectors.ticket_queue(principal=principal_of(request), **query)
        return _paginated(request, self, rows, s.AftersalesTicketOut)


@extend_schema(
    parameters=_TICKET,
    request=s.AftersalesTicketAssignIn,
    responses={200: s.AftersalesTicketDetailOut, **error_responses(400, 401, 403, 404)},
    summary="Assign a ticket (platform staff)",
)
class TicketAssignView(_Action):
    input_class = s.AftersalesTicketAssignIn
    service = staticmethod(services.ticket_assign)
    detail = staticmethod(_ticket)


class EvidenceUploadView(APIView):
    permission_classes = (IsAuthenticated,)
    parser_classes = (MultiPartParser,)

    @extend_schema(
        request={"multipart/form-data": s.AftersalesEvidenceIn},
        responses={201: s.AftersalesEvidenceOut, **error_responses(400, 401)},
        summary="Upload an evidence image (for a request, a ticket or a message)",
        description="JPEG, PNG, GIF or WebP (recognised by content), up to "
        "MEDIA_MAX_UPLOAD_BYTES. Returns the key to pass in `evidence` or `attachments`.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.AftersalesEvidenceIn, request.data)
        stored = services.evidence_upload(principal=principal_of(request), upload=data["file"])
        return Response(s.AftersalesEvidenceOut(stored).data, status=status.HTTP_201_CREATED)
