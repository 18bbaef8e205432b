"""The events standard, checked over every event class in the code base: no secret in a payload,
stable handler names, per-aggregate versions in commit order, projections that ignore stale
events."""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import re
import typing
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

import contexts
from shared.events import DomainEvent, publish, subscribe
from shared.events import bus as event_bus
from shared.events.base import registered_event_types
from shared.events.models import EventDelivery, OutboxEvent
from shared.events.relay import deliver, relay_once
from shared.tests.test_events import ParcelWeighed

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


# --- Stable handler names -------------------------------------------------------------------


def test_a_name_taken_by_another_handler_fails_loudly():
    def first(event):
        pass

    def second(event):
        pass

    subscribe(ParcelWeighed, first, name="tests.taken")
    try:
        with pytest.raises(ImproperlyConfigured, match=r"tests\.taken"):
            subscribe(ParcelWeighed, second, name="tests.taken")
    finally:
        event_bus.unsubscribe(ParcelWeighed, "tests.taken")


def test_every_handler_needs_an_explicit_name():
    with pytest.raises(TypeError):
        subscribe(ParcelWeighed, lambda event: None)  # type: ignore[call-arg]


@pytest.mark.django_db(transaction=True)
def test_a_pending_delivery_runs_after_its_function_is_renamed(settings):
    settings.EVENTS_RELAY_ON_COMMIT = False
    seen = []

    def weigh_v1(event):
        seen.append(("v1", event.parcel_id))

    def weigh_renamed_in_a_later_release(event):
        seen.append(("renamed", event.parcel_id))

    subscribe(ParcelWeighed, weigh_v1, name="tests.parcel_weigh")
    with transaction.atomic():
        publish(ParcelWeighed(parcel_id=3, weight_kg=Decimal("1")))
    relay_once()  # delivery created; its task is dispatched (eagerly) ...
    delivery = EventDelivery.objects.get(handler="tests.parcel_weigh")
    EventDelivery.objects.filter(pk=delivery.pk).update(status="pending")  # ... and was lost
    seen.clear()
    # A new release: the function is renamed, registered under the same name.
    event_bus.unsubscribe(ParcelWeighed, "tests.parcel_weigh")
    subscribe(ParcelWeighed, weigh_renamed_in_a_later_release, name="tests.parcel_weigh")
    try:
        from shared.events.models import InboxRecord

        InboxRecord.objects.filter(handler="tests.parcel_weigh").delete()
        assert deliver(delivery.pk) == "done"
    finally:
        event_bus.unsubscribe(ParcelWeighed, "tests.parcel_weigh")
    assert seen == [("renamed", 3)]


# --- Aggregate versions ---------------------------------------------------------------------


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_versions_of_one_aggregate_are_gapless_and_follow_commit_order(settings):
    from shared.testing import run_concurrently

    settings.EVENTS_RELAY_ON_COMMIT = False
    commit_order = []

    def weigh(n: int) -> None:
        with transaction.atomic():
            publish(ParcelWeighed(parcel_id=77, weight_kg=Decimal(n)))
            publish(ParcelWeighed(parcel_id=1000 + n, weight_kg=Decimal(n)))
            transaction.on_commit(lambda: commit_order.append(n))

    results = run_concurrently(12, weigh)

    assert not [r for r in results if isinstance(r, Exception)], results
    rows = OutboxEvent.objects.filter(aggregate_id="77").order_by("aggregate_version")
    assert [r.aggregate_version for r in rows] == list(range(1, 13))
    # The sequence row stays locked until commit: version order is commit order.
    assert [int(Decimal(r.payload["weight_kg"])) for r in rows] == commit_order
    others = OutboxEvent.objects.exclude(aggregate_id="77")
    assert set(others.values_list("aggregate_version", flat=True)) == {1}


@pytest.mark.django_db
def test_a_projection_ignores_a_stale_or_repeated_version():
    from shared.events.models import AggregateSequence
    from shared.events.projections import version_apply

    row = AggregateSequence.objects.create(stream="tests.projection", aggregate_id="1", version=0)
    rows = AggregateSequence.objects.filter(pk=row.pk)

    assert version_apply(rows, version=2, version_field="version", values={"stream": "two"})
    assert not version_apply(rows, version=1, version_field="version", values={"stream": "one"})
    assert not version_apply(rows, version=2, version_field="version", values={"stream": "dup"})
    row.refresh_from_db()
    assert (row.version, row.stream) == (2, "two")
