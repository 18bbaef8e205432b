"""Reviews: the purchase rule (ordering's port, faked), one per user and SKU, merchant reply,
and the rating summary recomputed by the catalog's own handler after the relay."""

from __future__ import annotations

import dataclasses
import threading

import pytest
from django.db import connection

from contexts.catalog import handlers
from contexts.catalog.events import ReviewCreated
from contexts.catalog.models import Sku, Spu
from contexts.catalog.services import reviews
from contexts.catalog.tests.support import (
    build_catalog,
    client_for,
    error_code,
    events,
    make_product,
    make_user,
)
from shared.errors import AppError
from shared.events.models import OutboxEvent


def _url(spu):
    return f"/api/v1/products/{spu.pk}/reviews"


def test_only_a_buyer_with_a_completed_purchase_may_review(cat, purchases):
    spu = make_product(cat)
    sku = Sku.objects.get(spu=spu)
    buyer = make_user()
    api = client_for(buyer)
    refused = api.post(_url(spu), {"sku_id": sku.pk, "rating": 5}, format="json")
    assert refused.status_code == 403
    assert error_code(refused) == "purchase_required"

    purchases.add((buyer.pk, sku.pk))
    created = api.post(
        _url(spu),
        {
            "sku_id": sku.pk,
            "rating": 4,
            "text": "Nice",
            "images": ["https://cdn.example.com/a.png"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["rating"], body["text"], body["spec"]) == (4, "Nice", "Colour: red / Size: S")
    assert body["reply"] is None
    [event] = events("catalog.review.created.v1")
    assert event == {
        "review_id": body["id"],
        "spu_id": spu.pk,
        "sku_id": sku.pk,
        "user_id": buyer.pk,
        "rating": 4,
    }

    again = api.post(_url(spu), {"sku_id": sku.pk, "rating": 1}, format="json")
    assert again.status_code == 409
    assert error_code(again) == "already_reviewed"
    assert len(events("catalog.review.created.v1")) == 1


def test_review_input_rules(cat, purchases, anon_api):
    spu = make_product(cat)
    other = make_product(cat, title="Other", skus=[(("blue", "S"), "5.00")])
    sku = Sku.objects.get(spu=spu)
    foreign_sku = Sku.objects.get(spu=other)
    buyer = make_user()
    purchases.update({(buyer.pk, sku.pk), (buyer.pk, foreign_sku.pk)})
    api = client_for(buyer)
    assert anon_api.post(_url(spu), {"sku_id": sku.pk, "rating": 5}).status_code == 401
    for rating in (0, 6):
        response = api.post(_url(spu), {"sku_id": sku.pk, "rating": rating}, format="json")
        assert response.status_code == 400
    too_many = api.post(
        _url(spu),
        {
            "sku_id": sku.pk,
            "rating": 5,
            "images": [f"https://cdn.example.com/{n}.png" for n in range(10)],
        },
        format="json",
    )
    assert too_many.status_code == 400
    wrong_product = api.post(_url(spu), {"sku_id": foreign_sku.pk, "rating": 5}, format="json")
    assert wrong_product.status_code == 404
    assert error_code(wrong_product) == "sku_not_found"
    assert OutboxEvent.objects.filter(event_type="catalog.review.created.v1").count() == 0


def test_reviews_list_is_public_paginated_and_newest_first(cat, purchases, anon_api):
    spu = make_product(cat, skus=[(("red", "S"), "1.00"), (("red", "M"), "1.00")])
    skus = list(Sku.objects.filter(spu=spu).order_by("pk"))
    ids = []
    for n in range(3):
        buyer = make_user()
        purchases.add((buyer.pk, skus[n % 2].pk))
        response = client_for(buyer).post(
            _url(spu), {"sku_id": skus[n % 2].pk, "rating": 3 + n}, format="json"
        )
        ids.append(response.json()["id"])
    first = anon_api.get(_url(spu), {"page_size": 2})
    assert first.status_code == 200
    body = first.json()
    assert body["count"] == 3
    assert [r["id"] for r in body["results"]] == [ids[2], ids[1]]
    assert body["previous"] is None and "page=2" in body["next"]
    second = anon_api.get(body["next"]).json()
    assert [r["id"] for r in second["results"]] == [ids[0]]
    assert second["next"] is None and second["previous"]
    assert anon_api.get("/api/v1/products/999999/reviews").status_code == 404


def test_merchant_staff_reply_to_reviews_of_their_products(cat, purchases, other_owner_api):
    spu = make_product(cat)
    sku = Sku.objects.get(spu=spu)
    buyer = make_user()
    purchases.add((buyer.pk, sku.pk))
    review_id = (
        client_for(buyer)
        .post(_url(spu), {"sku_id": sku.pk, "rating": 2}, format="json")
        .json()["id"]
    )
    url = f"/api/v1/admin/reviews/{review_id}/reply"
    assert other_owner_api.post(url, {"text": "Not mine"}).status_code == 404
    assert client_for(buyer).post(url, {"text": "Me"}).status_code == 403
    replied = client_for(cat.shop_staff).post(url, {"text": "Sorry, we will fix it."})
    assert replied.status_code == 200
    assert replied.json()["reply"]["text"] == "Sorry, we will fix it."
    assert replied.json()["reply"]["user_id"] == cat.shop_staff.pk
    listed = client_for().get(_url(spu)).json()["results"][0]
    assert listed["reply"]["text"] == "Sorry, we will fix it."
    assert (
        client_for(cat.staff_user)
        .post("/api/v1/admin/reviews/unknown/reply", {"text": "x"})
        .status_code
        == 404
    )


@pytest.mark.django_db(transaction=True)
def test_rating_summary_is_updated_by_the_event_handler_after_the_relay(store_backend, purchases):
    cat = build_catalog()
    spu = make_product(cat, skus=[(("red", "S"), "1.00"), (("red", "M"), "1.00")])
    skus = list(Sku.objects.filter(spu=spu).order_by("pk"))
    for rating, sku in ((5, skus[0]), (4, skus[1]), (4, skus[0])):
        buyer = make_user()
        purchases.add((buyer.pk, sku.pk))
        response = client_for(buyer).post(
            _url(spu), {"sku_id": sku.pk, "rating": rating}, format="json"
        )
        assert response.status_code == 201, response.json()
    spu.refresh_from_db()
    # Delivered by the relay right after each commit, through the bus (inbox, delivery rows).
    assert (spu.rating_count, str(spu.rating_avg)) == (3, "4.33")
    detail = client_for().get(f"/api/v1/products/{spu.pk}").json()
    assert detail["rating"] == {"avg": "4.33", "count": 3}
    assert (
        OutboxEvent.objects.filter(
            event_type="catalog.review.created.v1", deliveries__status="done"
        )
        .distinct()
        .count()
        == 3
    )

    # The handler is a recount: running it again (a redelivery) changes nothing.
    handlers.review_created_rating_refresh(
        ReviewCreated(review_id="x", spu_id=spu.pk, sku_id=skus[0].pk, user_id=1, rating=1)
    )
    assert Spu.objects.get(pk=spu.pk).rating_count == 3


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_concurrent_reviews_of_one_sku_by_one_buyer_make_one(store_backend, purchases):
    cat = build_catalog()
    spu = make_product(cat)
    sku = Sku.objects.get(spu=spu)
    buyer = make_user()
    purchases.add((buyer.pk, sku.pk))
    barrier = threading.Barrier(5)
    outcomes: list[str] = []

    def review():
        try:
            barrier.wait()
            reviews.review_create(user_id=buyer.pk, spu_id=spu.pk, sku_id=sku.pk, rating=5)
            outcomes.append("created")
        except AppError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=review) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["already_reviewed"] * 4 + ["created"]
    assert OutboxEvent.objects.filter(event_type="catalog.review.created.v1").count() == 1
    assert Spu.objects.get(pk=spu.pk).rating_count == 1


@pytest.mark.django_db(transaction=True)
def test_a_completed_order_event_makes_its_buyer_eligible_to_review_its_skus():
    """Review eligibility comes from ordering's completed event (the catalog never calls
    ordering): published through the real bus, recorded once however often it is delivered."""
    from django.db import transaction

    from contexts.catalog.models import CompletedPurchase
    from contexts.catalog.tests.support import build_catalog
    from contexts.catalog.tests.test_sales_count import _completed
    from shared.events import publish
    from shared.events.relay import relay_once

    cat = build_catalog()
    spu = make_product(cat, skus=[(("red", "S"), "1.00"), (("red", "M"), "1.00")])
    bought, other = Sku.objects.filter(spu=spu).order_by("pk")
    buyer = make_user()
    api = client_for(buyer)
    assert api.post(_url(spu), {"sku_id": bought.pk, "rating": 5}, format="json").status_code == 403

    event = _completed("O1", [(bought.pk, 2)])
    with transaction.atomic():
        publish(dataclasses.replace(event, buyer_id=buyer.pk))
    relay_once()

    assert CompletedPurchase.objects.filter(user_id=buyer.pk).count() == 1
    assert api.post(_url(spu), {"sku_id": bought.pk, "rating": 5}, format="json").status_code == 201
    refused = api.post(_url(spu), {"sku_id": other.pk, "rating": 5}, format="json")
    assert error_code(refused) == "purchase_required"


@pytest.mark.django_db(transaction=True)
def test_orders_completed_before_the_purchase_record_existed_are_backfilled_by_a_replay():
    """Shops that upgrade keep their buyers' right to review: `replay_events` hands the stored
    order.completed events to the purchase record, which it never received."""
    from django.core.management import call_command
    from django.db import transaction

    from contexts.catalog.models import CompletedPurchase
    from contexts.catalog.tests.support import build_catalog
    from contexts.catalog.tests.test_sales_count import _completed
    from contexts.ordering.events import OrderCompleted
    from shared.events import bus, publish
    from shared.events.relay import relay_once

    name = "catalog.order_completed_purchases_record"
    cat = build_catalog()
    spu = make_product(cat, skus=[(("red", "S"), "1.00")])
    (bought,) = Sku.objects.filter(spu=spu)
    buyer = make_user()
    record = bus.subscription_named(name)
    bus.unsubscribe(OrderCompleted, name)  # the version before the purchase record
    try:
        with transaction.atomic():
            publish(dataclasses.replace(_completed("O9", [(bought.pk, 1)]), buyer_id=buyer.pk))
        relay_once()
    finally:
        bus.subscribe(OrderCompleted, record.func, name=name)
    assert not CompletedPurchase.objects.exists()

    call_command("replay_events", handler=name, verbosity=0)
    call_command("replay_events", handler=name, verbosity=0)

    assert list(CompletedPurchase.objects.values_list("user_id", "sku_id")) == [
        (buyer.pk, bought.pk)
    ]
    api = client_for(buyer)
    assert api.post(_url(spu), {"sku_id": bought.pk, "rating": 4}, format="json").status_code == 201
