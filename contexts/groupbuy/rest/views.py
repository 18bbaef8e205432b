"""Group buy endpoints: the storefront (activities, open groups, start, join, my groups, share
data) and the staff/merchant back office (activities, group monitor). Thin: each validates input
and calls one service or selector."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from contexts.catalog import api as catalog_api
from contexts.groupbuy import selectors, services
from contexts.groupbuy.domain import seats_left
from contexts.groupbuy.rest import serializers as s
from shared.auth import principal_of
from shared.pagination import StandardPagination, paginated
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS, error_responses
from shared.rest.serializers import validated

SHARE_PATH = "/group-buys/groups/{group_no}"


def _group(group, members, names: dict[int, str], now: datetime) -> dict:
    return {
        "group_no": group.group_no,
        "activity_id": group.activity_id,
        "activity_name": group.activity.name,
        "status": group.status,
        "size": group.size,
        "seats_left": seats_left(size=group.size, occupied=group.occupied),
        "paid_count": group.paid_count,
        "group_price": group.group_price,
        "deadline": group.deadline,
        "ends_in_seconds": max(0, int((group.deadline - now).total_seconds())),
        "members": [
            {"name": names.get(m.user_id, "***"), "is_leader": m.is_leader, "status": m.status}
            for m in members
        ],
    }


def _activities(activities, now: datetime) -> list[dict]:
    skus = catalog_api.get_skus(sku_ids=[a.sku_id for a in activities])
    out = []
    for a in activities:
        sku = skus.get(a.sku_id)
        out.append(
            {
                "id": a.pk,
                "name": a.name,
                "sku_id": a.sku_id,
                "spu_id": a.spu_id,
                "title": sku.title if sku else "",
                "image_url": sku.image_url if sku else "",
                "price": sku.price if sku else None,
                "group_price": a.group_price,
                "group_size": a.group_size,
                "fill_seconds": a.fill_seconds,
                "per_user_limit": a.per_user_limit,
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
                "running": a.status == "active" and a.starts_at <= now < a.ends_at,
            }
        )
    return out


class ActivitiesView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        operation_id="v1_group_buys_list",
        parameters=[s.GroupBuyActivityListQuery],
        responses={200: s.GroupBuyStorefrontActivitiesOut, **error_responses(400)},
        summary="Group buy activities running now (for a product or SKU)",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.GroupBuyActivityListQuery, request.query_params)
        now = timezone.now()
        activities = list(
            selectors.running_activities(
                now=now, spu_id=query.get("spu_id"), sku_id=query.get("sku_id")
            )[:50]
        )
        return Response(
            s.GroupBuyStorefrontActivitiesOut({"results": _activities(activities, now)}).data
        )


class ActivityView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        responses={200: s.GroupBuyStorefrontActivityOut, **error_responses(404)},
        summary="One group buy activity",
    )
    def get(self, request: Request, activity_id: int) -> Response:
        activity = selectors.activity_get(activity_id=activity_id)
        return Response(
            s.GroupBuyStorefrontActivityOut(_activities([activity], timezone.now())[0]).data
        )


class ActivityGroupsView(APIView):
    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    @extend_schema(
        operation_id="v1_group_buys_groups_list",
        responses={200: s.GroupBuyOpenGroupsOut, **error_responses(404)},
        summary="Open groups of an activity (join one)",
        description="Groups with a free seat before their deadline, closest to filling first; "
        "members' nicknames are masked.",
    )
    def get(self, request: Request, activity_id: int) -> Response:
        selectors.activity_get(activity_id=activity_id)
        now = timezone.now()
        groups = selectors.open_groups(activity_id=activity_id, now=now)
        names = selectors.masked_names(m.user_id for g in groups for m in g.seated)
        return Response(
            s.GroupBuyOpenGroupsOut(
                {"server_time": now, "results": [_group(g, g.seated, names, now) for g in groups]}
            ).data
        )

    @extend_schema(
        request=s.GroupBuyStartIn,
        responses={201: s.GroupBuySeatOut, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Start a group as its leader",
        description="Places your order at the group price (pay it within the payment window); "
        "it ships once the group fills. 409 `activity_not_open`, `limit_reached`; 422 "
        "`out_of_stock`, `not_deliverable`.",
    )
    def post(self, request: Request, activity_id: int) -> Response:
        data = validated(s.GroupBuyStartIn, request.data)
        member = services.group_start(
            activity_id=activity_id,
            user_id=request.user.pk,
            address_id=data["address_id"],
            ip=BaseThrottle().get_ident(request) or "",
        )
        return _seat(member, started_new=True)


def _seat(member, *, started_new: bool) -> Response:
    return Response(
        s.GroupBuySeatOut(
            {
                "group_no": member.group.group_no,
                "order_no": member.order_no,
                "trade_no": member.trade_no,
                "is_leader": member.is_leader,
                "started_new_group": started_new,
            }
        ).data,
        status=status.HTTP_201_CREATED,
    )


class JoinView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        request=s.GroupBuyJoinIn,
        responses={201: s.GroupBuySeatOut, **error_responses(400, 401, 403, 404, 409, 422)},
        summary="Join an open group",
        description="Takes a seat and places your order at the group price. 409 `group_full` "
        "(all seats held: of two buyers for the last seat exactly one gets it), "
        "`group_not_open`, `already_in_group`, `limit_reached`; with `or_start_new` a full or "
        "closed group starts a new group with you as its leader instead.",
    )
    def post(self, request: Request, group_no: str) -> Response:
        data = validated(s.GroupBuyJoinIn, request.data)
        member = services.group_join(
            group_no=group_no,
            user_id=request.user.pk,
            address_id=data["address_id"],
            or_start_new=data["or_start_new"],
            ip=BaseThrottle().get_ident(request) or "",
        )
        return _seat(member, started_new=member.group.group_no != group_no)


class ShareView(APIView):
    permission_classes = (AllowAny,)

    @extend_schema(
        responses={200: s.GroupBuyShareOut, **error_responses(404)},
        summary="A group's share data",
        description="What an invitation shows: the activity, the seats left, the deadline and "
        "the members (masked), with the path of the group's page.",
    )
    def get(self, request: Request, group_no: str) -> Response:
        group = selectors.group_get(group_no=group_no)
        names = selectors.masked_names(m.user_id for m in group.seated)
        body = _group(group, group.seated, names, timezone.now())
        body["share_path"] = SHARE_PATH.format(group_no=group.group_no)
        return Response(s.GroupBuyShareOut(body).data)


class MyGroupsView(APIView):
    permission_classes = (IsAuthenticated,)

    @extend_schema(
        operation_id="v1_group_buys_mine_list",
        parameters=PAGE_PARAMETERS,
        responses={200: s.GroupBuyMyGroupPageOut, **error_responses(400, 401, 404)},
        summary="My groups, with their status and members",
    )
    def get(self, request: Request) -> Response:
        paginator = StandardPagination()
        page = paginator.paginate_queryset(
            selectors.my_groups(user_id=request.user.pk), request, view=self
        )
        names = selectors.masked_names(m.user_id for g in page for m in g.all)
        now = timezone.now()
        results = []
        for group in page:
            mine = [m for m in group.all if m.user_id == request.user.pk][-1]
            body = _group(group, group.all, names, now)
            body.update(order_no=mine.order_no, trade_no=mine.trade_no, my_status=mine.status)
            results.append(body)
        return paginator.get_paginated_response(s.GroupBuyMyGroupOut(results, many=True).data)


# --- Back office ----------------------------------------------------------------------------


class AdminActivityListView(APIView):
    permission_classes = (HasPermission("groupbuy.read"),)

    @extend_schema(
        operation_id="v1_admin_group_buys_list",
        parameters=[
            s.GroupBuyActivityListQueryStaff,
            *PAGE_PARAMETERS,
        ],
        responses={200: s.GroupBuyActivityPageOut, **error_responses(400, 401, 403, 404)},
        summary="List group buy activities (staff, merchant: their shops')",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.GroupBuyActivityListQueryStaff, request.query_params)
        activities = selectors.activity_list(
            principal=principal_of(request), status=query.get("status")
        )
        return paginated(request, self, activities, s.GroupBuyActivityOut)

    @extend_schema(
        request=s.GroupBuyActivityIn,
        responses={201: s.GroupBuyActivityOut, **error_responses(400, 401, 403, 422)},
        summary="Create a group buy activity (merchant, staff)",
        description="The SKU's shop must be yours (403 `not_your_merchant`); the group price is "
        "below the SKU's price (422 `group_price_not_lower`).",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.GroupBuyActivityIn, request.data)
        activity = services.activity_create(principal=principal_of(request), **data)
        return Response(s.GroupBuyActivityOut(activity).data, status=status.HTTP_201_CREATED)


class AdminActivityDetailView(APIView):
    permission_classes = (HasPermission("groupbuy.read"),)

    @extend_schema(
        responses={200: s.GroupBuyActivityOut, **error_responses(401, 403, 404)},
        summary="A group buy activity (staff, merchant)",
    )
    def get(self, request: Request, activity_id: int) -> Response:
        activity = selectors.activity_for_staff(
            activity_id=activity_id, principal=principal_of(request)
        )
        return Response(s.GroupBuyActivityOut(activity).data)

    @extend_schema(
        request=s.GroupBuyActivityUpdateIn,
        responses={200: s.GroupBuyActivityOut, **error_responses(400, 401, 403, 404, 422)},
        summary="Change a group buy activity (merchant, staff)",
        description="Groups already started keep their size, price and deadline; `status` "
        "disabled stops new groups and joins.",
    )
    def patch(self, request: Request, activity_id: int) -> Response:
        data = validated(s.GroupBuyActivityUpdateIn, request.data)
        activity = services.activity_update(
            activity_id=activity_id, principal=principal_of(request), **data
        )
        return Response(s.GroupBuyActivityOut(activity).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a group buy activity without groups (merchant, staff)",
        description="409 `activity_has_groups` once a group was started: disable it instead.",
    )
    def delete(self, request: Request, activity_id: int) -> Response:
        services.activity_delete(activity_id=activity_id, principal=principal_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class AdminGroupMonitorView(APIView):
    permission_classes = (HasPermission("groupbuy.read"),)

    @extend_schema(
        operation_id="v1_admin_group_buy_groups_list",
        parameters=[
            s.GroupBuyMonitorQuery,
            *PAGE_PARAMETERS,
        ],
        responses={200: s.GroupBuyMonitorPageOut, **error_responses(400, 401, 403, 404)},
        summary="Group monitor (staff, merchant: their shops' groups)",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.GroupBuyMonitorQuery, request.query_params)
        groups = selectors.group_monitor(principal=principal_of(request), **query)
        paginator = StandardPagination()
        page = paginator.paginate_queryset(groups, request, view=self)
        results = [
            {
                "group_no": g.group_no,
                "activity_id": g.activity_id,
                "activity_name": g.activity.name,
                "merchant_id": g.activity.merchant_id,
                "leader_id": g.leader_id,
                "status": g.status,
                "size": g.size,
                "occupied": g.occupied,
                "paid_count": g.paid_count,
                "virtual_seats": g.virtual_seats,
                "deadline": g.deadline,
                "created_at": g.created_at,
                "completed_at": g.completed_at,
                "failed_at": g.failed_at,
                "members": [
                    {
                        "user_id": m.user_id,
                        "is_leader": m.is_leader,
                        "status": m.status,
                        "order_no": m.order_no,
                    }
                    for m in g.all
                ],
            }
            for g in page
        ]
        return paginator.get_paginated_response(s.GroupBuyMonitorGroupOut(results, many=True).data)
