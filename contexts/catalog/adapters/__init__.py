"""Catalog's adapters for ports (its own and the shared kernel's)."""
