"""Django admin for payments, refunds, accepted callbacks, bill mismatches and transfers.

Nothing is edited here: states change only through the services. Actions call them: query a
payment or refund at its provider now, retry a failed refund."""

from __future__ import annotations

from django.contrib import admin

from contexts.identity import api as identity_api
from contexts.payments import services
from contexts.payments.models import (
    BillMismatch,
    NotificationReceipt,
    Payment,
    PaymentAgreement,
    Refund,
    Transfer,
)
from shared.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, id_label
from shared.auth import principal_for_user


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("refund_no", "amount", "state", "reason", "failure_code", "created_at")
    show_change_link = True


@admin.register(Payment)
class PaymentAdmin(ServiceAdmin):
    list_display = (
        "payment_no",
        "kind",
        "trade_no",
        "buyer",
        "provider",
        "state",
        "amount",
        "created_at",
        "paid_at",
    )
    list_filter = ("state", "provider", "kind")
    search_fields = ("=payment_no", "=trade_no", "=provider_ref", "=buyer_id")
    date_hierarchy = "created_at"
    exclude = ("client_data", "request_hash", "idempotency_key")
    readonly_fields = (
        "payment_no",
        "kind",
        "source_ref",
        "trade_no",
        "buyer_id",
        "provider",
        "channel",
        "amount",
        "state",
        "client_kind",
        "provider_ref",
        "paid_amount",
        "paid_at",
        "refund_reason",
        "created_at",
    )
    inlines = (RefundInline,)
    actions = ("query_now",)
    id_labels = {"buyer_id": lambda ids: identity_api.user_names(user_ids=ids)}
    buyer = id_label("buyer_id", "buyer")

    @admin.action(description="Query the provider now and settle")
    def query_now(self, request, queryset):
        self.run_service_action(
            request,
            list(queryset),
            action="query_now",
            service=lambda p: services.payment_query_now(payment_no=p.payment_no),
            done="{count} payment(s) queried.",
        )


@admin.register(Refund)
class RefundAdmin(ServiceAdmin):
    list_display = ("refund_no", "payment", "amount", "state", "reason", "created_at")
    list_filter = ("state",)
    search_fields = ("=refund_no", "=payment__payment_no", "=payment__trade_no")
    date_hierarchy = "created_at"
    list_select_related = ("payment",)
    exclude = ("request_hash", "idempotency_key")
    readonly_fields = (
        "refund_no",
        "payment",
        "amount",
        "state",
        "reason",
        "requested_by",
        "provider_ref",
        "failure_code",
        "attempts",
        "created_at",
        "completed_at",
    )
    actions = ("retry", "query_now")

    @admin.action(description="Retry the failed refund")
    def retry(self, request, queryset):
        principal = principal_for_user(request.user)
        self.run_service_action(
            request,
            list(queryset),
            action="retry_refund",
            service=lambda r: services.refund_retry(principal=principal, refund_no=r.refund_no),
            done="{count} refund(s) retried.",
        )

    @admin.action(description="Query the provider now and settle")
    def query_now(self, request, queryset):
        self.run_service_action(
            request,
            list(queryset),
            action="query_now",
            service=lambda r: services.refund_query_now(refund_no=r.refund_no),
            done="{count} refund(s) queried.",
        )


@admin.register(BillMismatch)
class BillMismatchAdmin(ReadOnlyAdmin):
    list_display = (
        "day",
        "provider",
        "kind",
        "our_count",
        "our_amount",
        "their_count",
        "their_amount",
        "resolved",
        "checked_at",
    )
    list_filter = ("resolved", "provider", "kind")
    search_fields = ("=provider",)
    date_hierarchy = "day"


@admin.register(NotificationReceipt)
class NotificationReceiptAdmin(ReadOnlyAdmin):
    list_display = ("received_at", "provider", "kind", "payment_no", "refund_no", "state")
    list_filter = ("provider", "kind")
    search_fields = ("=payment_no", "=refund_no")
    exclude = ("body_hash", "nonce")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    """Payouts through a provider (settlement's, via payments.api.transfer); the payee account
    and the caller's key are not shown."""

    list_display = (
        "transfer_no",
        "provider",
        "amount",
        "state",
        "attempts",
        "failure_code",
        "created_at",
    )
    list_filter = ("provider", "state")
    search_fields = ("=transfer_no", "=provider_ref")
    exclude = ("payee_account", "idempotency_key", "request_hash")


@admin.register(PaymentAgreement)
class PaymentAgreementAdmin(ReadOnlyAdmin):
    """Auto-charge agreements (read-only: they change by the provider's callbacks and by
    payments.api.end_agreement: ending, then terminated once the provider is told)."""

    list_display = (
        "agreement_no",
        "buyer",
        "provider",
        "kind",
        "source_ref",
        "state",
        "signed_at",
        "ended_at",
    )
    list_filter = ("state", "provider", "kind")
    search_fields = ("=agreement_no", "=source_ref", "=buyer_id")
    exclude = ("client_data",)
    id_labels = {"buyer_id": lambda ids: identity_api.user_names(user_ids=ids)}
    buyer = id_label("buyer_id", "buyer")
