"""The merchant / staff API of activities, the storefront's reads, events and permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from contexts.promotions.models import Activity
from contexts.promotions.tests.conftest import make_activity
from shared.events.models import OutboxEvent

pytestmark = pytest.mark.django_db

URL = "/api/v1/admin/promotions"


def body(**overrides):
    now = timezone.now()
    return {
        "merchant_id": 1,
        "name": "Autumn 10% off",
        "rule_kind": "item_percent",
        "rule_params": {"percent_off": "10"},
        "starts_at": (now + timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(days=2)).isoformat(),
        **overrides,
    }


def code(response):
    return response.json()["error"]["code"]


def events(activity_id):
    return list(
        OutboxEvent.objects.filter(aggregate_id=str(activity_id))
        .order_by("pk")
        .values_list("event_type", "payload")
    )


def test_merchant_creates_schedules_pauses_resumes_and_ends(catalog, merchant_api):
    created = merchant_api.post(URL, body(), format="json")
    assert created.status_code == 201, created.json()
    activity = created.json()
    assert activity["status"] == "draft" and activity["rule_params"] == {"percent_off": "10.00"}
    url = f"{URL}/{activity['id']}"
    assert merchant_api.post(f"{url}/schedule").json()["status"] == "scheduled"
    assert code(merchant_api.post(f"{url}/schedule")) == "activity_illegal_transition"
    assert merchant_api.post(f"{url}/pause").json()["status"] == "paused"
    assert merchant_api.post(f"{url}/resume").json()["status"] == "scheduled"
    assert merchant_api.post(f"{url}/end").json()["status"] == "ended"
    assert merchant_api.post(f"{url}/end").status_code == 409
    assert merchant_api.patch(url, {"name": "x"}, format="json").status_code == 409
    kinds = [(t, p["status"]) for t, p in events(activity["id"])]
    assert kinds == [
        ("promotions.activity.created.v1", "draft"),
        ("promotions.activity.changed.v1", "scheduled"),
        ("promotions.activity.changed.v1", "paused"),
        ("promotions.activity.changed.v1", "scheduled"),
        ("promotions.activity.changed.v1", "ended"),
    ]
    assert set(events(activity["id"])[0][1]) >= {"activity_id", "merchant_id", "status"}


def test_a_running_activity_changes_only_name_description_and_end(catalog, merchant_api):
    activity = make_activity()
    url = f"{URL}/{activity.pk}"
    refused = merchant_api.patch(url, {"rule_params": {"tiers": []}, "name": "y"}, format="json")
    assert refused.status_code == 409 and code(refused) == "activity_running"
    assert refused.json()["error"]["details"]["fields"] == ["rule_params"]
    later = (activity.ends_at + timedelta(days=1)).isoformat()
    changed = merchant_api.patch(url, {"name": "Longer", "ends_at": later}, format="json")
    assert changed.status_code == 200 and changed.json()["name"] == "Longer"
    # Before it starts, anything.
    future = make_activity(starts_in=timedelta(hours=2))
    response = merchant_api.patch(
        f"{URL}/{future.pk}",
        {"rule_kind": "item_percent", "rule_params": {"percent_off": "5"}},
        format="json",
    )
    assert response.status_code == 200 and response.json()["rule_kind"] == "item_percent"


def test_other_shops_and_platform_activities_are_not_found_for_a_merchant(catalog, merchant_api):
    other = make_activity(merchant_id=2)
    platform = make_activity(merchant_id=None)
    for activity in (other, platform):
        assert merchant_api.get(f"{URL}/{activity.pk}").status_code == 404
        assert merchant_api.post(f"{URL}/{activity.pk}/pause").status_code == 404
    assert code(merchant_api.post(URL, body(merchant_id=2), format="json")) == "not_your_merchant"
    assert merchant_api.post(URL, body(merchant_id=None), format="json").status_code == 403
    listed = merchant_api.get(URL).json()
    assert listed["count"] == 0


def test_staff_manage_platform_activities_and_buyers_nothing(catalog, staff_api, buyer_api):
    created = staff_api.post(URL, body(merchant_id=None), format="json")
    assert created.status_code == 201 and created.json()["merchant_id"] is None
    assert buyer_api.get(URL).status_code == 403
    assert buyer_api.post(URL, body(), format="json").status_code == 403


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"rule_params": {"percent_off": "100"}}, "rule_params"),
        ({"rule_params": {"percent_off": "10", "x": 1}}, "rule_params"),
        ({"rule_kind": "spend_off", "rule_params": {"tiers": "no"}}, "rule_params"),
        ({"scope_kind": "categories", "scope_ids": [99]}, "scope_ids"),
        ({"scope_kind": "products", "scope_ids": [10]}, "scope_ids"),
        ({"scope_kind": "merchant", "scope_ids": [2]}, "scope_kind"),
        ({"scope_kind": "all", "scope_ids": [1]}, "scope_ids"),
        ({"merchant_id": 99}, "merchant_id"),
        ({"unknown": 1}, "unknown"),
        ({"ends_at": "2020-01-01T00:00:00Z"}, "ends_at"),
        (
            {
                "rule_kind": "special_price",
                "rule_params": {"prices": [{"sku_id": 5, "price": "1"}]},
            },
            "rule_params",
        ),
        (
            {"rule_kind": "gift", "rule_params": {"threshold": "10", "gift_sku_id": 5}},
            "rule_params",
        ),
    ],
)
def test_invalid_activities_are_refused_naming_the_field(catalog, staff_api, overrides, field):
    catalog.sku(5, "20.00", merchant_id=2)
    response = staff_api.post(URL, body(**overrides), format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["details"]["fields"]
    assert not Activity.objects.exists()


def test_products_and_special_prices_of_the_shop_are_accepted(catalog, merchant_api):
    catalog.sku(5, "20.00", merchant_id=1, spu_id=50)
    products = merchant_api.post(URL, body(scope_kind="products", scope_ids=[50]), format="json")
    assert products.status_code == 201, products.json()
    special = merchant_api.post(
        URL,
        body(rule_kind="special_price", rule_params={"prices": [{"sku_id": 5, "price": "15"}]}),
        format="json",
    )
    assert special.status_code == 201, special.json()
    too_high = merchant_api.post(
        URL,
        body(rule_kind="special_price", rule_params={"prices": [{"sku_id": 5, "price": "25"}]}),
        format="json",
    )
    assert too_high.status_code == 400


def test_list_filters_and_stays_within_its_query_budget(
    catalog, staff_api, django_assert_max_num_queries
):
    for _ in range(5):
        make_activity()
    make_activity(merchant_id=None)
    make_activity(schedule=False)
    with django_assert_max_num_queries(3):  # user, count, page
        page = staff_api.get(URL).json()
    assert page["count"] == 7
    assert staff_api.get(URL, {"platform": "true"}).json()["count"] == 1
    assert staff_api.get(URL, {"status": "draft"}).json()["count"] == 1
    assert staff_api.get(URL, {"status": "active"}).json()["count"] == 6
    assert staff_api.get(URL, {"q": "spend"}).json()["count"] == 7


def test_preview_shows_the_activity_on_a_sample_cart(catalog, merchant_api):
    catalog.sku(1, "120.00")
    catalog.sku(2, "50.00")
    activity = make_activity(schedule=False)  # a draft previews too
    url = f"{URL}/{activity.pk}/preview"
    response = merchant_api.post(
        url, {"items": [{"sku_id": 1, "quantity": 1}, {"sku_id": 2, "quantity": 2}]}, format="json"
    )
    quote = response.json()
    assert response.status_code == 200, quote
    assert (quote["items_amount"], quote["discount_amount"], quote["pay_amount"]) == (
        "220.00",
        "20.00",
        "200.00",
    )
    assert [line["discount_amount"] for line in quote["lines"]] == ["10.91", "9.09"]
    assert quote["notes"][0]["applied"] is True
    short = merchant_api.post(url, {"items": [{"sku_id": 2, "quantity": 1}]}, format="json").json()
    assert short["discount_amount"] == "0.00"
    assert "spend 150.00 more" in short["notes"][0]["message"]
    unknown = merchant_api.post(url, {"items": [{"sku_id": 404, "quantity": 1}]}, format="json")
    assert unknown.status_code == 400


def test_storefront_lists_the_running_activities_of_a_sku(catalog, db, api_client):
    catalog.sku(1, "10.00", category_id=3)
    catalog.sku(2, "10.00", merchant_id=2, category_id=4)
    mine = make_activity(scope_kind="categories", scope_ids=[1])  # root of 3
    make_activity(merchant_id=2)
    make_activity(schedule=False)
    paused = make_activity()
    paused.paused = True
    paused.save()
    response = api_client.get("/api/v1/promotions", {"sku_id": 1})
    assert response.status_code == 200
    assert [a["id"] for a in response.json()] == [mine.pk]
    assert api_client.get("/api/v1/promotions", {"sku_id": 999}).json() == []
    assert api_client.get("/api/v1/promotions").status_code == 400


def test_explain_names_what_applied_and_what_did_not(catalog, db, api_client):
    catalog.sku(1, "150.00")
    catalog.sku(2, "30.00", merchant_id=2)
    spend = make_activity()
    exclusive = make_activity(
        name="Exclusive 20%",
        rule_kind="item_percent",
        rule_params={"percent_off": "20"},
        exclusive=True,
    )
    other_shop = make_activity(
        merchant_id=2, rule_kind="free_shipping", rule_params={"threshold": "99"}
    )
    response = api_client.post(
        "/api/v1/promotions/explain",
        {"items": [{"sku_id": 1, "quantity": 1}, {"sku_id": 2, "quantity": 1}]},
        format="json",
    )
    quote = response.json()
    assert response.status_code == 200, quote
    notes = {n["activity_id"]: n for n in quote["notes"]}
    assert notes[exclusive.pk]["applied"] and quote["discount_amount"] == "30.00"
    assert notes[spend.pk]["reason"] == "threshold_not_met"
    assert "spend 50.00 more" in notes[spend.pk]["message"]
    assert notes[other_shop.pk]["reason"] == "threshold_not_met"
