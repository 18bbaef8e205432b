"""Ordering's endpoints: thin views that validate the shape of a request, call one service or
selector and serialize the result. Rules live in services and the domain; errors become the
shared envelope."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.logistics import api as logistics_api
from contexts.ordering import selectors, services
from contexts.ordering.rest import serializers as s
from shared.auth import principal_of
from shared.errors import ValidationFailed
from shared.pagination import paginated
from shared.rest.parsers import JSONParser
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS, error_responses
from shared.rest.serializers import validated

IDEMPOTENCY_HEADER = "Idempotency-Key"

# Write endpoints take JSON only: any other body (a form, a file upload) is refused with 415
# unsupported_media_type before anything reads it.
JSON_ONLY = (JSONParser,)
NOT_JSON = error_responses(415)


def _checkout_args(data: dict) -> dict:
    items = data.get("items")
    coupon_ids = data.get("coupon_ids")
    return {
        "address_id": data["address_id"],
        "items": None if items is None else [services.CheckoutItem(**item) for item in items],
        "options": services.PricingOptions(
            coupon_ids=None if coupon_ids is None else tuple(coupon_ids),
            points=data.get("points", 0),
        ),
    }


_ORDER_NO = OpenApiParameter("order_no", str, OpenApiParameter.PATH)


# --- Buyer ----------------------------------------------------------------------------------


class CheckoutPreviewView(APIView):
    permission_classes = (IsAuthenticated,)
    parser_classes = JSON_ONLY

    @extend_schema(
        request=s.CheckoutIn,
        responses={200: s.CheckoutPreviewOut, **error_responses(400, 401, 404, 422), **NOT_JSON},
        summary="Preview the checkout for an address",
        description="Prices the checkout (per-merchant groups, freight, discounts) and flags "
        "stock and delivery problems. Writes nothing.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.CheckoutIn, request.data)
        preview = services.checkout_preview(buyer_id=request.user.pk, **_checkout_args(data))
        return Response(s.CheckoutPreviewOut(preview).data)


class CartQuoteView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="v1_checkout_cart_quote",
        parameters=[s.CartQuoteQuery],
        responses={200: s.CartQuoteOut, **error_responses(400, 401, 422)},
        summary="Price the cart's selection before an address is chosen",
        description="The buyer's selected cart lines that can be bought now, priced by the same "
        "pipeline as the preview and the order (every discount step), without freight. "
        "Blocked lines are not counted, as in the cart's totals. Writes nothing.",
    )
    def get(self, request: Request) -> Response:
        query = validated(
            s.CartQuoteQuery,
            {
                **request.query_params.dict(),
                "coupon_ids": request.query_params.getlist("coupon_ids"),
            }
            if "coupon_ids" in request.query_params
            else request.query_params,
        )
        coupon_ids = () if query["no_coupons"] else query.get("coupon_ids")
        options = services.PricingOptions(
            coupon_ids=None if coupon_ids is None else tuple(coupon_ids), points=query["points"]
        )
        quote = services.cart_quote(buyer_id=request.user.pk, options=options)
        return Response(s.CartQuoteOut(quote).data)


class OrderListView(APIView):
    permission_classes = (IsAuthenticated,)
    parser_classes = JSON_ONLY

    @extend_schema(
        operation_id="v1_orders_list",
        parameters=[OpenApiParameter("status", str, enum=s.STATUS_CHOICES), *PAGE_PARAMETERS],
        responses={200: s.OrderPageOut, **error_responses(400, 401)},
        summary="List the buyer's orders",
    )
    def get(self, request: Request) -> Response:
        filters = validated(s.OrderFilterIn, request.query_params)
        orders = selectors.order_list_for_buyer(buyer_id=request.user.pk, **filters)
        return paginated(request, self, orders, s.OrderOut)

    @extend_schema(
        operation_id="v1_orders_place",
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_HEADER,
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="Unique per attempt to place this order; a retry with the same key "
                "and body returns the first response and creates nothing.",
            )
        ],
        request=s.PlaceOrderIn,
        responses={
            201: s.PlacedTradeOut,
            **error_responses(400, 401, 404, 409, 422),
            **NOT_JSON,
        },
        summary="Place orders from the cart or buy-now items",
        description="Places one order per merchant under one trade (one payment) and reserves "
        "the stock. A repeat with the same key and body replays the first response "
        "(header Idempotent-Replayed: true); 409 idempotency_key_reused when the key was used "
        "with another body, idempotency_key_busy when requests with the key keep colliding "
        "(retry); 409 price_changed when expected_pay_amount is sent and the order would now "
        "cost another amount (details: expected_pay_amount, pay_amount; nothing is placed).",
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key or len(key) > services.KEY_MAX_LENGTH:
            raise ValidationFailed(
                f"The {IDEMPOTENCY_HEADER} header is required "
                f"(at most {services.KEY_MAX_LENGTH} characters).",
                code="idempotency_key_required",
            )
        data = validated(s.PlaceOrderIn, request.data)
        remarks = {r["merchant_id"]: r["remark"] for r in data.get("remarks", [])}

        def place() -> tuple[int, dict]:
            placed = services.order_place(
                buyer_id=request.user.pk,
                remarks=remarks,
                expected_pay_amount=data.get("expected_pay_amount"),
                **_checkout_args(data),
            )
            return status.HTTP_201_CREATED, s.PlacedTradeOut(placed).data

        result = services.idempotent_response(
            user_id=request.user.pk,
            key=key,
            # The validated request, not the raw body: what the order is made from.
            request_hash=services.request_fingerprint(data),
            produce=place,
        )
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return Response(result.body, status=result.status, headers=headers)


class OrderDetailView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=[_ORDER_NO],
        responses={200: s.OrderOut, **error_responses(401, 404)},
        summary="Get one of the buyer's orders",
    )
    def get(self, request: Request, order_no: str) -> Response:
        order = selectors.order_get_for_buyer(buyer_id=request.user.pk, order_no=order_no)
        return Response(s.OrderOut(order).data)


class OrderCancelView(APIView):
    permission_classes = (IsAuthenticated,)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[_ORDER_NO],
        request=s.CancelIn,
        responses={200: s.OrderOut, **error_responses(400, 401, 404, 409), **NOT_JSON},
        summary="Cancel an unpaid order",
        description="Only while unpaid; the reserved stock is released.",
    )
    def post(self, request: Request, order_no: str) -> Response:
        data = validated(s.CancelIn, request.data)
        services.order_cancel(
            order_no=order_no, buyer_id=request.user.pk, reason=data.get("reason", "")
        )
        order = selectors.order_get_for_buyer(buyer_id=request.user.pk, order_no=order_no)
        return Response(s.OrderOut(order).data)


class OrderConfirmView(APIView):
    permission_classes = (IsAuthenticated,)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[_ORDER_NO],
        request=None,
        responses={200: s.OrderOut, **error_responses(401, 404, 409)},
        summary="Confirm receipt of an order",
        description="Confirm receipt of a shipped or delivered order: it becomes completed.",
    )
    def post(self, request: Request, order_no: str) -> Response:
        services.order_confirm_receipt(order_no=order_no, buyer_id=request.user.pk)
        order = selectors.order_get_for_buyer(buyer_id=request.user.pk, order_no=order_no)
        return Response(s.OrderOut(order).data)


class OrderShipmentsView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=[_ORDER_NO],
        responses={200: s.ParcelOut(many=True), **error_responses(401, 404)},
        summary="List an order's parcels and tracking",
        description="The parcels of one of my orders, oldest first, each with its route events.",
    )
    def get(self, request: Request, order_no: str) -> Response:
        selectors.order_get_for_buyer(buyer_id=request.user.pk, order_no=order_no)  # 404
        parcels = logistics_api.shipments_for_order(order_no=order_no, with_tracking=True)
        return Response(s.ParcelOut(parcels, many=True).data)


class OrderLogsView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=[_ORDER_NO],
        responses={200: s.OrderLogOut(many=True), **error_responses(401, 404)},
        summary="List an order's status history",
    )
    def get(self, request: Request, order_no: str) -> Response:
        logs = selectors.order_logs_for_buyer(buyer_id=request.user.pk, order_no=order_no)
        return Response(s.OrderLogOut(logs, many=True).data)


# --- Back office: staff see every shop, shop staff their own shops -------------------------


class AdminOrderListView(APIView):
    permission_classes = (HasPermission("order.read"),)

    @extend_schema(
        operation_id="v1_admin_orders_list",
        parameters=[
            OpenApiParameter("order_no", str),
            OpenApiParameter("buyer_id", int),
            OpenApiParameter("status", str, enum=s.STATUS_CHOICES),
            OpenApiParameter("created_from", str, description="ISO 8601, inclusive."),
            OpenApiParameter("created_to", str, description="ISO 8601, exclusive."),
            *PAGE_PARAMETERS,
        ],
        responses={200: s.AdminOrderPageOut, **error_responses(400, 401, 403)},
        summary="Search orders (merchant)",
    )
    def get(self, request: Request) -> Response:
        filters = validated(s.AdminOrderFilterIn, request.query_params)
        orders = selectors.order_search(principal=principal_of(request), **filters)
        return paginated(request, self, orders, s.AdminOrderOut)


class AdminOrderDetailView(APIView):
    permission_classes = (HasPermission("order.read"),)

    @extend_schema(
        parameters=[_ORDER_NO],
        responses={200: s.AdminOrderDetailOut, **error_responses(401, 403, 404)},
        summary="Get an order in the back office (merchant)",
    )
    def get(self, request: Request, order_no: str) -> Response:
        order = selectors.order_get_for_back_office(
            order_no=order_no, principal=principal_of(request)
        )
        return Response(s.AdminOrderDetailOut(order).data)


class AdminOrderShipmentsView(APIView):
    permission_classes = (HasPermission("order.ship"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[_ORDER_NO],
        request=s.ParcelIn,
        responses={
            201: s.ParcelCreatedOut,
            **error_responses(400, 401, 403, 404, 409, 422, 503),
            **NOT_JSON,
        },
        summary="Ship a parcel of an order (merchant)",
        description="A parcel of a paid order with the carrier and the merchant's tracking number, "
        "or `waybill: true` for an e-waybill from the carrier (its number and label data come "
        "back). `lines` default to everything not shipped yet; more than is left is a 422 "
        "`over_shipped`. The first parcel moves the order to shipped; it becomes delivered "
        "when tracking reports every parcel delivered.",
    )
    def post(self, request: Request, order_no: str) -> Response:
        data = validated(s.ParcelIn, request.data)
        lines = data.get("lines")
        merged: dict[int, int] | None = None
        if lines is not None:
            merged = {}
            for line in lines:
                merged[line["sku_id"]] = merged.get(line["sku_id"], 0) + line["quantity"]
        shipment = services.order_shipment_create(
            order_no=order_no,
            actor_id=request.user.pk,
            principal=principal_of(request),
            carrier_code=data["carrier_code"],
            tracking_number=data.get("tracking_number", ""),
            waybill=data.get("waybill", False),
            lines=merged,
        )
        return Response(s.ParcelCreatedOut(shipment).data, status=status.HTTP_201_CREATED)


class AdminOrderDeliverView(APIView):
    permission_classes = (HasPermission("order.deliver"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[_ORDER_NO],
        request=None,
        responses={200: s.AdminOrderDetailOut, **error_responses(401, 403, 404, 409)},
        summary="Mark an order delivered (staff)",
        description="Staff only: shipped -> delivered by hand (tracking normally does it when "
        "every parcel is delivered).",
    )
    def post(self, request: Request, order_no: str) -> Response:
        principal = principal_of(request)
        services.order_deliver(order_no=order_no, actor_id=request.user.pk, principal=principal)
        order = selectors.order_get_for_back_office(order_no=order_no, principal=principal)
        return Response(s.AdminOrderDetailOut(order).data)


class AdminOrderNotesView(APIView):
    permission_classes = (HasPermission("order.note.write"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[_ORDER_NO],
        request=s.NoteIn,
        responses={201: s.OrderNoteOut, **error_responses(400, 401, 403, 404), **NOT_JSON},
        summary="Add an internal note to an order (merchant)",
    )
    def post(self, request: Request, order_no: str) -> Response:
        data = validated(s.NoteIn, request.data)
        note = services.order_note_add(
            order_no=order_no,
            author_id=request.user.pk,
            principal=principal_of(request),
            body=data["body"],
        )
        return Response(s.OrderNoteOut(note).data, status=status.HTTP_201_CREATED)
