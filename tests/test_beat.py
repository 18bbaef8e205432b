"""The beat schedule as shipped: every entry of ecommerce/schedule.py is a PeriodicTask row (so
staff see and edit it in the admin), and the embedded default runs due entries in-process."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from ecommerce.beat import beat_start_in_process, periodic_tasks_sync
from ecommerce.celery import app
from ecommerce.schedule import BEAT_SCHEDULE

probe_ran = threading.Event()


@app.task(name="tests.beat_probe")
def beat_probe() -> None:
    probe_ran.set()


@pytest.mark.django_db
def test_migrate_leaves_every_schedule_entry_in_the_admin_tables():
    rows = dict(PeriodicTask.objects.values_list("name", "task"))
    assert {name: rows.get(name) for name in BEAT_SCHEDULE} == {
        name: entry["task"] for name, entry in BEAT_SCHEDULE.items()
    }


@pytest.mark.django_db
def test_the_sync_creates_every_entry_once_and_keeps_staff_edits():
    PeriodicTask.objects.filter(name__in=BEAT_SCHEDULE).delete()
    assert sorted(periodic_tasks_sync()) == sorted(BEAT_SCHEDULE)
    paused = PeriodicTask.objects.get(name="ordering-cancel-unpaid-orders")
    paused.enabled = False
    paused.interval = IntervalSchedule.objects.create(every=120, period=IntervalSchedule.SECONDS)
    paused.save()

    assert periodic_tasks_sync() == []

    for name in BEAT_SCHEDULE:
        assert PeriodicTask.objects.filter(name=name).count() == 1
    kept = PeriodicTask.objects.get(name="ordering-cancel-unpaid-orders")
    assert (kept.enabled, kept.interval.every) == (False, 120)
    relay = PeriodicTask.objects.get(name="events-relay-outbox")
    assert (relay.interval.every, relay.interval.period) == (5, IntervalSchedule.SECONDS)
    purge = PeriodicTask.objects.get(name="events-purge-processed")
    assert (purge.crontab.minute, purge.crontab.hour) == ("5", "3")


@pytest.mark.django_db(transaction=True)
def test_the_in_process_scheduler_runs_a_due_task_and_keeps_staff_edits():
    probe_ran.clear()
    periodic_tasks_sync()  # a transactional test starts from flushed tables
    edited = PeriodicTask.objects.get(name="events-relay-outbox")
    edited.interval = IntervalSchedule.objects.create(every=300, period=IntervalSchedule.SECONDS)
    edited.save()
    every_second = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.SECONDS)
    # Only the probe is due: the shipped jobs would run inline (eager Celery) in the beat thread.
    PeriodicTask.objects.update(enabled=False)
    PeriodicTask.objects.create(
        name="beat-probe",
        task="tests.beat_probe",
        interval=every_second,
        last_run_at=timezone.now() - timedelta(minutes=1),
    )
    beat = beat_start_in_process()
    try:
        assert probe_ran.wait(timeout=20)
    finally:
        beat.service.stop(wait=False)
        beat.join(timeout=30)  # a stuck scheduler fails the test instead of hanging the run
    assert not beat.is_alive()
    assert PeriodicTask.objects.get(name="beat-probe").total_run_count >= 1
    assert PeriodicTask.objects.get(name="events-relay-outbox").interval.every == 300
