"""The catalog's endpoints: thin views that validate the shape of a request, call one service
or selector and serialize the result. Rules live in services; errors become the shared envelope.

Storefront: products, products/<id>, categories, brands, products/<id>/reviews.
Admin (staff, or a merchant's staff where the shop is theirs): everything under admin/.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.catalog import selectors
from contexts.catalog.rest import serializers as s
from contexts.catalog.services import (
    media,
    merchants,
    page_extras,
    products,
    reviews,
    taxonomy,
)
from shared.auth import Principal, principal_of
from shared.pagination import CachedCountPagination, StandardPagination
from shared.read_cache import (
    LISTINGS,
    RECOMMENDATIONS,
    STOREFRONT,
    cached_get,
    product_page,
    uncacheable,
)
from shared.rest.permissions import HasPermission
from shared.rest.schema import error_responses
from shared.rest.throttling import BatchedThrottlesMixin


def _valid(serializer_class, request: Request, *, partial: bool = False, data=None) -> dict:
    serializer = serializer_class(data=request.data if data is None else data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _page(request: Request, view: APIView, queryset, out_class, paginator=None) -> Response:
    paginator = paginator or StandardPagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(out_class(page, many=True).data)


PAGE_PARAMS = [OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


# --- Storefront -----------------------------------------------------------------------------


class ProductListView(BatchedThrottlesMixin, APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="v1_products_list",
        parameters=[s.ProductListQuery, *PAGE_PARAMS],
        responses={200: s.ProductPageOut, **error_responses(400)},
        summary="List published products with filters and sorting",
    )
    @cached_get((STOREFRONT, LISTINGS))
    def get(self, request: Request) -> Response:
        data = {
            **request.query_params.dict(),
            "attr": request.query_params.getlist("attr"),
        }
        query = _valid(s.ProductListQuery, request, data=data)
        filters = selectors.ProductFilters(
            category_id=query.get("category"),
            brand_id=query.get("brand"),
            merchant_id=query.get("merchant"),
            min_price=query.get("min_price"),
            max_price=query.get("max_price"),
            attribute_value_ids=tuple(query.get("attr", ())),
            in_stock=query["in_stock"],
            sort=query["sort"],
        )
        paginator = CachedCountPagination()
        page = request.query_params.get(paginator.page_query_param, "1")
        listing = selectors.storefront_listing(
            filters=filters,
            # The provider's guess of the page asked for; the paginator validates it as ever.
            page=int(page) if page.isdecimal() and len(page) < 10 and int(page) > 0 else 1,
            page_size=paginator.get_page_size(request),
        )
        return _page(request, self, listing, s.ProductListItemOut, paginator=paginator)


class ProductDetailView(BatchedThrottlesMixin, APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        responses={200: s.ProductDetailOut, **error_responses(404)},
        summary="Show a published product's details",
    )
    @cached_get(lambda spu_id: (STOREFRONT, RECOMMENDATIONS, product_page(spu_id)))
    def get(self, request: Request, spu_id: int) -> Response:
        # Rows shaped as ProductDetailOut would shape storefront_product_detail (tested).
        page = selectors.storefront_product_page_rows(spu_id=spu_id)
        body = s.product_page_out(page)
        body["extras"], whole = page_extras.product_page_extras(spu_id=spu_id)
        return Response(body) if whole else uncacheable(Response(body))


class CategoryTreeView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="v1_categories_tree",
        responses={200: s.CategoryNodeOut(many=True), **error_responses(429)},
        summary="Get the storefront category tree",
    )
    def get(self, request: Request) -> Response:
        tree = selectors.category_tree(active_only=True)
        return Response(s.CategoryNodeOut(tree, many=True).data)


class BrandListView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="v1_brands_list",
        responses={200: s.BrandOut(many=True), **error_responses(429)},
        summary="List the storefront's brands",
    )
    def get(self, request: Request) -> Response:
        return Response(s.BrandOut(selectors.brand_list(active_only=True), many=True).data)


class ProductReviewsView(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        operation_id="v1_product_reviews_list",
        parameters=PAGE_PARAMS,
        responses={200: s.ReviewPageOut, **error_responses(404)},
        summary="List a product's reviews",
    )
    def get(self, request: Request, spu_id: int) -> Response:
        return _page(request, self, selectors.product_reviews(spu_id=spu_id), s.ReviewOut)

    @extend_schema(
        request=s.ReviewIn,
        responses={201: s.ReviewOut, **error_responses(400, 401, 403, 404, 409)},
        summary="Review a product the buyer has received",
        description="Only a buyer with a completed order for the SKU, once per SKU.",
    )
    def post(self, request: Request, spu_id: int) -> Response:
        data = _valid(s.ReviewIn, request)
        review = reviews.review_create(user_id=request.user.pk, spu_id=spu_id, **data)
        return Response(s.ReviewOut(review).data, status=status.HTTP_201_CREATED)


# --- Admin: merchants (staff only) ----------------------------------------------------------


class AdminMerchantListView(APIView):
    permission_classes = (HasPermission("catalog.merchant.write"),)

    @extend_schema(
        operation_id="v1_admin_merchants_list",
        parameters=[OpenApiParameter("status", str), *PAGE_PARAMS],
        responses={200: s.MerchantPageOut, **error_responses(401, 403)},
        summary="List merchants (staff)",
    )
    def get(self, request: Request) -> Response:
        merchants_qs = selectors.merchant_list(status=request.query_params.get("status") or None)
        return _page(request, self, merchants_qs, s.MerchantOut)

    @extend_schema(
        request=s.MerchantIn,
        responses={201: s.MerchantOut, **error_responses(400, 401, 403, 409, 422)},
        summary="Create a merchant (staff)",
    )
    def post(self, request: Request) -> Response:
        merchant = merchants.merchant_create(**_valid(s.MerchantIn, request))
        merchant = selectors.merchant_get(merchant_id=merchant.pk)
        return Response(s.MerchantOut(merchant).data, status=status.HTTP_201_CREATED)


class AdminMerchantDetailView(APIView):
    permission_classes = (HasPermission("catalog.merchant.write"),)

    @extend_schema(
        responses={200: s.MerchantOut, **error_responses(401, 403, 404)},
        summary="Get a merchant (staff)",
    )
    def get(self, request: Request, merchant_id: int) -> Response:
        return Response(s.MerchantOut(selectors.merchant_get(merchant_id=merchant_id)).data)

    @extend_schema(
        request=s.MerchantIn(partial=True),
        responses={200: s.MerchantOut, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Update a merchant (staff)",
    )
    def patch(self, request: Request, merchant_id: int) -> Response:
        data = _valid(s.MerchantIn, request, partial=True)
        merchants.merchant_update(merchant_id=merchant_id, data=data)
        return Response(s.MerchantOut(selectors.merchant_get(merchant_id=merchant_id)).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a merchant (staff)",
    )
    def delete(self, request: Request, merchant_id: int) -> Response:
        merchants.merchant_delete(merchant_id=merchant_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminMerchantStaffView(APIView):
    permission_classes = (HasPermission("catalog.merchant.write"),)

    @extend_schema(
        request=s.MerchantStaffIn,
        responses={200: s.MerchantOut, **error_responses(400, 401, 403, 404)},
        summary="Add a user to a merchant's staff (staff)",
    )
    def post(self, request: Request, merchant_id: int) -> Response:
        data = _valid(s.MerchantStaffIn, request)
        merchants.merchant_staff_add(merchant_id=merchant_id, user_id=data["user_id"])
        return Response(s.MerchantOut(selectors.merchant_get(merchant_id=merchant_id)).data)


class AdminMerchantStaffDetailView(APIView):
    permission_classes = (HasPermission("catalog.merchant.write"),)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404)},
        summary="Remove a user from a merchant's staff (staff)",
    )
    def delete(self, request: Request, merchant_id: int, user_id: int) -> Response:
        merchants.merchant_staff_remove(merchant_id=merchant_id, user_id=user_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Admin: categories, brands, attributes (staff only) -------------------------------------


def _category_out(category) -> dict:
    return s.CategoryOut(
        {
            "id": category.pk,
            "name": category.name,
            "parent_id": selectors.category_parent_id(category=category),
            "depth": category.depth,
            "icon_url": category.icon_url,
            "sort_order": category.sort_order,
            "is_active": category.is_active,
        }
    ).data


class AdminCategoryListView(APIView):
    permission_classes = (HasPermission("catalog.taxonomy.write"),)

    @extend_schema(
        operation_id="v1_admin_categories_tree",
        responses={200: s.CategoryNodeOut(many=True), **error_responses(401, 403)},
        summary="Get the full category tree (staff)",
        description="The whole tree, inactive categories included.",
    )
    def get(self, request: Request) -> Response:
        return Response(s.CategoryNodeOut(selectors.category_tree(), many=True).data)

    @extend_schema(
        request=s.CategoryIn,
        responses={201: s.CategoryOut, **error_responses(400, 401, 403, 409)},
        summary="Create a category (staff)",
    )
    def post(self, request: Request) -> Response:
        category = taxonomy.category_create(**_valid(s.CategoryIn, request))
        return Response(_category_out(category), status=status.HTTP_201_CREATED)


class AdminCategoryDetailView(APIView):
    permission_classes = (HasPermission("catalog.taxonomy.write"),)

    @extend_schema(
        responses={200: s.CategoryOut, **error_responses(401, 403, 404)},
        summary="Get a category (staff)",
    )
    def get(self, request: Request, category_id: int) -> Response:
        return Response(_category_out(selectors.category_get(category_id=category_id)))

    @extend_schema(
        request=s.CategoryIn(partial=True),
        responses={200: s.CategoryOut, **error_responses(400, 401, 403, 404, 422)},
        summary="Update or move a category (staff)",
        description="parent_id moves the category and its subtree (null: to the roots).",
    )
    def patch(self, request: Request, category_id: int) -> Response:
        data = _valid(s.CategoryIn, request, partial=True)
        category = taxonomy.category_update(category_id=category_id, data=data)
        return Response(_category_out(category))

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a category (staff)",
    )
    def delete(self, request: Request, category_id: int) -> Response:
        taxonomy.category_delete(category_id=category_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminCategoryAttributesView(APIView):
    permission_classes = (HasPermission("catalog.taxonomy.write"),)

    @extend_schema(
        operation_id="v1_admin_category_attributes_list",
        responses={200: s.CategoryAttributeOut(many=True), **error_responses(401, 403, 404)},
        summary="List a category's own attributes (staff)",
        description="Attributes linked to this category itself; descendants inherit them.",
    )
    def get(self, request: Request, category_id: int) -> Response:
        selectors.category_get(category_id=category_id)
        links = selectors.category_attributes(category_id=category_id)
        return Response(s.CategoryAttributeOut(links, many=True).data)

    @extend_schema(
        request=s.CategoryAttributesIn,
        responses={
            200: s.CategoryAttributeOut(many=True),
            **error_responses(400, 401, 403, 404, 409),
        },
        summary="Set a category's attributes (staff)",
    )
    def put(self, request: Request, category_id: int) -> Response:
        data = _valid(s.CategoryAttributesIn, request)
        taxonomy.category_attributes_set(
            category_id=category_id, attribute_ids=data["attribute_ids"]
        )
        links = selectors.category_attributes(category_id=category_id)
        return Response(s.CategoryAttributeOut(links, many=True).data)


class AdminBrandListView(APIView):
    permission_classes = (HasPermission("catalog.taxonomy.write"),)

    @extend_schema(
        operation_id="v1_admin_brands_list",
        responses={200: s.BrandOut(many=True), **error_responses(401, 403)},
        summary="List all brands (staff)",
    )
    def get(self, request: Request) -> Response:
        return Response(s.BrandOut(selectors.brand_list(), many=True).data)

    @extend_schema(
        request=s.BrandIn,
        responses={201: s.BrandOut, **error_responses(400, 401, 403, 409)},
        summary="Create a brand (staff)",
    )
    def post(self, request: Request) -> Response:
        brand = taxonomy.brand_create(**_valid(s.BrandIn, request))
        return Response(s.BrandOut(brand).data, status=status.HTTP_201_CREATED)


class AdminBrandDetailView(APIView):
    permission_classes = (HasPermission("catalog.taxonomy.write"),)

    @extend_schema(
        responses={200: s.BrandOut, **error_responses(401, 403, 404)},
        summary="Get a brand (staff)",
    )
    def get(self, request: Request, brand_id: int) -> Response:
        return Response(s.BrandOut(selectors.brand_get(brand_id=brand_id)).data)

    @extend_schema(
        request=s.BrandIn(partial=True),
        responses={200: s.BrandOut, **error_responses(400, 401, 403, 404, 409)},
        summary="Update a brand (staff)",
    )
    def patch(self, request: Request, brand_id: int) -> Response:
        data = _valid(s.BrandIn, request, partial=True)
        return Response(s.BrandOut(taxonomy.brand_update(brand_id=brand_id, data=data)).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a brand (staff)",
    )
    def delete(self, request: Request, brand_id: int) -> Response:
        taxonomy.brand_delete(brand_id=brand_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminAttributeListView(APIView):
    permission_classes = (HasPermission("catalog.taxonomy.write"),)

    @extend_schema(
        operation_id="v1_admin_attributes_list",
        parameters=[OpenApiParameter("kind", str, enum=["sales", "descriptive"])],
        responses={200: s.AttributeOut(many=True), **error_responses(401, 403)},
        summary="List product attributes (staff)",
    )
    def get(self, request: Request) -> Response:
        attributes = selectors.attribute_list(kind=request.query_params.get("kind") or None)
        return Response(s.AttributeOut(attributes, many=True).data)

    @extend_schema(
        request=s.AttributeIn,
        responses={201: s.AttributeOut, **error_responses(400, 401, 403, 409)},
        summary="Create a product attribute (staff)",
    )
    def post(self, request: Request) -> Response:
        attribute = taxonomy.attribute_create(**_valid(s.AttributeIn, request))
        attribute = selectors.attribute_get(attribute_id=attribute.pk)
        return Response(s.AttributeOut(attribute).data, status=status.HTTP_201_CREATED)


class AdminAttributeDetailView(APIView):
    permission_classes = (HasPermission("catalog.taxonomy.write"),)

    @extend_schema(
        responses={200: s.AttributeOut, **error_responses(401, 403, 404)},
        summary="Get a product attribute (staff)",
    )
    def get(self, request: Request, attribute_id: int) -> Response:
        return Response(s.AttributeOut(selectors.attribute_get(attribute_id=attribute_id)).data)

    @extend_schema(
        request=s.AttributeIn(partial=True),
        responses={200: s.AttributeOut, **error_responses(400, 401, 403, 404, 409)},
        summary="Update a product attribute (staff)",
    )
    def patch(self, request: Request, attribute_id: int) -> Response:
        data = _valid(s.AttributeIn, request, partial=True)
        taxonomy.attribute_update(attribute_id=attribute_id, data=data)
        return Response(s.AttributeOut(selectors.attribute_get(attribute_id=attribute_id)).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a product attribute (staff)",
    )
    def delete(self, request: Request, attribute_id: int) -> Response:
        taxonomy.attribute_delete(attribute_id=attribute_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminAttributeValueListView(APIView):
    permission_classes = (HasPermission("catalog.taxonomy.write"),)

    @extend_schema(
        request=s.AttributeValueIn,
        responses={201: s.AttributeValueOut, **error_responses(400, 401, 403, 404, 409)},
        summary="Add a value to an attribute (staff)",
    )
    def post(self, request: Request, attribute_id: int) -> Response:
        value = taxonomy.attribute_value_create(
            attribute_id=attribute_id, **_valid(s.AttributeValueIn, request)
        )
        return Response(s.AttributeValueOut(value).data, status=status.HTTP_201_CREATED)


class AdminAttributeValueDetailView(APIView):
    permission_classes = (HasPermission("catalog.taxonomy.write"),)

    @extend_schema(
        request=s.AttributeValueIn(partial=True),
        responses={200: s.AttributeValueOut, **error_responses(400, 401, 403, 404, 409)},
        summary="Update an attribute value (staff)",
    )
    def patch(self, request: Request, value_id: int) -> Response:
        data = _valid(s.AttributeValueIn, request, partial=True)
        value = taxonomy.attribute_value_update(value_id=value_id, data=data)
        return Response(s.AttributeValueOut(value).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete an attribute value (staff)",
    )
    def delete(self, request: Request, value_id: int) -> Response:
        taxonomy.attribute_value_delete(value_id=value_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Admin: products and SKUs (staff, or the shop's own staff) ------------------------------


def _product_detail(principal: Principal, spu_id: int) -> dict:
    spu = selectors.admin_product_get(principal=principal, spu_id=spu_id)
    description = selectors.admin_product_content(spu_id=spu.pk)
    return s.AdminProductDetailOut(spu, context={"description": description}).data


class AdminProductListView(APIView):
    permission_classes = (HasPermission("catalog.product.read"),)

    @extend_schema(
        operation_id="v1_admin_products_list",
        parameters=[s.AdminProductListQuery, *PAGE_PARAMS],
        responses={200: s.AdminProductPageOut, **error_responses(400, 401, 403)},
        summary="List products in the back office (merchant)",
        description="Staff see every product, a merchant's staff only their shops' products.",
    )
    def get(self, request: Request) -> Response:
        query = _valid(s.AdminProductListQuery, request, data=request.query_params)
        products_qs = selectors.admin_product_list(
            principal=principal_of(request),
            merchant_id=query.get("merchant"),
            status=query.get("status") or None,
            search=query.get("search") or None,
        )
        return _page(request, self, products_qs, s.AdminProductOut)

    @extend_schema(
        request=s.ProductIn,
        responses={201: s.AdminProductDetailOut, **error_responses(400, 401, 403, 422)},
        summary="Create a product (merchant)",
    )
    def post(self, request: Request) -> Response:
        principal = principal_of(request)
        spu = products.spu_create(principal=principal, **_valid(s.ProductIn, request))
        return Response(_product_detail(principal, spu.pk), status=status.HTTP_201_CREATED)


class AdminProductDetailView(APIView):
    permission_classes = (HasPermission("catalog.product.read"),)

    @extend_schema(
        responses={200: s.AdminProductDetailOut, **error_responses(401, 403, 404)},
        summary="Get a product with its description (merchant)",
    )
    def get(self, request: Request, spu_id: int) -> Response:
        return Response(_product_detail(principal_of(request), spu_id))

    @extend_schema(
        request=s.ProductUpdateIn,
        responses={200: s.AdminProductDetailOut, **error_responses(400, 401, 403, 404, 422)},
        summary="Update a product (merchant)",
    )
    def patch(self, request: Request, spu_id: int) -> Response:
        principal = principal_of(request)
        data = _valid(s.ProductUpdateIn, request)
        products.spu_update(principal=principal, spu_id=spu_id, data=data)
        return Response(_product_detail(principal, spu_id))

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a product (merchant)",
    )
    def delete(self, request: Request, spu_id: int) -> Response:
        products.spu_delete(principal=principal_of(request), spu_id=spu_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminProductPublishView(APIView):
    permission_classes = (HasPermission("catalog.product.read"),)

    @extend_schema(
        request=None,
        responses={200: s.AdminProductDetailOut, **error_responses(401, 403, 404, 422)},
        summary="Publish a product to the storefront (merchant)",
        description="Needs an active merchant and an active SKU priced above zero.",
    )
    def post(self, request: Request, spu_id: int) -> Response:
        principal = principal_of(request)
        products.spu_publish(principal=principal, spu_id=spu_id)
        return Response(_product_detail(principal, spu_id))


class AdminProductUnpublishView(APIView):
    permission_classes = (HasPermission("catalog.product.read"),)

    @extend_schema(
        request=None,
        responses={200: s.AdminProductDetailOut, **error_responses(401, 403, 404, 409)},
        summary="Take a product off the storefront (merchant)",
    )
    def post(self, request: Request, spu_id: int) -> Response:
        principal = principal_of(request)
        products.spu_unpublish(principal=principal, spu_id=spu_id)
        return Response(_product_detail(principal, spu_id))


class AdminProductSkuListView(APIView):
    permission_classes = (HasPermission("catalog.product.read"),)

    @extend_schema(
        operation_id="v1_admin_product_skus_list",
        responses={200: s.AdminSkuOut(many=True), **error_responses(401, 403, 404)},
        summary="List a product's SKUs (merchant)",
    )
    def get(self, request: Request, spu_id: int) -> Response:
        skus = selectors.admin_sku_list(principal=principal_of(request), spu_id=spu_id)
        return Response(s.AdminSkuOut(skus, many=True).data)

    @extend_schema(
        request=s.SkuIn,
        responses={201: s.AdminSkuOut, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Add a SKU to a product (merchant)",
    )
    def post(self, request: Request, spu_id: int) -> Response:
        principal = principal_of(request)
        sku = products.sku_create(principal=principal, spu_id=spu_id, **_valid(s.SkuIn, request))
        sku = selectors.admin_sku_get(principal=principal, sku_id=sku.pk)
        return Response(s.AdminSkuOut(sku).data, status=status.HTTP_201_CREATED)


class AdminSkuDetailView(APIView):
    permission_classes = (HasPermission("catalog.product.read"),)

    @extend_schema(
        responses={200: s.AdminSkuOut, **error_responses(401, 403, 404)},
        summary="Get a SKU (merchant)",
    )
    def get(self, request: Request, sku_id: int) -> Response:
        sku = selectors.admin_sku_get(principal=principal_of(request), sku_id=sku_id)
        return Response(s.AdminSkuOut(sku).data)

    @extend_schema(
        request=s.SkuUpdateIn,
        responses={200: s.AdminSkuOut, **error_responses(400, 401, 403, 404, 422)},
        summary="Update a SKU (merchant)",
    )
    def patch(self, request: Request, sku_id: int) -> Response:
        principal = principal_of(request)
        products.sku_update(principal=principal, sku_id=sku_id, data=_valid(s.SkuUpdateIn, request))
        return Response(
            s.AdminSkuOut(selectors.admin_sku_get(principal=principal, sku_id=sku_id)).data
        )

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 422)},
        summary="Delete a SKU (merchant)",
    )
    def delete(self, request: Request, sku_id: int) -> Response:
        products.sku_delete(principal=principal_of(request), sku_id=sku_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminSkuPriceHistoryView(APIView):
    permission_classes = (HasPermission("catalog.product.read"),)

    @extend_schema(
        operation_id="v1_admin_sku_price_history",
        parameters=PAGE_PARAMS,
        responses={200: s.PriceHistoryPageOut, **error_responses(401, 403, 404)},
        summary="List a SKU's price changes (merchant)",
    )
    def get(self, request: Request, sku_id: int) -> Response:
        rows = selectors.sku_price_history(principal=principal_of(request), sku_id=sku_id)
        return _page(request, self, rows, s.PriceHistoryOut)


class AdminSkuBulkPriceView(APIView):
    permission_classes = (HasPermission("catalog.product.read"),)

    @extend_schema(
        request=s.BulkPriceIn,
        responses={200: s.BulkPriceOut, **error_responses(400, 401, 403, 404, 422)},
        summary="Change several SKU prices at once (merchant)",
        description="All or nothing: one unknown or foreign SKU and no price changes.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.BulkPriceIn, request)
        skus = products.sku_prices_bulk_update(
            principal=principal_of(request),
            updates=[
                products.PriceUpdate(sku_id=i["sku_id"], price=i["price"]) for i in data["items"]
            ],
        )
        return Response(s.BulkPriceOut({"items": skus}).data)


class AdminReviewReplyView(APIView):
    permission_classes = (HasPermission("catalog.review.reply"),)

    @extend_schema(
        request=s.ReviewReplyIn,
        responses={200: s.ReviewOut, **error_responses(400, 401, 403, 404)},
        summary="Reply to a product review (merchant)",
    )
    def post(self, request: Request, review_id: str) -> Response:
        data = _valid(s.ReviewReplyIn, request)
        review = reviews.review_reply(
            principal=principal_of(request), review_id=review_id, text=data["text"]
        )
        return Response(s.ReviewOut(review).data)


class AdminMediaView(APIView):
    permission_classes = (HasPermission("catalog.media.upload"),)
    parser_classes = (MultiPartParser,)

    @extend_schema(
        request={"multipart/form-data": s.MediaIn},
        responses={201: s.MediaOut, **error_responses(400, 401, 403)},
        summary="Upload an image (merchant)",
        description="JPEG, PNG, GIF or WebP (recognised by content), up to "
        "MEDIA_MAX_UPLOAD_BYTES. Returns the stored file's URL.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.MediaIn, request)
        stored = media.media_upload(principal=principal_of(request), upload=data["file"])
        return Response(s.MediaOut(stored).data, status=status.HTTP_201_CREATED)
