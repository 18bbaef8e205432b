"""Concurrent writes on one cart, with real threads against the database."""

from __future__ import annotations

import pytest

from contexts.cart import services
from contexts.cart.domain import CartOwner
from contexts.cart.models import Cart, CartLine
from contexts.cart.tests.support import client_for, make_user
from shared.errors import AppError
from shared.testing import run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_concurrent_adds_of_one_sku_lose_no_quantity(shop):
    shop(1, stock=1000)
    user = make_user()
    owner = CartOwner(user_id=user.pk)

    results = run_concurrently(
        8, lambda i: services.cart_item_add(owner=owner, sku_id=1, quantity=2)
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert Cart.objects.filter(user_id=user.pk).count() == 1
    assert CartLine.objects.get().quantity == 16


def test_concurrent_adds_never_exceed_the_line_limit(shop, settings):
    settings.CART_MAX_LINES = 5
    for sku_id in range(1, 11):
        shop(sku_id)
    user = make_user()
    owner = CartOwner(user_id=user.pk)

    results = run_concurrently(
        10, lambda i: services.cart_item_add(owner=owner, sku_id=i + 1, quantity=1)
    )

    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, AppError) and e.code == "cart_full" for e in errors), errors
    assert len(errors) == 5
    assert CartLine.objects.count() == 5


def test_concurrent_merges_of_one_token_merge_once(shop):
    shop(1)
    guest = services.cart_item_add(owner=CartOwner(), sku_id=1, quantity=3)
    user = make_user()

    results = run_concurrently(
        4, lambda i: services.cart_merge(user_id=user.pk, token=guest.issued_token)
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(1 for r in results if r.merged_sku_ids) == 1
    assert CartLine.objects.get(cart__user_id=user.pk).quantity == 3
    assert not Cart.objects.filter(user_id__isnull=True).exists()


def test_concurrent_signed_in_calls_with_the_guest_token_merge_it_once(shop):
    shop(1)
    guest = services.cart_item_add(owner=CartOwner(), sku_id=1, quantity=3)
    user = make_user()

    responses = run_concurrently(
        6,
        lambda i: client_for(user).get(
            "/api/v1/cart", headers={"X-Cart-Token": guest.issued_token}
        ),
    )

    assert [r.status_code for r in responses] == [200] * 6, responses
    assert [r.get("X-Cart-Merged") for r in responses].count("1") == 1
    assert CartLine.objects.get(cart__user_id=user.pk).quantity == 3
    assert not Cart.objects.filter(user_id__isnull=True).exists()
