"""The search port's contract: every test runs against each adapter (the `index` fixture):
the embedded full-text index on the test database, and Elasticsearch on the test server."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from contexts.search.data import (
    AttributeValue,
    Facets,
    OrderDocument,
    OrderQuery,
    ProductDocument,
    ProductQuery,
)

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2026, 11, 1, tzinfo=UTC)
PHONES, CLOTHES, SHOES = 10, 20, 30
ELECTRONICS, FASHION = 1, 2
RED = AttributeValue(100, "颜色", 101, "红色")
BLACK = AttributeValue(100, "颜色", 102, "黑色")
SIZE_M = AttributeValue(200, "尺码", 201, "M")
COTTON = AttributeValue(300, "Material", 301, "Cotton")


def doc(spu_id: int, title: str, **fields) -> ProductDocument:
    base = {
        "spu_id": spu_id,
        "merchant_id": 1,
        "title": title,
        "subtitle": "",
        "brand_id": None,
        "brand_name": "",
        "category_id": PHONES,
        "category_ids": (ELECTRONICS, PHONES),
        "category_names": ("数码 Electronics", "手机 Phones"),
        "attributes": (),
        "min_price": Decimal("100.00"),
        "max_price": Decimal("100.00"),
        "sales_count": 0,
        "rating_avg": Decimal("0.00"),
        "in_stock": True,
        "published_at": T0,
    }
    return ProductDocument(**{**base, **fields})


def fashion(spu_id: int, title: str, category: int = CLOTHES, **fields) -> ProductDocument:
    names = {CLOTHES: "服装 Clothes", SHOES: "鞋 Shoes"}
    return doc(
        spu_id,
        title,
        category_id=category,
        category_ids=(FASHION, category),
        category_names=("时尚 Fashion", names[category]),
        **fields,
    )


CATALOG = [
    doc(
        1,
        "Apple iPhone 15 Pro 手机",
        brand_id=1,
        brand_name="Apple",
        attributes=(BLACK,),
        min_price=Decimal("7999.00"),
        max_price=Decimal("8999.00"),
        sales_count=500,
        published_at=T0 + timedelta(days=3),
    ),
    doc(
        2,
        "华为 Mate 60 智能手机",
        brand_id=2,
        brand_name="华为 Huawei",
        attributes=(BLACK, RED),
        min_price=Decimal("5999.00"),
        max_price=Decimal("6999.00"),
        sales_count=800,
        published_at=T0 + timedelta(days=1),
    ),
    doc(
        3,
        "Xiaomi 14 phone case",
        brand_id=3,
        brand_name="Xiaomi",
        min_price=Decimal("29.90"),
        max_price=Decimal("29.90"),
        sales_count=50,
        in_stock=False,
        published_at=T0 + timedelta(days=5),
    ),
    fashion(
        4,
        "纯棉T恤 男款 Cotton T-shirt",
        attributes=(RED, SIZE_M, COTTON),
        min_price=Decimal("79.00"),
        max_price=Decimal("99.00"),
        sales_count=300,
        merchant_id=2,
        published_at=T0 + timedelta(days=2),
    ),
    fashion(
        5,
        "Running shoes 跑步鞋",
        category=SHOES,
        brand_id=4,
        brand_name="Nike",
        attributes=(BLACK,),
        min_price=Decimal("499.00"),
        max_price=Decimal("599.00"),
        sales_count=120,
        merchant_id=2,
        published_at=T0 + timedelta(days=4),
    ),
    fashion(
        6,
        "Red dress 红色连衣裙",
        attributes=(RED, SIZE_M),
        min_price=Decimal("199.00"),
        max_price=Decimal("199.00"),
        sales_count=10,
        merchant_id=2,
        published_at=T0,
    ),
]


@pytest.fixture
def catalog(index):
    index.products_upsert(CATALOG)
    return index


def ids(page) -> list[int]:
    return [hit.spu_id for hit in page.hits]


def test_an_english_word_finds_the_products_that_have_it(catalog):
    page = catalog.products_search(ProductQuery(text="iphone"))
    assert ids(page) == [1]
    assert page.total == 1


def test_a_chinese_word_is_found_inside_a_longer_run_of_characters(catalog):
    # 2 has "手机" inside "智能手机" (no spaces); 3 is in the category "手机 Phones"
    assert set(ids(catalog.products_search(ProductQuery(text="手机")))) == {1, 2, 3}
    assert ids(catalog.products_search(ProductQuery(text="智能"))) == [2]


def test_one_chinese_character_finds_it_anywhere(catalog):
    assert set(ids(catalog.products_search(ProductQuery(text="鞋")))) == {5}


def test_every_word_of_the_query_must_match(catalog):
    assert ids(catalog.products_search(ProductQuery(text="phone case"))) == [3]
    assert ids(catalog.products_search(ProductQuery(text="iphone case"))) == []


def test_brand_category_and_attribute_values_are_searched_too(catalog):
    assert ids(catalog.products_search(ProductQuery(text="huawei"))) == [2]
    assert set(ids(catalog.products_search(ProductQuery(text="shoes")))) == {5}
    assert set(ids(catalog.products_search(ProductQuery(text="cotton")))) == {4}


def test_a_title_match_ranks_above_an_attribute_match(catalog):
    # 红色 is the title of 6 and only an attribute value of 2 and 4
    page = catalog.products_search(ProductQuery(text="红色"))
    assert ids(page)[0] == 6
    assert set(ids(page)) == {2, 4, 6}


def test_no_text_lists_everything_by_sales(catalog):
    page = catalog.products_search(ProductQuery())
    assert ids(page) == [2, 1, 4, 5, 3, 6]
    assert page.total == 6


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", [3, 4, 6, 5, 2, 1]),
        ("price_desc", [1, 2, 5, 6, 4, 3]),
        ("sales", [2, 1, 4, 5, 3, 6]),
        ("newest", [3, 5, 1, 4, 2, 6]),
    ],
)
def test_sorts(catalog, sort, expected):
    assert ids(catalog.products_search(ProductQuery(sort=sort))) == expected


def test_pages(catalog):
    first = catalog.products_search(ProductQuery(sort="price_asc", page=1, page_size=4))
    second = catalog.products_search(ProductQuery(sort="price_asc", page=2, page_size=4))
    assert (ids(first), ids(second)) == ([3, 4, 6, 5], [2, 1])
    assert first.total == second.total == 6


def test_a_category_includes_its_descendants(catalog):
    assert set(ids(catalog.products_search(ProductQuery(category_id=FASHION)))) == {4, 5, 6}
    assert set(ids(catalog.products_search(ProductQuery(category_id=SHOES)))) == {5}


def test_filters_combine(catalog):
    search = catalog.products_search
    assert ids(search(ProductQuery(brand_id=2))) == [2]
    assert set(ids(search(ProductQuery(merchant_id=2)))) == {4, 5, 6}
    assert set(ids(search(ProductQuery(price_min=Decimal("79.00"), price_max=Decimal("499"))))) == {
        4,
        5,
        6,
    }
    assert 3 not in ids(search(ProductQuery(in_stock=True)))
    assert ids(search(ProductQuery(text="case", in_stock=True))) == []


def test_attribute_values_of_one_attribute_are_alternatives_and_attributes_all_hold(catalog):
    search = catalog.products_search
    either = search(ProductQuery(attribute_groups=((RED.value_id, BLACK.value_id),)))
    assert set(ids(either)) == {1, 2, 4, 5, 6}
    both = search(ProductQuery(attribute_groups=((RED.value_id,), (SIZE_M.value_id,))))
    assert set(ids(both)) == {4, 6}


def test_facets_count_every_match_not_only_the_page(catalog):
    page = catalog.products_search(ProductQuery(page_size=1, price_interval=Decimal(1000)))
    facets = page.facets
    assert [(b.key, b.label, b.count) for b in facets.brands] == [
        (1, "Apple", 1),
        (2, "华为 Huawei", 1),
        (3, "Xiaomi", 1),
        (4, "Nike", 1),
    ]
    assert [(b.key, b.label, b.count) for b in facets.categories] == [
        (PHONES, "手机 Phones", 3),
        (CLOTHES, "服装 Clothes", 2),
        (SHOES, "鞋 Shoes", 1),
    ]
    assert [(b.low, b.high, b.count) for b in facets.prices] == [
        (Decimal(0), Decimal(1000), 4),
        (Decimal(5000), Decimal(6000), 1),
        (Decimal(7000), Decimal(8000), 1),
    ]
    colour = next(a for a in facets.attributes if a.attribute_id == 100)
    assert colour.name == "颜色"
    assert [(b.key, b.label, b.count) for b in colour.values] == [
        (101, "红色", 3),
        (102, "黑色", 3),
    ]


def test_facets_follow_the_query(catalog):
    facets = catalog.products_search(ProductQuery(text="黑色")).facets
    assert [b.key for b in facets.brands] == [1, 2, 4]
    assert [(b.key, b.count) for b in facets.categories] == [(PHONES, 2), (SHOES, 1)]


def test_the_matched_words_are_highlighted_and_the_title_escaped(index):
    index.products_upsert([doc(7, "Apple <script> iPhone 手机壳")])
    [hit] = index.products_search(ProductQuery(text="iphone 手机")).hits
    assert "<em>iPhone</em>" in hit.highlight
    assert "<em>手机" in hit.highlight
    assert "<script>" not in hit.highlight
    assert "&lt;script&gt;" in hit.highlight


def test_upsert_replaces_and_delete_removes(catalog):
    catalog.products_upsert([replace(CATALOG[0], title="Apple iPad Air")])
    assert ids(catalog.products_search(ProductQuery(text="iphone"))) == []
    assert ids(catalog.products_search(ProductQuery(text="ipad"))) == [1]
    catalog.products_delete([1, 999])
    assert ids(catalog.products_search(ProductQuery(text="ipad"))) == []
    assert catalog.products_search(ProductQuery()).total == 5


def test_replace_all_swaps_the_whole_index(catalog):
    count = catalog.products_replace_all(iter([doc(50, "Kindle reader"), doc(51, "Kindle case")]))
    assert count == 2
    assert set(ids(catalog.products_search(ProductQuery()))) == {50, 51}
    assert ids(catalog.products_search(ProductQuery(text="iphone"))) == []
    catalog.products_upsert([doc(52, "Kindle cover")])
    assert catalog.products_search(ProductQuery(text="kindle")).total == 3


def test_suggest_completes_the_last_word_best_sellers_first(catalog):
    suggestions = catalog.products_suggest("ph")
    assert [s.spu_id for s in suggestions] == [3]
    assert suggestions[0].text == "Xiaomi 14 phone case"
    assert [s.spu_id for s in catalog.products_suggest("apple iph")] == [1]
    assert [s.spu_id for s in catalog.products_suggest("华为")] == [2]
    assert [s.spu_id for s in catalog.products_suggest("跑步")] == [5]
    assert catalog.products_suggest("zzz") == ()
    assert catalog.products_suggest("  ") == ()


def test_typo_tolerance_where_the_engine_has_it(catalog):
    if catalog.__class__.__name__ == "EmbeddedSearchIndex":
        pytest.skip("the embedded index matches words exactly")
    assert ids(catalog.products_search(ProductQuery(text="iphnoe"))) == [1]
    assert ids(catalog.products_search(ProductQuery(text="xiaomy"))) == [3]


def test_suggest_limit(index):
    index.products_upsert([doc(i, f"Widget {i}", sales_count=i) for i in range(1, 8)])
    assert [s.spu_id for s in index.products_suggest("wid", limit=3)] == [7, 6, 5]


def order(number: str, **fields) -> OrderDocument:
    base = {
        "order_no": number,
        "trade_no": "T" + number,
        "buyer_id": 1,
        "merchant_id": 1,
        "status": "pending_payment",
        "receiver_name": "张三",
        "receiver_phone": "13800001234",
        "pay_amount": Decimal("99.00"),
        "placed_at": T0,
    }
    return OrderDocument(**{**base, **fields})


@pytest.fixture
def orders(index):
    index.orders_upsert(
        [
            order("O2026110100001"),
            order(
                "O2026110100002",
                buyer_id=2,
                receiver_name="Li Si",
                receiver_phone="13900005678",
                status="paid",
                placed_at=T0 + timedelta(hours=1),
            ),
            order(
                "O2026110200003",
                buyer_id=2,
                merchant_id=2,
                receiver_name="王五",
                status="completed",
                placed_at=T0 + timedelta(days=1),
            ),
        ]
    )
    return index


def numbers(page) -> list[str]:
    return [hit.order_no for hit in page.hits]


def test_orders_newest_first_with_every_criterion(orders):
    search = orders.orders_search
    assert numbers(search(OrderQuery())) == ["O2026110200003", "O2026110100002", "O2026110100001"]
    assert numbers(search(OrderQuery(order_no="O20261101"))) == [
        "O2026110100002",
        "O2026110100001",
    ]
    assert numbers(search(OrderQuery(order_no="O2026110200003"))) == ["O2026110200003"]
    assert numbers(search(OrderQuery(buyer_id=2, merchant_id=1))) == ["O2026110100002"]
    assert numbers(search(OrderQuery(receiver="三"))) == ["O2026110100001"]
    assert numbers(search(OrderQuery(receiver="li s"))) == ["O2026110100002"]
    assert numbers(search(OrderQuery(phone="5678"))) == ["O2026110100002"]
    assert numbers(search(OrderQuery(phone="13800001234"))) == [
        "O2026110200003",
        "O2026110100001",
    ]
    assert numbers(search(OrderQuery(statuses=("paid", "completed")))) == [
        "O2026110200003",
        "O2026110100002",
    ]
    window = OrderQuery(placed_from=T0 + timedelta(minutes=30), placed_to=T0 + timedelta(days=1))
    assert numbers(search(window)) == ["O2026110100002"]
    page = search(OrderQuery(page=2, page_size=2))
    assert (numbers(page), page.total) == (["O2026110100001"], 3)


def test_an_order_upsert_replaces_its_document(orders):
    orders.orders_upsert([order("O2026110100001", status="cancelled")])
    [hit] = orders.orders_search(OrderQuery(order_no="O2026110100001")).hits
    assert hit.status == "cancelled"
    assert hit.pay_amount == Decimal("99.00")
    assert hit.placed_at == T0
    assert orders.orders_replace_all(iter([order("O1")])) == 1
    assert numbers(orders.orders_search(OrderQuery())) == ["O1"]


def test_elasticsearch_uses_ik_only_when_the_cluster_has_it(index):
    if index.__class__.__name__ != "ElasticsearchSearchIndex":
        pytest.skip("Elasticsearch analysis")
    assert index.has_ik() is False  # the test server has no plugins: n-grams
    index._ik = True
    analysis = index._analysis()
    assert analysis["analyzer"]["text_index"]["tokenizer"] == "ik_max_word"
    assert analysis["analyzer"]["text_search"]["tokenizer"] == "ik_smart"


def test_without_facets_the_same_page_and_total(catalog):
    for query in (ProductQuery(text="手机", sort="price_asc"), ProductQuery(sort="newest")):
        with_facets = catalog.products_search(query)
        bare = catalog.products_search(replace(query, facets=False))
        assert (ids(bare), bare.total) == (ids(with_facets), with_facets.total)
        assert bare.facets == Facets() != with_facets.facets
