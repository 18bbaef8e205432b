"""The Celery app. Worker: `celery -A ecommerce worker`; beat: `celery -A ecommerce beat`.

Every periodic job is listed in ecommerce/schedule.py; django-celery-beat's database scheduler
loads them and lets staff edit or pause them in the admin.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")

app = Celery("ecommerce")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["shared.events"])


@app.on_after_finalize.connect
def _install_beat_schedule(sender, **kwargs):
    from ecommerce.schedule import BEAT_SCHEDULE

    sender.conf.beat_schedule = BEAT_SCHEDULE
