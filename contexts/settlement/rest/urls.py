"""Settlement routes, mounted under /api/v1/ (no trailing slashes)."""

from django.urls import path

from contexts.settlement.rest import views as v

app_name = "settlement"

P = "admin/settlement"
STATEMENT = f"{P}/statements/<str:statement_no>"

urlpatterns = [
    path(f"{P}/statements", v.StatementListView.as_view(), name="statement-list"),
    path(f"{P}/statements/run", v.StatementRunView.as_view(), name="statement-run"),
    path(STATEMENT, v.StatementDetailView.as_view(), name="statement-detail"),
    path(f"{STATEMENT}/lines", v.StatementLineListView.as_view(), name="statement-lines"),
    path(f"{STATEMENT}/csv", v.StatementCsvView.as_view(), name="statement-csv"),
    path(f"{STATEMENT}/xlsx", v.StatementXlsxView.as_view(), name="statement-xlsx"),
    path(f"{STATEMENT}/approve", v.StatementApproveView.as_view(), name="statement-approve"),
    path(f"{STATEMENT}/payout", v.StatementPayoutView.as_view(), name="statement-payout"),
    path(f"{P}/open-lines", v.OpenLineListView.as_view(), name="open-lines"),
    path(f"{P}/payouts", v.PayoutListView.as_view(), name="payout-list"),
    path(f"{P}/payouts/<str:payout_no>/retry", v.PayoutRetryView.as_view(), name="payout-retry"),
    path(f"{P}/commission-rules", v.CommissionRuleListView.as_view(), name="commission-rule-list"),
    path(
        f"{P}/commission-rules/<int:rule_id>",
        v.CommissionRuleDetailView.as_view(),
        name="commission-rule-detail",
    ),
    path(
        f"{P}/merchants/<int:merchant_id>/profile",
        v.MerchantProfileView.as_view(),
        name="merchant-profile",
    ),
    path(f"{P}/mismatches", v.MismatchListView.as_view(), name="mismatch-list"),
]
