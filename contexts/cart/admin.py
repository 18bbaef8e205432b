"""Django admin for carts: a support view of who has what in their cart.

Lines are read-only here: quantities, the line limit and stock checks are enforced by the
services, which the storefront calls. Staff may delete a whole cart (e.g. a stuck guest cart).
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count

from contexts.cart.models import Cart, CartLine


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0
    can_delete = False
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

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


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
class CartAdmin(admin.ModelAdmin):
    list_display = ("id", "user_id", "is_guest", "line_count", "updated_at", "expires_at")
    list_filter = (GuestFilter,)
    search_fields = ("=user_id", "=lines__sku_id")
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

    def has_add_permission(self, request) -> bool:
        return False
