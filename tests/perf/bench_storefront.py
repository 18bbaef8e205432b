#!/usr/bin/env python
"""Storefront reads through the real HTTP stack: gunicorn + MariaDB + Redis, load from wrk.

    .venv/bin/python tests/perf/bench_storefront.py [--skus 100000] [--seconds 10] [--skip-load]
        [--uncached]

Loads the demo catalog scaled to --skus SKUs (bulk inserts, search index built), then measures,
in one run, next to the bare DRF endpoint: the product list (page 1), the filtered + price-sorted
list, a keyword search with facets and the product page (random products among --products-hit),
with the storefront read cache on (the default; shared/read_cache.py) and, with --uncached, a
second gunicorn with it off (STOREFRONT_CACHE_SECONDS=0: the code path before the cache).
Prints requests/s and p50/p95/p99 at 1 and --connections connections, the ratio to the bare
endpoint, and the database queries per request (counted in-process on the same database: the
first request, a miss, then the same request again). Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.bench import (  # noqa: E402
    bench_env,
    create_database,
    http_json,
    load_catalog,
    manage,
    print_table,
    private_redis,
    product_pages_lua,
    start_gunicorn,
    wrk,
)

PY = sys.executable

LIST = "/api/v1/products?page_size=20"
FILTERED = "/api/v1/products?sort=price_asc&in_stock=true&min_price=1&max_price=500&page_size=20"
SEARCH = "/api/v1/search/products?q=red+edition&page_size=20"

QUERIES = """
import json
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from shared import read_cache
read_cache.bump([read_cache.STOREFRONT])  # the first request of each below is a miss
counts = {}
client = Client()
for name, url in json.loads(URLS).items():
    row = []
    for _ in range(2):  # a miss (or a hit if the cache is off: both compute), then the same again
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        row.append(len(queries))
    counts[name] = row
print("QUERIES " + json.dumps(counts))
"""


def queries_per_request(env, urls: dict[str, str]) -> dict[str, list[int]]:
    code = f"URLS = {json.dumps(json.dumps(urls))}\n" + QUERIES
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(row for row in out.splitlines() if row.startswith("QUERIES "))
    return json.loads(line[len("QUERIES ") :])


def measure(env, args, label: str) -> tuple[list, dict]:
    server, base = start_gunicorn(env, workers=args.workers)
    try:
        ids = [
            p["id"]
            for n in range(1, args.products_hit // 100 + 1)
            for p in http_json(f"{base}/api/v1/products?page_size=100&page={n}")["results"]
        ]
        runs = [
            ("bare DRF endpoint (baseline)", f"{base}/bench/bare", ""),
            ("product list, page 1", f"{base}{LIST}", ""),
            ("list, filtered + price-sorted", f"{base}{FILTERED}", ""),
            (f"product page ({len(ids)} random)", base, product_pages_lua(ids)),
            # Last: uncached, a search takes seconds, and the requests wrk leaves behind at
            # the end of a run would still occupy the workers during the next one.
            ("keyword search + facets", f"{base}{SEARCH}", ""),
        ]
        results = []
        for name, url, lua in runs:
            alone = wrk(url, args.seconds, 1, lua, threads=1, timeout="10s")
            loaded = wrk(url, args.seconds, args.connections, lua, timeout="10s")
            results.append((f"{name} [{label}]" if label else name, alone, loaded))
        page = f"/api/v1/products/{ids[0]}"
        urls = {"list": LIST, "filtered": FILTERED, "search": SEARCH, "page": page}
    finally:
        server.terminate()
        server.wait(10)
    return results, queries_per_request(env, urls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--products-hit", type=int, default=1000, help="product pages requested")
    parser.add_argument("--uncached", action="store_true", help="also measure with the cache off")
    parser.add_argument("--skip-load", action="store_true", help="reuse the loaded database")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "mysql://root@127.0.0.1:3306/ecommerce_bench_storefront"
        ),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL"),
        help="default: a private redis-server on a free port",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    with private_redis(args.redis_url) as args.redis_url:
        run(args)


def run(args) -> None:
    env = bench_env(database_url=args.database_url, redis_url=args.redis_url)
    create_database(args.database_url)
    manage(env, "migrate", "--noinput", "-v0")
    if not args.skip_load:
        load_catalog(env, skus=args.skus)
    manage(env, "collectstatic", "--noinput", "-v0")

    load_before = os.getloadavg()
    results, queries = measure(env, args, "")
    uncached, uncached_queries = [], {}
    if args.uncached:
        off = {**env, "STOREFRONT_CACHE_SECONDS": "0"}
        uncached, uncached_queries = measure(off, args, "no cache")
        uncached = uncached[1:]  # one baseline is enough
    load_after = os.getloadavg()

    print()
    print(
        f"gunicorn {args.workers} workers; wrk {args.seconds}s per run; load average "
        f"{load_before[0]:.2f} before, {load_after[0]:.2f} after"
    )
    print_table(results + uncached, connections=args.connections, width=44)
    print()
    print("database queries per request: first request (miss), same request again (hit)")
    for name, (miss, hit) in queries.items():
        off = uncached_queries.get(name)
        extra = f"; cache off: {off[0]}, {off[1]}" if off else ""
        print(f"  {name:10} cached: {miss}, {hit}{extra}")


if __name__ == "__main__":
    main()
