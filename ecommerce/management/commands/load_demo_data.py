"""Load demo data for every context, idempotently: run it twice and nothing is duplicated."""

from django.core.management.base import BaseCommand

from contexts.identity.demo import demo_users_create


class Command(BaseCommand):
    help = "Load demo data (users with addresses; later issues add catalog, stock, orders)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=5, help="number of demo buyers")

    def handle(self, *args, users: int = 5, **options):
        ids = demo_users_create(count=users)
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data ready: {len(ids)} buyers and an admin "
                "(admin@example.com / admin12345, buyer1@example.com / buyer12345)"
            )
        )
