"""Freight rules, free of Django: what a merchant's template charges for one shipment; and the
shipment rules (status from route events, what a route event is, what a parcel may hold).

A template charges by piece or by weight (grams): the first `first_unit` units cost `first_fee`,
every further `additional_unit` units or part of them cost `additional_fee` (so 1 g over the
first kilo already costs a step). A regional rule overrides both fees for its provinces. An
order group whose amount reaches the free-shipping threshold ships free. Provinces on the
not-deliverable list cannot be shipped to at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from decimal import Decimal
from enum import StrEnum

from shared.errors import ValidationFailed
from shared.money import ZERO, quantize
from shared.regions import PROVINCE_CODE

NOT_DELIVERABLE = "not_deliverable"
FREE_SHIPPING_THRESHOLD = "free_shipping_threshold"
NO_TEMPLATE = "no_template"


class ChargeBy(StrEnum):
    PIECE = "piece"
    WEIGHT = "weight"


@dataclass(frozen=True)
class RegionalFees:
    province_codes: frozenset[str]
    first_fee: Decimal
    additional_fee: Decimal


@dataclass(frozen=True)
class FreightPlan:
    charge_by: ChargeBy
    first_unit: int
    first_fee: Decimal
    additional_unit: int
    additional_fee: Decimal
    free_shipping_threshold: Decimal | None = None
    not_deliverable_provinces: frozenset[str] = field(default_factory=frozenset)
    regional_fees: tuple[RegionalFees, ...] = ()

    def fees_for(self, province_code: str) -> tuple[Decimal, Decimal]:
        """(first fee, additional fee) for a province: its regional rule's, else the template's."""
        for regional in self.regional_fees:
            if province_code in regional.province_codes:
                return regional.first_fee, regional.additional_fee
        return self.first_fee, self.additional_fee


@dataclass(frozen=True)
class FreightCharge:
    amount: Decimal
    deliverable: bool
    reason: str = ""


def charged_units(plan: FreightPlan, *, quantity: int, weight_grams: int) -> int:
    """The units a shipment is charged on: pieces, or total grams."""
    return quantity if plan.charge_by == ChargeBy.PIECE else weight_grams


def freight_charge(
    plan: FreightPlan | None,
    *,
    province_code: str,
    quantity: int,
    weight_grams: int,
    amount: Decimal,
) -> FreightCharge:
    """Freight of one shipment of `quantity` pieces weighing `weight_grams` in total, for goods
    worth `amount`, to `province_code`.

    Order of the rules: a shop without a default template (plan None) does not deliver (never
    free by accident); an undeliverable province is not deliverable either (nothing charged); then
    an amount at or above the threshold ships free; otherwise first fee plus one additional fee
    per started additional unit. Never negative."""
    if plan is None:
        return FreightCharge(amount=ZERO, deliverable=False, reason=NO_TEMPLATE)
    if province_code in plan.not_deliverable_provinces:
        return FreightCharge(amount=ZERO, deliverable=False, reason=NOT_DELIVERABLE)
    units = charged_units(plan, quantity=quantity, weight_grams=weight_grams)
    if units <= 0:
        return FreightCharge(amount=ZERO, deliverable=True)
    if plan.free_shipping_threshold is not None and amount >= plan.free_shipping_threshold:
        return FreightCharge(amount=ZERO, deliverable=True, reason=FREE_SHIPPING_THRESHOLD)
    first_fee, additional_fee = plan.fees_for(province_code)
    extra_units = max(units - plan.first_unit, 0)
    steps = -(-extra_units // plan.additional_unit)  # ceiling division on integers
    return FreightCharge(amount=quantize(first_fee + steps * additional_fee), deliverable=True)


# --- Validating a template ----------------------------------------------------------------


def normalize_provinces(codes: Iterable[str]) -> list[str]:
    """Province codes without blanks or duplicates, sorted (what is stored)."""
    return sorted({code.strip() for code in codes if code and code.strip()})


def template_errors(
    *,
    charge_by: str,
    first_unit: int,
    first_fee: Decimal,
    additional_unit: int,
    additional_fee: Decimal,
    free_shipping_threshold: Decimal | None,
    not_deliverable_provinces: Sequence[str],
) -> dict[str, list[str]]:
    """What is wrong with a template's own fields: known charge mode, units >= 1, fees and
    threshold >= 0, well-formed province codes. Empty when nothing is."""
    errors: dict[str, list[str]] = {}
    if charge_by not in {mode.value for mode in ChargeBy}:
        errors.setdefault("charge_by", []).append(f"Must be one of: {', '.join(ChargeBy)}.")
    for name, value in (("first_unit", first_unit), ("additional_unit", additional_unit)):
        if value < 1:
            errors.setdefault(name, []).append("Must be at least 1.")
    fees = [("first_fee", first_fee), ("additional_fee", additional_fee)]
    if free_shipping_threshold is not None:
        fees.append(("free_shipping_threshold", free_shipping_threshold))
    for name, value in fees:
        if value < 0:
            errors.setdefault(name, []).append("Must not be negative.")
    for code in not_deliverable_provinces:
        if not PROVINCE_CODE.match(code):
            errors.setdefault("not_deliverable_provinces", []).append(
                f"{code!r} is not a province code like 110000."
            )
    return errors


def regional_rule_errors(
    rules: Sequence[tuple[Sequence[str], Decimal, Decimal]],
) -> dict[str, list[str]]:
    """What is wrong with regional rules (province codes, first fee, additional fee): each
    names at least one well-formed province code, no province is in two rules (which fee would
    apply would be ambiguous), fees >= 0. Keys are `rules[<index>].<field>`."""
    errors: dict[str, list[str]] = {}
    seen: dict[str, int] = {}
    for index, (codes, first_fee, additional_fee) in enumerate(rules):
        name = f"rules[{index}].province_codes"
        if not codes:
            errors.setdefault(name, []).append("Name at least one province.")
        for code in codes:
            if not PROVINCE_CODE.match(code):
                errors.setdefault(name, []).append(f"{code!r} is not a province code like 110000.")
            elif seen.setdefault(code, index) != index:
                errors.setdefault(name, []).append(f"{code} is already in rule {seen[code]}.")
        for field_name, value in (("first_fee", first_fee), ("additional_fee", additional_fee)):
            if value < 0:
                errors.setdefault(f"rules[{index}].{field_name}", []).append(
                    "Must not be negative."
                )
    return errors


def raise_if_invalid(errors: dict[str, list[str]]) -> None:
    """Errors as the shared validation envelope: details.fields = {field: [messages]}."""
    if errors:
        first = next(iter(errors.values()))[0]
        raise ValidationFailed(f"The request is invalid: {first}", details={"fields": errors})


# --- Shipments and tracking ---------------------------------------------------------------


class ShipmentStatus(StrEnum):
    CREATED = "created"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    EXCEPTION = "exception"


class RouteKind(StrEnum):
    """What a carrier's route event means, whatever its own operation code."""

    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


def shipment_status(current: str, kinds_in_time_order: Sequence[str]) -> ShipmentStatus:
    """A parcel's status from all its route events, oldest first. Delivered once any event says
    so, and delivered stays delivered; otherwise an exception as the latest event is an
    exception; any other event means in transit; no event: still created."""
    if current == ShipmentStatus.DELIVERED or RouteKind.DELIVERED in kinds_in_time_order:
        return ShipmentStatus.DELIVERED
    if not kinds_in_time_order:
        return ShipmentStatus(current)
    if kinds_in_time_order[-1] == RouteKind.EXCEPTION:
        return ShipmentStatus.EXCEPTION
    return ShipmentStatus.IN_TRANSIT


def route_fingerprint(*, occurred_at, code: str, description: str) -> str:
    """What makes a route event the same event when a carrier reports it again (a second push,
    a poll after a push): its time to the second, its code and its text."""

    stamp = occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return hashlib.sha256(f"{stamp}|{code}|{description}".encode()).hexdigest()


def over_shipped(
    *, ordered: dict[int, int], shipped: dict[int, int], requested: dict[int, int]
) -> dict[str, list[str]]:
    """Field errors for parcel lines: a SKU the order does not hold, or more units than the
    order has left to ship. Empty when the parcel fits."""
    errors: dict[str, list[str]] = {}
    for sku_id, quantity in requested.items():
        if sku_id not in ordered:
            errors.setdefault("lines", []).append(f"SKU {sku_id} is not in this order.")
        elif shipped.get(sku_id, 0) + quantity > ordered[sku_id]:
            left = ordered[sku_id] - shipped.get(sku_id, 0)
            errors.setdefault("lines", []).append(
                f"SKU {sku_id}: {quantity} requested, {left} left to ship."
            )
    return errors
