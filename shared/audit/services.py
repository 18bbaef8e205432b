"""Recording audit rows. `snapshot` turns a model instance into JSON-safe field values without
secrets, so an audit row can be shown to any staff member."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from shared.audit.models import AuditRecord
from shared.request_context import current_request_id

# Field names whose values never enter an audit row (password hashes, token hashes, codes, keys).
SECRET_FIELD = re.compile(r"password|secret|token|hash|code_hash|api_key|private", re.IGNORECASE)
REDACTED = "[redacted]"


def snapshot(instance: models.Model | None) -> dict[str, Any] | None:
    """The instance's concrete field values as JSON data; secret fields are shown as redacted."""
    if instance is None:
        return None
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = field.value_from_object(instance)
        values[field.attname] = REDACTED if SECRET_FIELD.search(field.name) else value
    return json.loads(json.dumps(values, cls=DjangoJSONEncoder))


def audit_record(
    *,
    actor_user_id: int | None,
    actor: str,
    model: type[models.Model],
    object_id: Any,
    object_repr: str,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditRecord:
    """Write one audit row, stamped with the current request id."""
    return AuditRecord.objects.create(
        actor_user_id=actor_user_id,
        actor=actor[:254],
        app_label=model._meta.app_label,
        model=model._meta.model_name,
        object_id="" if object_id is None else str(object_id),
        object_repr=object_repr[:200],
        action=action[:64],
        before=before,
        after=after,
        request_id=current_request_id() or "",
    )


def audit_snapshots_erase(*, model: type[models.Model], object_ids: Iterable[Any]) -> int:
    """Drop the field values and the display name kept for these objects (who did what to
    which id, and when, stay): for data that must be erased everywhere, such as an anonymised
    person's. Returns rows touched."""
    return AuditRecord.objects.filter(
        app_label=model._meta.app_label,
        model=model._meta.model_name,
        object_id__in=[str(object_id) for object_id in object_ids],
    ).update(before=None, after=None, object_repr="")
