"""Ordering: checkout pricing, placing orders (one per merchant under one trade), the order state
machine with its log, and the unpaid/auto-confirm timers."""

from django.apps import AppConfig


class OrderingConfig(AppConfig):
    name = "contexts.ordering"
    label = "ordering"
    verbose_name = "Ordering"
