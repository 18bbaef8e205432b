"""The beat schedule in the database and, on the embedded default, in-process.

`ecommerce/schedule.py` is the one list of periodic jobs. `periodic_tasks_sync` writes each entry
as a django-celery-beat PeriodicTask row (on every `migrate`, and when a scheduler starts) so staff
see, pause and edit them in the admin; rows that exist are left as staff left them.
`EditableDatabaseScheduler` is the DatabaseScheduler that does that instead of overwriting the rows
on start. `beat_start_in_process` runs that scheduler in a daemon thread of the current process:
`manage.py serve` (scripts/run.sh) uses it, so the embedded default cancels unpaid orders and
expires holds without a separate beat process.
"""

from __future__ import annotations

from celery.beat import EmbeddedService
from django.db import transaction
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler, ModelEntry

SCHEDULER = "ecommerce.beat:EditableDatabaseScheduler"


def periodic_tasks_sync() -> list[str]:
    """Create a PeriodicTask row for every entry of the beat schedule that has none (by name);
    existing rows keep their schedule and enabled flag. Returns the names created."""
    from ecommerce.schedule import BEAT_SCHEDULE

    created = []
    with transaction.atomic():
        existing = set(
            PeriodicTask.objects.select_for_update()
            .filter(name__in=BEAT_SCHEDULE)
            .values_list("name", flat=True)
        )
        for name, entry in BEAT_SCHEDULE.items():
            if name in existing:
                continue
            PeriodicTask.objects.create(name=name, **ModelEntry._unpack_fields(**entry))
            created.append(name)
    return created


class EditableDatabaseScheduler(DatabaseScheduler):
    """django-celery-beat's database scheduler, except that starting it only adds missing entries
    of ecommerce/schedule.py (the stock one rewrites them, undoing staff edits)."""

    def setup_schedule(self) -> None:
        self.install_default_entries(self.schedule)
        periodic_tasks_sync()


def beat_start_in_process():
    """Start the beat scheduler in a daemon thread of this process; `.stop()` ends it. Due tasks
    are sent as by a separate beat (run inline when Celery is eager, as on the embedded default)."""
    from ecommerce.celery import app

    app.finalize(auto=True)  # every task registered before the first tick looks one up
    beat = EmbeddedService(app, thread=True, scheduler_cls=SCHEDULER)
    beat.start()
    return beat
