"""Inventory's endpoints: thin views that validate input, call one service or selector and
serialize the result. Admin views pass the caller's principal (shared.auth) to services and
selectors: another shop's warehouse, stock or ledger is answered as not found."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.inventory import selectors, services
from contexts.inventory.rest import serializers as s
from shared.auth import principal_of
from shared.pagination import paginated
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS, error_responses
from shared.rest.serializers import validated


class AdminView(APIView):
    # Reading stock is the least of inventory's permissions: the services check the rest.
    permission_classes = (HasPermission("inventory.stock.read"),)

    def paginated(self, request: Request, queryset, out_class) -> Response:
        return paginated(request, self, queryset, out_class)


# --- Warehouses -----------------------------------------------------------------------------


class WarehouseListView(AdminView):
    @extend_schema(
        operation_id="v1_admin_warehouses_list",
        parameters=[s.WarehouseQueryIn, *PAGE_PARAMETERS],
        responses={200: s.WarehousePageOut, **error_responses(400, 401, 403)},
        summary="List warehouses (merchant)",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.WarehouseQueryIn, request.query_params)
        warehouses = selectors.warehouse_list(principal=principal_of(request), **query)
        return self.paginated(request, warehouses, s.WarehouseOut)

    @extend_schema(
        request=s.WarehouseIn,
        responses={201: s.WarehouseOut, **error_responses(400, 401, 403, 409)},
        summary="Create a warehouse (merchant)",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.WarehouseIn, request.data)
        warehouse = services.warehouse_create(**data, principal=principal_of(request))
        return Response(s.WarehouseOut(warehouse).data, status=status.HTTP_201_CREATED)


class WarehouseDetailView(AdminView):
    @extend_schema(
        responses={200: s.WarehouseOut, **error_responses(401, 403, 404)},
        summary="Get a warehouse (merchant)",
    )
    def get(self, request: Request, warehouse_id: int) -> Response:
        warehouse = selectors.warehouse_get(
            warehouse_id=warehouse_id, principal=principal_of(request)
        )
        return Response(s.WarehouseOut(warehouse).data)

    @extend_schema(
        request=s.WarehouseUpdateIn,
        responses={200: s.WarehouseOut, **error_responses(400, 401, 403, 404, 409)},
        summary="Update a warehouse (merchant)",
    )
    def patch(self, request: Request, warehouse_id: int) -> Response:
        data = validated(s.WarehouseUpdateIn, request.data)
        warehouse = services.warehouse_update(
            warehouse_id=warehouse_id, data=data, principal=principal_of(request)
        )
        return Response(s.WarehouseOut(warehouse).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a warehouse (merchant)",
        description="Only a warehouse without stock records; otherwise deactivate it.",
    )
    def delete(self, request: Request, warehouse_id: int) -> Response:
        services.warehouse_delete(warehouse_id=warehouse_id, principal=principal_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Stock ----------------------------------------------------------------------------------


class StockListView(AdminView):
    @extend_schema(
        operation_id="v1_admin_stock_list",
        parameters=[s.StockQueryIn, *PAGE_PARAMETERS],
        responses={200: s.StockPageOut, **error_responses(400, 401, 403)},
        summary="List stock records (merchant)",
        description="low=true: available at or below the record's low-stock threshold.",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.StockQueryIn, request.query_params)
        records = selectors.stock_list(principal=principal_of(request), **query)
        return self.paginated(request, records, s.StockOut)


class StockThresholdView(AdminView):
    @extend_schema(
        request=s.ThresholdIn,
        responses={200: s.StockOut, **error_responses(400, 401, 403, 404)},
        summary="Set a stock record's low-stock threshold (merchant)",
    )
    def patch(self, request: Request, stock_id: int) -> Response:
        data = validated(s.ThresholdIn, request.data)
        stock = services.stock_threshold_set(
            stock_id=stock_id,
            threshold=data["low_stock_threshold"],
            principal=principal_of(request),
        )
        return Response(s.StockOut(stock).data)


class StockInboundView(AdminView):
    @extend_schema(
        request=s.InboundIn,
        responses={200: s.StockOut, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Receive goods into stock (merchant)",
        description="Goods received: on hand grows by `quantity`; a ledger row records it.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.InboundIn, request.data)
        stock = services.stock_inbound(
            **data, actor_user_id=request.user.pk, principal=principal_of(request)
        )
        return Response(s.StockOut(stock).data)


class StockAdjustView(AdminView):
    @extend_schema(
        request=s.AdjustIn,
        responses={200: s.StockOut, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Correct stock after a stocktake (merchant)",
        description="Stocktake: on hand becomes `counted`; refused below the reserved units.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.AdjustIn, request.data)
        stock = services.stock_adjust(
            **data, actor_user_id=request.user.pk, principal=principal_of(request)
        )
        return Response(s.StockOut(stock).data)


class LedgerListView(AdminView):
    @extend_schema(
        operation_id="v1_admin_stock_ledger_list",
        parameters=[s.LedgerQueryIn, *PAGE_PARAMETERS],
        responses={200: s.LedgerPageOut, **error_responses(400, 401, 403)},
        summary="List stock ledger entries (merchant)",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.LedgerQueryIn, request.query_params)
        entries = selectors.ledger_list(principal=principal_of(request), **query)
        return self.paginated(request, entries, s.LedgerOut)


# --- Storefront -----------------------------------------------------------------------------


class SkuAvailabilityView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="v1_skus_availability",
        parameters=[s.AvailabilityQueryIn],
        responses={200: s.AvailabilityOut(many=True), **error_responses(400)},
        summary="Check whether SKUs are in stock",
        description="Available units per SKU (cached); an unknown SKU has 0.",
    )
    def get(self, request: Request) -> Response:
        ids = validated(s.AvailabilityQueryIn, request.query_params)["ids"]
        levels = selectors.sku_levels(sku_ids=ids)
        rows = []
        for sku_id in ids:
            on_hand, reserved = levels[sku_id]
            available = max(on_hand - reserved, 0)
            rows.append({"sku_id": sku_id, "available": available, "in_stock": available > 0})
        return Response(s.AvailabilityOut(rows, many=True).data)
