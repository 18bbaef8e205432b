"""Beat and background tasks (ecommerce/schedule.py): thin wrappers around services."""

from celery import shared_task

from contexts.coupons import services


@shared_task(name="coupons.expire_coupons")
def expire_coupons() -> int:
    """Mark available coupons past their validity as expired (safe to re-run)."""
    return services.coupons_expire()


@shared_task(name="coupons.generate_codes")
def generate_codes(batch_id: int) -> int:
    """Generate a code batch's codes, recording progress on the batch as it goes."""
    return services.code_batch_generate(batch_id=batch_id)
