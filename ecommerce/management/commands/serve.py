"""`manage.py serve [addrport]`: Django's development server plus the beat schedule in-process.

The embedded default has no Celery worker or beat process: this runs the due entries of
ecommerce/schedule.py (cancel unpaid orders, expire reservations, relay events, ...) in a thread of
the serving process, read from the same PeriodicTask rows staff edit in the admin. Production runs
`celery beat` instead (README, "Running against real servers").
"""

import logging

from django.contrib.staticfiles.management.commands.runserver import Command as RunserverCommand

from ecommerce.beat import beat_start_in_process


class Command(RunserverCommand):
    help = "Run the development server and the beat schedule in-process (the embedded default)."

    def inner_run(self, *args, **options):
        # inner_run runs in the process that serves (the autoreloader's child), once per start.
        # The relay and shipping entries are due every 5 s: their "Sending due task" lines would
        # bury the request log. Failures are still logged (warnings and errors).
        logging.getLogger("celery.beat").setLevel(logging.WARNING)
        beat_start_in_process()
        self.stdout.write("Beat schedule running in-process (ecommerce/schedule.py).")
        return super().inner_run(*args, **options)
