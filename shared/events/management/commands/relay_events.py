import logging
import signal
import time

from django.core.management.base import BaseCommand

from shared.events.relay import relay_once

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Relay outbox events to Kafka and the subscribed handlers, in a loop (or --once)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="idle sleep in seconds")

    def handle(self, *args, once=False, interval=1.0, **options):
        stopping = {"flag": False}

        def stop(*_):
            stopping["flag"] = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            try:
                handled = relay_once()
            except Exception:
                if once:
                    raise
                # A database or broker blip must not end the loop: log, back off, go on.
                logger.exception("relay pass failed")
                handled = 0
                time.sleep(min(interval * 5, 30))
            if once:
                self.stdout.write(f"relayed {handled} event(s)")
                return
            if stopping["flag"]:
                return
            if not handled:
                time.sleep(interval)
