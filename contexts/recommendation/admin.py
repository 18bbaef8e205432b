"""Recommendation's rows, read-only (they change only through signals, the refresh and the
rebuild), with an action that recomputes the selected products' lists."""

from __future__ import annotations

from django.contrib import admin, messages

from contexts.recommendation import services
from contexts.recommendation.models import (
    GraphLink,
    ProductRecommendations,
    Signal,
    TrendingScore,
)
from shared.admin import ReadOnlyAdmin


@admin.register(ProductRecommendations)
class ProductRecommendationsAdmin(ReadOnlyAdmin):
    list_display = ("spu_id", "bought_together", "viewed_also_viewed", "similar", "computed_at")
    list_filter = ("stale",)
    search_fields = ("=spu_id",)
    actions = ("lists_refresh",)

    @admin.action(description="Recompute the selected products' lists")
    def lists_refresh(self, request, queryset):
        done = services.product_lists_refresh(spu_ids=queryset.values_list("spu_id", flat=True))
        self.message_user(request, f"{done} products recomputed.", messages.SUCCESS)


@admin.register(Signal)
class SignalAdmin(ReadOnlyAdmin):
    list_display = ("occurred_at", "kind", "user_key", "spu_ids")
    list_filter = ("kind",)
    search_fields = ("=user_key",)


@admin.register(GraphLink)
class GraphLinkAdmin(ReadOnlyAdmin):
    list_display = ("user_key", "relation", "spu_id", "times", "last_at")
    list_filter = ("relation",)
    search_fields = ("=user_key", "=spu_id")


@admin.register(TrendingScore)
class TrendingScoreAdmin(ReadOnlyAdmin):
    list_display = ("category_id", "spu_id", "score")
    search_fields = ("=category_id", "=spu_id")
