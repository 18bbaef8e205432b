"""shared/read_cache.py: rendered reads cached under the normalized URL and namespace versions.
The storefront's views and their invalidation by real writes: tests/test_storefront_cache.py."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from shared import read_cache


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.STOREFRONT_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


class Counter:
    def __init__(self) -> None:
        self.calls = 0


def _view(counter: Counter, *, namespaces=("things",), per_user=False, status=200):
    class ThingsView(APIView):
        permission_classes = (AllowAny,)

        @read_cache.cached_get(namespaces, per_user=per_user)
        def get(self, request, **kwargs):
            counter.calls += 1
            user = request.user.pk if request.user.is_authenticated else None
            return Response({"call": counter.calls, "user": user, **kwargs}, status=status)

    return ThingsView.as_view()


def _get(view, query="", user=None, **kwargs):
    request = APIRequestFactory().get(f"/things{query}")
    if user is not None:
        force_authenticate(request, user)
    response = view(request, **kwargs)
    if hasattr(response, "render"):  # a DRF Response (a miss); a hit is plain bytes already
        response.render()
    return response


def test_an_equal_request_is_answered_from_the_cache_until_its_namespace_is_bumped():
    counter = Counter()
    view = _view(counter)
    first = _get(view, "?b=2&a=1&a=0")
    assert _get(view, "?a=1&a=0&b=2").content == first.content  # parameters sorted by name
    assert counter.calls == 1
    assert _get(view, "?a=0&a=1&b=2").content != first.content  # values keep their order
    read_cache.bump(["other"])
    _get(view, "?b=2&a=1&a=0")
    assert counter.calls == 2
    read_cache.bump(["things"])
    assert b'"call":3' in _get(view, "?b=2&a=1&a=0").content


def test_namespaces_may_depend_on_the_url_arguments():
    counter = Counter()
    view = _view(counter, namespaces=lambda pk: ("all", f"thing:{pk}"))
    _get(view, pk=1), _get(view, pk=2)
    read_cache.bump(["thing:1"])
    _get(view, pk=1), _get(view, pk=2)
    assert counter.calls == 3
    read_cache.bump(["all"])
    _get(view, pk=2)
    assert counter.calls == 4


def test_an_evicted_version_never_brings_old_entries_back(monkeypatch):
    counter = Counter()
    view = _view(counter)
    _get(view)
    cache.delete("read-cache:ns:things")  # an eviction: the next value is a fresh random one
    _get(view)
    assert counter.calls == 2
    # Even if the fresh value were the one evicted, entries written under it would be served:
    # the values are 62 random bits, so the chance is nil; a constant start would be certain.
    monkeypatch.setattr(read_cache, "_fresh_version", lambda: 7)
    cache.delete("read-cache:ns:things")
    assert read_cache.versions(["things"]) == (7,)


def test_per_user_answers_are_never_served_to_another_user(db):
    users = [get_user_model().objects.create_user(email=f"u{n}@example.com") for n in (1, 2)]
    counter = Counter()
    view = _view(counter, per_user=True)
    mine = _get(view, user=users[0]).content
    assert _get(view, user=users[1]).content != mine
    assert b'"user":null' in _get(view).content
    assert _get(view, user=users[0]).content == mine
    assert counter.calls == 3


def test_errors_and_other_statuses_are_not_cached():
    counter = Counter()
    view = _view(counter, status=202)
    _get(view), _get(view)
    assert counter.calls == 2


@pytest.mark.django_db(transaction=True)
def test_bumps_wait_for_the_commit_and_vanish_with_a_rollback():
    before = read_cache.versions(["things"])
    with pytest.raises(RuntimeError), transaction.atomic():
        read_cache.bump_on_commit(["things"])
        raise RuntimeError
    assert read_cache.versions(["things"]) == before
    with transaction.atomic():
        read_cache.bump_on_commit(["things"])
        assert read_cache.versions(["things"]) == before  # a reader now still reads the old state
    assert read_cache.versions(["things"]) != before


def test_an_unreachable_cache_serves_computed_answers(monkeypatch):
    counter = Counter()
    view = _view(counter)

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    for name in ("get", "get_many", "set", "add", "incr"):
        monkeypatch.setattr(cache, name, down)
    assert _get(view).status_code == 200
    assert _get(view).status_code == 200
    assert counter.calls == 2
    read_cache.bump(["things"])  # lost, not raised


def test_turned_off_it_calls_the_view_every_time(settings):
    settings.STOREFRONT_CACHE_SECONDS = 0
    counter = Counter()
    view = _view(counter)
    _get(view), _get(view)
    assert counter.calls == 2
