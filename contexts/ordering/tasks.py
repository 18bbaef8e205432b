"""Beat tasks (scheduled in ecommerce/schedule.py): thin wrappers around the timer services,
safe to run concurrently and repeatedly."""

from celery import shared_task

from contexts.ordering import services


@shared_task(name="ordering.cancel_unpaid_orders")
def cancel_unpaid_orders() -> int:
    """Cancel orders unpaid past their payment deadline; returns how many."""
    return services.orders_cancel_unpaid()


@shared_task(name="ordering.auto_confirm_delivered_orders")
def auto_confirm_delivered_orders() -> int:
    """Complete orders delivered settings.ORDER_AUTO_CONFIRM_DAYS ago; returns how many."""
    return services.orders_auto_confirm()


@shared_task(name="ordering.purge_expired_idempotency_keys")
def purge_expired_idempotency_keys() -> int:
    """Delete Idempotency-Key records older than settings.IDEMPOTENCY_KEY_TTL_SECONDS."""
    return services.idempotency_keys_purge_expired()
