"""Promotions endpoints: merchants and staff manage activities (`promotion.read`,
`promotion.manage` over their shops; platform activities `promotion.platform.manage`, staff
only) and preview them on a sample cart; the storefront reads the activities of a SKU and has
a sample cart explained.

Another shop's activity answers 404, creating one for another shop 403 not_your_merchant.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.promotions import selectors, services
from contexts.promotions.rest import serializers as s
from shared.auth import principal_of
from shared.pagination import paginated
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS, error_responses
from shared.rest.serializers import validated


class ActivityListView(APIView):
    permission_classes = (HasPermission("promotion.read"),)

    @extend_schema(
        operation_id="v1_admin_promotions_list",
        parameters=[
            s.ActivityListQuery,
            *PAGE_PARAMETERS,
        ],
        responses={200: s.ActivityPageOut, **error_responses(400, 401, 403)},
        summary="List activities (merchant)",
        description="The caller's shops' activities (platform ones for platform staff), newest "
        "first; by shop, platform or shop, status, name.",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.ActivityListQuery, request.query_params)
        rows = selectors.activity_list(principal=principal_of(request), **query)
        return paginated(request, self, rows, s.ActivityOut)

    @extend_schema(
        request=s.ActivityIn,
        responses={201: s.ActivityOut, **error_responses(400, 401, 403)},
        summary="Create an activity (merchant)",
        description="A draft unless `schedule: true`. `merchant_id: null` is a platform "
        "activity (platform staff only).",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.ActivityIn, request.data)
        activity = services.activity_create(principal=principal_of(request), **data)
        return Response(s.ActivityOut(activity).data, status=status.HTTP_201_CREATED)


class ActivityDetailView(APIView):
    permission_classes = (HasPermission("promotion.read"),)

    @extend_schema(
        responses={200: s.ActivityOut, **error_responses(401, 403, 404)},
        summary="Get an activity (merchant)",
    )
    def get(self, request: Request, activity_id: int) -> Response:
        activity = selectors.activity_get(activity_id=activity_id, principal=principal_of(request))
        return Response(s.ActivityOut(activity).data)

    @extend_schema(
        request=s.ActivityUpdateIn,
        responses={200: s.ActivityOut, **error_responses(400, 401, 403, 404, 409)},
        summary="Update an activity (merchant)",
        description="Any field before it starts; once started only name, description and "
        "ends_at (409 activity_running); an ended one not at all (409).",
    )
    def patch(self, request: Request, activity_id: int) -> Response:
        data = validated(s.ActivityUpdateIn, request.data)
        activity = services.activity_update(
            activity_id=activity_id, data=data, principal=principal_of(request)
        )
        return Response(s.ActivityOut(activity).data)


def _action_view(action, summary: str, description: str):
    class ActivityActionView(APIView):
        permission_classes = (HasPermission("promotion.manage"),)

        @extend_schema(
            request=None,
            responses={200: s.ActivityOut, **error_responses(401, 403, 404, 409)},
            summary=summary,
            description=description,
        )
        def post(self, request: Request, activity_id: int) -> Response:
            activity = action(activity_id=activity_id, principal=principal_of(request))
            return Response(s.ActivityOut(activity).data)

    ActivityActionView.__name__ = f"Activity{action.__name__.title().replace('_', '')}View"
    return ActivityActionView


ActivityScheduleView = _action_view(
    services.activity_schedule,
    "Schedule an activity (merchant)",
    "A draft becomes scheduled: active once its window opens (409 otherwise).",
)
ActivityPauseView = _action_view(
    services.activity_pause,
    "Pause an activity (merchant)",
    "A scheduled or active activity stops applying until resumed (409 otherwise).",
)
ActivityResumeView = _action_view(
    services.activity_resume,
    "Resume an activity (merchant)",
    "A paused activity applies again inside its window (409 otherwise).",
)
ActivityEndView = _action_view(
    services.activity_end,
    "End an activity (merchant)",
    "Ends it now, for good (409 when it already ended).",
)


class ActivityPreviewView(APIView):
    permission_classes = (HasPermission("promotion.read"),)

    @extend_schema(
        request=s.SampleCartIn,
        responses={200: s.SampleQuoteOut, **error_responses(400, 401, 403, 404)},
        summary="Preview an activity on a sample cart (merchant)",
        description="The SKUs at their list prices with this activity alone, whatever its "
        "status: the lines it takes off, or a note saying why it does not apply.",
    )
    def post(self, request: Request, activity_id: int) -> Response:
        data = validated(s.SampleCartIn, request.data)
        activity = selectors.activity_get(activity_id=activity_id, principal=principal_of(request))
        quote = services.price_sample(
            items=data["items"], activities=services.running_domain_activities([activity])
        )
        return Response(s.sample_quote_data(quote))


class ProductActivitiesView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        parameters=[s.ProductActivitiesQuery],
        responses={200: s.PublicActivityOut(many=True), **error_responses(400)},
        summary="Running activities of a SKU",
        description="What the product page shows: the activities running now that cover "
        "this SKU (empty for an unknown one).",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.ProductActivitiesQuery, request.query_params)
        rows = services.activities_for_sku(
            sku_id=query["sku_id"], rows=selectors.running_activities()
        )
        return Response(s.PublicActivityOut(rows, many=True).data)


class ExplainView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        request=s.SampleCartIn,
        responses={200: s.SampleQuoteOut, **error_responses(400)},
        summary="Explain the running activities on a sample cart",
        description="The SKUs at their list prices with every running activity, before "
        "freight: which activity applied to which lines, and why another did not.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.SampleCartIn, request.data)
        activities = services.running_domain_activities(selectors.running_activities())
        quote = services.price_sample(items=data["items"], activities=activities)
        return Response(s.sample_quote_data(quote))
