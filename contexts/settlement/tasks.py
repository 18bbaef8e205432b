"""Settlement's periodic jobs (beat entries in ecommerce/schedule.py); each is safe to re-run."""

from __future__ import annotations

from celery import shared_task

from contexts.settlement import services


@shared_task(name="settlement.issue_statements")
def issue_statements() -> int:
    """Issue every statement due (each merchant's last whole period); how many exist now."""
    return len(services.statements_issue_due())


@shared_task(name="settlement.reconcile")
def reconcile() -> int:
    """Compare the statements not checked yet with payments; how many mismatches."""
    return services.statements_reconcile()


@shared_task(name="settlement.resend_payouts")
def resend_payouts() -> int:
    """Payouts left processing by a provider that was down: send again (same transfer)."""
    return services.payouts_resend()
