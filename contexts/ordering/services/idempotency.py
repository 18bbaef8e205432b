"""Idempotency keys: the same (user, key) with the same request replays the first response;
with a different request it is a 409; keys expire after settings.IDEMPOTENCY_KEY_TTL_SECONDS.

The key row is the first write of the transaction that does the work, so a concurrent duplicate
blocks on the unique index until the first request ends: after a commit it finds the stored
response, after a rollback (nothing stored) it does the work itself.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from contexts.ordering.models import IdempotencyKey
from shared.errors import Conflict

# The longest key a client may send (the column's width).
KEY_MAX_LENGTH = IdempotencyKey._meta.get_field("key").max_length

# MySQL/MariaDB lock conflicts: when the first holder of a key rolls back, the requests queued
# behind it all try to insert the key at once and InnoDB picks deadlock victims (1213); a request
# queued behind a slow holder may instead time out waiting (1205). Either way the failed try's
# atomic block is rolled back, and it tries again after a short random pause; after _ATTEMPTS
# tries the client is told to retry (409).
_LOCK_CONFLICTS = frozenset({1213, 1205})  # ER_LOCK_DEADLOCK, ER_LOCK_WAIT_TIMEOUT
_ATTEMPTS = 6
_PAUSE_SECONDS = 0.02


@dataclass(frozen=True)
class KeyedResponse:
    status: int
    body: Any
    replayed: bool


def request_fingerprint(payload: Any) -> str:
    """A stable hash of a request body (key order and whitespace do not matter)."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _json_safe(body: Any) -> Any:
    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


def _is_lock_conflict(exc: OperationalError) -> bool:
    """A deadlock or a lock wait timeout: the whole try was rolled back, so it may be retried."""
    return bool(exc.args) and exc.args[0] in _LOCK_CONFLICTS


def idempotent_response(
    *, user_id: int, key: str, request_hash: str, produce: Callable[[], tuple[int, Any]]
) -> KeyedResponse:
    """Run `produce` (returning status and JSON body) at most once per live (user, key).

    The stored response is written in `produce`'s transaction: when `produce` raises, nothing is
    kept, not even the key, so the client may retry with the same key. Same key with another
    request: 409 idempotency_key_reused.
    """
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            response = _respond_once(
                user_id=user_id, key=key, request_hash=request_hash, produce=produce
            )
        except OperationalError as exc:
            if not _is_lock_conflict(exc):
                raise
            time.sleep(random.uniform(0, _PAUSE_SECONDS * attempt))  # noqa: S311 (jitter)
            continue
        if response is not None:
            return response
    raise Conflict(
        "Other requests with this Idempotency-Key are being processed; retry.",
        code="idempotency_key_busy",
    )


def _respond_once(
    *, user_id: int, key: str, request_hash: str, produce: Callable[[], tuple[int, Any]]
) -> KeyedResponse | None:
    """One try: claim the key and do the work, or replay what its holder stored. None: the
    stored key had expired (it is now deleted) or vanished, so try again."""
    now = timezone.now()
    claimed = False
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                user_id=user_id,
                key=key,
                request_hash=request_hash,
                created_at=now,
                expires_at=now + timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS),
            )
            claimed = True
            status, body = produce()
            record.response_status, record.response_body = status, _json_safe(body)
            record.save(update_fields=["response_status", "response_body"])
            return KeyedResponse(status=status, body=record.response_body, replayed=False)
    except IntegrityError:
        if claimed:  # raised by the work itself, not by the key
            raise
    stored = IdempotencyKey.objects.filter(user_id=user_id, key=key).first()
    if stored is None:
        return None
    if stored.expires_at <= now:
        IdempotencyKey.objects.filter(pk=stored.pk, expires_at__lte=now).delete()
        return None
    if stored.request_hash != request_hash:
        raise Conflict(
            "This Idempotency-Key was already used with a different request.",
            code="idempotency_key_reused",
        )
    return KeyedResponse(status=stored.response_status, body=stored.response_body, replayed=True)


def idempotency_keys_purge_expired(*, batch_size: int = 5000) -> int:
    """Delete keys past their 24 h lifetime, in batches (a replay after expiry is a new request
    anyway). Safe to run concurrently: deleting an already-deleted row is a no-op."""
    deleted = 0
    while True:
        ids = list(
            IdempotencyKey.objects.filter(expires_at__lte=timezone.now()).values_list(
                "pk", flat=True
            )[:batch_size]
        )
        if not ids:
            return deleted
        deleted += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]
