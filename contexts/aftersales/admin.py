"""Django admin for after-sales requests, on the admin standard (shared.admin): rows change only
through services (approve, arbitrate), a refusal is an error message and never a success
banner; the status log and the messages are shown read-only."""

from __future__ import annotations

from django.contrib import admin

from contexts.aftersales import services
from contexts.aftersales.models import (
    AftersalesRequest,
    RequestLog,
    RequestMessage,
    Ticket,
    TicketMessage,
)
from contexts.catalog import api as catalog_api
from contexts.identity import api as identity_api
from shared.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, id_label
from shared.auth import principal_of


class RequestLogInline(ReadOnlyInline):
    model = RequestLog
    fields = ("created_at", "from_status", "to_status", "actor", "role", "reason")
    readonly_fields = fields
    verbose_name = "status change"


class RequestMessageInline(ReadOnlyInline):
    model = RequestMessage
    fields = ("created_at", "role", "author_id", "body", "attachments")
    readonly_fields = fields


@admin.register(AftersalesRequest)
class AftersalesRequestAdmin(ServiceAdmin):
    list_display = (
        "request_no",
        "kind",
        "status",
        "order_no",
        "buyer",
        "merchant",
        "title",
        "quantity",
        "amount",
        "due_at",
        "created_at",
    )
    list_filter = ("status", "kind", "reason_code")
    search_fields = ("=request_no", "=order_no", "=buyer_id", "=refund_no")
    readonly_fields = [f.name for f in AftersalesRequest._meta.fields]
    inlines = (RequestLogInline, RequestMessageInline)
    actions = ("approve", "arbitrate_for_buyer", "arbitrate_for_merchant")
    id_labels = {
        "buyer_id": lambda ids: identity_api.user_names(user_ids=ids),
        "merchant_id": lambda ids: catalog_api.merchant_names(merchant_ids=ids),
    }
    buyer = id_label("buyer_id", "buyer")
    merchant = id_label("merchant_id", "merchant")

    @admin.action(description="Approve (a refund alone is refunded at once)")
    def approve(self, request, queryset):
        principal = principal_of(request)
        self.run_service_action(
            request,
            list(queryset),
            action="approve",
            service=lambda r: services.request_approve(
                principal=principal, request_no=r.request_no, note="approved in the admin"
            ),
            done="{count} request(s) approved.",
        )

    def _arbitrate(self, request, queryset, decision: str) -> None:
        principal = principal_of(request)
        self.run_service_action(
            request,
            list(queryset),
            action=f"arbitrate_{decision}",
            service=lambda r: services.request_arbitrate(
                principal=principal,
                request_no=r.request_no,
                decision=decision,
                reason=f"arbitrated for the {decision} in the admin",
            ),
            done="{count} request(s) arbitrated.",
        )

    @admin.action(description="Arbitrate for the buyer (approve / refund / go on)")
    def arbitrate_for_buyer(self, request, queryset):
        self._arbitrate(request, queryset, services.FOR_BUYER)

    @admin.action(description="Arbitrate for the merchant (close)")
    def arbitrate_for_merchant(self, request, queryset):
        self._arbitrate(request, queryset, services.FOR_MERCHANT)


class TicketMessageInline(ReadOnlyInline):
    model = TicketMessage
    fields = ("created_at", "role", "author_id", "body", "attachments")
    readonly_fields = fields


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    """Tickets are answered through the API; the admin shows them for support."""

    list_display = (
        "ticket_no",
        "subject",
        "status",
        "buyer",
        "merchant_id",
        "assignee_id",
        "escalation_level",
        "sla_due_at",
    )
    list_filter = ("status", "escalation_level")
    search_fields = ("=ticket_no", "=buyer_id", "=request__request_no", "subject")
    list_select_related = ("request",)
    inlines = (TicketMessageInline,)
    id_labels = {"buyer_id": lambda ids: identity_api.user_names(user_ids=ids)}
    buyer = id_label("buyer_id", "buyer")
