"""Settlement: what each merchant is owed for its completed orders (paid - commission -
refunds ± platform-funded discounts), periodic statements, payouts through payments."""

from django.apps import AppConfig


class SettlementConfig(AppConfig):
    name = "contexts.settlement"
    label = "settlement"
    verbose_name = "Settlement"

    def ready(self) -> None:
        from contexts.ordering.events import OrderCompleted
        from contexts.payments.events import RefundSucceeded, TransferFailed, TransferSucceeded
        from contexts.settlement import handlers
        from shared.events import subscribe

        subscribe(
            OrderCompleted,
            handlers.order_completed_make_line,
            name="settlement.order_completed_make_line",
        )
        subscribe(
            RefundSucceeded,
            handlers.refund_succeeded_adjust,
            name="settlement.refund_succeeded_adjust",
        )
        subscribe(
            TransferSucceeded,
            handlers.transfer_succeeded_payout_paid,
            name="settlement.transfer_succeeded_payout_paid",
        )
        subscribe(
            TransferFailed,
            handlers.transfer_failed_payout_failed,
            name="settlement.transfer_failed_payout_failed",
        )
