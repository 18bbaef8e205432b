#!/usr/bin/env python
"""Flash sale purchase throughput through the real HTTP stack: gunicorn + MariaDB + Redis, wrk.

    .venv/bin/python tests/perf/bench_flashsale.py [--seconds 10] [--skip-load]

In one run: the bare DRF endpoint (baseline), then `POST /api/v1/flash-items/{id}/purchase` on
the Redis stock engine and on the database stock engine (a gunicorn per engine, same database).
Every request carries a fresh one-time purchase token (issued beforehand where the engine keeps
it, as `GET .../purchase-token` would) and a buyer's JWT; the items have enough units and a high
limit that every purchase succeeds (the expensive path: the take and the ticket (Redis: queued by
the take script; database: the row), the order task queued to the Celery broker; no worker runs,
so order creation and the Redis tickets' rows stay out of the measured requests, as in
production). Prints requests/s, p50/p95/p99 and the ratios Redis/database and Redis/bare. Not a
test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.perf.bench import (  # noqa: E402
    bench_env,
    create_database,
    http_json,
    manage,
    private_redis,
    start_gunicorn,
    wrk,
)

PY = sys.executable

SETUP = """
import json
from datetime import timedelta
from decimal import Decimal
from django.utils import timezone
from contexts.catalog import api as catalog_api
from contexts.flashsale import services
from contexts.flashsale.adapters.database import DatabaseStockEngine
from contexts.flashsale.adapters.redis import RedisStockEngine
from contexts.flashsale.models import FlashItem
from contexts.flashsale.services.sessions import item_stock
from shared.auth import SYSTEM
from shared.ports import use_adapter

now = timezone.now()
session = services.session_create(
    name="Bench", starts_at=now - timedelta(minutes=1), ends_at=now + timedelta(hours=3),
    principal=SYSTEM,
)
sku_ids = [s for s in range(1, 400) if (i := catalog_api.get_skus(sku_ids=[s]).get(s))
           and i.purchasable][:4]
items = []
for sku_id, units in zip(sku_ids, (50000, 50000, 1, 1)):
    price = catalog_api.get_skus(sku_ids=[sku_id])[sku_id].price
    items.append(services.item_add(
        session_id=session.pk, sku_id=sku_id, flash_price=max(price / 2, Decimal("0.01")).quantize(
        Decimal("0.01")), flash_stock=units, per_user_limit=10_000_000, principal=SYSTEM))
with use_adapter("FLASHSALE_STOCK_ENGINE", DatabaseStockEngine()):
    services.session_schedule(session_id=session.pk, principal=SYSTEM)
loaded = [FlashItem.objects.select_related("session").get(pk=i.pk) for i in items]
for item, engine in zip(loaded, (RedisStockEngine(), DatabaseStockEngine()) * 2):
    engine.load(item_stock(item))
FlashItem.objects.filter(pk__in=[i.pk for i in items]).update(loaded_at=now)
ids = [i.pk for i in items]
print("SETUP " + json.dumps({"redis": ids[0], "database": ids[1], "redis_sold_out": ids[2],
                             "database_sold_out": ids[3]}))
"""

TOKENS = """
import json, secrets, sys
from django.core.cache import cache
from contexts.flashsale.adapters.database import _token_key
from contexts.flashsale.adapters.redis import RedisStockEngine
from contexts.flashsale.domain import token_digest, token_key
item_id, count, users, engine = {item_id}, {count}, {users}, "{engine}"
# Where each engine keeps them: the item's Redis keys (the take script consumes them) or the cache.
client = RedisStockEngine().client if engine == "redis" else None
tokens, batch = [], {{}}
def flush():
    if client is None:
        cache.set_many(batch, timeout=3600)
        return
    pipe = client.pipeline(transaction=False)
    for key in batch:
        pipe.set(key, 1, ex=3600)
    pipe.execute()
for n in range(count):
    user_id = users[n % len(users)]
    token = secrets.token_urlsafe(24)
    tokens.append(token)
    digest = token_digest(token)
    key = token_key(item_id, user_id, digest) if client else _token_key(item_id, user_id, digest)
    batch[key] = 1
    if len(batch) >= 5000:
        flush()
        batch = {{}}
flush()
print("TOKENS " + json.dumps(tokens))
"""


def shell(env, code: str, marker: str):
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(row for row in out.splitlines() if row.startswith(marker + " "))
    return json.loads(line[len(marker) + 1 :])


def purchase_lua(item_id: int, buyers: list[dict], tokens: list[str]) -> str:
    """Request n uses token n and the buyer it was issued to (n modulo the buyers)."""
    return (
        "tokens = {" + ",".join(f'"{t}"' for t in tokens) + "}\n"
        "jwts = {" + ",".join(f'"{b["jwt"]}"' for b in buyers) + "}\n"
        "addresses = {"
        + ",".join(str(b["address_id"]) for b in buyers)
        + "}\n"
        + textwrap.dedent(f"""
        counter = 0
        request = function()
          counter = counter + 1
          local n = ((counter - 1) % #tokens) + 1
          local b = ((n - 1) % #jwts) + 1
          local headers = {{}}
          headers["Content-Type"] = "application/json"
          headers["Authorization"] = "Bearer " .. jwts[b]
          local body = '{{"token": "' .. tokens[n] .. '", "address_id": ' .. addresses[b] .. '}}'
          return wrk.format("POST", "/api/v1/flash-items/{item_id}/purchase", headers, body)
        end
        """)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=30000, help="tokens per measured run")
    parser.add_argument("--skip-load", action="store_true", help="reuse the loaded database")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "mysql://root@127.0.0.1:3306/ecommerce_bench_flashsale"
        ),
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL"),
        help="default: a private redis-server on a free port (db 0 cache/engine, db 1 broker)",
    )
    args = parser.parse_args()
    with private_redis(args.redis_url) as args.redis_url:
        run(args)


def run(args) -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install -y wrk")
    env = {
        **bench_env(database_url=args.database_url, redis_url=args.redis_url),
        # Orders are created by the Celery task; no worker runs, so the measured request is the
        # purchase itself (its order task queued to the broker), as in production.
        "CELERY_BROKER_URL": args.redis_url.rsplit("/", 1)[0] + "/1",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "THROTTLE_FLASHSALE_USER": "10000000/min",
        "THROTTLE_FLASHSALE_IP": "10000000/min",
        # Events are relayed by beat/the relay in production; keep the request to its own work.
        "EVENTS_RELAY_ON_COMMIT": "false",
    }
    create_database(args.database_url)
    manage(env, "collectstatic", "--noinput", "-v0")
    manage(env, "migrate", "--noinput", "-v0")
    if not args.skip_load:
        manage(env, "load_demo_data", "--products", "6", "--users", "5", "--stock", "1000000")
    items = shell(env, SETUP, "SETUP")

    engines = {
        "redis": "contexts.flashsale.adapters.redis.RedisStockEngine",
        "database": "contexts.flashsale.adapters.database.DatabaseStockEngine",
    }
    results = []
    for engine, path in engines.items():
        server, base = start_gunicorn({**env, "FLASHSALE_STOCK_ENGINE": path}, workers=args.workers)
        try:
            buyers = []
            for n in range(1, 6):
                jwt = http_json(
                    f"{base}/api/v1/auth/login",
                    {"identifier": f"buyer{n}@example.com", "password": "buyer12345"},
                )["access"]
                me = http_json(f"{base}/api/v1/me", token=jwt)
                addresses = http_json(f"{base}/api/v1/me/addresses", token=jwt)
                rows = addresses["results"] if isinstance(addresses, dict) else addresses
                buyers.append({"jwt": jwt, "address_id": rows[0]["id"], "user_id": me["id"]})
            if engine == "redis":
                alone = wrk(f"{base}/bench/bare", args.seconds, 1, "", threads=1)
                loaded = wrk(f"{base}/bench/bare", args.seconds, args.connections, "")
                results.append(("bare DRF endpoint (baseline)", alone, loaded))
            for scenario, label in (("", "buys"), ("_sold_out", "sold out")):
                item_id = items[engine + scenario]
                runs = []
                for connections in (1, args.connections):
                    code = TOKENS.format(
                        item_id=item_id,
                        count=args.tokens,
                        users=[b["user_id"] for b in buyers],
                        engine=engine,
                    )
                    tokens = shell(env, code, "TOKENS")
                    lua = purchase_lua(item_id, buyers, tokens)
                    runs.append(wrk(base, args.seconds, connections, lua, threads=1))
                results.append((f"purchase {label}, {engine}", runs[0], runs[1]))
        finally:
            server.terminate()
            server.wait(10)

    baseline = results[0][2]["rps"]
    by_name = {name: loaded for name, _, loaded in results}
    print()
    print(f"gunicorn {args.workers} workers; wrk {args.seconds}s per run")
    print(
        f"{'endpoint':30} {'1 conn: p50':>11} {'p95 ms':>7} | {args.connections:>2} conns: "
        f"{'req/s':>7} {'p50':>6} {'p95':>6} {'p99':>6} {'non-2xx':>7} {'vs bare':>7}"
    )
    for name, alone, r in results:
        print(
            f"{name:30} {alone['p50']:11.1f} {alone['p95']:7.1f} | {'':10}"
            f"{r['rps']:7.1f} {r['p50']:6.1f} {r['p95']:6.1f} {r['p99']:6.1f} "
            f"{r['non_2xx'] + alone['non_2xx']:7d} {r['rps'] / baseline:7.2f}"
        )
    for label in ("buys", "sold out"):
        redis_rps = by_name[f"purchase {label}, redis"]["rps"]
        db_rps = by_name[f"purchase {label}, database"]["rps"]
        print(
            f"purchase {label}: Redis / database {redis_rps / db_rps:.2f}x (target >= 10x); "
            f"Redis / bare {redis_rps / baseline:.0%} (target >= 50%)"
        )
    print("(sold out: every answer but the first is the expected 409 sold_out)")


if __name__ == "__main__":
    main()
