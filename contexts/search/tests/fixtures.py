"""Fixtures of the search tests: `index`, run once per adapter of the search port (the embedded
index always; Elasticsearch when TEST_ELASTICSEARCH_URL names a test server, see
scripts/test.sh), installed as settings.SEARCH_INDEX's adapter."""

from __future__ import annotations

import os
from uuid import uuid4

import pytest

from contexts.search.adapters.embedded import EmbeddedSearchIndex
from shared.ports import use_adapter


def elasticsearch_test_client(url: str):
    """A client for the OpenSearch-compatible test server: it answers the Elasticsearch 8
    client's `compatible-with=8` media type with 406, so this node sends plain JSON."""
    from elastic_transport import Urllib3HttpNode
    from elasticsearch import Elasticsearch

    class PlainJsonNode(Urllib3HttpNode):
        def perform_request(self, method, target, body=None, headers=None, **kwargs):
            if headers is not None:
                headers = headers.copy()
                for name in ("content-type", "accept"):
                    if "compatible-with" in (headers.get(name) or ""):
                        headers[name] = "application/json"
            return super().perform_request(method, target, body=body, headers=headers, **kwargs)

    return Elasticsearch(url, node_class=PlainJsonNode, request_timeout=10)


ADAPTERS = ["embedded", "elasticsearch"]


@pytest.fixture(params=ADAPTERS, name="index")
def search_index_fixture(request):
    """The search index adapter under test, as settings.SEARCH_INDEX's adapter. The embedded
    one needs committed rows (InnoDB applies full-text changes at commit): tests using it take
    `transactional_db`."""
    if request.param == "embedded":
        request.getfixturevalue("transactional_db")
        instance = EmbeddedSearchIndex()
        with use_adapter("SEARCH_INDEX", instance):
            yield instance
        return
    url = os.environ.get("TEST_ELASTICSEARCH_URL")
    if not url:
        pytest.skip("TEST_ELASTICSEARCH_URL is not set")
    from contexts.search.adapters.elastic import ElasticsearchSearchIndex

    request.getfixturevalue("transactional_db")
    instance = ElasticsearchSearchIndex(
        client=elasticsearch_test_client(url), prefix=f"test-{uuid4().hex[:10]}-", refresh=True
    )
    with use_adapter("SEARCH_INDEX", instance):
        yield instance
    instance.drop()
