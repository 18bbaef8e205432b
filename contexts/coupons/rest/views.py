"""Coupons' endpoints: thin views over services and selectors.

Buyers: their coupons, the templates they may claim, claiming (rate limited per user and per
IP, risk checked), redeeming a code (rate limited, guessing locked out). Merchants and staff:
templates (coupons.template.read / write, their shops only) and code batches (staff).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.coupons import selectors, services, tasks
from contexts.coupons.rest import serializers as s
from shared.auth import principal_of
from shared.pagination import paginated
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS, error_responses
from shared.rest.serializers import validated
from shared.rest.throttling import (
    BatchedThrottlesMixin,
    ScopedIPRateThrottle,
    ScopedRateThrottle,
    UserRateThrottle,
)

_TEMPLATE_ID = OpenApiParameter("template_id", int, OpenApiParameter.PATH)


def _client_ip(request: Request, view: APIView) -> str:
    return ScopedIPRateThrottle().get_ident(request) or ""


# --- Buyer ----------------------------------------------------------------------------------


class MyCouponListView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=[s.MyCouponsQuery, *PAGE_PARAMETERS],
        responses={200: s.CouponPageOut, **error_responses(400, 401)},
        summary="List my coupons",
        description="Newest first; `status` available, held (for an unpaid order), used or "
        "expired. An available coupon past its validity is shown as expired.",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.MyCouponsQuery, request.query_params)
        rows = selectors.my_coupons(user_id=request.user.pk, status=query.get("status"))
        return paginated(request, self, rows, s.CouponOut)


class ClaimableTemplateListView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[s.ClaimableQuery, *PAGE_PARAMETERS],
        responses={200: s.TemplatePageOut, **error_responses(400)},
        summary="List coupons open for claiming",
        description="Active templates inside their claim window with coupons left: a shop's "
        "(`merchant_id`), the platform's (`platform=true`), or those covering a SKU "
        "(`sku_id`: a product page).",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.ClaimableQuery, request.query_params)
        rows = selectors.claimable_templates(
            now=timezone.now(),
            merchant_id=query.get("merchant_id"),
            platform=query.get("platform"),
        )
        if query.get("sku_id"):
            rows = services.templates_covering_sku(templates=rows, sku_id=query["sku_id"])
        return paginated(request, self, rows, s.TemplateOut)


class TemplateClaimView(BatchedThrottlesMixin, APIView):
    permission_classes = (HasPermission("coupons.claim"),)
    throttle_classes = (UserRateThrottle, ScopedRateThrottle, ScopedIPRateThrottle)
    throttle_scope = "coupon_claim"
    throttle_scope_ip = "coupon_claim_ip"

    @extend_schema(
        parameters=[_TEMPLATE_ID],
        request=None,
        responses={201: s.CouponOut, **error_responses(401, 403, 404, 409, 422, 429)},
        summary="Claim a coupon",
        description="One coupon of the template for the signed-in buyer. 409 "
        "coupons_exhausted when none is left, claim_limit_reached at the per-user limit; "
        "422 claim_closed outside the claim window, coupon_not_eligible when the template is "
        "for new users or member levels the buyer is not; 403 risk_refused when the risk "
        "check refuses; 429 when claiming too fast (per user and per IP).",
    )
    def post(self, request: Request, template_id: int) -> Response:
        coupon = services.coupon_claim(
            principal=principal_of(request),
            template_id=template_id,
            ip=_client_ip(request, self),
        )
        return Response(s.CouponOut(coupon).data, status=status.HTTP_201_CREATED)


class RedeemView(BatchedThrottlesMixin, APIView):
    permission_classes = (HasPermission("coupons.claim"),)
    throttle_classes = (UserRateThrottle, ScopedRateThrottle, ScopedIPRateThrottle)
    throttle_scope = "coupon_redeem"
    throttle_scope_ip = "coupon_redeem_ip"

    @extend_schema(
        request=s.RedeemIn,
        responses={201: s.CouponOut, **error_responses(400, 401, 403, 404, 409, 422, 429)},
        summary="Redeem a coupon code",
        description="Spaces and dashes are ignored, letters case-insensitive. 404 "
        "coupon_code_invalid for a code that does not exist or is used up; each such attempt "
        "counts, and too many (per user and per IP) lock redeeming for a while (429 "
        "redeem_locked with `retry_after`). 409 coupon_code_already_redeemed for a shared "
        "code used before; the claim rules of the coupon apply (409 claim_limit_reached, "
        "coupons_exhausted; 422 claim_closed, coupon_not_eligible).",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.RedeemIn, request.data)
        coupon = services.coupon_redeem(
            principal=principal_of(request), code=data["code"], ip=_client_ip(request, self)
        )
        return Response(s.CouponOut(coupon).data, status=status.HTTP_201_CREATED)


class CheckoutCouponsView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        responses={200: s.CouponOptionsOut, **error_responses(401, 422)},
        summary="The coupons I can use on my cart's selection",
        description="Each available coupon against the cart's selected lines as the cart quote "
        "prices them (promotions applied, no freight yet): what it would take off on its own, "
        "whether it can be used (else `reason`), and `suggested` for the best combination "
        "(at most one platform coupon and one per shop), which the cart quote, the preview and "
        "the order apply unless `coupon_ids` says otherwise. Suggested first.",
    )
    def get(self, request: Request) -> Response:
        options = services.cart_coupon_options(buyer_id=request.user.pk)
        return Response(s.CouponOptionsOut({"coupons": options}).data)


# --- Merchant and staff -----------------------------------------------------------------------


class AdminTemplateListView(APIView):
    permission_classes = (HasPermission("coupons.template.read"),)

    @extend_schema(
        operation_id="v1_admin_coupon_templates_list",
        parameters=[s.AdminTemplateQuery, *PAGE_PARAMETERS],
        responses={200: s.AdminTemplatePageOut, **error_responses(400, 401, 403)},
        summary="List coupon templates (merchant, staff)",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.AdminTemplateQuery, request.query_params)
        rows = selectors.templates_for(principal=principal_of(request))
        if query.get("merchant_id"):
            rows = rows.filter(merchant_id=query["merchant_id"])
        if query.get("status"):
            rows = rows.filter(status=query["status"])
        return paginated(request, self, rows.order_by("-id"), s.AdminTemplateOut)

    @extend_schema(
        request=s.TemplateIn,
        responses={201: s.AdminTemplateOut, **error_responses(400, 401, 403)},
        summary="Create a coupon template (merchant, staff)",
        description="A merchant issues coupons of its own shop (`issuer: merchant` with its "
        "`merchant_id`); only platform staff issue platform coupons. Kinds: amount_off "
        "(`amount`), percent_off (`percent`, optional `max_discount`), threshold_off (`amount` "
        "once `min_spend` is reached), free_shipping. Validity: fixed (`valid_from`, "
        "`valid_until`) or after_claim (`valid_days`).",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.TemplateIn, request.data)
        template = services.template_create(
            principal=principal_of(request), draft=services.TemplateDraft(**data)
        )
        return Response(s.AdminTemplateOut(template).data, status=status.HTTP_201_CREATED)


class AdminTemplateDetailView(APIView):
    permission_classes = (HasPermission("coupons.template.read"),)

    @extend_schema(
        parameters=[_TEMPLATE_ID],
        responses={200: s.AdminTemplateOut, **error_responses(401, 403, 404)},
        summary="Get a coupon template (merchant, staff)",
    )
    def get(self, request: Request, template_id: int) -> Response:
        template = (
            selectors.templates_for(principal=principal_of(request)).filter(pk=template_id).first()
        )
        if template is None:
            raise services.template_not_found()
        return Response(s.AdminTemplateOut(template).data)

    @extend_schema(
        parameters=[_TEMPLATE_ID],
        request=s.TemplateUpdateIn,
        responses={200: s.AdminTemplateOut, **error_responses(400, 401, 403, 404)},
        summary="Update a coupon template (merchant, staff)",
        description="Rename, pause (`status: paused`) or resume, change the total (never "
        "below what was issued: 400 below_issued) or when claiming ends.",
    )
    def patch(self, request: Request, template_id: int) -> Response:
        data = validated(s.TemplateUpdateIn, request.data)
        template = services.template_update(
            principal=principal_of(request), template_id=template_id, **data
        )
        return Response(s.AdminTemplateOut(template).data)


class AdminCodeBatchCreateView(APIView):
    permission_classes = (HasPermission("coupons.code.write"),)

    @extend_schema(
        parameters=[_TEMPLATE_ID],
        request=s.CodeBatchIn,
        responses={202: s.CodeBatchOut, **error_responses(400, 401, 403, 404)},
        summary="Generate a batch of redeemable codes (staff)",
        description="Codes are generated by a background task; follow `generated` on the "
        "batch, then export them. `max_redemptions` 1 makes one-time codes; more makes a "
        "shared code each buyer redeems once.",
    )
    def post(self, request: Request, template_id: int) -> Response:
        data = validated(s.CodeBatchIn, request.data)
        batch = services.code_batch_create(
            principal=principal_of(request), template_id=template_id, **data
        )
        batch_id = batch.pk
        transaction.on_commit(lambda: tasks.generate_codes.delay(batch_id))
        return Response(s.CodeBatchOut(batch).data, status=status.HTTP_202_ACCEPTED)


_BATCH_ID = OpenApiParameter("batch_id", int, OpenApiParameter.PATH)


class AdminCodeBatchDetailView(APIView):
    permission_classes = (HasPermission("coupons.code.write"),)

    @extend_schema(
        parameters=[_BATCH_ID],
        responses={200: s.CodeBatchOut, **error_responses(401, 403, 404)},
        summary="A code batch's progress (staff)",
    )
    def get(self, request: Request, batch_id: int) -> Response:
        return Response(s.CodeBatchOut(selectors.batch_get(batch_id=batch_id)).data)


class AdminCodeExportView(APIView):
    permission_classes = (HasPermission("coupons.code.write"),)

    @extend_schema(
        parameters=[_BATCH_ID, *PAGE_PARAMETERS],
        responses={200: s.CodePageOut, **error_responses(401, 403, 404)},
        summary="Export a batch's codes (staff)",
        description="The codes in full, to hand out; the only place they are shown.",
    )
    def get(self, request: Request, batch_id: int) -> Response:
        batch = selectors.batch_get(batch_id=batch_id)
        return paginated(request, self, selectors.codes_of(batch_id=batch.pk), s.CodeOut)
