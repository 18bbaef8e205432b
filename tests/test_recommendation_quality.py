"""The recommender beats popularity on purchases with planted structure (the offline benchmark,
tests/perf/bench_recommendation.py, on a small seed)."""

from __future__ import annotations

from tests.perf.bench_recommendation import evaluate, generate


def test_the_recommender_beats_the_popularity_baseline_on_held_out_purchases():
    rates = evaluate(generate(users=400, clusters=10, seed=3))
    assert rates["recommender"] >= rates["popularity"] + 0.2, rates
