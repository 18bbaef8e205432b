"""Settlement's endpoints: thin views over services and selectors.

Merchants (settlement.read, their shops only) and staff: statements, their lines, CSV/XLSX
exports, open lines, payouts. Staff (settlement.manage): run the statements due, approve a
statement, pay it out, retry a payout, commission rules, merchants' settlement profiles,
reconciliation mismatches.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.settlement import selectors, services
from contexts.settlement.rest import exports
from contexts.settlement.rest import serializers as s
from shared.auth import principal_of
from shared.pagination import paginated as _paginated
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS as _PAGING
from shared.rest.schema import error_responses
from shared.rest.serializers import validated as _valid

_STATEMENT_NO = OpenApiParameter("statement_no", str, OpenApiParameter.PATH)
_PAYOUT_NO = OpenApiParameter("payout_no", str, OpenApiParameter.PATH)
_RULE_ID = OpenApiParameter("rule_id", int, OpenApiParameter.PATH)
_MERCHANT_ID = OpenApiParameter("merchant_id", int, OpenApiParameter.PATH)
READ = HasPermission("settlement.read")
MANAGE = HasPermission("settlement.manage")


class _ListView(APIView):
    """GET a page of `selector(principal, **path, **query)` as `output`; `query_class`
    validates the query string (none: no filters). Subclasses differ by those and schema."""

    permission_classes = (READ,)
    query_class: type | None = None
    selector: Callable[..., QuerySet]
    output: type
    related: tuple[str, ...] = ()  # select_related for what `output` reads

    def get(self, request: Request, **path: str) -> Response:
        query = _valid(self.query_class, request.query_params) if self.query_class else {}
        rows = self.selector(principal=principal_of(request), **path, **query)
        if self.related:
            rows = rows.select_related(*self.related)
        return _paginated(request, self, rows, self.output)


class _Action(APIView):
    """POST (no body) on the statement or payout named in the path: calls `service` with the
    principal and that key, answers its result as `output` with `code`."""

    permission_classes = (MANAGE,)
    service: Callable[..., object]
    output: type
    code = status.HTTP_200_OK

    def post(self, request: Request, **path: str) -> Response:
        result = self.service(principal=principal_of(request), **path)
        return Response(self.output(result).data, status=self.code)


@extend_schema_view(
    get=extend_schema(
        operation_id="v1_admin_settlement_statements_list",
        parameters=[s.StatementQuery, *_PAGING],
        responses={200: s.StatementPageOut, **error_responses(400, 401, 403)},
        summary="List settlement statements (merchant, staff)",
        description="Newest period first; a merchant sees its own shops' statements.",
    )
)
class StatementListView(_ListView):
    query_class = s.StatementQuery
    selector = staticmethod(selectors.statements_for)
    output = s.StatementOut


class StatementDetailView(APIView):
    permission_classes = (READ,)

    @extend_schema(
        parameters=[_STATEMENT_NO],
        responses={200: s.StatementOut, **error_responses(401, 403, 404)},
        summary="A settlement statement (merchant, staff)",
    )
    def get(self, request: Request, statement_no: str) -> Response:
        statement = selectors.statement_get(
            principal=principal_of(request), statement_no=statement_no
        )
        return Response(s.StatementOut(statement).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="v1_admin_settlement_statement_lines_list",
        parameters=[_STATEMENT_NO, *_PAGING],
        responses={200: s.LinePageOut, **error_responses(401, 403, 404)},
        summary="A statement's lines (merchant, staff)",
    )
)
class StatementLineListView(_ListView):
    selector = staticmethod(selectors.statement_lines)
    output = s.LineOut
    related = ("statement",)


class _StatementExportView(APIView):
    permission_classes = (READ,)
    content_type = ""
    extension = ""

    def get(self, request: Request, statement_no: str) -> HttpResponse:
        principal = principal_of(request)
        statement = selectors.statement_get(principal=principal, statement_no=statement_no)
        lines = selectors.statement_lines(principal=principal, statement_no=statement_no)
        write = exports.statement_csv if self.extension == "csv" else exports.statement_xlsx
        response = HttpResponse(write(statement, lines), content_type=self.content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="{statement.statement_no}.{self.extension}"'
        )
        return response


class StatementCsvView(_StatementExportView):
    content_type = "text/csv; charset=utf-8"
    extension = "csv"

    @extend_schema(
        parameters=[_STATEMENT_NO],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(401, 403, 404),
        },
        summary="A statement's lines as CSV (merchant, staff)",
    )
    def get(self, request: Request, statement_no: str) -> HttpResponse:
        return super().get(request, statement_no)


class StatementXlsxView(_StatementExportView):
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    extension = "xlsx"

    @extend_schema(
        parameters=[_STATEMENT_NO],
        responses={
            (200, content_type): OpenApiResponse(OpenApiTypes.BINARY),
            **error_responses(401, 403, 404),
        },
        summary="A statement's lines as an Excel workbook (merchant, staff)",
    )
    def get(self, request: Request, statement_no: str) -> HttpResponse:
        return super().get(request, statement_no)


@extend_schema_view(
    get=extend_schema(
        operation_id="v1_admin_settlement_open_lines_list",
        parameters=[s.LineQuery, *_PAGING],
        responses={200: s.LinePageOut, **error_responses(400, 401, 403)},
        summary="Lines not on a statement yet (merchant, staff)",
        description="Completed orders inside their after-sales window or waiting for the next "
        "statement, and adjustments for refunds after a statement.",
    )
)
class OpenLineListView(_ListView):
    query_class = s.LineQuery
    selector = staticmethod(selectors.open_lines_for)
    output = s.LineOut
    related = ("statement",)


@extend_schema_view(
    get=extend_schema(
        operation_id="v1_admin_settlement_payouts_list",
        parameters=[s.PayoutQuery, *_PAGING],
        responses={200: s.PayoutPageOut, **error_responses(400, 401, 403)},
        summary="List payouts (merchant, staff)",
    )
)
class PayoutListView(_ListView):
    query_class = s.PayoutQuery
    selector = staticmethod(selectors.payouts_for)
    output = s.PayoutOut


class StatementRunView(APIView):
    permission_classes = (MANAGE,)

    @extend_schema(
        request=s.RunIn,
        responses={200: s.StatementOut(many=True), **error_responses(400, 401, 403)},
        summary="Issue the statements due (staff)",
        description="Each merchant's statement of its last whole period (by its cycle) as of "
        "`today` (default: today), for one merchant or all; safe to repeat.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.RunIn, request.data)
        issued = services.statements_run(
            principal=principal_of(request),
            today=data.get("today"),
            merchant_id=data.get("merchant_id"),
        )
        return Response(s.StatementOut(issued, many=True).data)


@extend_schema(
    parameters=[_STATEMENT_NO],
    request=None,
    responses={200: s.StatementOut, **error_responses(401, 403, 404, 409)},
    summary="Approve a statement for payout (staff)",
    description="409 illegal_transition unless the statement is issued.",
)
class StatementApproveView(_Action):
    service = staticmethod(services.statement_approve)
    output = s.StatementOut


@extend_schema(
    parameters=[_STATEMENT_NO],
    request=None,
    responses={201: s.PayoutOut, **error_responses(400, 401, 403, 404, 422, 503)},
    summary="Pay an approved statement out (staff)",
    description="Transfers the statement's net to the merchant's payee account once (a "
    "repeat answers the same payout). 422 statement_not_approved, nothing_to_pay; 400 when "
    "the merchant has no payee account.",
)
class StatementPayoutView(_Action):
    service = staticmethod(services.payout_start)
    output = s.PayoutOut
    code = status.HTTP_201_CREATED


@extend_schema(
    parameters=[_PAYOUT_NO],
    request=None,
    responses={200: s.PayoutOut, **error_responses(401, 403, 404, 409, 503)},
    summary="Retry a failed payout (staff)",
)
class PayoutRetryView(_Action):
    service = staticmethod(services.payout_retry)
    output = s.PayoutOut


class CommissionRuleListView(APIView):
    permission_classes = (MANAGE,)

    @extend_schema(
        operation_id="v1_admin_settlement_commission_rules_list",
        parameters=_PAGING,
        responses={200: s.CommissionRulePageOut, **error_responses(401, 403)},
        summary="List commission rules (staff)",
    )
    def get(self, request: Request) -> Response:
        rows = selectors.commission_rules(principal=principal_of(request))
        return _paginated(request, self, rows, s.CommissionRuleOut)

    @extend_schema(
        request=s.CommissionRuleIn,
        responses={201: s.CommissionRuleOut, **error_responses(400, 401, 403, 409)},
        summary="Create a commission rule (staff)",
        description="A rate (0.05 is 5 %) for a merchant, a category (and its sub-categories) "
        "or a category of one merchant; 409 commission_rule_exists for a scope that has one.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.CommissionRuleIn, request.data)
        rule = services.commission_rule_save(principal=principal_of(request), **data)
        return Response(s.CommissionRuleOut(rule).data, status=status.HTTP_201_CREATED)


class CommissionRuleDetailView(APIView):
    permission_classes = (MANAGE,)

    @extend_schema(
        parameters=[_RULE_ID],
        request=None,
        responses={204: None, **error_responses(401, 403, 404)},
        summary="Delete a commission rule (staff)",
    )
    def delete(self, request: Request, rule_id: int) -> Response:
        services.commission_rule_delete(principal=principal_of(request), rule_id=rule_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MerchantProfileView(APIView):
    permission_classes = (MANAGE,)

    @extend_schema(
        parameters=[_MERCHANT_ID],
        request=s.SettlementProfileIn,
        responses={200: s.SettlementProfileOut, **error_responses(400, 401, 403, 404)},
        summary="Set a merchant's statement cycle and payee account (staff)",
    )
    def put(self, request: Request, merchant_id: int) -> Response:
        data = _valid(s.SettlementProfileIn, request.data)
        profile = services.merchant_profile_save(
            principal=principal_of(request), merchant_id=merchant_id, **data
        )
        return Response(s.SettlementProfileOut(profile).data)


@extend_schema_view(
    get=extend_schema(
        operation_id="v1_admin_settlement_mismatches_list",
        parameters=_PAGING,
        responses={200: s.MismatchPageOut, **error_responses(401, 403)},
        summary="Reconciliation mismatches between statements and payments (staff)",
    )
)
class MismatchListView(_ListView):
    permission_classes = (MANAGE,)
    selector = staticmethod(selectors.mismatches)
    output = s.MismatchOut
