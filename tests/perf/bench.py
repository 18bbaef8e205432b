#!/usr/bin/env python
"""Benchmark through the real HTTP stack: gunicorn + MariaDB (+ Redis cache), load from wrk.

    .venv/bin/python tests/perf/bench.py [--skus 100000] [--seconds 15] [--skip-load]

Loads the demo catalog scaled to --skus SKUs (bulk inserts), starts gunicorn on a free port, and
measures, in the same run: a bare DRF endpoint (the baseline), the product list, the product
detail (random products), and order placement (buy-now, unique Idempotency-Key per request).
Prints requests/s and p50/p95/p99 latency for each, and each endpoint's throughput as a ratio of
the baseline. Not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable

LUA_REPORT = """
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.1f %.1f %.1f %d\\n",
    summary.requests, summary.duration, summary.errors.status + summary.errors.connect
      + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args):
    subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, check=True)


def http_json(url, data=None, token=None, headers=None):
    req = urllib.request.Request(url, data=json.dumps(data).encode() if data else None)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def wrk(url, seconds, connections, script_body="", threads=2, timeout="2s"):
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(script_body + LUA_REPORT)
        script = f.name
    try:
        out = subprocess.run(
            [
                *("wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s"),
                *("--timeout", timeout, "-s", script, url),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(script)
    line = next(row for row in out.splitlines() if row.startswith("RESULT"))
    requests, duration_us, errors, p50, p95, p99, status_errors = line.split()[1:]
    return {
        "rps": int(requests) / (int(duration_us) / 1e6),
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
        "errors": int(errors),
        "non_2xx": int(status_errors),
        "requests": int(requests),
    }


def bench_env(*, database_url: str, redis_url: str) -> dict[str, str]:
    """The servers' environment: production settings on the bench database and Redis, tasks
    eager, throttles out of the way, a fresh key pair per run."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "settings.base",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "CELERY_BROKER_URL": "",
        "BENCHMARK_ENDPOINTS": "true",
        "DEBUG": "false",
        # Outside DEBUG the settings refuse the development keys; a fresh pair per run.
        "SECRET_KEY": secrets.token_urlsafe(48),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(48),
        "LOG_LEVEL": "WARNING",
        "THROTTLE_ANON": "10000000/min",
        "THROTTLE_USER": "10000000/min",
        "THROTTLE_LOGIN": "10000000/min",
    }


def create_database(database_url: str) -> None:
    db_name = database_url.rsplit("/", 1)[1]
    subprocess.run(
        ["mariadb", "-h127.0.0.1", "-uroot", "-e", f"CREATE DATABASE IF NOT EXISTS {db_name}"],
        check=True,
    )


@contextlib.contextmanager
def private_redis(url: str | None):
    """`url`, or a private redis-server on a free port (stopped afterwards): a benchmark's
    cache and queues never mix with another's."""
    if url:
        yield url
        return
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    time.sleep(0.5)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def load_catalog(env, *, skus: int) -> None:
    """The demo data with a catalog of `skus` SKUs (3 per product), stock enough never to run
    out, and the search index."""
    started = time.time()
    products = max(1, skus // 3)
    manage(
        env,
        "load_demo_data",
        "--products",
        str(products),
        "--skus-per-product",
        "3",
        "--stock",
        "1000000",
    )
    print(f"loaded {products * 3} SKUs in {time.time() - started:.0f}s")


def product_pages_lua(ids: list[int]) -> str:
    """A wrk script requesting the product page of one of `ids` at random."""
    return (
        "ids = {"
        + ",".join(map(str, ids))
        + "}\n"
        + textwrap.dedent("""
        request = function()
          return wrk.format("GET", "/api/v1/products/" .. ids[math.random(#ids)])
        end
        """)
    )


def print_table(results, *, connections: int, width: int = 34) -> None:
    """One row per (name, 1-connection run, `connections` run); the first row is the baseline
    the last column divides by. "failed": answers that were not 2xx, and socket errors/timeouts."""
    baseline = results[0][2]["rps"]
    print(
        f"{'endpoint':{width}} {'1 conn: p50':>11} {'p95 ms':>7} | {connections:>2} conns: "
        f"{'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'failed':>7} {'vs bare':>7}"
    )
    for name, alone, r in results:
        failed = r["errors"] + alone["errors"]
        print(
            f"{name:{width}} {alone['p50']:11.1f} {alone['p95']:7.1f} | {'':10}"
            f"{r['rps']:7.1f} {r['p50']:6.1f} {r['p95']:6.1f} {r['p99']:6.1f} "
            f"{failed:7d} {r['rps'] / baseline:7.2f}"
        )


def start_gunicorn(env, *, workers: int) -> tuple[subprocess.Popen, str]:
    """gunicorn on a free port, once it answers /healthz; returns (process, base URL)."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(PY).with_name("gunicorn")),
            "ecommerce.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(f"{base}/healthz", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    return server, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skus", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--skip-load", action="store_true", help="reuse the loaded database")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "mysql://root@127.0.0.1:3306/ecommerce_bench"),
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")
    )
    args = parser.parse_args()
    if not shutil.which("wrk") and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")

    env = bench_env(database_url=args.database_url, redis_url=args.redis_url)
    create_database(args.database_url)
    manage(env, "migrate", "--noinput", "-v0")
    if not args.skip_load:
        load_catalog(env, skus=args.skus)

    manage(env, "collectstatic", "--noinput", "-v0")
    server, base = start_gunicorn(env, workers=args.workers)
    try:
        page = http_json(f"{base}/api/v1/products?page_size=20")
        product_ids = [p["id"] for p in page["results"]]
        detail = http_json(f"{base}/api/v1/products/{product_ids[0]}")
        sku_id = detail["skus"][0]["id"]
        tokens = http_json(
            f"{base}/api/v1/auth/login",
            {"identifier": "buyer1@example.com", "password": "buyer12345"},
        )
        token = tokens["access"]
        addresses = http_json(f"{base}/api/v1/me/addresses", token=token)
        address_id = (addresses["results"] if isinstance(addresses, dict) else addresses)[0]["id"]
        count = page["count"]
        all_ids = [
            p["id"]
            for n in (1, 2, 3)
            for p in http_json(f"{base}/api/v1/products?page_size=100&page={n * 7}")["results"]
        ] or product_ids

        order_body = json.dumps(
            {"address_id": address_id, "items": [{"sku_id": sku_id, "quantity": 1}]}
        )
        order_lua = textwrap.dedent(f"""
            counter = 0
            local thread_id = tostring(math.random(1, 1000000000))
            request = function()
              counter = counter + 1
              local headers = {{}}
              headers["Content-Type"] = "application/json"
              headers["Authorization"] = "Bearer {token}"
              headers["Idempotency-Key"] = "bench-" .. thread_id .. "-" .. counter
              local body = '{order_body}'
              return wrk.format("POST", "/api/v1/orders", headers, body)
            end
            """)
        runs = [
            ("bare DRF endpoint (baseline)", f"{base}/bench/bare", ""),
            ("product list (page 1, 20/page)", f"{base}/api/v1/products?page_size=20", ""),
            (
                "product list, filtered + sorted",
                f"{base}/api/v1/products?sort=price_asc&in_stock=true&min_price=1",
                "",
            ),
            ("product detail (random)", base, product_pages_lua(all_ids)),
            ("place order (buy-now)", base, order_lua),
        ]
        results = []
        for name, url, lua in runs:
            # One connection: the latency of a request on an idle server. Several: throughput
            # and latency under load (2 cores shared by gunicorn, MariaDB, Redis and wrk).
            alone = wrk(url, args.seconds, 1, lua, threads=1)
            loaded = wrk(url, args.seconds, args.connections, lua)
            results.append((name, alone, loaded))
        print()
        print(
            f"{count} products loaded; gunicorn {args.workers} workers; wrk {args.seconds}s per run"
        )
        print_table(results, connections=args.connections)
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
