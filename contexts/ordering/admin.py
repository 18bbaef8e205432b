"""Django admin for trades, orders (with lines, logs and notes inline) and idempotency keys.

Read-only: an order's status, amounts and snapshot only change through the services (state
machine, log, events), so the admin shows them and the back-office API changes them.
"""

from __future__ import annotations

from django.contrib import admin

from contexts.catalog import api as catalog_api
from contexts.identity import api as identity_api
from contexts.ordering.models import IdempotencyKey, Order, OrderLine, OrderLog, OrderNote, Trade
from shared.admin import ReadOnlyAdmin, ReadOnlyInline, id_label


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = (
        "sku_id",
        "title",
        "spec",
        "unit_price",
        "quantity",
        "subtotal",
        "discount_amount",
        "pay_amount",
    )


class OrderLogInline(ReadOnlyInline):
    model = OrderLog
    fields = ("created_at", "from_status", "to_status", "actor", "reason")


class OrderNoteInline(ReadOnlyInline):
    model = OrderNote
    fields = ("created_at", "author_id", "body")


class OrderInline(ReadOnlyInline):
    model = Order
    fields = ("order_no", "merchant_id", "status", "pay_amount")
    show_change_link = True


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    list_display = ("order_no", "buyer", "merchant", "status", "pay_amount", "created_at")
    list_filter = ("status",)
    search_fields = ("=order_no", "=trade__trade_no", "=buyer_id", "=tracking_number")
    date_hierarchy = "created_at"
    list_select_related = ("trade",)
    inlines = (OrderLineInline, OrderLogInline, OrderNoteInline)
    id_labels = {
        "buyer_id": lambda ids: identity_api.user_names(user_ids=ids),
        "merchant_id": lambda ids: catalog_api.merchant_names(merchant_ids=ids),
    }
    buyer = id_label("buyer_id", "buyer")
    merchant = id_label("merchant_id", "merchant")


@admin.register(Trade)
class TradeAdmin(ReadOnlyAdmin):
    list_display = ("trade_no", "buyer", "status", "pay_amount", "paid_amount", "created_at")
    list_filter = ("status",)
    search_fields = ("=trade_no", "=buyer_id", "=payment_ref")
    date_hierarchy = "created_at"
    inlines = (OrderInline,)
    id_labels = {"buyer_id": lambda ids: identity_api.user_names(user_ids=ids)}
    buyer = id_label("buyer_id", "buyer")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("user_id", "key", "response_status", "created_at", "expires_at")
    search_fields = ("=user_id", "=key")
    list_filter = ("response_status",)
