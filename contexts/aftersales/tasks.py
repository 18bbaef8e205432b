"""Beat tasks (ecommerce/schedule.py): thin wrappers around services, safe to re-run."""

from celery import shared_task

from contexts.aftersales import services


@shared_task(name="aftersales.auto_approve")
def auto_approve() -> int:
    """Approve requests the merchant left unanswered past AFTERSALES_REVIEW_DAYS."""
    return services.requests_auto_approve()


@shared_task(name="aftersales.auto_close")
def auto_close() -> int:
    """Close approved returns not shipped within AFTERSALES_RETURN_SHIP_DAYS."""
    return services.requests_auto_close()


@shared_task(name="aftersales.escalate_tickets")
def escalate_tickets() -> int:
    """Escalate open tickets nobody answered within AFTERSALES_TICKET_SLA_HOURS."""
    return services.tickets_escalate()
