"""No secret in any event: every event class of every context (discovered, so contexts added
later are covered) declares its fields, none of which looks like a secret."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import typing

import pytest

import contexts
from shared.events import DomainEvent
from shared.events.base import registered_event_types

# A name part that says "secret": codes, tokens, keys, passwords, one-time passwords, PINs.
SECRET_PART = re.compile(
    r"(^|_)(code|codes|token|tokens|password|passwd|secret|secrets|key|keys|otp|pin|cvv|"
    r"credential|credentials|signature|hash)($|_)"
)
# Names that match SECRET_PART but name public identifiers; add one only with its reason.
NOT_SECRETS = {
    "carrier_code",  # a carrier's public short name ("sf", "yto")
}


def every_event_class() -> dict[str, type[DomainEvent]]:
    """Import each context's events module (so contexts added later are covered too)."""
    for module in pkgutil.iter_modules(contexts.__path__):
        try:
            importlib.import_module(f"contexts.{module.name}.events")
        except ModuleNotFoundError as exc:
            if exc.name != f"contexts.{module.name}.events":
                raise
    return {
        event_type: cls
        for event_type, cls in registered_event_types().items()
        if cls.__module__.startswith("contexts.")
    }


def field_paths(cls: type, prefix: str = "") -> list[tuple[str, typing.Any]]:
    """Every field name, nested dataclasses included, with its type."""
    paths = []
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        hint = hints[field.name]
        paths.append((f"{prefix}{field.name}", hint))
        for inner in (hint, *typing.get_args(hint)):
            if isinstance(inner, type) and dataclasses.is_dataclass(inner):
                paths.extend(field_paths(inner, f"{prefix}{field.name}."))
    return paths


def free_form(hint: typing.Any) -> bool:
    return hint is dict or typing.get_origin(hint) is dict or hint is typing.Any


def test_the_discovery_finds_the_events_of_several_contexts():
    found = {event_type.split(".")[0] for event_type in every_event_class()}

    assert {"identity", "inventory", "ordering", "catalog"} <= found


@pytest.mark.parametrize("event_type", sorted(every_event_class()))
def test_no_event_field_looks_like_a_secret_or_is_a_free_form_dict(event_type):
    """A free-form dict could carry any key (the reset code did); fields must be declared."""
    cls = every_event_class()[event_type]
    for path, hint in field_paths(cls):
        name = path.rsplit(".", 1)[-1]
        looks_secret = SECRET_PART.search(name) and name not in NOT_SECRETS
        assert not looks_secret, f"{event_type}: {path} looks like a secret"
        assert not free_form(hint), f"{event_type}: {path} is a free-form dict"
