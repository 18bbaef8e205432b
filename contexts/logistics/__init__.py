"""Logistics: freight templates and quotes (shipments and carriers come later)."""
