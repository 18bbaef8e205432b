"""Shared kernel: money, ids, errors, pagination, the event bus. Imports no context."""
