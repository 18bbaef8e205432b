"""Bounded contexts, one Django app each. A context talks to another only through that
context's `api` (functions returning frozen dataclasses) and `events` (versioned dataclasses)."""
