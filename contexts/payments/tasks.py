"""Beat tasks (ecommerce/schedule.py): thin wrappers around reconciliation, safe to run
concurrently and repeatedly (every settlement goes through the payment's row lock)."""

from celery import shared_task

from contexts.payments import services


@shared_task(name="payments.reconcile")
def reconcile() -> dict[str, int]:
    """Query overdue pending payments and unfinished refunds at their providers; settle them."""
    return services.payments_reconcile()


@shared_task(name="payments.bill_check")
def bill_check() -> int:
    """Compare yesterday's provider bills with our books; record mismatches."""
    return services.bill_check()


@shared_task(name="payments.poll_transfers")
def poll_transfers() -> dict[str, int]:
    """Query transfers the provider left processing; settle them (events follow)."""
    return services.transfers_poll()
