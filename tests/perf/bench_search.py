#!/usr/bin/env python
"""The embedded search index in-process on MariaDB: index N synthetic products (English and
Chinese titles), then time keyword searches with facets and suggestions.

    DATABASE_URL=mysql://root@127.0.0.1:3306/ecommerce_bench_search \\
        .venv/bin/python tests/perf/bench_search.py [--products 20000] [--repeat 20] [--skip-load]

The database must exist and be migrated (`manage.py migrate`). Not a test: figures depend on the
machine. Prints, per query, the median and p95 milliseconds and the hit count.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.base")

WORDS = [
    "phone",
    "case",
    "cable",
    "charger",
    "laptop",
    "stand",
    "shirt",
    "dress",
    "shoes",
    "running",
    "cotton",
    "wool",
    "silk",
]
CJK = [
    "手机",
    "充电器",
    "数据线",
    "笔记本",
    "支架",
    "衬衫",
    "连衣裙",
    "跑步鞋",
    "纯棉",
    "羊毛",
    "真丝",
    "智能",
    "无线",
    "蓝牙",
    "耳机",
]
BRANDS = ["Acme", "Northwind", "华为 Huawei", "小米 Xiaomi", "Contoso", "Globex"]
QUERIES = ["phone", "手机", "无线 耳机", "cotton shirt", "智能手机", "xiaomi 手机", "silk"]


def documents(count: int, seed: int = 7):
    from contexts.search.data import AttributeValue, ProductDocument

    rnd = random.Random(seed)
    for n in range(1, count + 1):
        title = " ".join(rnd.sample(WORDS, 2) + rnd.sample(CJK, 2)) + f" {n}"
        brand = rnd.randrange(len(BRANDS))
        category = rnd.randrange(10)
        price = Decimal(rnd.randrange(1000, 900000)) / 100
        yield ProductDocument(
            spu_id=n,
            merchant_id=1 + n % 3,
            title=title,
            subtitle="",
            brand_id=brand + 1,
            brand_name=BRANDS[brand],
            category_id=100 + category,
            category_ids=(1, 100 + category),
            category_names=("Root", f"Category {category}"),
            attributes=(
                AttributeValue(1, "颜色", 10 + n % 5, ["红", "黑", "白", "蓝", "绿"][n % 5]),
            ),
            min_price=price,
            max_price=price,
            sales_count=rnd.randrange(10000),
            rating_avg=Decimal("4.50"),
            in_stock=n % 7 != 0,
            published_at=datetime(2026, 1, 1, tzinfo=UTC),
        )


def timed(call, repeat: int) -> tuple[float, float, object]:
    spent = []
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        spent.append((time.perf_counter() - started) * 1000)
    spent.sort()
    return statistics.median(spent), spent[int(len(spent) * 0.95) - 1], result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--skip-load", action="store_true", help="reuse the indexed products")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    from contexts.search.adapters.embedded import EmbeddedSearchIndex
    from contexts.search.data import ProductQuery

    index = EmbeddedSearchIndex()
    if not args.skip_load:
        started = time.perf_counter()
        count = index.products_replace_all(documents(args.products))
        spent = time.perf_counter() - started
        print(f"{connection.vendor}: indexed {count} products in {spent:.1f}s")
    print(f"{'query':<32} {'p50 ms':>8} {'p95 ms':>8} {'hits':>7}")
    for text in QUERIES:
        for label, query in (
            (text, ProductQuery(text=text)),
            (
                f"{text} +in_stock, price_asc",
                ProductQuery(text=text, in_stock=True, sort="price_asc"),
            ),
        ):
            p50, p95, page = timed(lambda q=query: index.products_search(q), args.repeat)
            print(f"{label:<32} {p50:8.1f} {p95:8.1f} {page.total:7d}")
    p50, p95, page = timed(lambda: index.products_search(ProductQuery()), args.repeat)
    print(f"{'(no text: listing + facets)':<32} {p50:8.1f} {p95:8.1f} {page.total:7d}")
    p50, p95, found = timed(lambda: index.products_suggest("pho"), args.repeat)
    print(f"{'suggest pho':<32} {p50:8.1f} {p95:8.1f} {len(found):7d}")


if __name__ == "__main__":
    main()
