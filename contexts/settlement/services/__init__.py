"""Settlement's commands; re-exported for the transport layer (views, tasks, handlers,
admin)."""

from contexts.settlement.services.lines import (
    line_for_completed_order,
    refund_record,
    refunds_apply,
)
from contexts.settlement.services.payouts import (
    payout_execute,
    payout_retry,
    payout_start,
    payouts_resend,
    transfer_settled_record,
)
from contexts.settlement.services.reconciliation import (
    statement_reconcile,
    statements_reconcile,
)
from contexts.settlement.services.rules import (
    commission_rule_delete,
    commission_rule_save,
    merchant_profile_save,
)
from contexts.settlement.services.statements import (
    statement_approve,
    statement_issue,
    statement_totals_match,
    statements_issue_due,
    statements_run,
)

__all__ = [
    "commission_rule_delete",
    "commission_rule_save",
    "line_for_completed_order",
    "merchant_profile_save",
    "payout_execute",
    "payout_retry",
    "payout_start",
    "payouts_resend",
    "refund_record",
    "refunds_apply",
    "statement_approve",
    "statement_issue",
    "statement_reconcile",
    "statement_totals_match",
    "statements_issue_due",
    "statements_reconcile",
    "statements_run",
    "transfer_settled_record",
]
