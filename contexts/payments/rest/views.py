"""Payments' endpoints: thin views over services and selectors.

The callback endpoint takes the raw body (signatures cover its exact bytes), needs no
authentication and no CSRF token, and answers what the provider expects."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.payments import selectors, services
from contexts.payments.models import KEY_LENGTH
from contexts.payments.rest import serializers as s
from shared.auth import principal_of
from shared.errors import ValidationFailed
from shared.pagination import paginated as _paginated
from shared.rest.parsers import JSONParser
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS as _PAGING
from shared.rest.schema import error_responses
from shared.rest.serializers import validated as _valid

IDEMPOTENCY_HEADER = "Idempotency-Key"
JSON_ONLY = (JSONParser,)
NOT_JSON = error_responses(415)


def _idempotency_parameter(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        IDEMPOTENCY_HEADER,
        str,
        OpenApiParameter.HEADER,
        required=True,
        description=f"Unique per attempt to {what}; a retry with the same key and body returns "
        "the first result and creates nothing.",
    )


def _idempotency_key(request: Request) -> str:
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key or len(key) > KEY_LENGTH:
        raise ValidationFailed(
            f"The {IDEMPOTENCY_HEADER} header is required (at most {KEY_LENGTH} characters).",
            code="idempotency_key_required",
        )
    return key


_PAYMENT_NO = OpenApiParameter("payment_no", str, OpenApiParameter.PATH)
_UNAVAILABLE = {
    503: OpenApiResponse(
        response=error_responses(503)[503].response,
        description="The provider is unavailable (payment_provider_unavailable): nothing was "
        "created; retry shortly.",
    )
}


# --- Buyer ----------------------------------------------------------------------------------


class TradePaymentCreateView(APIView):
    permission_classes = (IsAuthenticated,)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[
            OpenApiParameter("trade_no", str, OpenApiParameter.PATH),
            _idempotency_parameter("pay this trade"),
        ],
        request=s.PaymentCreateIn,
        responses={
            201: s.PaymentOut,
            **error_responses(400, 401, 404, 409, 422),
            **NOT_JSON,
            **_UNAVAILABLE,
        },
        summary="Pay a trade through a provider",
        description="Creates a payment of what the trade still has to pay (computed here, "
        "never sent by the client) and answers what the client needs in `client`: a URL to "
        "open, an Alipay order string, a WeChat code URL or JSAPI parameters. A repeat with the "
        "same key and body returns the same payment (header Idempotent-Replayed: true); 409 "
        "idempotency_key_reused with another body, trade_not_payable when the trade is not "
        "awaiting payment; 503 payment_provider_unavailable when the provider cannot be reached.",
    )
    def post(self, request: Request, trade_no: str) -> Response:
        key = _idempotency_key(request)
        data = _valid(s.PaymentCreateIn, request.data)
        created = services.payment_create(
            principal=principal_of(request),
            trade_no=trade_no,
            provider=data["provider"],
            channel=data["channel"],
            payer_openid=data.get("payer_openid", ""),
            idempotency_key=key,
        )
        payment = selectors.payment_get(payment_no=created.payment.payment_no)
        headers = {"Idempotent-Replayed": "true"} if created.replayed else {}
        return Response(s.PaymentOut(payment).data, status=status.HTTP_201_CREATED, headers=headers)


class PayablePaymentCreateView(APIView):
    permission_classes = (IsAuthenticated,)
    parser_classes = JSON_ONLY

    @extend_schema(
        operation_id="v1_payables_payments_create",
        parameters=[
            OpenApiParameter("kind", str, OpenApiParameter.PATH, description="e.g. subscription"),
            OpenApiParameter("reference", str, OpenApiParameter.PATH),
            _idempotency_parameter("pay this"),
        ],
        request=s.PaymentCreateIn,
        responses={
            201: s.PaymentOut,
            **error_responses(400, 401, 404, 409, 422),
            **NOT_JSON,
            **_UNAVAILABLE,
        },
        summary="Pay a subscription invoice (or another payable) through a provider",
        description="As paying a trade, for what a context registered as a payable source "
        "(`kind`): the amount comes from that context, never from the client. 404 for an "
        "unknown kind or reference or another buyer's; 409 not_payable when nothing is owed.",
    )
    def post(self, request: Request, kind: str, reference: str) -> Response:
        key = _idempotency_key(request)
        data = _valid(s.PaymentCreateIn, request.data)
        created = services.payment_create(
            principal=principal_of(request),
            trade_no=reference,
            kind=kind,
            provider=data["provider"],
            channel=data["channel"],
            payer_openid=data.get("payer_openid", ""),
            idempotency_key=key,
        )
        payment = selectors.payment_get(payment_no=created.payment.payment_no)
        headers = {"Idempotent-Replayed": "true"} if created.replayed else {}
        return Response(s.PaymentOut(payment).data, status=status.HTTP_201_CREATED, headers=headers)


class SandboxAgreementSignView(APIView):
    permission_classes = (IsAuthenticated,)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[OpenApiParameter("agreement_no", str, OpenApiParameter.PATH)],
        request=None,
        responses={202: s.PaymentAgreementOut, **error_responses(401, 404, 409)},
        summary="Sign an auto-charge agreement at the sandbox provider",
        description="The sandbox stands in for the provider's signing page: it records the "
        "signature and sends its signed callback, which marks the agreement signed. 404 when "
        "the sandbox is not enabled or the agreement is not yours; 409 agreement_not_pending.",
    )
    def post(self, request: Request, agreement_no: str) -> Response:
        agreement = services.sandbox_agreement_sign(
            buyer_id=request.user.pk, agreement_no=agreement_no
        )
        agreement.refresh_from_db()
        return Response(s.PaymentAgreementOut(agreement).data, status=status.HTTP_202_ACCEPTED)


class PaymentDetailView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=[_PAYMENT_NO],
        responses={200: s.PaymentOut, **error_responses(401, 404)},
        summary="Get one of the buyer's payments",
        description="Its state, and its refunds with the reason the money goes back.",
    )
    def get(self, request: Request, payment_no: str) -> Response:
        payment = selectors.payment_get_for_buyer(buyer_id=request.user.pk, payment_no=payment_no)
        return Response(s.PaymentOut(payment).data)


class SandboxPayView(APIView):
    permission_classes = (IsAuthenticated,)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[_PAYMENT_NO],
        request=None,
        responses={202: s.PaymentOut, **error_responses(401, 404, 409), **NOT_JSON},
        summary="Pay a sandbox payment (development and demo)",
        description="Only when the sandbox provider is enabled. The sandbox marks the buyer's "
        "payment paid on its side and sends its signed callback to our callback endpoint "
        "(by HTTP when PAYMENTS_NOTIFY_BASE_URL is set, else in-process through the same "
        "verification); poll the payment or the trade until it is paid.",
    )
    def post(self, request: Request, payment_no: str) -> Response:
        services.sandbox_pay(principal=principal_of(request), payment_no=payment_no)
        payment = selectors.payment_get_for_buyer(buyer_id=request.user.pk, payment_no=payment_no)
        return Response(s.PaymentOut(payment).data, status=status.HTTP_202_ACCEPTED)


class _RawBody(BaseParser):
    """Accepts any body; the view reads request.body itself (signatures cover its bytes)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        return {}


class NotifyView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = (_RawBody,)
    throttle_classes = ()

    @extend_schema(
        operation_id="v1_payments_notify",
        parameters=[OpenApiParameter("provider", str, OpenApiParameter.PATH)],
        request={"application/x-www-form-urlencoded": OpenApiTypes.STR},
        responses={
            (200, "text/plain"): OpenApiResponse(
                OpenApiTypes.STR, description="The provider's expected answer (success / fail)."
            ),
            **error_responses(404),
        },
        auth=[],
        summary="Receive a payment provider's callback",
        description="Called by the provider, never by a client. The body is verified by the "
        "provider's adapter (signature, app id, format) and checked against our payment "
        "(amount, provider, nonce); the answer is what the provider expects ('success' only "
        "when processed now or before). 404 for a provider that is not enabled.",
    )
    def post(self, request: Request, provider: str) -> HttpResponse:
        answer = services.notification_process(
            provider=provider, headers=dict(request.headers), body=request.body
        )
        return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)


# --- Staff ----------------------------------------------------------------------------------


class AdminPaymentListView(APIView):
    permission_classes = (HasPermission("payment.read"),)

    @extend_schema(
        operation_id="v1_admin_payments_list",
        parameters=[
            OpenApiParameter("q", str, description="A payment, trade, refund or provider number."),
            OpenApiParameter("state", str, enum=s.PAYMENT_STATES),
            OpenApiParameter("provider", str),
            *_PAGING,
        ],
        responses={200: s.PaymentPageOut, **error_responses(400, 401, 403)},
        summary="Search payments",
    )
    def get(self, request: Request) -> Response:
        filters = _valid(s.PaymentFilterIn, request.query_params)
        payments = selectors.payment_list(principal=principal_of(request), **filters)
        return _paginated(request, self, payments, s.AdminPaymentOut)


class AdminPaymentDetailView(APIView):
    permission_classes = (HasPermission("payment.read"),)

    @extend_schema(
        parameters=[_PAYMENT_NO],
        responses={200: s.AdminPaymentOut, **error_responses(401, 403, 404)},
        summary="Get any payment (staff)",
    )
    def get(self, request: Request, payment_no: str) -> Response:
        payment = selectors.payment_get_for_staff(
            principal=principal_of(request), payment_no=payment_no
        )
        return Response(s.AdminPaymentOut(payment).data)


class AdminRefundCreateView(APIView):
    permission_classes = (HasPermission("payment.refund"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[_PAYMENT_NO, _idempotency_parameter("refund this payment")],
        request=s.RefundIn,
        responses={
            201: s.AdminRefundOut,
            **error_responses(400, 401, 403, 404, 409, 422),
            **NOT_JSON,
        },
        summary="Refund a payment, wholly or partly",
        description="The refunds that did not fail never exceed what was paid (422 "
        "refund_exceeds_paid, details.refundable); only a succeeded payment can be refunded "
        "(422 payment_not_refundable). The refund is sent to the provider at once; its result "
        "arrives in the answer, by callback or by reconciliation. The same key and body replay "
        "the first refund (Idempotent-Replayed: true).",
    )
    def post(self, request: Request, payment_no: str) -> Response:
        key = _idempotency_key(request)
        data = _valid(s.RefundIn, request.data)
        requested = services.refund_request(
            principal=principal_of(request),
            payment_no=payment_no,
            amount=data["amount"],
            reason=data["reason"],
            idempotency_key=key,
        )
        refund = requested.refund
        if not requested.replayed:
            refund = services.refund_submit(refund_no=refund.refund_no)
        headers = {"Idempotent-Replayed": "true"} if requested.replayed else {}
        refund = selectors.refund_list(principal=principal_of(request)).get(pk=refund.pk)
        return Response(
            s.AdminRefundOut(refund).data, status=status.HTTP_201_CREATED, headers=headers
        )


class AdminRefundListView(APIView):
    permission_classes = (HasPermission("payment.read"),)

    @extend_schema(
        operation_id="v1_admin_refunds_list",
        parameters=[
            OpenApiParameter("q", str, description="A refund, payment or trade number."),
            OpenApiParameter("state", str, enum=s.REFUND_STATES),
            *_PAGING,
        ],
        responses={200: s.RefundPageOut, **error_responses(400, 401, 403)},
        summary="Search refunds",
    )
    def get(self, request: Request) -> Response:
        filters = _valid(s.RefundFilterIn, request.query_params)
        refunds = selectors.refund_list(principal=principal_of(request), **filters)
        return _paginated(request, self, refunds, s.AdminRefundOut)


class AdminRefundRetryView(APIView):
    permission_classes = (HasPermission("payment.refund"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[OpenApiParameter("refund_no", str, OpenApiParameter.PATH)],
        request=None,
        responses={200: s.AdminRefundOut, **error_responses(401, 403, 404, 422), **NOT_JSON},
        summary="Retry a failed refund",
        description="Sends the failed refund to the provider again under the same number "
        "(422 refund_not_retryable unless it failed).",
    )
    def post(self, request: Request, refund_no: str) -> Response:
        principal = principal_of(request)
        refund = services.refund_retry(principal=principal, refund_no=refund_no)
        refund = selectors.refund_list(principal=principal).get(pk=refund.pk)
        return Response(s.AdminRefundOut(refund).data)


class AdminBillMismatchListView(APIView):
    permission_classes = (HasPermission("payment.read"),)

    @extend_schema(
        operation_id="v1_admin_payment_bill_mismatches_list",
        parameters=[OpenApiParameter("resolved", bool), *_PAGING],
        responses={200: s.BillMismatchPageOut, **error_responses(400, 401, 403)},
        summary="List reconciliation mismatches",
        description="Days on which a provider's bill totals differed from ours (daily check).",
    )
    def get(self, request: Request) -> Response:
        filters = _valid(s.BillMismatchFilterIn, request.query_params)
        mismatches = selectors.bill_mismatch_list(principal=principal_of(request), **filters)
        return _paginated(request, self, mismatches, s.BillMismatchOut)
