"""Coupons routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.coupons.rest import views

app_name = "coupons"

urlpatterns = [
    path("me/coupons", views.MyCouponListView.as_view(), name="my-coupon-list"),
    path("me/coupons/redeem", views.RedeemView.as_view(), name="coupon-redeem"),
    path("checkout/coupons", views.CheckoutCouponsView.as_view(), name="checkout-coupons"),
    path(
        "coupon-templates",
        views.ClaimableTemplateListView.as_view(),
        name="claimable-template-list",
    ),
    path(
        "coupon-templates/<int:template_id>/claim",
        views.TemplateClaimView.as_view(),
        name="template-claim",
    ),
    path(
        "admin/coupon-templates", views.AdminTemplateListView.as_view(), name="admin-template-list"
    ),
    path(
        "admin/coupon-templates/<int:template_id>",
        views.AdminTemplateDetailView.as_view(),
        name="admin-template-detail",
    ),
    path(
        "admin/coupon-templates/<int:template_id>/code-batches",
        views.AdminCodeBatchCreateView.as_view(),
        name="admin-code-batch-create",
    ),
    path(
        "admin/coupon-code-batches/<int:batch_id>",
        views.AdminCodeBatchDetailView.as_view(),
        name="admin-code-batch-detail",
    ),
    path(
        "admin/coupon-code-batches/<int:batch_id>/codes",
        views.AdminCodeExportView.as_view(),
        name="admin-code-export",
    ),
]
