"""Recommendation (contexts/recommendation) with the real catalog and cart: signals in, lists on
the product page and the cart (through their extension hooks), the feed, the rebuild."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from contexts.catalog.tests.support import build_catalog, make_product
from contexts.recommendation import selectors, services
from contexts.recommendation.models import ProductRecommendations, Signal
from contexts.recommendation.tasks import rebuild
from tests.support import make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def shop():
    cache.clear()
    cat = build_catalog()
    tees = [make_product(cat, title=f"Tee {i}", materials=("cotton",)) for i in range(4)]
    phone = make_product(
        cat, title="Phone", category=cat.electronics, skus=[(("black",), "999.00")]
    )
    return {"cat": cat, "tees": [t.pk for t in tees], "phone": phone.pk}


def view(client: APIClient, spu_id: int, *, visitor: str | None = None, signal_id=None):
    body = {"type": "view", "spu_id": spu_id, "signal_id": signal_id or uuid.uuid4().hex}
    if visitor:
        body["visitor_id"] = visitor
    return client.post("/api/v1/recommendations/signals", body, format="json")


def buy(user_id: int, spu_ids: list[int]) -> bool:
    return services.signal_take(
        key=uuid.uuid4().hex,
        kind=Signal.Kind.PURCHASE,
        user_key=f"u:{user_id}",
        spu_ids=spu_ids,
        at=services.TRENDING_EPOCH,
    )


def ids(items) -> list[int]:
    return [item["spu_id"] for item in items]


def test_views_feed_viewed_also_viewed_on_the_product_page(shop):
    a, b, c, _ = shop["tees"]
    anon = APIClient()
    for visitor, products in (("visitor-0001", [a, b]), ("visitor-0002", [a, b, c])):
        for spu_id in products:
            assert view(anon, spu_id, visitor=visitor).status_code == 202
    assert services.stale_lists_refresh() >= 0
    services.product_lists_refresh(spu_ids=[a])
    page = anon.get(f"/api/v1/products/{a}").json()
    section = page["extras"]["recommendations"]
    assert ids(section["viewed_also_viewed"]) == [b, c]
    # Similar: the other cotton tees of the category, never the phone.
    assert shop["phone"] not in ids(section["similar"])
    assert set(ids(section["similar"])) == set(shop["tees"]) - {a}


def test_a_signal_is_taken_once_per_signal_id(shop):
    a = shop["tees"][0]
    anon = APIClient()
    first = view(anon, a, visitor="visitor-0001", signal_id="signal-0001")
    again = view(anon, a, visitor="visitor-0001", signal_id="signal-0001")
    assert first.json() == {"taken": True}
    assert again.json() == {"taken": False}
    assert Signal.objects.filter(kind="view").count() == 1


def test_bad_signals_are_clear_4xx(shop):
    anon = APIClient()
    a = shop["tees"][0]
    assert view(anon, a).json()["error"]["code"] == "validation_error"  # guest, no visitor
    response = anon.post(
        "/api/v1/recommendations/signals",
        {"type": "view", "spu_id": a, "signal_id": "signal-0001", "visitor_id": "v" * 8, "x": 1},
        format="json",
    )
    assert response.status_code == 400
    response = anon.post(
        "/api/v1/recommendations/signals",
        {"type": "purchase", "spu_id": a, "signal_id": "signal-0001", "visitor_id": "v" * 8},
        format="json",
    )
    assert response.status_code == 400
    missing = view(anon, 10**9, visitor="visitor-0001")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "product_not_found"
    assert not Signal.objects.exists()


def test_purchases_make_bought_together_and_the_endpoint_shows_them(shop):
    a, b, c, d = shop["tees"]
    buy(1, [a, b])
    buy(2, [a, b, c])
    buy(3, [a, d])
    body = APIClient().get(f"/api/v1/products/{a}/recommendations").json()
    assert ids(body["bought_together"]) == [b, c, d]
    assert a not in ids(body["trending"])
    assert APIClient().get("/api/v1/products/999999999/recommendations").status_code == 404


def test_the_product_page_hook_costs_no_query_when_warm(shop):
    a, b, _, _ = shop["tees"]
    buy(1, [a, b])
    anon = APIClient()
    anon.get(f"/api/v1/products/{a}")  # warms the sections
    with CaptureQueriesContext(connection) as with_hook:
        anon.get(f"/api/v1/products/{a}")
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        selectors.product_sections_json(spu_id=a)
    from contexts.catalog.services.page_extras import PRODUCT_PAGE_EXTRAS

    provider = PRODUCT_PAGE_EXTRAS._providers["recommendations"]
    PRODUCT_PAGE_EXTRAS.unregister("recommendations")
    try:
        with CaptureQueriesContext(connection) as without_hook:
            anon.get(f"/api/v1/products/{a}")
    finally:
        PRODUCT_PAGE_EXTRAS.register("recommendations", provider)
    assert len(with_hook) <= len(without_hook)
    assert len(cold) == 2  # the precomputed row, the products shown


def test_the_cart_shows_what_goes_with_it(shop):
    a, b, c, _ = shop["tees"]
    buy(1, [a, b])
    buy(2, [a, c])
    sections = selectors.cart_sections_json(spu_ids=[a, b])
    assert ids(sections["bought_together"]) == [c]
    assert a not in ids(sections["similar"]) and b not in ids(sections["similar"])
    with CaptureQueriesContext(connection) as queries:
        selectors.cart_sections_json(spu_ids=[a])
    assert len(queries) == 2
    # The cart response carries the section (an empty guest cart: store-wide trending).
    body = APIClient().get("/api/v1/cart").json()
    assert ids(body["extras"]["recommendations"]["trending"])[:1] == [a]


def test_the_feed_is_personal_and_cold_starts_on_popularity(shop):
    a, b, c, d = shop["tees"]
    buy(1, [a, b])
    buy(2, [a, b])
    buy(3, [c, d])
    buyer = make_user()
    client = APIClient()
    client.force_authenticate(buyer)
    cold = ids(client.get("/api/v1/recommendations/feed").json()["items"])
    assert cold[:2] == [a, b]  # trending store-wide
    cache.clear()
    buy(buyer.pk, [a])
    items = client.get("/api/v1/recommendations/feed").json()["items"]
    assert items[0]["spu_id"] == b and items[0]["reason"] == "for_you"
    assert a not in ids(items)  # already bought
    # Constant cost: 3 history reads, at most 4 graph lists, trending, the products; none warm.
    cache.clear()
    buy(buyer.pk, [c, d])
    with CaptureQueriesContext(connection) as cold:
        selectors.feed(user_id=buyer.pk)
    with CaptureQueriesContext(connection) as warm:
        selectors.feed(user_id=buyer.pk)
    assert len(cold) <= 9 and len(warm) == 0
    assert APIClient().get("/api/v1/recommendations/feed").status_code == 401


def test_rebuild_is_safe_to_re_run(shop):
    from contexts.catalog.services import products
    from contexts.catalog.tests.support import STAFF

    a, b, c, d = shop["tees"]
    buy(1, [a, b])
    buy(2, [a, c])
    before = ProductRecommendations.objects.get(spu_id=a).bought_together
    products.spu_unpublish(principal=STAFF, spu_id=d)
    first = rebuild.delay().get()
    lists = {r.spu_id: (r.bought_together, r.similar) for r in ProductRecommendations.objects.all()}
    assert d not in lists  # no longer listed: its lists are gone
    assert all(d not in similar for _, similar in lists.values())
    second = rebuild.delay().get()
    assert first == second == {"products": 4, "signals": 2}
    assert lists == {
        r.spu_id: (r.bought_together, r.similar) for r in ProductRecommendations.objects.all()
    }
    assert lists[a][0] == before == [b, c]


def test_demo_recommendations_fill_product_pages_and_re_run_adds_nothing(shop):
    from contexts.recommendation.demo import demo_recommendations_build

    buyer = make_user()
    assert demo_recommendations_build(buyer_ids=[buyer.pk]) > 0
    assert demo_recommendations_build(buyer_ids=[buyer.pk]) == 0
    lists = ProductRecommendations.objects.filter(spu_id__in=shop["tees"])
    assert any(row.bought_together or row.viewed_also_viewed for row in lists)


def test_a_price_change_or_unpublishing_shows_at_once_in_cached_sections(shop, settings):
    from decimal import Decimal

    from contexts.catalog.models import Sku
    from contexts.catalog.services import products
    from contexts.catalog.tests.support import STAFF

    settings.STOREFRONT_CACHE_SECONDS = 60  # the real cached page, not just the sections
    a, b, c, _ = shop["tees"]
    buy(1, [a, b, c])
    anon = APIClient()
    before = anon.get(f"/api/v1/products/{a}").json()["extras"]["recommendations"]
    assert ids(before["bought_together"]) == [b, c]
    sku = Sku.objects.filter(spu_id=b).first()
    products.sku_update(principal=STAFF, sku_id=sku.pk, data={"price": Decimal("55.00")})
    after = anon.get(f"/api/v1/products/{a}").json()["extras"]["recommendations"]
    assert after["bought_together"][0]["min_price"] == "55.00"
    products.spu_unpublish(principal=STAFF, spu_id=c)
    gone = anon.get(f"/api/v1/products/{a}").json()["extras"]["recommendations"]
    assert ids(gone["bought_together"]) == [b]


def test_a_purchase_refreshes_the_cached_pages_of_its_products_only(shop, settings):
    settings.STOREFRONT_CACHE_SECONDS = 60
    a, b, _, d = shop["tees"]
    anon = APIClient()
    assert (
        anon.get(f"/api/v1/products/{a}").json()["extras"]["recommendations"]["bought_together"]
        == []
    )
    anon.get(f"/api/v1/products/{d}")  # cached
    buy(1, [a, b])
    page = anon.get(f"/api/v1/products/{a}").json()
    assert ids(page["extras"]["recommendations"]["bought_together"]) == [b]
    with CaptureQueriesContext(connection) as queries:
        assert anon.get(f"/api/v1/products/{d}").status_code == 200
    assert len(queries) == 0  # still served from the cache: not every page was flushed


def test_the_stale_list_refresh_and_the_rebuild_refresh_cached_pages(shop, settings):
    settings.STOREFRONT_CACHE_SECONDS = 60
    a, b, c, _ = shop["tees"]
    anon = APIClient()
    for spu_id in (a, b):
        assert view(anon, spu_id, visitor="visitor-0001").status_code == 202
    services.product_lists_refresh(spu_ids=[a])
    assert ids(
        anon.get(f"/api/v1/products/{a}").json()["extras"]["recommendations"]["viewed_also_viewed"]
    ) == [b]
    assert view(anon, a, visitor="visitor-0002").status_code == 202
    assert view(anon, c, visitor="visitor-0002").status_code == 202
    assert services.stale_lists_refresh() >= 1  # the beat task
    section = anon.get(f"/api/v1/products/{a}").json()["extras"]["recommendations"]
    assert ids(section["viewed_also_viewed"]) == [b, c]
    Signal.objects.filter(user_key="v:visitor-0002").delete()
    rebuild()  # the task's body, as the beat's worker runs it
    section = anon.get(f"/api/v1/products/{a}").json()["extras"]["recommendations"]
    assert ids(section["viewed_also_viewed"]) == [b]


def test_caches_are_invalidated_after_the_commit_not_before(shop):
    from decimal import Decimal

    from django.db import transaction

    from contexts.catalog.models import Sku
    from shared import read_cache

    a, b, _, _ = shop["tees"]
    buy(1, [a, b])
    selectors.product_sections_json(spu_id=a)  # cached
    page = read_cache.product_page(a)
    generation = services.cache_generation()
    versions = read_cache.versions([read_cache.RECOMMENDATIONS, page])
    with transaction.atomic():  # as a relay handler runs
        Sku.objects.filter(spu_id=b).update(price=Decimal("55.00"))
        from contexts.catalog.models import Spu

        Spu.objects.filter(pk=b).update(min_price=Decimal("55.00"))
        services.products_sync(spu_ids=[b], similar=False)
        services.product_lists_refresh(spu_ids=[a])
        # A reader now sees the committed (old) state: it must file it under the old keys.
        assert services.cache_generation() == generation
        assert read_cache.versions([read_cache.RECOMMENDATIONS, page]) == versions
        assert cache.get(services.sections_cache_key(a)) is not None
    assert services.cache_generation() != generation
    after = read_cache.versions([read_cache.RECOMMENDATIONS, page])
    assert after[0] != versions[0] and after[1] != versions[1]
    shown = selectors.product_sections_json(spu_id=a)["bought_together"]
    assert shown[0]["min_price"] == "55.00"


def test_signals_for_unknown_or_unchanged_products_flush_no_cache(shop):
    from shared import read_cache

    a = shop["tees"][0]
    anon = APIClient()
    generation = services.cache_generation()
    versions = read_cache.versions([read_cache.RECOMMENDATIONS])
    for n in range(3):
        missing = view(anon, 10**9 + n, visitor="visitor-0001")
        assert missing.status_code == 404
    services.products_sync(spu_ids=[a])  # nothing changed in the catalog
    assert view(anon, a, visitor="visitor-0001").status_code == 202
    assert services.cache_generation() == generation
    assert read_cache.versions([read_cache.RECOMMENDATIONS]) == versions


def test_signal_floods_are_throttled_per_visitor_and_per_ip(shop, monkeypatch):
    from shared.rest.throttling import ScopedRateThrottle
    from tests.support import error_code

    rates = {"recommendation_signal": "2/min", "recommendation_signal_ip": "3/min"}
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", rates)
    a = shop["tees"][0]
    anon = APIClient()
    codes = [view(anon, a, visitor="visitor-0001").status_code for _ in range(3)]
    assert codes == [202, 202, 429]
    assert error_code(view(anon, a, visitor="visitor-0001")) == "throttled"
    # A signed-in buyer on the same IP: their own limit, but the IP's is spent.
    buyer = APIClient()
    buyer.force_authenticate(make_user())
    assert view(buyer, a).status_code == 429
    assert Signal.objects.count() == 2


def test_the_product_page_and_cart_answer_when_recommendations_fail(shop, monkeypatch):
    def down(**kwargs):
        raise ConnectionError("graph unreachable")

    monkeypatch.setattr(selectors, "product_sections_json", down)
    monkeypatch.setattr(selectors, "cart_sections_json", down)
    anon = APIClient()
    page = anon.get(f"/api/v1/products/{shop['tees'][0]}")
    assert page.status_code == 200 and page.json()["extras"] == {}
    cart = anon.get("/api/v1/cart")
    assert cart.status_code == 200 and cart.json()["extras"] == {}


def test_a_product_page_missing_its_recommendations_is_not_cached(shop, monkeypatch, settings):
    settings.STOREFRONT_CACHE_SECONDS = 60
    a, b, _, _ = shop["tees"]
    buy(1, [a, b])
    working = selectors.product_sections_json

    def down(**kwargs):
        raise ConnectionError("graph unreachable")

    monkeypatch.setattr(selectors, "product_sections_json", down)
    anon = APIClient()
    assert anon.get(f"/api/v1/products/{a}").json()["extras"] == {}
    monkeypatch.setattr(selectors, "product_sections_json", working)  # back up
    page = anon.get(f"/api/v1/products/{a}").json()
    assert ids(page["extras"]["recommendations"]["bought_together"]) == [b]
    with CaptureQueriesContext(connection) as queries:  # the whole page is cached again
        anon.get(f"/api/v1/products/{a}")
    assert len(queries) == 0
