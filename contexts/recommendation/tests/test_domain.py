"""Recommendation's pure rules: similarity, time decay, the feed's blend, the cart's merge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from contexts.recommendation import domain
from contexts.recommendation.data import ProductFeatures, Scored

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def product(spu_id, categories, *, brand=None, values=(), price="100"):
    return ProductFeatures(spu_id, tuple(categories), brand, frozenset(values), Decimal(price))


def test_similarity_prefers_the_closer_category_then_attributes_price_and_brand():
    tee = product(1, [1, 2, 3], brand=7, values=[10, 11])
    same_leaf = product(2, [1, 2, 3], brand=7, values=[10, 11])
    same_leaf_other = product(3, [1, 2, 3], values=[12], price="290")
    sibling = product(4, [1, 2, 4], brand=7, values=[10, 11])
    unrelated = product(5, [9, 8], brand=7, values=[10, 11])
    scores = [domain.similarity(tee, p) for p in (same_leaf, same_leaf_other, sibling, unrelated)]
    assert scores[0] == 1.0
    assert scores[0] > scores[1] and scores[0] > scores[2]
    assert scores[3] == 0.0
    assert domain.similarity(tee, sibling) == domain.similarity(sibling, tee)
    ranked = domain.most_similar(tee, [tee, unrelated, sibling, same_leaf], limit=5)
    assert [s.spu_id for s in ranked] == [2, 4]


def test_decay_ranks_as_if_every_signal_were_decayed_to_now():
    half_life = 24
    old = domain.decayed_weight(
        4.0, at=EPOCH + timedelta(hours=10), epoch=EPOCH, half_life_hours=half_life
    )
    new = domain.decayed_weight(
        1.0, at=EPOCH + timedelta(hours=58), epoch=EPOCH, half_life_hours=half_life
    )
    # 48 h = two half-lives: 4 units two half-lives older weigh what 1 new unit does.
    assert old == pytest.approx(new)
    newer = domain.decayed_weight(
        1.0, at=EPOCH + timedelta(hours=59), epoch=EPOCH, half_life_hours=half_life
    )
    assert newer > old


def test_blend_fuses_ranks_and_leaves_out_what_was_bought():
    bought_together = [Scored(5, 9.0), Scored(6, 3.0)]
    similar = [Scored(6, 0.9), Scored(1, 0.8), Scored(7, 0.1)]
    ranked = domain.blend([(3.0, bought_together), (1.0, similar)], exclude=[1], limit=10)
    assert ranked == [5, 6, 7]
    assert domain.blend([(1.0, similar)], exclude=[], limit=2) == [6, 1]


def test_merge_interleaves_without_duplicates_or_excluded():
    assert domain.merge_ranked([[1, 2, 3], [2, 4], [9]], exclude=[9], limit=10) == [1, 2, 4, 3]
    assert domain.merge_ranked([[1, 2, 3], [4]], exclude=[], limit=2) == [1, 4]


def test_shopper_keys():
    assert domain.user_key(user_id=5) == "u:5"
    assert domain.user_key(visitor_id="abc") == "v:abc"
    assert domain.cart_key(3) == "c:3"
    with pytest.raises(ValueError):
        domain.user_key()
