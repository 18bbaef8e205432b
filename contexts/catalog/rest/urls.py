"""Catalog routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.catalog.rest import views

app_name = "catalog"

urlpatterns = [
    # Storefront
    path("products", views.ProductListView.as_view(), name="product-list"),
    path("products/<int:spu_id>", views.ProductDetailView.as_view(), name="product-detail"),
    path(
        "products/<int:spu_id>/reviews",
        views.ProductReviewsView.as_view(),
        name="product-reviews",
    ),
    path("categories", views.CategoryTreeView.as_view(), name="category-tree"),
    path("brands", views.BrandListView.as_view(), name="brand-list"),
    # Admin: merchants
    path("admin/merchants", views.AdminMerchantListView.as_view(), name="admin-merchant-list"),
    path(
        "admin/merchants/<int:merchant_id>",
        views.AdminMerchantDetailView.as_view(),
        name="admin-merchant-detail",
    ),
    path(
        "admin/merchants/<int:merchant_id>/staff",
        views.AdminMerchantStaffView.as_view(),
        name="admin-merchant-staff",
    ),
    path(
        "admin/merchants/<int:merchant_id>/staff/<int:user_id>",
        views.AdminMerchantStaffDetailView.as_view(),
        name="admin-merchant-staff-detail",
    ),
    # Admin: categories, brands, attributes
    path("admin/categories", views.AdminCategoryListView.as_view(), name="admin-category-list"),
    path(
        "admin/categories/<int:category_id>",
        views.AdminCategoryDetailView.as_view(),
        name="admin-category-detail",
    ),
    path(
        "admin/categories/<int:category_id>/attributes",
        views.AdminCategoryAttributesView.as_view(),
        name="admin-category-attributes",
    ),
    path("admin/brands", views.AdminBrandListView.as_view(), name="admin-brand-list"),
    path(
        "admin/brands/<int:brand_id>",
        views.AdminBrandDetailView.as_view(),
        name="admin-brand-detail",
    ),
    path("admin/attributes", views.AdminAttributeListView.as_view(), name="admin-attribute-list"),
    path(
        "admin/attributes/<int:attribute_id>",
        views.AdminAttributeDetailView.as_view(),
        name="admin-attribute-detail",
    ),
    path(
        "admin/attributes/<int:attribute_id>/values",
        views.AdminAttributeValueListView.as_view(),
        name="admin-attribute-value-list",
    ),
    path(
        "admin/attribute-values/<int:value_id>",
        views.AdminAttributeValueDetailView.as_view(),
        name="admin-attribute-value-detail",
    ),
    # Admin: products, SKUs, prices
    path("admin/products", views.AdminProductListView.as_view(), name="admin-product-list"),
    path(
        "admin/products/<int:spu_id>",
        views.AdminProductDetailView.as_view(),
        name="admin-product-detail",
    ),
    path(
        "admin/products/<int:spu_id>/publish",
        views.AdminProductPublishView.as_view(),
        name="admin-product-publish",
    ),
    path(
        "admin/products/<int:spu_id>/unpublish",
        views.AdminProductUnpublishView.as_view(),
        name="admin-product-unpublish",
    ),
    path(
        "admin/products/<int:spu_id>/skus",
        views.AdminProductSkuListView.as_view(),
        name="admin-product-skus",
    ),
    path("admin/skus/bulk-price", views.AdminSkuBulkPriceView.as_view(), name="admin-bulk-price"),
    path("admin/skus/<int:sku_id>", views.AdminSkuDetailView.as_view(), name="admin-sku-detail"),
    path(
        "admin/skus/<int:sku_id>/price-history",
        views.AdminSkuPriceHistoryView.as_view(),
        name="admin-sku-price-history",
    ),
    # Admin: reviews, media
    path(
        "admin/reviews/<str:review_id>/reply",
        views.AdminReviewReplyView.as_view(),
        name="admin-review-reply",
    ),
    path("admin/media", views.AdminMediaView.as_view(), name="admin-media"),
]
