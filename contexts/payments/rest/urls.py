"""Payments routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.payments.rest import views

app_name = "payments"

urlpatterns = [
    path(
        "trades/<str:trade_no>/payments",
        views.TradePaymentCreateView.as_view(),
        name="trade-payment-create",
    ),
    path(
        "payables/<str:kind>/<str:reference>/payments",
        views.PayablePaymentCreateView.as_view(),
        name="payable-payment-create",
    ),
    path(
        "payments/sandbox/agreements/<str:agreement_no>/sign",
        views.SandboxAgreementSignView.as_view(),
        name="sandbox-agreement-sign",
    ),
    path("payments/notify/<str:provider>", views.NotifyView.as_view(), name="payment-notify"),
    path(
        "payments/sandbox/<str:payment_no>/pay",
        views.SandboxPayView.as_view(),
        name="sandbox-pay",
    ),
    path("payments/<str:payment_no>", views.PaymentDetailView.as_view(), name="payment-detail"),
    path("admin/payments", views.AdminPaymentListView.as_view(), name="admin-payment-list"),
    path(
        "admin/payments/<str:payment_no>",
        views.AdminPaymentDetailView.as_view(),
        name="admin-payment-detail",
    ),
    path(
        "admin/payments/<str:payment_no>/refunds",
        views.AdminRefundCreateView.as_view(),
        name="admin-refund-create",
    ),
    path("admin/refunds", views.AdminRefundListView.as_view(), name="admin-refund-list"),
    path(
        "admin/refunds/<str:refund_no>/retry",
        views.AdminRefundRetryView.as_view(),
        name="admin-refund-retry",
    ),
    path(
        "admin/payment-bill-mismatches",
        views.AdminBillMismatchListView.as_view(),
        name="admin-bill-mismatch-list",
    ),
]
