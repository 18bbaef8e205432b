"""Freight template and shipment endpoints for platform staff and merchant staff, and the
carriers' route push (no authentication: the carrier adapter verifies the push's digest).

The caller's principal (shared.auth) decides: platform staff manage every merchant's templates,
a shop's owner and staff only that shop's; another shop's template answers 404, creating one
for another shop 403.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from contexts.logistics import selectors, services
from contexts.logistics.rest import serializers as s
from shared.auth import principal_of
from shared.pagination import paginated
from shared.rest.permissions import HasPermission
from shared.rest.schema import PAGE_PARAMETERS, error_responses
from shared.rest.serializers import validated


class FreightTemplateListView(APIView):
    permission_classes = (HasPermission("logistics.freight_template.read"),)

    @extend_schema(
        operation_id="v1_admin_freight_templates_list",
        parameters=[
            s.FreightTemplateListQuery,
            *PAGE_PARAMETERS,
        ],
        responses={200: s.FreightTemplatePageOut, **error_responses(400, 401, 403)},
        summary="List freight templates (merchant)",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.FreightTemplateListQuery, request.query_params)
        templates = selectors.freight_template_list(
            principal=principal_of(request), merchant_id=query.get("merchant_id")
        )
        return paginated(request, self, templates, s.FreightTemplateOut)

    @extend_schema(
        request=s.FreightTemplateIn,
        responses={201: s.FreightTemplateOut, **error_responses(400, 401, 403, 409)},
        summary="Create a freight template (merchant)",
        description="`is_default: true` replaces the merchant's previous default.",
    )
    def post(self, request: Request) -> Response:
        data = validated(s.FreightTemplateIn, request.data)
        template = services.freight_template_create(principal=principal_of(request), **data)
        return Response(s.FreightTemplateOut(template).data, status=status.HTTP_201_CREATED)


class FreightTemplateDetailView(APIView):
    permission_classes = (HasPermission("logistics.freight_template.read"),)

    @extend_schema(
        responses={200: s.FreightTemplateOut, **error_responses(401, 403, 404)},
        summary="Get a freight template (merchant)",
    )
    def get(self, request: Request, template_id: int) -> Response:
        template = selectors.freight_template_get(
            template_id=template_id, principal=principal_of(request)
        )
        return Response(s.FreightTemplateOut(template).data)

    @extend_schema(
        request=s.FreightTemplateUpdateIn,
        responses={200: s.FreightTemplateOut, **error_responses(400, 401, 403, 404, 409)},
        summary="Replace a freight template (merchant)",
        description="Replace the template (rules too).",
    )
    def put(self, request: Request, template_id: int) -> Response:
        return self._update(request, template_id, partial=False)

    @extend_schema(
        request=s.FreightTemplateUpdateIn(partial=True),
        responses={200: s.FreightTemplateOut, **error_responses(400, 401, 403, 404, 409)},
        summary="Update a freight template (merchant)",
        description="Change some fields; `rules`, when sent, replace all regional rules; "
        "`is_default: true` moves the merchant's default here.",
    )
    def patch(self, request: Request, template_id: int) -> Response:
        return self._update(request, template_id, partial=True)

    def _update(self, request: Request, template_id: int, *, partial: bool) -> Response:
        data = validated(s.FreightTemplateUpdateIn, request.data, partial=partial)
        template = services.freight_template_update(
            template_id=template_id, principal=principal_of(request), data=data
        )
        return Response(s.FreightTemplateOut(template).data)

    @extend_schema(
        responses={204: None, **error_responses(401, 403, 404, 409)},
        summary="Delete a freight template (merchant)",
        description="The shop's default template is not deleted (409 freight_template_is_default).",
    )
    def delete(self, request: Request, template_id: int) -> Response:
        services.freight_template_delete(template_id=template_id, principal=principal_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class ShipmentListView(APIView):
    permission_classes = (HasPermission("shipment.read"),)

    @extend_schema(
        operation_id="v1_admin_shipments_list",
        parameters=[
            s.ShipmentListQuery,
            *PAGE_PARAMETERS,
        ],
        responses={200: s.ShipmentPageOut, **error_responses(400, 401, 403)},
        summary="Search shipments (merchant)",
        description="Parcels of the caller's shops, newest first; exact order number, tracking "
        "number, status or carrier.",
    )
    def get(self, request: Request) -> Response:
        query = validated(s.ShipmentListQuery, request.query_params)
        shipments = selectors.shipment_list(principal=principal_of(request), **query)
        return paginated(request, self, shipments, s.ShipmentOut)


class ShipmentDetailView(APIView):
    permission_classes = (HasPermission("shipment.read"),)

    @extend_schema(
        responses={200: s.ShipmentDetailOut, **error_responses(401, 403, 404)},
        summary="Get a shipment with its label and route (merchant)",
    )
    def get(self, request: Request, shipment_id: int) -> Response:
        shipment = selectors.shipment_get(shipment_id=shipment_id, principal=principal_of(request))
        return Response(s.ShipmentDetailOut(shipment).data)


class ShipmentPollView(APIView):
    permission_classes = (HasPermission("shipment.poll"),)

    @extend_schema(
        request=None,
        responses={200: s.ShipmentDetailOut, **error_responses(401, 403, 404, 503)},
        summary="Ask the carrier for a shipment's route now (merchant)",
        description="New route events are stored (each once) and the status follows them; "
        "503 when the carrier is unavailable (nothing changes).",
    )
    def post(self, request: Request, shipment_id: int) -> Response:
        principal = principal_of(request)
        services.shipment_poll(shipment_id=shipment_id, principal=principal)
        shipment = selectors.shipment_get(shipment_id=shipment_id, principal=principal)
        return Response(s.ShipmentDetailOut(shipment).data)


class CarrierRoutePushView(APIView):
    """The carrier calls this; no user, no session, no CSRF: the body's digest is the proof."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = ()

    @extend_schema(
        request={"application/x-www-form-urlencoded": {"type": "object"}},
        responses={200: s.PushAnswerOut, **error_responses(400, 404)},
        summary="Receive a carrier's route push",
        description="SF Express: a form with msgData, timestamp and msgDigest (the same digest "
        "as our requests). A bad digest is a 400 and stores nothing; the same push twice stores "
        "its events once.",
    )
    def post(self, request: Request, carrier_code: str) -> HttpResponse:
        answer = services.push_receive(
            carrier_code=carrier_code, headers=dict(request.headers), body=request.body
        )
        return HttpResponse(answer.body, status=answer.status, content_type=answer.content_type)
