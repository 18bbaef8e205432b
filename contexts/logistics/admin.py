"""Django admin for freight templates and shipments (read-only, with a "poll now" action).

On the admin standard (`shared.admin.ServiceAdmin`): the forms check the same domain rules as
the API (units, fees, province codes, no province in two regional rules), and adding, changing
and deleting go through the freight-template services, so making a template default here also
unsets the merchant's previous default, and the default template cannot be deleted.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from contexts.catalog import api as catalog_api
from contexts.logistics import domain, services
from contexts.logistics.models import (
    FreightRule,
    FreightTemplate,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)
from shared.admin import ReadOnlyInline, ServiceAdmin, formset_rows, id_label
from shared.auth import principal_of


def _rules(formsets) -> list[services.RuleDraft]:
    kept, _ = formset_rows(formsets, FreightRule)
    return [
        services.RuleDraft(
            province_codes=data.get("province_codes") or [],
            first_fee=data["first_fee"],
            additional_fee=data["additional_fee"],
        )
        for _, data in kept
    ]


def _province_list(value) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError('A JSON list of province codes, e.g. ["650000", "540000"].')
    return domain.normalize_provinces(value)


class FreightTemplateForm(forms.ModelForm):
    class Meta:
        model = FreightTemplate
        fields = (
            "merchant_id",
            "name",
            "is_default",
            "charge_by",
            "first_unit",
            "first_fee",
            "additional_unit",
            "additional_fee",
            "free_shipping_threshold",
            "not_deliverable_provinces",
        )

    def clean_not_deliverable_provinces(self):
        return _province_list(self.cleaned_data.get("not_deliverable_provinces") or [])

    def clean(self):
        data = super().clean()
        needed = ("charge_by", "first_unit", "first_fee", "additional_unit", "additional_fee")
        if all(data.get(name) is not None for name in needed):
            errors = domain.template_errors(
                **{name: data[name] for name in needed},
                free_shipping_threshold=data.get("free_shipping_threshold"),
                not_deliverable_provinces=data.get("not_deliverable_provinces") or [],
            )
            for name, messages in errors.items():
                self.add_error(name, messages)
        return data


class FreightRuleFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        rules = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            codes = _province_list(data.get("province_codes") or [])
            form.instance.province_codes = codes
            rules.append((codes, data.get("first_fee") or 0, data.get("additional_fee") or 0))
        errors = domain.regional_rule_errors(rules)
        if errors:
            raise ValidationError([f"{name}: {'; '.join(msgs)}" for name, msgs in errors.items()])


class FreightRuleInline(admin.TabularInline):
    model = FreightRule
    formset = FreightRuleFormSet
    extra = 0
    fields = ("province_codes", "first_fee", "additional_fee")


@admin.register(FreightTemplate)
class FreightTemplateAdmin(ServiceAdmin):
    form = FreightTemplateForm
    list_display = (
        "id",
        "merchant",
        "name",
        "is_default",
        "charge_by",
        "first_unit",
        "first_fee",
        "additional_unit",
        "additional_fee",
        "free_shipping_threshold",
    )
    list_filter = ("charge_by", "is_default")
    search_fields = ("=merchant_id", "name")
    ordering = ("merchant_id", "-is_default", "name")
    inlines = (FreightRuleInline,)
    id_labels = {"merchant_id": lambda ids: catalog_api.merchant_names(merchant_ids=ids)}
    merchant = id_label("merchant_id", "merchant")

    def get_readonly_fields(self, request, obj=None):
        # A template stays with its merchant (the default-per-merchant lock is by merchant).
        return ("merchant_id", "created_at", "updated_at") if obj else ("created_at", "updated_at")

    def service_create(self, request, form, formsets):
        data = form.cleaned_data
        return services.freight_template_create(
            principal=principal_of(request),
            merchant_id=data["merchant_id"],
            is_default=data.get("is_default", False),
            rules=_rules(formsets),
            **{name: data.get(name) for name in services.TEMPLATE_FIELDS},
        )

    def service_update(self, request, obj, form, formsets):
        data = {name: form.cleaned_data.get(name) for name in services.TEMPLATE_FIELDS}
        services.freight_template_update(
            template_id=obj.pk,
            principal=principal_of(request),
            data={
                **data,
                "is_default": form.cleaned_data.get("is_default"),
                "rules": _rules(formsets),
            },
        )

    def service_delete(self, request, obj):
        services.freight_template_delete(template_id=obj.pk, principal=principal_of(request))


# --- Shipments ------------------------------------------------------------------------------


class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ("sku_id", "quantity")
    readonly_fields = fields


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = ("occurred_at", "kind", "code", "description", "location", "received_at")
    readonly_fields = fields
    ordering = ("occurred_at", "id")


@admin.register(Shipment)
class ShipmentAdmin(ServiceAdmin):  # no writes declared: parcels are made by ordering
    list_display = (
        "id",
        "order_no",
        "purpose",
        "merchant",
        "carrier_code",
        "tracking_number",
        "status",
        "created_at",
        "last_event_at",
        "delivered_at",
    )
    list_filter = ("status", "purpose", "carrier_code")
    search_fields = ("=order_no", "=tracking_number", "=reference")
    date_hierarchy = "created_at"
    inlines = (ShipmentLineInline, TrackingEventInline)
    actions = ("poll_now",)
    readonly_fields = (
        "order_no",
        "purpose",
        "reference",
        "merchant_id",
        "buyer_id",
        "carrier_code",
        "tracking_number",
        "status",
        "label",
        "receiver_name",
        "province_code",
        "city_code",
        "district_code",
        "created_at",
        "delivered_at",
        "last_event_at",
        "last_polled_at",
    )
    fields = readonly_fields
    id_labels = {"merchant_id": lambda ids: catalog_api.merchant_names(merchant_ids=ids)}
    merchant = id_label("merchant_id", "merchant")

    @admin.action(description="Ask the carrier for the selected shipments' routes now")
    def poll_now(self, request, queryset):
        principal = principal_of(request)
        self.run_service_action(
            request,
            queryset.order_by("pk"),
            action="poll",
            service=lambda shipment: services.shipment_poll(
                shipment_id=shipment.pk, principal=principal
            ),
            done="Routes of {count} shipment(s) asked for.",
        )
