"""Adapters of the catalog's ports (contexts/catalog/ports.py), one module per system."""
