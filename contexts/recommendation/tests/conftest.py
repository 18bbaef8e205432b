"""The `graph` and `trending` fixtures (tests/fixtures.py): each test once per adapter."""

from contexts.recommendation.tests.fixtures import graph_fixture, trending_fixture  # noqa: F401
