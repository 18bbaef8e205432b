"""The embedded index's cost per search: one full-text match, a fixed number of queries
whatever the number of matches (figures at 20k products: tests/perf/bench_search.py)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from contexts.search.adapters.embedded import FTS_TABLE, EmbeddedSearchIndex
from contexts.search.data import ProductQuery
from contexts.search.tests.test_contract import CATALOG, RED, doc

pytestmark = pytest.mark.django_db(transaction=True)


def _full_text_queries(queries) -> list[str]:
    marker = FTS_TABLE if connection.vendor == "sqlite" else "AGAINST"
    return [q["sql"] for q in queries if marker in q["sql"]]


@pytest.mark.parametrize("count", [len(CATALOG), 60])
def test_a_search_with_facets_matches_the_text_once(count):
    index = EmbeddedSearchIndex()
    extra = [doc(100 + n, f"手机 壳 {n}", attributes=(RED,)) for n in range(count - len(CATALOG))]
    index.products_upsert([*CATALOG, *extra])
    query = ProductQuery(text="手机", attribute_groups=((RED.value_id,),), sort="price_desc")
    with CaptureQueriesContext(connection) as captured:
        page = index.products_search(query)
    assert page.total == 1 + len(extra) and page.facets.attributes
    # The match, the page's rows, the brand/category labels, two for the attribute labels.
    assert len(captured.captured_queries) <= 5
    assert len(_full_text_queries(captured.captured_queries)) == 1
