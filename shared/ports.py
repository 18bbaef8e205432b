"""The one way a context reaches an external system: a port and its adapters.

A context declares what it needs as a `typing.Protocol` in `<context>/ports.py`, implements it in
`<context>/adapters/<name>.py` (the real system and an in-memory fake for tests), and names the
adapter in a setting holding a dotted path to a zero-argument callable (usually the adapter class,
which reads its own settings). Code that needs the system asks for it by setting name:

    # contexts/catalog/ports.py
    class DocumentStore(Protocol):
        def content_get(self, *, spu_id: int) -> list[dict] | None: ...

    # settings/base.py
    CATALOG_DOCUMENT_STORE = env(
        "CATALOG_DOCUMENT_STORE", "contexts.catalog.adapters.relational.RelationalDocumentStore"
    )

    # contexts/catalog/services/...
    store: DocumentStore = adapter("CATALOG_DOCUMENT_STORE")

Adapters are built once per process and per dotted path; a test swaps one with
`override_settings(CATALOG_DOCUMENT_STORE="...memory.InMemoryDocumentStore")` (the cache is keyed
by the path, so the override takes effect) or `use_adapter("CATALOG_DOCUMENT_STORE", instance)`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

_lock = threading.Lock()
_built: dict[str, Any] = {}
_overrides: dict[str, Any] = {}


def adapter(setting_name: str) -> Any:
    """The adapter named by `settings.<setting_name>` (a dotted path to a zero-argument callable),
    built on first use and then reused by the process. Raises ImproperlyConfigured when the setting
    is missing or does not import."""
    if setting_name in _overrides:
        return _overrides[setting_name]
    path = getattr(settings, setting_name, None)
    if not path or not isinstance(path, str):
        raise ImproperlyConfigured(f"settings.{setting_name} must be a dotted path to an adapter")
    found = _built.get(path)
    if found is not None:
        return found
    with _lock:
        found = _built.get(path)
        if found is None:
            try:
                factory = import_string(path)
            except ImportError as exc:
                message = f"settings.{setting_name}: cannot import {path}"
                raise ImproperlyConfigured(message) from exc
            found = _built[path] = factory()
    return found


@contextlib.contextmanager
def use_adapter(setting_name: str, instance: Any) -> Iterator[Any]:
    """Serve `instance` for `setting_name` inside the block (tests: an in-memory fake)."""
    previous = _overrides.get(setting_name, _MISSING)
    _overrides[setting_name] = instance
    try:
        yield instance
    finally:
        if previous is _MISSING:
            _overrides.pop(setting_name, None)
        else:
            _overrides[setting_name] = previous


def reset_adapters() -> None:
    """Forget every built adapter (the next call builds again from the current settings)."""
    with _lock:
        _built.clear()


_MISSING = object()


def _forget_on_setting_change(*, setting: str, **_: Any) -> None:
    # An adapter reads its own settings when built (a URL, a key): rebuild after any change.
    reset_adapters()


setting_changed.connect(_forget_on_setting_change, dispatch_uid="shared.ports.reset")
