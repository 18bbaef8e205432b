#!/usr/bin/env python
"""Offline quality of the recommender: hit rate@10 on a held-out split of generated purchases
with planted structure, against a popularity baseline.

    .venv/bin/python tests/perf/bench_recommendation.py [--users 2000] [--clusters 25] [--seed 7]

The data: products in clusters (say, a camera, its lenses, bags and cards); each shopper buys a
few products of one cluster (some more popular than others) and, often, one of a handful of
store-wide bestsellers. For a fifth of the shoppers the last cluster purchase is held out; the
rest is written into the graph (the Neo4j adapter's Cypher on the embedded engine, in memory).
A hit: the held-out product is among the 10 products recommended from the shopper's remaining
purchases (selectors.personal_ranking, topped up by popularity as the feed does), or among the
10 most popular products not already bought (the baseline). Prints both rates.
Not a test: tests/test_recommendation_quality.py asserts the recommender wins on a small seed.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.test")

K = 10


@dataclass(frozen=True)
class Split:
    train: dict[str, list[int]]  # shopper -> purchased products
    held_out: dict[str, int]  # test shopper -> the product to find


def generate(
    *, users: int, clusters: int, per_cluster: int = 12, bestsellers: int = 8, seed: int = 7
) -> Split:
    rng = random.Random(seed)
    bestseller_ids = list(range(1, bestsellers + 1))
    first = bestsellers + 1
    cluster_ids = [
        list(range(first + c * per_cluster, first + (c + 1) * per_cluster)) for c in range(clusters)
    ]
    # Zipf-like popularity within a cluster: its first products sell most.
    weights = [1 / (rank + 1) for rank in range(per_cluster)]
    train: dict[str, list[int]] = {}
    held_out: dict[str, int] = {}
    for u in range(users):
        cluster = cluster_ids[rng.randrange(clusters)]
        picks: list[int] = []
        while len(picks) < rng.randint(3, 5):
            product = rng.choices(cluster, weights)[0]
            if product not in picks:
                picks.append(product)
        basket = list(picks)
        if rng.random() < 0.6:
            basket.append(rng.choice(bestseller_ids))
        key = f"u:{u}"
        if rng.random() < 0.2:
            held_out[key] = picks[-1]
            basket.remove(picks[-1])
        train[key] = basket
    return Split(train, held_out)


def evaluate(split: Split, graph=None) -> dict[str, float]:
    """Load the training purchases into `graph` (a fresh embedded Cypher graph by default) and
    return the hit rates@K of the recommender and of the popularity baseline."""
    import django

    django.setup()
    from contexts.recommendation.adapters.ladybug import LadybugGraph
    from contexts.recommendation.data import Relation
    from contexts.recommendation.selectors import personal_ranking

    graph = graph or LadybugGraph()
    at = datetime(2026, 11, 1, tzinfo=UTC)
    for shopper, products in split.train.items():
        graph.interactions_record(
            user_key=shopper, spu_ids=products, relation=Relation.PURCHASED, at=at
        )
    popular = [s.spu_id for s in graph.popular(relation=Relation.PURCHASED, limit=K * 3)]
    hits = {"recommender": 0, "popularity": 0}
    for shopper, target in split.held_out.items():
        bought = split.train[shopper]
        baseline = [p for p in popular if p not in bought][:K]
        ranked = personal_ranking(graph, bought=bought, limit=K)
        ranked += [p for p in baseline if p not in ranked]
        hits["recommender"] += target in ranked[:K]
        hits["popularity"] += target in baseline
    total = max(len(split.held_out), 1)
    return {name: count / total for name, count in hits.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--clusters", type=int, default=25)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    split = generate(users=args.users, clusters=args.clusters, seed=args.seed)
    started = time.perf_counter()
    rates = evaluate(split)
    elapsed = time.perf_counter() - started
    print(
        f"{args.users} shoppers, {args.clusters} clusters, {len(split.held_out)} held out "
        f"({elapsed:.1f} s)"
    )
    print(f"{'model':<14}{'hit rate@' + str(K):>12}")
    for name, rate in rates.items():
        print(f"{name:<14}{rate:>12.3f}")


if __name__ == "__main__":
    main()
