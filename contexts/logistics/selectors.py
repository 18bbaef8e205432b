"""Reading freight templates. Merchant staff see only their shops' templates: a template is
always looked up through the caller's principal, so another shop's is simply not found."""

from __future__ import annotations

from django.db.models import QuerySet

from contexts.logistics import domain
from contexts.logistics.models import FreightTemplate, Shipment
from shared.auth import SYSTEM, Principal
from shared.errors import NotFound


def _in_scope(principal: Principal) -> QuerySet[FreightTemplate]:
    return principal.filter(
        FreightTemplate.objects.prefetch_related("rules"), "logistics.freight_template.read"
    )


def freight_template_list(
    *, principal: Principal, merchant_id: int | None = None
) -> QuerySet[FreightTemplate]:
    """Templates in the caller's scope (optionally of one merchant), default first, by name."""
    templates = _in_scope(principal)
    if merchant_id is not None:
        templates = templates.filter(merchant_id=merchant_id)
    return templates.order_by("merchant_id", "-is_default", "name", "id")


def freight_template_get(*, template_id: int, principal: Principal) -> FreightTemplate:
    """One template in the caller's scope; NotFound for a missing one or another shop's."""
    template = _in_scope(principal).filter(pk=template_id).first()
    if template is None:
        raise NotFound("Freight template not found.", code="freight_template_not_found")
    return template


def default_freight_template(*, merchant_id: int) -> FreightTemplate | None:
    """The merchant's default template with its rules (two queries), or None."""
    return _in_scope(SYSTEM).filter(merchant_id=merchant_id, is_default=True).first()


def freight_plan(template: FreightTemplate) -> domain.FreightPlan:
    """The template as the pure pricing rules see it (rules in creation order)."""
    return domain.FreightPlan(
        charge_by=domain.ChargeBy(template.charge_by),
        first_unit=template.first_unit,
        first_fee=template.first_fee,
        additional_unit=template.additional_unit,
        additional_fee=template.additional_fee,
        free_shipping_threshold=template.free_shipping_threshold,
        not_deliverable_provinces=frozenset(template.not_deliverable_provinces),
        regional_fees=tuple(
            domain.RegionalFees(
                province_codes=frozenset(rule.province_codes),
                first_fee=rule.first_fee,
                additional_fee=rule.additional_fee,
            )
            for rule in sorted(template.rules.all(), key=lambda rule: rule.pk)
        ),
    )


# --- Shipments ------------------------------------------------------------------------------

SHIPMENT_READ = "shipment.read"


def shipment_list(
    *,
    principal: Principal,
    order_no: str | None = None,
    tracking_number: str | None = None,
    status: str | None = None,
    carrier_code: str | None = None,
) -> QuerySet[Shipment]:
    """Parcels in the caller's scope (a merchant's own shops), newest first, optionally by
    order number, tracking number, status or carrier (exact matches)."""
    shipments = principal.filter(Shipment.objects.prefetch_related("lines"), SHIPMENT_READ)
    filters = {
        "order_no": order_no,
        "tracking_number": tracking_number,
        "status": status,
        "carrier_code": carrier_code.lower() if carrier_code else None,
    }
    shipments = shipments.filter(**{k: v for k, v in filters.items() if v})
    return shipments.order_by("-created_at", "-id")


def shipment_get(*, shipment_id: int, principal: Principal) -> Shipment:
    """One parcel in the caller's scope with its lines and route; 404 for another shop's."""
    shipment = (
        principal.filter(Shipment.objects.all(), SHIPMENT_READ)
        .prefetch_related("lines", "tracking")
        .filter(pk=shipment_id)
        .first()
    )
    if shipment is None:
        raise NotFound("Shipment not found.", code="shipment_not_found")
    return shipment


def shipments_of_order(*, order_no: str) -> list[Shipment]:
    """Every parcel of an order with lines and route, oldest first (no scope: callers check);
    buyers' return parcels are not the order's."""
    return list(
        Shipment.objects.filter(order_no=order_no, purpose=Shipment.OUTBOUND)
        .prefetch_related("lines", "tracking")
        .order_by("created_at", "id")
    )
