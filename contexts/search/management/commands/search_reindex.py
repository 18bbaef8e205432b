"""Rebuild the search index from the catalog and ordering (with progress bars):

    python manage.py search_reindex              # products and orders
    python manage.py search_reindex --only products

On Elasticsearch each index is built anew and its alias swapped when complete (no downtime).
"""

from django.core.management.base import BaseCommand

from contexts.search import services


class Command(BaseCommand):
    help = "Rebuild the product and order search indices (full reindex)."

    def add_arguments(self, parser):
        parser.add_argument("--only", choices=["products", "orders"], default=None)

    def handle(self, *args, only=None, **options):
        progress = options.get("verbosity", 1) > 0
        done = []
        if only in (None, "products"):
            done.append(f"{services.products_reindex(progress=progress)} products")
        if only in (None, "orders"):
            done.append(f"{services.orders_reindex(progress=progress)} orders")
        self.stdout.write(self.style.SUCCESS(f"search index rebuilt: {', '.join(done)}"))
