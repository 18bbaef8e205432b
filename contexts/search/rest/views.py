"""Search endpoints: keyword product search with facets and suggestions (storefront), and order
search (staff). Thin: each validates its query and calls one selector."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.search import selectors
from contexts.search.data import OrderQuery, ProductQuery
from contexts.search.rest import serializers as s
from shared.read_cache import LISTINGS, STOREFRONT, cached_get
from shared.rest.permissions import HasPermission
from shared.rest.schema import error_responses
from shared.rest.throttling import BatchedThrottlesMixin


def _query(serializer_class, request: Request, *, lists: tuple[str, ...] = ()) -> dict:
    data = {**request.query_params.dict(), **{k: request.query_params.getlist(k) for k in lists}}
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ProductSearchView(BatchedThrottlesMixin, APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="v1_search_products",
        parameters=[s.ProductSearchQuery],
        responses={200: s.ProductSearchOut, **error_responses(400)},
        summary="Search listed products by keywords, with filters, facets and sorts",
        description="Every latin word of `q` must match (title, subtitle, brand, category or an "
        "attribute value; typos are forgiven on Elasticsearch); Chinese text matches by "
        "character pairs. Facets count every match, not only the page.",
    )
    @cached_get((STOREFRONT, LISTINGS))
    def get(self, request: Request) -> Response:
        query = _query(s.ProductSearchQuery, request, lists=("attr",))
        page = selectors.products_search(
            query=ProductQuery(
                text=query["q"],
                category_id=query.get("category"),
                brand_id=query.get("brand"),
                merchant_id=query.get("merchant"),
                price_min=query.get("price_min"),
                price_max=query.get("price_max"),
                attribute_groups=selectors.attribute_groups(tuple(query.get("attr", ()))),
                in_stock=query["in_stock"],
                sort=query["sort"],
                page=query["page"],
                page_size=query["page_size"],
                price_interval=query["price_interval"],
            )
        )
        return Response(s.ProductSearchOut(page).data)


class SuggestView(BatchedThrottlesMixin, APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="v1_search_suggest",
        parameters=[s.SuggestQuery],
        responses={200: s.SuggestOut, **error_responses(400)},
        summary="Product titles completing what the buyer is typing",
    )
    @cached_get((STOREFRONT, LISTINGS))
    def get(self, request: Request) -> Response:
        query = _query(s.SuggestQuery, request)
        suggestions = selectors.products_suggest(prefix=query["q"], limit=query["limit"])
        return Response(s.SuggestOut({"results": suggestions}).data)


class AdminOrderSearchView(APIView):
    permission_classes = (HasPermission("order.search"),)

    @extend_schema(
        operation_id="v1_admin_search_orders",
        parameters=[s.OrderSearchQuery],
        responses={200: s.OrderSearchOut, **error_responses(400, 401, 403)},
        summary="Search orders by number, buyer, receiver, phone, status, time",
    )
    def get(self, request: Request) -> Response:
        query = _query(s.OrderSearchQuery, request, lists=("status",))
        page = selectors.orders_search(
            query=OrderQuery(
                order_no=query["order_no"],
                buyer_id=query.get("buyer"),
                merchant_id=query.get("merchant"),
                receiver=query["receiver"],
                phone=query["phone"].replace(" ", "").replace("-", ""),
                statuses=tuple(query.get("status", ())),
                placed_from=query.get("placed_from"),
                placed_to=query.get("placed_to"),
                page=query["page"],
                page_size=query["page_size"],
            )
        )
        return Response(s.OrderSearchOut(page).data)
