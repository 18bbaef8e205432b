"""DRF glue shared by every context: the error envelope, input bases, schema helpers, parsers,
authentication. Nothing is imported here: DRF loads some of these modules while it is itself
being imported (authentication and parser classes), so this package must not import DRF."""
