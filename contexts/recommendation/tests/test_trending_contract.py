"""The trending store's contract, against the table and Redis (the `trending` fixture)."""

from __future__ import annotations

from contexts.recommendation.data import Scored


def test_bumps_add_up_per_category_and_store_wide(trending):
    trending.bump(category_ids=[1, 5], spu_id=10, amount=1.0)
    trending.bump(category_ids=[1, 5], spu_id=10, amount=2.0)
    trending.bump(category_ids=[1, 6], spu_id=11, amount=2.5)
    trending.bump(category_ids=[1, 6], spu_id=12, amount=2.5)
    assert trending.top(category_id=5, limit=10) == (Scored(10, 3.0),)
    assert trending.top(category_id=6, limit=10) == (Scored(11, 2.5), Scored(12, 2.5))
    assert trending.top(category_id=1, limit=2) == (Scored(10, 3.0), Scored(11, 2.5))
    assert trending.top(category_id=0, limit=10) == (
        Scored(10, 3.0),
        Scored(11, 2.5),
        Scored(12, 2.5),
    )


def test_removed_products_leave_every_list(trending):
    trending.bump(category_ids=[1], spu_id=10, amount=1.0)
    trending.bump(category_ids=[1], spu_id=11, amount=1.0)
    trending.remove(spu_ids=[10])
    assert trending.top(category_id=1, limit=10) == (Scored(11, 1.0),)
    assert trending.top(category_id=0, limit=10) == (Scored(11, 1.0),)
    trending.clear()
    assert trending.top(category_id=0, limit=10) == ()
