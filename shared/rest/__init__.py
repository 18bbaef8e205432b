"""DRF glue shared by every context: the error envelope, schema helpers, permissions."""

from shared.rest.exception_handler import exception_handler

__all__ = ["exception_handler"]
