"""The `index` fixture (contexts/search/tests/fixtures.py): each test once per adapter."""

from contexts.search.tests.fixtures import search_index_fixture  # noqa: F401 (fixture "index")
