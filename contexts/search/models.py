"""The search context's tables.

The embedded index (adapters/embedded.py) stores one denormalised row per listed product with
its tokens (a full-text index over them is created per database engine by migration 0002), its
category ancestry and attribute values for filters and facets, and one row per order for staff
search. The sync keeps two small ledgers of its own so that events from inventory and ordering
apply in their aggregates' order whatever order they arrive in.
"""

from __future__ import annotations

from django.db import models

from shared.money import money_field


class IndexedProduct(models.Model):
    spu_id = models.BigIntegerField(primary_key=True)
    merchant_id = models.BigIntegerField()
    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=300, blank=True)
    brand_id = models.BigIntegerField(null=True)
    brand_name = models.CharField(max_length=100, blank=True)
    category_id = models.BigIntegerField()
    category_name = models.CharField(max_length=100, blank=True)
    category_path = models.JSONField(default=list)  # [[id, name], ...] root first
    min_price = money_field(null=True)
    max_price = money_field(null=True)
    sales_count = models.PositiveIntegerField(default=0)
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    in_stock = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True)
    image_url = models.CharField(max_length=500, blank=True)
    # domain.weighted_tokens(): what the full-text index covers.
    tokens = models.TextField(blank=True)
    # The title's and brand's tokens once each: what suggestions complete.
    title_tokens = models.TextField(blank=True)
    # Its attribute value ids, space-separated: the attribute facets are counted from the
    # matched rows themselves (one full-text match per search, see adapters/embedded.py).
    facet_value_ids = models.TextField(blank=True, default="")

    class Meta:
        db_table = "search_product"
        indexes = [
            models.Index(fields=["sales_count", "spu_id"], name="search_product_by_sales"),
            models.Index(fields=["published_at", "spu_id"], name="search_product_newest"),
            models.Index(fields=["min_price", "spu_id"], name="search_product_price"),
            models.Index(fields=["brand_id"], name="search_product_brand"),
            models.Index(fields=["merchant_id"], name="search_product_merchant"),
        ]

    def __str__(self) -> str:
        return self.title


class IndexedProductCategory(models.Model):
    """The product's category and each ancestor: "category 5 including descendants" is an
    equality on category_id here."""

    spu_id = models.BigIntegerField()
    category_id = models.BigIntegerField()

    class Meta:
        db_table = "search_product_category"
        indexes = [models.Index(fields=["category_id", "spu_id"], name="search_cat_spu")]
        constraints = [
            models.UniqueConstraint(
                fields=["spu_id", "category_id"],
                name="search_spu_cat_unique",
                violation_error_message="The product is already indexed under this category.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.spu_id} in {self.category_id}"


class IndexedProductAttribute(models.Model):
    spu_id = models.BigIntegerField()
    attribute_id = models.BigIntegerField()
    attribute_name = models.CharField(max_length=50)
    value_id = models.BigIntegerField()
    value = models.CharField(max_length=100)

    class Meta:
        db_table = "search_product_attribute"
        indexes = [models.Index(fields=["value_id", "spu_id"], name="search_attr_value_spu")]
        constraints = [
            models.UniqueConstraint(
                fields=["spu_id", "value_id"],
                name="search_spu_value_unique",
                violation_error_message="The product is already indexed with this value.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.spu_id}: {self.attribute_name} {self.value}"


class IndexedOrder(models.Model):
    order_no = models.CharField(max_length=32, primary_key=True)
    trade_no = models.CharField(max_length=32)
    buyer_id = models.BigIntegerField()
    merchant_id = models.BigIntegerField()
    status = models.CharField(max_length=20)
    receiver_name = models.CharField(max_length=50)
    receiver_phone = models.CharField(max_length=32)
    pay_amount = money_field()
    placed_at = models.DateTimeField()

    class Meta:
        db_table = "search_order"
        indexes = [
            models.Index(fields=["placed_at", "order_no"], name="search_order_placed"),
            models.Index(fields=["buyer_id", "placed_at"], name="search_order_buyer"),
            models.Index(fields=["receiver_phone"], name="search_order_phone"),
        ]

    def __str__(self) -> str:
        return self.order_no


class SkuStock(models.Model):
    """A SKU's availability as inventory last reported it, with the aggregate version of that
    report: an older report arriving late never overwrites a newer one."""

    sku_id = models.BigIntegerField(primary_key=True)
    spu_id = models.BigIntegerField(db_index=True)
    available = models.IntegerField()
    version = models.PositiveBigIntegerField()

    class Meta:
        db_table = "search_sku_stock"

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.available} (v{self.version})"


class ProductSales(models.Model):
    """Units of the product in completed orders, counted by search from ordering's events (the
    catalog counts the same units; the document shows the higher of the two counters, so
    whichever applied an order first is not held back by the other)."""

    spu_id = models.BigIntegerField(primary_key=True)
    units = models.PositiveBigIntegerField(default=0)

    class Meta:
        db_table = "search_product_sales"
        verbose_name = "product sales"
        verbose_name_plural = "product sales"

    def __str__(self) -> str:
        return f"{self.spu_id}: {self.units}"
