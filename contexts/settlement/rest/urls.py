"""Settlement routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.settlement.rest import views

app_name = "settlement"

P = "admin/settlement"

urlpatterns = [
    path(f"{P}/statements", views.StatementListView.as_view(), name="statement-list"),
    path(f"{P}/statements/run", views.StatementRunView.as_view(), name="statement-run"),
    path(
        f"{P}/statements/<str:statement_no>",
        views.StatementDetailView.as_view(),
        name="statement-detail",
    ),
    path(
        f"{P}/statements/<str:statement_no>/lines",
        views.StatementLineListView.as_view(),
        name="statement-lines",
    ),
    path(
        f"{P}/statements/<str:statement_no>/csv",
        views.StatementCsvView.as_view(),
        name="statement-csv",
    ),
    path(
        f"{P}/statements/<str:statement_no>/xlsx",
        views.StatementXlsxView.as_view(),
        name="statement-xlsx",
    ),
    path(
        f"{P}/statements/<str:statement_no>/approve",
        views.StatementApproveView.as_view(),
        name="statement-approve",
    ),
    path(
        f"{P}/statements/<str:statement_no>/payout",
        views.StatementPayoutView.as_view(),
        name="statement-payout",
    ),
    path(f"{P}/open-lines", views.OpenLineListView.as_view(), name="open-lines"),
    path(f"{P}/payouts", views.PayoutListView.as_view(), name="payout-list"),
    path(
        f"{P}/payouts/<str:payout_no>/retry",
        views.PayoutRetryView.as_view(),
        name="payout-retry",
    ),
    path(
        f"{P}/commission-rules",
        views.CommissionRuleListView.as_view(),
        name="commission-rule-list",
    ),
    path(
        f"{P}/commission-rules/<int:rule_id>",
        views.CommissionRuleDetailView.as_view(),
        name="commission-rule-detail",
    ),
    path(
        f"{P}/merchants/<int:merchant_id>/profile",
        views.MerchantProfileView.as_view(),
        name="merchant-profile",
    ),
    path(f"{P}/mismatches", views.MismatchListView.as_view(), name="mismatch-list"),
]
