"""The beat task that releases expired holds, and the retry of lock conflicts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from contexts.inventory import api as inventory_api
from contexts.inventory import tasks
from contexts.inventory.models import Reservation, StockLedgerEntry
from contexts.inventory.services import _recording
from contexts.inventory.tests.support import levels, request, stock
from shared.errors import Conflict


def expire(order_ref: str) -> None:
    Reservation.objects.filter(order_ref=order_ref).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )


@pytest.mark.django_db
def test_expired_holds_are_released_and_others_left_alone():
    record = stock(1, 20)
    inventory_api.reserve(
        requests=[request("SO-OLD", (1, 3)), request("SO-NEW", (1, 4)), request("SO-PAID", (1, 5))]
    )
    expire("SO-OLD")
    expire("SO-PAID")
    inventory_api.commit(order_refs=["SO-PAID"])  # paid before the task ran: stays deducted

    ran = tasks.release_expired_reservations.apply()  # through Celery, eagerly
    assert ran.successful() and ran.result == 1

    assert dict(Reservation.objects.values_list("order_ref", "status")) == {
        "SO-OLD": "released",
        "SO-NEW": "held",
        "SO-PAID": "committed",
    }
    assert levels(record) == (15, 4)
    entry = StockLedgerEntry.objects.get(operation="release")
    assert (entry.ref, entry.reason, entry.delta) == ("SO-OLD", "reservation expired", -3)
    assert tasks.release_expired_reservations() == 0  # nothing left: a second run is a no-op


@pytest.mark.django_db
def test_expiry_works_through_many_batches():
    record = stock(1, 100)
    inventory_api.reserve(requests=[request(f"SO-{i}", (1, 1)) for i in range(12)])
    Reservation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    from contexts.inventory.services import reservations_release_expired

    assert reservations_release_expired(batch_size=5) == 12
    assert levels(record) == (100, 0)


@pytest.mark.django_db(transaction=True)
def test_a_lock_conflict_is_retried_when_the_service_owns_the_transaction(monkeypatch):
    monkeypatch.setattr(_recording, "BACKOFF_SECONDS", 0)
    calls = []

    @_recording.atomic_with_retry
    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError(1213, "Deadlock found when trying to get lock")
        return "done"

    assert flaky() == "done"
    assert len(calls) == 3


@pytest.mark.django_db(transaction=True)
def test_a_conflict_that_persists_becomes_409_stock_busy(monkeypatch):
    monkeypatch.setattr(_recording, "BACKOFF_SECONDS", 0)

    @_recording.atomic_with_retry
    def always_locked():
        raise OperationalError(1205, "Lock wait timeout exceeded")

    with pytest.raises(Conflict) as error:
        always_locked()
    assert error.value.code == "stock_busy"


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_nothing_is_retried():
    calls = []

    @_recording.atomic_with_retry
    def deadlocked():
        calls.append(1)
        raise OperationalError(1213, "Deadlock found when trying to get lock")

    with pytest.raises(OperationalError), transaction.atomic():
        deadlocked()
    assert len(calls) == 1


@pytest.mark.django_db(transaction=True)
def test_other_database_errors_are_not_retried():
    calls = []

    @_recording.atomic_with_retry
    def broken():
        calls.append(1)
        raise OperationalError(2006, "MySQL server has gone away")

    with pytest.raises(OperationalError):
        broken()
    assert len(calls) == 1
