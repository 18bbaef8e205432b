"""The catalog's tables: merchants (shops), the category tree, brands, attributes, products (SPU)
and their SKUs, price history, and the relational implementation of the document store.

Other contexts refer to these rows by id only (a SKU id in an order line, a merchant id in a
settlement); users are referred to by their integer id, never by a foreign key.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, Value, When
from treebeard.mp_tree import MP_Node

from shared.money import money_field


class Merchant(models.Model):
    """A shop. Its owner and its staff (MerchantStaff) manage its products."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        SUSPENDED = "suspended"

    name = models.CharField(max_length=100, unique=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    owner_user_id = models.BigIntegerField(db_index=True)
    # Share of each sale the platform keeps, e.g. 0.0500 = 5 %; settlement reads it.
    commission_rate = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.9999"))],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class MerchantStaff(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="staff")
    user_id = models.BigIntegerField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "user_id"],
                name="merchant_staff_unique",
                violation_error_message="This user is already staff of the shop.",
            )
        ]
        verbose_name_plural = "merchant staff"

    def __str__(self) -> str:
        return f"user {self.user_id} @ {self.merchant_id}"


class Category(MP_Node):
    """A node of the category tree (materialised path: a node's descendants are the rows whose
    `path` starts with its path). Siblings are shown by `sort_order`, then name."""

    name = models.CharField(max_length=100)
    icon_url = models.CharField(max_length=500, blank=True)
    sort_order = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    name = models.CharField(max_length=100, unique=True)
    logo_url = models.CharField(max_length=500, blank=True)
    sort_order = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Attribute(models.Model):
    """A property of products. Sales attributes (colour, size) define the SKUs of a product;
    descriptive ones (material) only describe it."""

    class Kind(models.TextChoices):
        SALES = "sales"
        DESCRIPTIVE = "descriptive"

    name = models.CharField(max_length=50)
    code = models.SlugField(max_length=50, unique=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.kind})"


class AttributeValue(models.Model):
    attribute = models.ForeignKey(Attribute, on_delete=models.CASCADE, related_name="values")
    value = models.CharField(max_length=100)
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["attribute_id", "sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["attribute", "value"],
                name="attribute_value_unique",
                violation_error_message="The attribute already has this value.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.attribute.name}: {self.value}"


class CategoryAttribute(models.Model):
    """An attribute a category uses; its descendants use it too."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes")
    attribute = models.ForeignKey(Attribute, on_delete=models.PROTECT, related_name="categories")
    sort_order = models.IntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "attribute"],
                name="category_attribute_unique",
                violation_error_message="The category already uses this attribute.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_id} uses {self.attribute_id}"


class SpuQuerySet(models.QuerySet):
    def live(self) -> SpuQuerySet:
        return self.filter(deleted_at__isnull=True)


class Spu(models.Model):
    """A product as the buyer sees it (standard product unit); its SKUs are what is sold."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        PUBLISHED = "published"
        UNPUBLISHED = "unpublished"

    title = models.CharField(max_length=200)
    subtitle = models.CharField(max_length=300, blank=True)
    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="products")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="products")
    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    main_image_url = models.CharField(max_length=500, blank=True)
    gallery = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    sales_count = models.PositiveIntegerField(default=0)
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    rating_count = models.PositiveIntegerField(default=0)
    # Lowest/highest price of the live active SKUs, kept by the services so that price sorting
    # and the list's "from" price need no aggregate over SKUs.
    min_price = money_field(null=True, blank=True)
    max_price = money_field(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SpuQuerySet.as_manager()

    class Meta:
        verbose_name = "product (SPU)"
        verbose_name_plural = "products (SPU)"
        indexes = [
            # Storefront sorts: equality on (status, deleted_at), then the sort key.
            models.Index(
                fields=["status", "deleted_at", "published_at", "id"], name="spu_status_newest"
            ),
            models.Index(
                fields=["status", "deleted_at", "sales_count", "id"], name="spu_status_sales"
            ),
            models.Index(
                fields=["status", "deleted_at", "min_price", "id"], name="spu_status_price"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SpuAttributeValue(models.Model):
    """A descriptive attribute value of a product (material: cotton)."""

    spu = models.ForeignKey(Spu, on_delete=models.CASCADE, related_name="attribute_values")
    value = models.ForeignKey(AttributeValue, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["spu", "value"],
                name="spu_attribute_value_unique",
                violation_error_message="The product already has this attribute value.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.spu_id}: {self.value_id}"


class SkuQuerySet(models.QuerySet):
    def live(self) -> SkuQuerySet:
        return self.filter(deleted_at__isnull=True)


class Sku(models.Model):
    """One sellable combination of a product's sales-attribute values.

    `spec_key` is the sorted value ids ("3-17"); `spec_key_live` repeats it while the SKU is not
    deleted and is NULL after, so the unique index on (spu, spec_key_live) forbids two live SKUs
    with one combination on every engine (MariaDB has no partial unique index; NULLs repeat).
    `available_stock` mirrors inventory's availability (kept by the StockChanged handler), so
    the storefront's "in stock only" filter is a local query.
    """

    class Status(models.TextChoices):
        ACTIVE = "active"
        INACTIVE = "inactive"

    spu = models.ForeignKey(Spu, on_delete=models.PROTECT, related_name="skus")
    spec_key = models.CharField(max_length=200, blank=True)
    spec_key_live = models.GeneratedField(
        expression=Case(When(deleted_at__isnull=True, then=F("spec_key")), default=Value(None)),
        output_field=models.CharField(max_length=200, null=True),
        db_persist=True,
    )
    spec = models.CharField(max_length=300, blank=True)
    price = money_field()
    market_price = money_field(null=True, blank=True)
    cost_price = money_field(null=True, blank=True)
    barcode = models.CharField(max_length=64, blank=True, db_index=True)
    weight_grams = models.PositiveIntegerField(default=0)
    image_url = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ACTIVE)
    available_stock = models.IntegerField(default=0)
    stock_updated_at = models.DateTimeField(null=True, blank=True)
    # The aggregate version of the last StockChanged applied (events apply in commit order).
    stock_version = models.PositiveBigIntegerField(default=0)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SkuQuerySet.as_manager()

    class Meta:
        verbose_name = "SKU"
        constraints = [
            models.UniqueConstraint(
                fields=["spu", "spec_key_live"],
                name="sku_combination_unique",
                violation_error_message="The product has a SKU with this combination of values.",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="sku_price_not_negative",
                violation_error_message="A price cannot be negative.",
            ),
        ]
        indexes = [
            models.Index(fields=["spu", "status", "price"], name="sku_spu_status_price"),
            models.Index(fields=["spu", "available_stock"], name="sku_spu_stock"),
        ]

    def __str__(self) -> str:
        return f"{self.spu_id}/{self.pk} {self.spec}"


class SkuValue(models.Model):
    """One sales-attribute value of a SKU. (sku, attribute) is unique: one value per attribute."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="values")
    attribute = models.ForeignKey(Attribute, on_delete=models.PROTECT, related_name="+")
    value = models.ForeignKey(AttributeValue, on_delete=models.PROTECT, related_name="sku_values")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["sku", "attribute"],
                name="sku_value_one_per_attribute",
                violation_error_message="A SKU has one value per attribute.",
            )
        ]
        # The storefront's attribute filter starts from the values: (value, sku) is covering.
        indexes = [models.Index(fields=["value", "sku"], name="sku_value_value_sku")]

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.value_id}"


class PriceHistory(models.Model):
    """One row per price change of a SKU (the first row, with no old price, is its creation)."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="price_history")
    old_price = money_field(null=True, blank=True)
    new_price = money_field()
    changed_by_user_id = models.BigIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "price history"

    def __str__(self) -> str:
        return f"{self.sku_id}: {self.old_price} -> {self.new_price}"


# --- Tables of the relational document store (adapters/relational.py) ------------------------


class ProductContentDocument(models.Model):
    """A product's rich description: {"blocks": [{"type": "text"|"image", ...}]}."""

    spu_id = models.BigIntegerField(primary_key=True)
    document = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"content of {self.spu_id}"


class ReviewDocument(models.Model):
    """A review: the searchable keys as columns, the rest (text, images, reply) as JSON."""

    review_id = models.CharField(max_length=32, primary_key=True)
    spu_id = models.BigIntegerField()
    sku_id = models.BigIntegerField()
    user_id = models.BigIntegerField()
    merchant_id = models.BigIntegerField()
    rating = models.PositiveSmallIntegerField()
    document = models.JSONField(default=dict)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "sku_id"],
                name="review_one_per_user_sku",
                violation_error_message="The buyer has already reviewed this SKU.",
            )
        ]
        indexes = [models.Index(fields=["spu_id", "created_at"], name="review_spu_newest")]

    def __str__(self) -> str:
        return f"review {self.review_id} of {self.sku_id} by {self.user_id}"


class CompletedPurchase(models.Model):
    """A buyer completed an order with this SKU: recorded from ordering's completed event, so the
    catalog answers "may this buyer review this SKU" itself (it is upstream of ordering and never
    calls it)."""

    user_id = models.BigIntegerField()
    sku_id = models.BigIntegerField()
    order_no = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user_id", "sku_id"],
                name="purchase_one_per_user_sku",
                violation_error_message="This purchase is already recorded.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} bought {self.sku_id} ({self.order_no})"
