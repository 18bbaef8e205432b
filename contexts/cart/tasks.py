"""Cart's periodic jobs (thin wrappers around services)."""

from celery import shared_task

from contexts.cart import services


@shared_task(name="cart.purge_expired_guest_carts")
def purge_expired_guest_carts() -> int:
    """Delete guest carts past their 30-day expiry."""
    return services.guest_carts_purge_expired()
