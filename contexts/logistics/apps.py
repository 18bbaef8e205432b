"""Logistics: freight templates per merchant and freight quotes (shipments come later)."""

from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "contexts.logistics"
    label = "logistics"
    verbose_name = "Logistics"
