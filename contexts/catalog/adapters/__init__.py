"""Catalog's adapters: of its own ports (ports.py: the document store) and of the shared
kernel's (tenancy), one module per system."""
