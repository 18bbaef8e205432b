import logging
import signal
import threading
from collections.abc import Callable

from django.core.management.base import BaseCommand
from django.db import connection

from shared.events.relay import relay_once, ship_once

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Fan outbox events out to the subscribed handlers, and (in a second thread) copy them to "
        "Kafka, in loops (or --once)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--interval", type=float, default=1.0, help="idle sleep in seconds")

    def handle(self, *args, once=False, interval=1.0, **options):
        if once:
            handled = relay_once()
            shipped = ship_once()
            self.stdout.write(f"relayed {handled} event(s), shipped {shipped}")
            return
        stopping = threading.Event()

        def stop(*_):
            stopping.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        # The broker copy runs in its own thread so a hanging broker never delays the fan-out.
        shipper = threading.Thread(target=_loop, args=(ship_once, interval, stopping), daemon=True)
        shipper.start()
        _loop(relay_once, interval, stopping)
        shipper.join(timeout=30)


def _loop(step: Callable[[], int], interval: float, stopping: threading.Event) -> None:
    try:
        while not stopping.is_set():
            try:
                handled = step()
            except Exception:
                # A database or broker blip must not end the loop: log, back off, go on.
                logger.exception("relay pass failed")
                handled = 0
                stopping.wait(min(interval * 5, 30))
            if not handled:
                stopping.wait(interval)
    finally:
        connection.close()
