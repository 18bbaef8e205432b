"""A full reindex does not lose the updates that arrive while it runs: events keep writing to
the index during the reindex (another worker), and what they wrote must survive the swap."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from contexts.search.data import ProductQuery
from contexts.search.tests.test_contract import doc

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(target, errors: list) -> threading.Thread:
    def run():
        try:
            target()
        except Exception as error:  # surfaced by the test
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_writes_during_a_reindex_survive_the_swap(index):
    if connection.vendor == "sqlite" and index.__class__.__name__ == "EmbeddedSearchIndex":
        pytest.skip("SQLite refuses a second writer instead of making it wait")
    index.products_upsert([doc(1, "Kettle old"), doc(2, "Toaster"), doc(3, "Blender")])
    paused, resume = threading.Event(), threading.Event()

    def catalog_as_read_by_the_reindex():
        # Read before the updates below: product 1's old title, product 2 still listed.
        yield from (doc(1, "Kettle old"), doc(2, "Toaster"), doc(3, "Blender"))
        paused.set()
        assert resume.wait(30)
        yield doc(4, "Mixer")

    errors: list = []
    counted: list[int] = []
    reindex = _in_thread(
        lambda: counted.append(index.products_replace_all(catalog_as_read_by_the_reindex())),
        errors,
    )
    assert paused.wait(30)

    def events_meanwhile():
        index.products_upsert([doc(1, "Kettle fresh")])
        index.products_delete([2])
        index.products_upsert([doc(5, "Grill")])

    writer = _in_thread(events_meanwhile, errors)
    writer.join(2)  # Elasticsearch: done; the embedded index: waits for the reindex to commit
    resume.set()
    reindex.join(60)
    writer.join(60)
    assert errors == []
    assert counted and counted[0] >= 4

    page = index.products_search(ProductQuery(sort="newest", page_size=50))
    assert {h.spu_id: h.title for h in page.hits} == {
        1: "Kettle fresh",
        3: "Blender",
        4: "Mixer",
        5: "Grill",
    }
    assert page.total == 4
    assert [s.spu_id for s in index.products_suggest("kett")] == [1]


def test_no_write_reaches_a_reindex_index_after_the_swap(index):
    """Writes after the reindex find no index under construction and go to the live one only."""
    index.products_replace_all(iter([doc(1, "Kettle")]))
    index.products_upsert([doc(2, "Toaster")])
    index.products_delete([1])
    assert [h.spu_id for h in index.products_search(ProductQuery()).hits] == [2]
    if hasattr(index, "building_alias"):
        assert not index.client.indices.exists_alias(name=index.building_alias("products"))
        assert len(index.client.indices.get_alias(name=index.alias("products")).body) == 1
