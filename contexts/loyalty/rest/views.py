"""Loyalty's endpoints: the buyer's points and history; staff adjustments and level rules.
Thin views over services and selectors."""

from __future__ import annotations

from dataclasses import asdict

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.loyalty import selectors, services
from contexts.loyalty.rest import serializers as s
from shared.auth import principal_of
from shared.errors import NotFound
from shared.pagination import paginated
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS, error_responses
from shared.rest.serializers import validated

# --- Buyer ----------------------------------------------------------------------------------


class MyPointsView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        responses={200: s.PointsSummaryOut, **error_responses(401)},
        summary="My points, member level and progress",
        description="Spendable and held points, points expiring soon, growth value, the member "
        "level and the growth still needed for the next one (null at the top).",
    )
    def get(self, request: Request) -> Response:
        summary = selectors.points_summary(user_id=request.user.pk)
        return Response(s.PointsSummaryOut(asdict(summary)).data)


class MyPointsEntriesView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="v1_me_points_entries_list",
        parameters=[s.EntryListQuery, *PAGE_PARAMETERS],
        responses={200: s.EntryPageOut, **error_responses(400, 401)},
        summary="My points history",
        description="Every change of my points, newest first: earn, hold (points held for an "
        "unpaid order), spend, return, expire, reverse (a refund), adjust, birthday.",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.EntryListQuery, request.query_params)
        entries = selectors.entry_list(user_id=request.user.pk, kind=query.get("kind"))
        return paginated(request, self, entries, s.EntryOut)


# --- Staff ----------------------------------------------------------------------------------


class PointsAdjustView(APIView):
    permission_classes = (HasPermission("loyalty.adjust"),)

    @extend_schema(
        request=s.PointsAdjustIn,
        responses={201: s.StaffEntryOut, **error_responses(400, 401, 403, 404, 422)},
        summary="Adjust a member's points (staff)",
        description="Adds (positive delta, a new bucket) or takes (negative delta, oldest "
        "points first) points with a reason; recorded with the staff user and in the audit "
        "trail. 422 points_insufficient when the balance does not cover a negative delta.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.PointsAdjustIn, request.data)
        entry = services.points_adjust(principal=principal_of(request), **data)
        return Response(s.StaffEntryOut(entry).data, status=status.HTTP_201_CREATED)


class LevelRuleListView(APIView):
    permission_classes = (HasPermission("loyalty.manage"),)

    @extend_schema(
        operation_id="v1_admin_loyalty_levels_list",
        parameters=PAGE_PARAMETERS,
        responses={200: s.LevelRulePageOut, **error_responses(401, 403)},
        summary="List member levels (staff)",
    )
    def get(self, request: Request) -> Response:
        return paginated(request, self, selectors.level_list(), s.LevelRuleOut)

    @extend_schema(
        request=s.LevelRuleIn,
        responses={201: s.LevelRuleOut, **error_responses(400, 401, 403, 409, 422)},
        summary="Create a member level (staff)",
        description="409 level_conflict when the code or the minimum growth is taken.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.LevelRuleIn, request.data)
        rule = services.level_create(principal=principal_of(request), **data)
        return Response(s.LevelRuleOut(rule).data, status=status.HTTP_201_CREATED)


class LevelRuleDetailView(APIView):
    permission_classes = (HasPermission("loyalty.manage"),)

    def _get(self, level_id: int):
        rule = selectors.level_get(level_id=level_id)
        if rule is None:
            raise NotFound("No such level.", code="level_not_found")
        return rule

    @extend_schema(
        responses={200: s.LevelRuleOut, **error_responses(401, 403, 404)},
        summary="Get a member level (staff)",
    )
    def get(self, request: Request, level_id: int) -> Response:
        return Response(s.LevelRuleOut(self._get(level_id)).data)

    @extend_schema(
        request=s.LevelRuleUpdateIn(partial=True),
        responses={200: s.LevelRuleOut, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Change a member level (staff)",
        description="Any of name, min_growth, multiplier, free_shipping, birthday_points (the "
        "code stays). Members' levels follow at their next growth change.",
    )
    def patch(self, request: Request, level_id: int) -> Response:
        data = validated(s.LevelRuleUpdateIn, request.data, partial=True)
        rule = services.level_update(principal=principal_of(request), level_id=level_id, **data)
        return Response(s.LevelRuleOut(rule).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a member level (staff)",
        description="409 level_in_use while members hold it, or for the last level.",
    )
    def delete(self, request: Request, level_id: int) -> Response:
        services.level_delete(principal=principal_of(request), level_id=level_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
