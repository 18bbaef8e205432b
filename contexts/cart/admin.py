"""Django admin for carts: a support view of who has what in their cart.

Lines are read-only here: quantities, the line limit and stock checks are enforced by the
services, which the storefront calls. Staff may delete a whole cart (e.g. a stuck guest cart),
through `services.cart_delete` (the admin standard, `shared.admin.ServiceAdmin`).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from contexts.cart import services
from contexts.cart.models import Cart, CartLine
from contexts.identity import api as identity_api
from shared.admin import ReadOnlyInline, ServiceAdmin, id_label


class CartLineInline(ReadOnlyInline):
    model = CartLine
    fields = (
        "sku_id",
        "merchant_id",
        "quantity",
        "selected",
        "price_when_added",
        "added_at",
        "updated_at",
    )
    readonly_fields = fields


class GuestFilter(admin.SimpleListFilter):
    title = "owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return (("user", "Signed-in buyer"), ("guest", "Guest"))

    def queryset(self, request, queryset):
        if self.value() == "user":
            return queryset.filter(user_id__isnull=False)
        if self.value() == "guest":
            return queryset.filter(user_id__isnull=True)
        return queryset


@admin.register(Cart)
class CartAdmin(ServiceAdmin):
    list_display = ("id", "buyer", "is_guest", "line_count", "updated_at", "expires_at")
    list_filter = (GuestFilter,)
    search_fields = ("=id", "=user_id", "=lines__sku_id")
    id_labels = {"user_id": lambda ids: identity_api.user_names(user_ids=ids)}
    buyer = id_label("user_id", "buyer")
    ordering = ("-updated_at",)
    readonly_fields = ("user_id", "token_hash", "expires_at", "created_at", "updated_at")
    inlines = (CartLineInline,)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_line_count=Count("lines"))

    @admin.display(description="lines", ordering="_line_count")
    def line_count(self, obj) -> int:
        return obj._line_count

    @admin.display(boolean=True, description="guest")
    def is_guest(self, obj) -> bool:
        return obj.is_guest

    def service_delete(self, request, obj):
        services.cart_delete(cart_id=obj.pk)
