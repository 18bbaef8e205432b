"""The purchase endpoint's hot path: a bearer token read without the user row (a deactivated
account still refused), input and output without serializers (the same answers as the
serializers), both rate limits in one cache round trip."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from contexts.flashsale import services
from contexts.flashsale.domain import PurchaseStatus, ticket_item_id, token_digest, token_key
from contexts.flashsale.models import FlashPurchase
from contexts.flashsale.rest import serializers as s
from contexts.flashsale.tests.support import selling_session
from shared.auth import _user_state_key, user_is_active
from shared.rest import throttling
from tests.support import error_code, ok, real_address

pytestmark = pytest.mark.django_db


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(user)}")
    return client


def purchase(client, item_id: int, address_id: int):
    token = ok(client.get(f"/api/v1/flash-items/{item_id}/purchase-token"))["token"]
    return client.post(
        f"/api/v1/flash-items/{item_id}/purchase",
        {"token": token, "address_id": address_id},
        format="json",
    )


def test_a_bearer_token_buys_as_its_user_until_the_account_is_closed(
    redis_engine, shop, buyer, buyer_api, django_capture_on_commit_callbacks
):
    address_id = real_address(buyer_api)
    _, item = selling_session(shop["sku_id"], units=5)
    api = bearer(buyer)
    bought = purchase(api, item.pk, address_id)
    assert bought.status_code == 202, bought.content
    ticket = bought.json()["ticket_no"]
    # Queued in Redis (no database row yet: the order task writes it), as this buyer's.
    assert not FlashPurchase.objects.filter(ticket_no=ticket).exists()
    assert redis_engine.queued_ticket(item_id=item.pk, ticket_no=ticket).user_id == buyer.pk
    assert ok(api.get(f"/api/v1/flash-tickets/{ticket}"))["ticket_no"] == ticket
    # The account's state is cached by now; closing it drops that once the change commits.
    with django_capture_on_commit_callbacks(execute=True):
        buyer.is_active = False
        buyer.save(update_fields=["is_active"])
    refused = api.get(f"/api/v1/flash-items/{item.pk}/purchase-token")
    assert (refused.status_code, error_code(refused)) == (401, "not_authenticated")
    refused = api.post(
        f"/api/v1/flash-items/{item.pk}/purchase",
        {"token": "x", "address_id": address_id},
        format="json",
    )
    assert (refused.status_code, error_code(refused)) == (401, "not_authenticated")
    assert redis_engine.remaining(item_ids=[item.pk]) == {item.pk: 4}


def test_a_sign_in_does_not_drop_the_cached_account_state(
    buyer, django_capture_on_commit_callbacks
):
    assert user_is_active(buyer.pk)
    with django_capture_on_commit_callbacks(execute=True):
        buyer.save(update_fields=["last_login"])
    assert cache.get(_user_state_key(buyer.pk)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        buyer.delete()
    assert cache.get(_user_state_key(buyer.pk)) is None
    assert not user_is_active(buyer.pk)


VALID = [
    {"token": "abc", "address_id": 1},
    {"token": "a" * 64, "address_id": 2**63 - 1, "quantity": 99},
    {"token": "t", "address_id": 7, "quantity": 1},
]
INVALID = [
    [],
    "token",
    None,
    {},
    {"token": "abc"},
    {"address_id": 1},
    {"token": "abc", "address_id": 1, "extra": 1},
    {"token": "abc", "address_id": 1, "Token": "x"},
    {"token": "", "address_id": 1},
    {"token": "   ", "address_id": 1},
    {"token": "a" * 65, "address_id": 1},
    {"token": "a\nb", "address_id": 1},
    {"token": "a\u202eb", "address_id": 1},
    {"token": "a\ud800", "address_id": 1},
    {"token": None, "address_id": 1},
    {"token": ["abc"], "address_id": 1},
    {"token": True, "address_id": 1},
    {"token": "abc", "address_id": 0},
    {"token": "abc", "address_id": -1},
    {"token": "abc", "address_id": 2**63},
    {"token": "abc", "address_id": True},
    {"token": "abc", "address_id": None},
    {"token": "abc", "address_id": 1.5},
    {"token": "abc", "address_id": "x"},
    {"token": "abc", "address_id": 1, "quantity": 0},
    {"token": "abc", "address_id": 1, "quantity": 100},
    {"token": "abc", "address_id": 1, "quantity": None},
    {"token": "abc", "address_id": 1, "quantity": "2x"},
]
# Accepted by the serializer in a shape the inline check leaves to it: the same data back.
COERCED = [
    {"token": " abc ", "address_id": 1},
    {"token": 123, "address_id": "5"},
    {"token": "abc", "address_id": 1.0, "quantity": "3"},
]


def _serializer_answer(data):
    serializer = s.PurchaseIn(data=data)
    if serializer.is_valid():
        return ("ok", dict(serializer.validated_data))
    return ("invalid", serializer.errors)


def _inline_answer(data):
    try:
        return ("ok", dict(s.purchase_input(data)))
    except s.serializers.ValidationError as exc:
        return ("invalid", exc.detail)


@pytest.mark.parametrize("data", VALID + INVALID + COERCED)
def test_the_inline_purchase_check_answers_as_the_serializer(data):
    assert _inline_answer(data) == _serializer_answer(data)


def test_valid_and_invalid_cases_are_both_covered():
    assert all(_serializer_answer(d)[0] == "ok" for d in VALID + COERCED)
    assert all(_serializer_answer(d)[0] == "invalid" for d in INVALID)


def test_the_ticket_answer_is_the_serializers(redis_engine, shop, buyer_api):
    address_id = real_address(buyer_api)
    _, item = selling_session(shop["sku_id"], units=5, limit=2)
    token = ok(buyer_api.get(f"/api/v1/flash-items/{item.pk}/purchase-token"))["token"]
    body = {"token": token, "address_id": address_id, "quantity": 2}
    bought = ok(buyer_api.post(f"/api/v1/flash-items/{item.pk}/purchase", body, format="json"))
    queued = ok(buyer_api.get(f"/api/v1/flash-tickets/{bought['ticket_no']}"))
    assert queued == bought and queued["state"] == "pending"
    services.purchase_order_create(ticket_no=bought["ticket_no"])
    purchase = FlashPurchase.objects.get()
    purchase.status, purchase.order_no = PurchaseStatus.PENDING, ""
    assert s.ticket_out(purchase) == s.TicketOut(purchase).data == bought
    purchase.status, purchase.order_no = PurchaseStatus.ORDERED, "O123"
    assert s.ticket_out(purchase) == s.TicketOut(purchase).data
    purchase.status, purchase.order_no, purchase.failure_code = PurchaseStatus.RETURNED, "", "x"
    assert s.ticket_out(purchase) == s.TicketOut(purchase).data


def test_both_rate_limits_cost_one_round_trip(
    redis_engine, shop, buyer_api, address_id, monkeypatch
):
    def one_by_one(*args, **kwargs):
        raise AssertionError("counted one window at a time")

    monkeypatch.setattr(throttling, "_count_one", one_by_one)
    monkeypatch.setattr(
        throttling.ScopedRateThrottle,
        "THROTTLE_RATES",
        {"flashsale_purchase_user": "2/min", "flashsale_purchase_ip": "100/min"},
    )
    _, item = selling_session(shop["sku_id"], units=5)
    url = f"/api/v1/flash-items/{item.pk}/purchase-token"
    assert buyer_api.get(url).status_code == 200
    assert buyer_api.get(url).status_code == 200
    throttled = buyer_api.get(url)
    assert (throttled.status_code, error_code(throttled)) == (429, "throttled")
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["error"]["details"]["wait_seconds"] == int(throttled["Retry-After"])


def test_the_redis_take_script_consumes_the_purchase_token(
    redis_engine, shop, buyer, buyer_api, settings
):
    _, item = selling_session(shop["sku_id"], units=1)
    token = ok(buyer_api.get(f"/api/v1/flash-items/{item.pk}/purchase-token"))["token"]
    key = token_key(item.pk, buyer.pk, token_digest(token))
    assert 0 < redis_engine.client.ttl(key) <= settings.FLASHSALE_TOKEN_TTL_SECONDS
    assert not cache.get(key)  # kept in the item's keys, not in the cache
    address_id = real_address(buyer_api)
    body = {"token": token, "address_id": address_id}
    ok(buyer_api.post(f"/api/v1/flash-items/{item.pk}/purchase", body, format="json"))
    assert not redis_engine.client.exists(key)
    # A refusal consumes its token too: it works for one call whatever the answer.
    token = ok(buyer_api.get(f"/api/v1/flash-items/{item.pk}/purchase-token"))["token"]
    body = {"token": token, "address_id": address_id}
    sold_out = buyer_api.post(f"/api/v1/flash-items/{item.pk}/purchase", body, format="json")
    assert error_code(sold_out) == "sold_out"
    again = buyer_api.post(f"/api/v1/flash-items/{item.pk}/purchase", body, format="json")
    assert error_code(again) == "invalid_purchase_token"


@pytest.mark.parametrize(
    ("ticket_no", "item_id"),
    [("F1700000000000abcdefI12", 12), ("FxI", None), ("Fx", None), ("FxI\u00b2", None)],
)
def test_a_ticket_number_carries_its_item(ticket_no, item_id):
    assert ticket_item_id(ticket_no) == item_id


def test_an_unknown_ticket_is_not_found(redis_engine, buyer_api):
    for ticket_no in ("FxI\u00b2", "FxI999999", "nothing"):
        assert buyer_api.get(f"/api/v1/flash-tickets/{ticket_no}").status_code == 404
