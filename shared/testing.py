"""Test helpers shared by every context's suite (imported by tests only)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connection

from shared import auth
from shared.auth import Principal, principal_from


def run_concurrently(
    count: int, work: Callable[[int], object], *, timeout: float = 300
) -> list[object]:
    """Run work(0..count-1) in `count` real threads released together by a barrier.

    Each slot of the result holds what that call returned or the exception it raised; every
    thread closes its own database connection. Fails if a thread is still running at `timeout`.
    """
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(n: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[n] = work(n)
        except Exception as exc:  # collected for the caller's assertions
            results[n] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "threads did not finish"
    return results


def shop_staff_principal(*merchant_ids: int, user_id: int = 10_000) -> Principal:
    """A signed-in user who is staff of the given shops (and a buyer), for service-level tests."""
    return principal_from(
        user_id=user_id, merchant_roles=dict.fromkeys(merchant_ids, auth.MERCHANT_STAFF)
    )
