"""Subscription's endpoints: thin views over services and selectors.

Buyers: the plans, their membership and invoices, subscribe (answers the invoice and how to
pay it), cancel at period end, resume, change plan, auto-renew (sign an agreement). Staff:
plans (subscription.manage) and members (subscription.read, searched by email).
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.identity import api as identity_api
from contexts.subscription import selectors, services
from contexts.subscription.rest import serializers as s
from shared.auth import principal_of
from shared.errors import NotFound
from shared.pagination import StandardPagination
from shared.rest.parsers import JSONParser
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS as _PAGING
from shared.rest.schema import error_responses
from shared.rest.serializers import validated as _valid

JSON_ONLY = (JSONParser,)
_PLAN_ID = OpenApiParameter("plan_id", int, OpenApiParameter.PATH)


def _paginated(request: Request, view: APIView, rows, serializer_class, **context) -> Response:
    paginator = StandardPagination()
    page = paginator.paginate_queryset(rows, request, view=view)
    if "names" in context:
        context["names"] = identity_api.user_names(user_ids={m.user_id for m in page})
    return paginator.get_paginated_response(serializer_class(page, many=True, context=context).data)


def _membership_out(user_id: int) -> dict:
    membership = selectors.membership_of(user_id=user_id)
    if membership is None:
        raise NotFound("You have no membership.", code="not_subscribed")
    return s.MembershipOut(membership).data


# --- Buyer ----------------------------------------------------------------------------------


class PlanListView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=_PAGING,
        responses={200: s.PlanPageOut},
        summary="List the membership plans on offer",
        description="Active plans, cheapest first, with their benefits: free shipping, a "
        "points multiplier, and a member price (`member_discount_percent` off every item).",
    )
    def get(self, request: Request) -> Response:
        return _paginated(request, self, selectors.plans_active(), s.PlanOut)


class MyMembershipView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        responses={200: s.MembershipOut, **error_responses(401, 404)},
        summary="Get my membership",
        description="404 not_subscribed when you never subscribed.",
    )
    def get(self, request: Request) -> Response:
        return Response(_membership_out(request.user.pk))


class MyInvoiceListView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        parameters=_PAGING,
        responses={200: s.InvoicePageOut, **error_responses(401)},
        summary="List my membership invoices",
        description="Newest first; an open one says how to pay it in `pay`.",
    )
    def get(self, request: Request) -> Response:
        return _paginated(
            request, self, selectors.invoices_of(user_id=request.user.pk), s.InvoiceOut
        )


class SubscribeView(APIView):
    permission_classes = (HasPermission("subscription.subscribe"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        request=s.PlanChoiceIn,
        responses={201: s.SubscribedOut, **error_responses(400, 401, 403, 404, 409, 415)},
        summary="Subscribe to a plan",
        description="With a trial you never had: trialing at once, nothing to pay (`invoice` "
        "null). Otherwise the membership is pending and `invoice.pay` says how to pay it "
        "(POST the payments endpoint with an Idempotency-Key, then open the answer's "
        "`client`); it becomes active when the payment succeeds. 409 already_subscribed "
        "while you are a member (change plan instead).",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.PlanChoiceIn, request.data)
        subscribed = services.subscribe(principal=principal_of(request), plan_id=data["plan_id"])
        body = s.SubscribedOut(
            {"membership": subscribed.membership, "invoice": subscribed.invoice}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)


class CancelView(APIView):
    permission_classes = (HasPermission("subscription.subscribe"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        request=None,
        responses={200: s.MembershipOut, **error_responses(401, 403, 404, 409)},
        summary="Cancel my membership at the end of its period",
        description="Benefits stay until the period ends; nothing renews. Past due or pending, "
        "it ends now. 409 already_cancelled, not_subscribed.",
    )
    def post(self, request: Request) -> Response:
        services.cancel(principal=principal_of(request))
        return Response(_membership_out(request.user.pk))


class ResumeView(APIView):
    permission_classes = (HasPermission("subscription.subscribe"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        request=None,
        responses={200: s.MembershipOut, **error_responses(401, 403, 404, 409)},
        summary="Undo my cancellation before the period ends",
        description="409 not_cancelled when there is nothing to undo.",
    )
    def post(self, request: Request) -> Response:
        services.resume(principal=principal_of(request))
        return Response(_membership_out(request.user.pk))


class ChangePlanView(APIView):
    permission_classes = (HasPermission("subscription.subscribe"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        request=s.PlanChoiceIn,
        responses={200: s.SubscribedOut, **error_responses(400, 401, 403, 404, 409, 415)},
        summary="Change my plan",
        description="An upgrade (a higher price) answers an invoice of the new price minus the "
        "unused part of the current period (pro rata to the second, rounded half-up to the "
        "cent); paid, a new period of the new plan starts. A downgrade takes effect at the next "
        "renewal (`next_plan`). In a trial the plan changes at once. 409 same_plan, "
        "membership_not_changeable.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.PlanChoiceIn, request.data)
        changed = services.change_plan(principal=principal_of(request), plan_id=data["plan_id"])
        membership = selectors.membership_of(user_id=request.user.pk)
        return Response(
            s.SubscribedOut({"membership": membership, "invoice": changed.invoice}).data
        )


class AutoRenewView(APIView):
    permission_classes = (HasPermission("subscription.subscribe"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        request=s.AutoRenewIn,
        responses={
            201: s.AutoRenewAgreementOut,
            **error_responses(400, 401, 403, 404, 409, 415, 422, 503),
        },
        summary="Turn auto-renew on: sign a charge agreement",
        description="Answers the agreement to sign at the provider (open `sign_url`); "
        "once the provider's signed callback confirms it, renewals are charged against it. "
        "The sandbox signs; Alipay and WeChat Pay agreements are not available yet (422 "
        "payment_provider_refused).",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.AutoRenewIn, request.data)
        agreement = services.auto_renew_start(
            principal=principal_of(request), provider=data["provider"]
        )
        return Response(s.AutoRenewAgreementOut(agreement).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        responses={200: s.MembershipOut, **error_responses(401, 403, 404)},
        summary="Turn auto-renew off",
        description="Renewal invoices are then paid by hand.",
    )
    def delete(self, request: Request) -> Response:
        services.auto_renew_off(principal=principal_of(request))
        return Response(_membership_out(request.user.pk))


# --- Staff ----------------------------------------------------------------------------------


class AdminPlanListView(APIView):
    permission_classes = (HasPermission("subscription.read"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        operation_id="v1_admin_subscription_plans_list",
        parameters=_PAGING,
        responses={200: s.PlanPageOut, **error_responses(401, 403)},
        summary="List every plan, inactive ones too (staff)",
    )
    def get(self, request: Request) -> Response:
        return _paginated(request, self, selectors.plans_all(), s.PlanOut)

    @extend_schema(
        operation_id="v1_admin_subscription_plans_create",
        request=s.PlanIn,
        responses={201: s.PlanOut, **error_responses(400, 401, 403, 409, 415, 422)},
        summary="Create a plan (staff)",
        description="409 plan_code_taken.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(s.PlanIn, request.data)
        plan = services.plan_create(
            principal=principal_of(request), draft=services.PlanDraft(**data)
        )
        return Response(s.PlanOut(plan).data, status=status.HTTP_201_CREATED)


class AdminPlanDetailView(APIView):
    permission_classes = (HasPermission("subscription.read"),)
    parser_classes = JSON_ONLY

    @extend_schema(
        parameters=[_PLAN_ID],
        responses={200: s.PlanOut, **error_responses(401, 403, 404)},
        summary="Get a plan (staff)",
    )
    def get(self, request: Request, plan_id: int) -> Response:
        plan = selectors.plans_all().filter(pk=plan_id).first()
        if plan is None:
            raise NotFound("No such plan.")
        return Response(s.PlanOut(plan).data)

    @extend_schema(
        parameters=[_PLAN_ID],
        request=s.PlanUpdateIn,
        responses={200: s.PlanOut, **error_responses(400, 401, 403, 404, 415, 422)},
        summary="Update a plan (staff)",
        description="A new price applies to invoices made from now on, renewals included; "
        "`is_active: false` stops new subscriptions.",
    )
    def patch(self, request: Request, plan_id: int) -> Response:
        data = _valid(s.PlanUpdateIn, request.data)
        plan = services.plan_update(principal=principal_of(request), plan_id=plan_id, **data)
        return Response(s.PlanOut(plan).data)

    @extend_schema(
        parameters=[_PLAN_ID],
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a plan nobody ever held (staff)",
        description="409 plan_in_use: deactivate it instead.",
    )
    def delete(self, request: Request, plan_id: int) -> Response:
        services.plan_delete(principal=principal_of(request), plan_id=plan_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminMemberListView(APIView):
    permission_classes = (HasPermission("subscription.read"),)

    @extend_schema(
        parameters=[s.MembersQuery, *_PAGING],
        responses={200: s.StaffMembershipPageOut, **error_responses(400, 401, 403)},
        summary="Search members (staff)",
        description="By the member's email, state or plan; newest first.",
    )
    def get(self, request: Request) -> Response:
        query = _valid(s.MembersQuery, request.query_params)
        user_ids = (
            identity_api.user_ids_by_email(email=query["email"]) if query.get("email") else None
        )
        rows = selectors.memberships_search(
            user_ids=user_ids, state=query.get("state"), plan_id=query.get("plan_id")
        )
        return _paginated(request, self, rows, s.StaffMembershipOut, names={})
