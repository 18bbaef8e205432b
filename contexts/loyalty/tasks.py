"""Beat tasks (ecommerce/schedule.py): thin wrappers, safe to re-run and to run concurrently."""

from celery import shared_task

from contexts.loyalty import services


@shared_task(name="loyalty.expire_points")
def expire_points() -> int:
    """Expire every due points bucket; answers the points expired."""
    return services.points_expire_due()


@shared_task(name="loyalty.birthday_points")
def birthday_points() -> int:
    """Give today's birthday members their level's birthday points (once a year each)."""
    return services.birthday_points_grant()
