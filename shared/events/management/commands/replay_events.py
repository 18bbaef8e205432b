"""`manage.py replay_events --handler NAME`: fill a newly subscribed handler from the outbox."""

from django.core.management.base import BaseCommand, CommandError

from shared.events.relay import handler_replay


class Command(BaseCommand):
    help = (
        "Deliver to the handler subscribed as NAME the stored events of its type it never "
        "received (it was added after they were published). Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--handler", required=True, help="the handler's subscription name")

    def handle(self, *args, handler: str, **options):
        try:
            created = handler_replay(name=handler)
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{created} delivery(ies) created for {handler}")
