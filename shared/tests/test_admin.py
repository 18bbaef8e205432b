"""The admin standard over the whole site, and the event-bus pages (read-only but for requeue)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.test import Client
from django.utils import timezone

from shared.admin import ReadOnlyAdmin, ServiceAdmin
from shared.audit.models import AuditRecord
from shared.events.models import EventDelivery, InboxRecord, OutboxEvent

OUR_PACKAGES = ("contexts.", "shared.")


def _our_models():
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith(OUR_PACKAGES)
        for model in config.get_models()
    ]


def test_every_admin_page_of_ours_is_on_the_standard():
    off_standard = [
        f"{model._meta.label}: {type(model_admin).__name__}"
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_config.name.startswith(OUR_PACKAGES)
        and not isinstance(model_admin, ServiceAdmin | ReadOnlyAdmin)
    ]
    assert off_standard == []


def test_every_constraint_has_a_sentence_for_its_violation():
    unexplained = [
        f"{model._meta.label}.{constraint.name}"
        for model in _our_models()
        for constraint in model._meta.constraints
        if isinstance(constraint, models.CheckConstraint | models.UniqueConstraint)
        and (
            constraint.violation_error_message in (None, constraint.default_violation_error_message)
            or not str(constraint.violation_error_message).endswith(".")
            or constraint.name in str(constraint.violation_error_message)
        )
    ]
    assert unexplained == []


def test_model_names_read_well_in_the_plural():
    # Django adds an "s": "address" -> "addresss". Names ending in a hissing sound need theirs.
    odd = [
        f"{model._meta.label}: {model._meta.verbose_name_plural}"
        for model in _our_models()
        if str(model._meta.verbose_name).endswith(("s", "x", "z", "ch", "sh"))
        and str(model._meta.verbose_name_plural) == f"{model._meta.verbose_name}s"
    ]
    assert odd == []


@pytest.fixture
def admin_client_(db) -> Client:
    user = get_user_model().objects.create_superuser(email="root@example.com", password="pw")
    client = Client()
    client.force_login(user)
    return client


def _event(status: str) -> OutboxEvent:
    return OutboxEvent.objects.create(
        event_type="test.parcel.weighed.v1",
        payload={"parcel_id": 1},
        occurred_at=timezone.now(),
        status=status,
        attempts=10,
    )


def test_event_bus_rows_cannot_be_added_changed_or_deleted(admin_client_):
    event = _event(OutboxEvent.Status.DEAD)
    delivery = EventDelivery.objects.create(event=event, handler="h", status="dead")
    inbox = InboxRecord.objects.create(handler="h", event_id=event.event_id)
    for name, row in (("outboxevent", event), ("eventdelivery", delivery), ("inboxrecord", inbox)):
        assert admin_client_.get(f"/admin/events/{name}/").status_code == 200
        assert admin_client_.get(f"/admin/events/{name}/add/").status_code == 403
        assert admin_client_.get(f"/admin/events/{name}/{row.pk}/delete/").status_code == 403
        admin_client_.post(
            f"/admin/events/{name}/",
            {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        )
        admin_client_.post(f"/admin/events/{name}/{row.pk}/change/", {"status": "done"})
    assert (OutboxEvent.objects.count(), EventDelivery.objects.count()) == (1, 1)
    assert InboxRecord.objects.count() == 1
    assert EventDelivery.objects.get().status == "dead"


def test_requeue_restarts_only_dead_letters_and_is_audited(admin_client_):
    dead, published = _event(OutboxEvent.Status.DEAD), _event(OutboxEvent.Status.PUBLISHED)
    dead_delivery = EventDelivery.objects.create(event=published, handler="h", status="dead")

    admin_client_.post(
        "/admin/events/outboxevent/",
        {"action": "requeue", "_selected_action": [dead.pk, published.pk]},
    )
    admin_client_.post(
        "/admin/events/eventdelivery/",
        {"action": "requeue", "_selected_action": [dead_delivery.pk]},
    )

    dead.refresh_from_db()
    published.refresh_from_db()
    dead_delivery.refresh_from_db()
    assert (dead.status, dead.attempts) == ("pending", 0)
    assert published.status == "published"
    assert dead_delivery.status == "pending"
    assert sorted(AuditRecord.objects.values_list("model", "object_id", "action")) == [
        ("eventdelivery", str(dead_delivery.pk), "requeue"),
        ("outboxevent", str(dead.pk), "requeue"),
    ]
