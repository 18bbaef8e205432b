"""Rebuild recommendation's graph, trending scores and product lists from the catalog and the
signal ledger (with progress bars; safe to re-run):

    python manage.py recommendation_rebuild
"""

from django.core.management.base import BaseCommand

from contexts.recommendation import services


class Command(BaseCommand):
    help = "Rebuild the recommendation graph, trending and product lists (offline job)."

    def handle(self, *args, **options):
        done = services.rebuild(progress=options.get("verbosity", 1) > 0)
        self.stdout.write(
            self.style.SUCCESS(
                f"recommendations rebuilt: {done['products']} products, {done['signals']} signals"
            )
        )
