"""Public numbers stay unique and time-ordered under threads and processes."""

from __future__ import annotations

import multiprocessing
import threading

from shared.ids import next_public_id


def _many(n: int) -> list[str]:
    return [next_public_id() for _ in range(n)]


def test_ids_are_time_ordered_within_a_thread():
    ids = _many(5000)
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 30 and i.isdigit() for i in ids)


def test_ids_are_unique_across_threads():
    results: list[list[str]] = []
    lock = threading.Lock()

    def work():
        mine = _many(3000)
        with lock:
            results.append(mine)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    flat = [i for chunk in results for i in chunk]
    assert len(flat) == 24000
    assert len(set(flat)) == 24000
    for chunk in results:
        assert chunk == sorted(chunk)


def test_ids_are_unique_across_processes():
    # spawn, not fork: a child forked from a threaded test process can inherit a held lock.
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        chunks = pool.map_async(_many, [3000] * 4).get(timeout=120)
    flat = [i for chunk in chunks for i in chunk] + _many(3000)
    assert len(set(flat)) == len(flat) == 15000


def test_prefix_is_kept():
    assert next_public_id("PAY").startswith("PAY")


def test_node_comes_from_the_environment_or_the_host_name(monkeypatch):
    from shared import ids

    monkeypatch.setenv("ID_GENERATOR_NODE", "42")
    assert next_public_id()[17:20] == "042"
    monkeypatch.delenv("ID_GENERATOR_NODE")
    assert next_public_id()[17:20] == f"{ids._host_node():03d}"
    monkeypatch.setattr(ids.socket, "gethostname", lambda: "web-7f9c-abcde")
    ids._host_node.cache_clear()
    try:
        other = ids._host_node()
    finally:
        ids._host_node.cache_clear()
    assert 0 <= other < 1000
