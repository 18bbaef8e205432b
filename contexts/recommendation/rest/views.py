"""Recommendation endpoints: the view-signal ingestion (storefront clients), a product's
sections, a buyer's feed and their cart's sections. Thin: each validates and calls one service
or selector."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.recommendation import selectors, services
from contexts.recommendation.rest import serializers as s
from shared.errors import ValidationFailed
from shared.rest.schema import error_responses
from shared.rest.throttling import (
    BatchedThrottlesMixin,
    ScopedIPRateThrottle,
    ScopedUserRateThrottle,
)


class SignalView(BatchedThrottlesMixin, APIView):
    # Anyone may post: per buyer (per IP for guests, THROTTLE_RECOMMENDATION_SIGNAL) and per
    # client IP whoever is signed in (THROTTLE_RECOMMENDATION_SIGNAL_IP), in one round trip.
    permission_classes = (AllowAny,)
    throttle_classes = (ScopedUserRateThrottle, ScopedIPRateThrottle)
    throttle_scope_user = "recommendation_signal"
    throttle_scope_ip = "recommendation_signal_ip"

    @extend_schema(
        request=s.SignalIn,
        responses={202: s.SignalOut, **error_responses(400, 404, 429)},
        summary="Report a product view (recommendation signal)",
        description="A signed-in buyer's view counts for them; a guest sends a stable "
        '`visitor_id`. Views feed "viewed also viewed", trending and the buyer\'s feed.',
    )
    def post(self, request: Request) -> Response:
        serializer = s.SignalIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user_id = request.user.pk if request.user.is_authenticated else None
        visitor_id = data.get("visitor_id")
        if user_id is None and not visitor_id:
            raise ValidationFailed(
                "A guest's signal needs a visitor_id.",
                details={"visitor_id": ["Required without sign-in."]},
            )
        taken = services.view_record(
            user_id=user_id,
            visitor_id=visitor_id,
            spu_id=data["spu_id"],
            signal_id=data["signal_id"],
        )
        return Response(s.SignalOut({"taken": taken}).data, status=status.HTTP_202_ACCEPTED)


class ProductRecommendationsView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        responses={200: s.ProductSectionsOut, **error_responses(404)},
        summary="Show products that go with a product",
        description="Bought together, viewed also viewed, similar, and trending in its "
        "category (each at most RECOMMENDATION_LIST_SIZE listed products).",
    )
    def get(self, request: Request, spu_id: int) -> Response:
        return Response(s.ProductSectionsOut(selectors.product_page(spu_id=spu_id)).data)


class FeedView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        responses={200: s.FeedOut, **error_responses(401)},
        summary="The signed-in buyer's personalised feed",
        description="Blends what shoppers bought, carted and viewed with what the buyer did, "
        "and similar products; store-wide trending fills up a new buyer's feed.",
    )
    def get(self, request: Request) -> Response:
        return Response(s.FeedOut({"items": selectors.feed(user_id=request.user.pk)}).data)


class CartRecommendationsView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        responses={200: s.CartSectionsOut, **error_responses(401)},
        summary="Products that go with the signed-in buyer's cart",
        description="The same sections as the cart response's `extras.recommendations`.",
    )
    def get(self, request: Request) -> Response:
        sections = selectors.cart_sections_for_buyer(user_id=request.user.pk)
        return Response(s.CartSectionsOut(sections).data)
