"""Cart endpoints: thin views that read the request's owner, call one service and answer with
the re-checked cart.

Who owns the cart: a signed-in buyer (JWT) always works on their user cart; anyone else works
on the guest cart named by the `X-Cart-Token` header. The first add without a (live) token
issues one, in the body (`cart_token`) and in the `X-Cart-Token` response header.

Merge on sign-in: a signed-in request to any cart endpoint that still carries the token of a
live guest cart first folds that cart into the user's (the idempotent `cart_merge`; the guest
cart is deleted), and says so in the `X-Cart-Merged: <lines merged>` response header. So a client
that signs in and keeps sending its token gets the merge on its first cart call; `cart/merge`
does the same explicitly and reports the details.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.cart import selectors, services
from contexts.cart.domain import CartOwner
from contexts.cart.rest import serializers as s
from shared.errors import ValidationFailed
from shared.rest.schema import error_responses

CART_TOKEN_HEADER = "X-Cart-Token"
CART_MERGED_HEADER = "X-Cart-Merged"

TOKEN_PARAMETER = OpenApiParameter(
    CART_TOKEN_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="A guest's cart token. Sent by a signed-in buyer, its guest cart is first merged "
    f"into the buyer's cart (response header {CART_MERGED_HEADER}: the number of lines merged).",
)


def _valid(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _owner(request: Request) -> CartOwner:
    if request.user.is_authenticated:
        return CartOwner(user_id=request.user.pk)
    return CartOwner(token=request.headers.get(CART_TOKEN_HEADER) or None)


def _cart_response(owner: CartOwner, ref: services.CartRef | None = None) -> Response:
    """The cart re-read after a change (or as it is), with the guest's token echoed back."""
    cart_id = ref.cart_id if ref is not None else selectors.cart_id_for(owner=owner)
    token = None
    if owner.is_guest and cart_id is not None:
        token = (ref.issued_token if ref is not None else None) or owner.token
    view = selectors.cart_view(cart_id=cart_id)
    body = s.CartOut(view, context={"cart_token": token}).data
    body["extras"] = selectors.cart_extras(view=view, user_id=owner.user_id)
    response = Response(body)
    if token:
        response[CART_TOKEN_HEADER] = token
    return response


class CartBaseView(APIView):
    """A cart endpoint for guests and signed-in buyers, merging a signed-in buyer's guest cart
    before the operation (see the module docstring)."""

    permission_classes = (AllowAny,)
    # A signed-in buyer whose token went stale must refresh it, not land in an empty guest cart.
    stale_token_as_anonymous = False
    merged: services.MergeResult | None = None

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        token = request.headers.get(CART_TOKEN_HEADER)
        if not (request.user.is_authenticated and token):
            return
        # A cheap read first: most signed-in calls carry a token already merged (or none).
        if selectors.cart_id_for(owner=CartOwner(token=token)) is None:
            return
        result = services.cart_merge(user_id=request.user.pk, token=token)
        if result.guest_cart_found:  # a concurrent call may have merged it meanwhile
            self.merged = result

    def finalize_response(self, request: Request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.merged is not None:
            response[CART_MERGED_HEADER] = str(len(self.merged.merged_sku_ids))
        return response


class CartDetailView(CartBaseView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        responses={200: s.CartOut, **error_responses(401)},
        summary="Show the cart with re-checked lines and totals",
        description="Every line is re-checked against the catalog and stock: problems are "
        "listed per line in `issues`; totals count only selected, purchasable lines.",
    )
    def get(self, request: Request) -> Response:
        return _cart_response(_owner(request))


class CartItemsView(CartBaseView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        request=s.ItemAddIn,
        responses={200: s.CartOut, **error_responses(400, 401, 404, 422)},
        summary="Add a SKU to the cart",
        description="Adds to the quantity when the SKU is already in the cart (capped). A guest "
        "without a live token gets a new cart and token (body `cart_token` and X-Cart-Token).",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.ItemAddIn, request)
        owner = _owner(request)
        ref = services.cart_item_add(owner=owner, sku_id=data["sku_id"], quantity=data["quantity"])
        return _cart_response(owner, ref)


class CartItemView(CartBaseView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        request=s.ItemUpdateIn,
        responses={200: s.CartOut, **error_responses(400, 401, 404, 422)},
        summary="Change a cart line's quantity or selection",
    )
    def patch(self, request: Request, sku_id: int) -> Response:
        data = _valid(s.ItemUpdateIn, request)
        owner = _owner(request)
        ref = services.cart_item_update(
            owner=owner,
            sku_id=sku_id,
            quantity=data.get("quantity"),
            selected=data.get("selected"),
        )
        return _cart_response(owner, ref)

    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        responses={200: s.CartOut, **error_responses(401, 404)},
        summary="Remove a line from the cart",
    )
    def delete(self, request: Request, sku_id: int) -> Response:
        owner = _owner(request)
        return _cart_response(owner, services.cart_item_remove(owner=owner, sku_id=sku_id))


class CartSelectView(CartBaseView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        request=s.SelectIn,
        responses={200: s.CartOut, **error_responses(400, 401)},
        summary="Select or deselect cart lines for checkout",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.SelectIn, request)
        owner = _owner(request)
        ref = services.cart_lines_select(
            owner=owner, selected=data["selected"], sku_ids=data.get("sku_ids")
        )
        return _cart_response(owner, ref)


class CartClearView(CartBaseView):
    @extend_schema(
        parameters=[TOKEN_PARAMETER],
        request=None,
        responses={200: s.CartOut, **error_responses(401)},
        summary="Empty the cart",
    )
    def post(self, request: Request) -> Response:
        owner = _owner(request)
        return _cart_response(owner, services.cart_clear(owner=owner))


class CartMergeView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                CART_TOKEN_HEADER,
                str,
                location=OpenApiParameter.HEADER,
                required=True,
                description="The guest cart to fold into the signed-in buyer's cart.",
            )
        ],
        request=None,
        responses={200: s.MergeOut, **error_responses(400, 401)},
        summary="Merge a guest cart into the buyer's cart",
        description="Call right after sign-in. Idempotent: an unknown, expired or already "
        "merged token changes nothing.",
    )
    def post(self, request: Request) -> Response:
        token = request.headers.get(CART_TOKEN_HEADER)
        if not token:
            raise ValidationFailed(
                f"The {CART_TOKEN_HEADER} header is required.", code="cart_token_missing"
            )
        result = services.cart_merge(user_id=request.user.pk, token=token)
        body = {
            "cart": selectors.cart_view(cart_id=result.cart_id),
            "merged_sku_ids": list(result.merged_sku_ids),
            "skipped": [
                {"sku_id": sku_id, "reason": reason} for sku_id, reason in result.skipped.items()
            ],
        }
        return Response(s.MergeOut(body, context={"cart_token": None}).data)
