"""Production settings and the beat schedule, as shipped."""

from __future__ import annotations

import importlib

from ecommerce.celery import app
from ecommerce.schedule import BEAT_SCHEDULE


def test_every_scheduled_job_is_a_registered_task():
    app.loader.import_default_modules()
    registered = set(app.tasks)
    missing = {name: entry["task"] for name, entry in BEAT_SCHEDULE.items()}
    missing = {name: task for name, task in missing.items() if task not in registered}
    assert missing == {}


def test_production_hashes_passwords_with_argon2():
    base = importlib.import_module("settings.base")
    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
