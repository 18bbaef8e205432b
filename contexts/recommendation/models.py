"""Recommendation's tables.

Signal is the ledger of every signal taken in (a product view, a cart add, a purchase), one row
per source (an event id, or the client's signal id): a signal delivered twice is taken once, and
the rebuild job replays the ledger into the graph. ProductSnapshot is what the storefront shows
of a recommended product (kept from the catalog's events), ProductRecommendations the
precomputed lists under each product page (what the product page and the cart read).

Graph* and TrendingScore back the embedded default adapters (adapters/sql.py).
"""

from __future__ import annotations

from django.db import models

from shared.money import money_field


class Signal(models.Model):
    class Kind(models.TextChoices):
        VIEW = "view", "Product view"
        CART = "cart", "Cart add"
        PURCHASE = "purchase", "Purchase"

    key = models.CharField(max_length=80, unique=True)  # "<event id>" or "view:<signal id>"
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user_key = models.CharField(max_length=80)
    spu_ids = models.JSONField(default=list)
    occurred_at = models.DateTimeField()

    class Meta:
        db_table = "recommendation_signal"
        indexes = [models.Index(fields=["occurred_at"], name="rec_signal_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} by {self.user_key}"


class ProductSnapshot(models.Model):
    spu_id = models.BigIntegerField(primary_key=True)
    title = models.CharField(max_length=200)
    image_url = models.CharField(max_length=500, blank=True)
    min_price = money_field(null=True)
    category_id = models.BigIntegerField()
    category_ids = models.JSONField(default=list)  # root first
    brand_id = models.BigIntegerField(null=True)
    attribute_value_ids = models.JSONField(default=list)
    listed = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "recommendation_product"
        indexes = [models.Index(fields=["category_id", "listed"], name="rec_product_category")]

    def __str__(self) -> str:
        return self.title


class ProductRecommendations(models.Model):
    """The lists under one product page, as product ids, best first."""

    spu_id = models.BigIntegerField(primary_key=True)
    bought_together = models.JSONField(default=list)
    viewed_also_viewed = models.JSONField(default=list)
    similar = models.JSONField(default=list)
    computed_at = models.DateTimeField()
    # A signal touched the product since: the refresh task recomputes it.
    stale = models.BooleanField(default=False)

    class Meta:
        db_table = "recommendation_product_lists"
        verbose_name_plural = "product recommendations"
        indexes = [models.Index(fields=["stale"], name="rec_lists_stale")]

    def __str__(self) -> str:
        return f"Recommendations of product {self.spu_id}"


class GraphLink(models.Model):
    user_key = models.CharField(max_length=80)
    spu_id = models.BigIntegerField()
    relation = models.CharField(max_length=10)
    times = models.PositiveIntegerField(default=1)
    last_at = models.DateTimeField()

    class Meta:
        db_table = "recommendation_graph_link"
        constraints = [
            models.UniqueConstraint(
                fields=["user_key", "relation", "spu_id"],
                name="rec_link_unique",
                violation_error_message="A shopper has one link of each relation to a product.",
            )
        ]
        indexes = [
            models.Index(fields=["relation", "spu_id"], name="rec_link_product"),
            models.Index(fields=["user_key", "relation", "last_at"], name="rec_link_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.user_key} {self.relation} {self.spu_id}"


class GraphProduct(models.Model):
    spu_id = models.BigIntegerField(primary_key=True)
    category_id = models.BigIntegerField()
    price = models.FloatField(default=0)

    class Meta:
        db_table = "recommendation_graph_product"

    def __str__(self) -> str:
        return f"Product {self.spu_id}"


class GraphSimilar(models.Model):
    spu_id = models.BigIntegerField()
    similar_id = models.BigIntegerField()
    score = models.FloatField()

    class Meta:
        db_table = "recommendation_graph_similar"
        constraints = [
            models.UniqueConstraint(
                fields=["spu_id", "similar_id"],
                name="rec_similar_unique",
                violation_error_message="A product is linked as similar to another only once.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.spu_id} SIMILAR_TO {self.similar_id}"


class TrendingScore(models.Model):
    category_id = models.BigIntegerField()  # 0: store-wide
    spu_id = models.BigIntegerField()
    score = models.FloatField(default=0)

    class Meta:
        db_table = "recommendation_trending"
        constraints = [
            models.UniqueConstraint(
                fields=["category_id", "spu_id"],
                name="rec_trending_unique",
                violation_error_message="A product has one trending score per category.",
            )
        ]
        indexes = [models.Index(fields=["category_id", "-score"], name="rec_trending_top")]

    def __str__(self) -> str:
        return f"Product {self.spu_id} in category {self.category_id}"
