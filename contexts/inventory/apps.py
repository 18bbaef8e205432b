"""Inventory: warehouses, stock per SKU per warehouse, reservations for orders, the stock ledger.

Celery finds contexts.inventory.tasks by autodiscovery; inventory subscribes to no event (ordering
calls the public api directly, inside its own transaction).
"""

from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "contexts.inventory"
    label = "inventory"
    verbose_name = "Inventory"
