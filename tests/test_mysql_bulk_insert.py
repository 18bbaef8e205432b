"""The suite runs with Oracle MySQL's bulk insert: no primary keys come back (see conftest)."""

from __future__ import annotations

import pytest
from django.db import connection, connections

from contexts.inventory.models import Warehouse
from shared.testing import run_concurrently

pytestmark = pytest.mark.django_db(transaction=True)


def _flag_in_this_thread() -> bool:
    return connections["default"].features.can_return_rows_from_bulk_insert


def test_every_connection_has_the_mysql_bulk_insert_behaviour_also_in_threads():
    assert connection.features.can_return_rows_from_bulk_insert is False
    assert run_concurrently(3, lambda n: _flag_in_this_thread()) == [False, False, False]


def test_bulk_create_returns_objects_without_primary_keys():
    rows = Warehouse.objects.bulk_create(
        [
            Warehouse(merchant_id=1, code=f"BULK-{n}", name=f"Bulk {n}", province_code="110000")
            for n in range(2)
        ]
    )

    assert [row.pk for row in rows] == [None, None]
    assert Warehouse.objects.filter(code__startswith="BULK-").count() == 2
