"""The group buy endpoints: storefront reads (masked names, share data, my groups), the back
office (activities by shop, group monitor), validation, ownership and permissions, query counts
of the lists."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from contexts.groupbuy.models import GroupBuyGroup
from contexts.groupbuy.tests.support import join, running_activity, start
from tests.support import client_for, error_code, make_user, ok, open_shop, real_address

pytestmark = pytest.mark.django_db


def _nickname(user, name: str) -> None:
    get_user_model().objects.filter(pk=user.pk).update(nickname=name)


def _groups(shop, buyers, count: int):
    activity = running_activity(shop["sku_id"], size=3, per_user_limit=5)
    groups = []
    for _ in range(count):
        groups.append(ok(start(buyers[0]["api"], activity.pk, buyers[0]["address_id"])))
        ok(join(buyers[1]["api"], groups[-1]["group_no"], buyers[1]["address_id"]))
    return activity, groups


def test_storefront_activity_and_open_groups_with_masked_names(
    shop, buyers, client, django_assert_max_num_queries
):
    _nickname(buyers[0]["user"], "张三")
    activity, _ = _groups(shop, buyers, 3)

    listed = ok(client.get(f"/api/v1/group-buys?spu_id={shop['spu_id']}"))["results"]
    assert [a["id"] for a in listed] == [activity.pk]
    assert listed[0]["group_price"] == "49.00" and listed[0]["price"] == "99.00"
    assert ok(client.get(f"/api/v1/group-buys/{activity.pk}"))["running"] is True
    assert client.get("/api/v1/group-buys/999999").status_code == 404
    assert error_code(client.get("/api/v1/group-buys?spu_id=x")) == "validation_error"

    with django_assert_max_num_queries(5):
        body = ok(client.get(f"/api/v1/group-buys/{activity.pk}/groups"))
    assert len(body["results"]) == 3
    first = body["results"][0]
    assert (first["size"], first["seats_left"]) == (3, 1)
    names = [m["name"] for m in first["members"]]
    assert names[0] == "张**" and names[1].endswith("***") and "@" not in str(body)
    assert [m["is_leader"] for m in first["members"]] == [True, False]


def test_share_data_and_my_groups(shop, buyers, client, django_assert_max_num_queries):
    activity, groups = _groups(shop, buyers, 2)
    group_no = groups[0]["group_no"]

    share = ok(client.get(f"/api/v1/group-buys/groups/{group_no}"))
    assert share["share_path"] == f"/group-buys/groups/{group_no}"
    assert (share["seats_left"], share["activity_name"]) == (1, activity.name)
    assert client.get("/api/v1/group-buys/groups/nope").status_code == 404

    with django_assert_max_num_queries(6):
        mine = ok(buyers[1]["api"].get("/api/v1/group-buys/mine"))
    assert mine["count"] == 2
    assert {g["group_no"] for g in mine["results"]} == {g["group_no"] for g in groups}
    assert all(g["my_status"] == "held" and g["order_no"] for g in mine["results"])
    assert len(mine["results"][0]["members"]) == 2
    assert ok(buyers[2]["api"].get("/api/v1/group-buys/mine"))["count"] == 0
    assert client.get("/api/v1/group-buys/mine").status_code == 401


def test_start_validation(shop, buyers):
    activity = running_activity(shop["sku_id"])
    api = buyers[0]["api"]
    assert error_code(api.post(f"/api/v1/group-buys/{activity.pk}/groups", {})) == (
        "validation_error"
    )
    bad = api.post(
        f"/api/v1/group-buys/{activity.pk}/groups",
        {"address_id": buyers[0]["address_id"], "extra": 1},
        format="json",
    )
    assert error_code(bad) == "validation_error"
    # Another buyer's address is not found, and nothing is written.
    assert start(api, activity.pk, buyers[1]["address_id"]).status_code == 404
    assert start(api, 999999, buyers[0]["address_id"]).status_code == 404


def _activity_body(sku: int, **extra) -> dict:
    now = timezone.now()
    return {
        "name": "Two for one",
        "sku_id": sku,
        "group_price": "59.00",
        "group_size": 2,
        "fill_seconds": 3600,
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=1)).isoformat(),
        **extra,
    }


def test_merchants_manage_their_own_shops_activities(
    admin_api, shop, buyers, django_assert_max_num_queries
):
    owner_api = client_for(shop["owner"])
    other = open_shop(admin_api, freight="6.00")
    other_api = client_for(other["owner"])

    created = ok(owner_api.post("/api/v1/admin/group-buys", _activity_body(shop["sku_id"])))
    assert (created["merchant_id"], created["auto_fill"]) == (shop["merchant_id"], False)
    refused = other_api.post("/api/v1/admin/group-buys", _activity_body(shop["sku_id"]))
    assert error_code(refused) == "not_your_merchant"
    assert other_api.get(f"/api/v1/admin/group-buys/{created['id']}").status_code == 404
    assert other_api.patch(
        f"/api/v1/admin/group-buys/{created['id']}", {"name": "x"}, format="json"
    ).status_code == (404)
    assert ok(other_api.get("/api/v1/admin/group-buys"))["count"] == 0
    with django_assert_max_num_queries(6):
        assert ok(owner_api.get("/api/v1/admin/group-buys"))["count"] == 1
    assert buyers[0]["api"].get("/api/v1/admin/group-buys").status_code == 403

    for bad, code in (
        ({"group_size": 1}, "validation_error"),
        ({"fill_seconds": 5}, "validation_error"),
        ({"group_price": "99.00"}, "group_price_not_lower"),
        ({"group_price": "-1"}, "validation_error"),
        ({"unknown": True}, "validation_error"),
        ({"sku_id": 99999999}, "sku_unavailable"),
    ):
        answer = owner_api.post(
            "/api/v1/admin/group-buys", _activity_body(shop["sku_id"], **bad), format="json"
        )
        assert error_code(answer) == code, bad

    disabled = ok(
        owner_api.patch(
            f"/api/v1/admin/group-buys/{created['id']}", {"status": "disabled"}, format="json"
        )
    )
    assert disabled["status"] == "disabled"
    assert error_code(start(buyers[0]["api"], created["id"], buyers[0]["address_id"])) == (
        "activity_not_open"
    )
    assert buyers[0]["api"].get(f"/api/v1/group-buys/{created['id']}").status_code == 404

    unused = ok(owner_api.post("/api/v1/admin/group-buys", _activity_body(shop["sku_id"])))
    assert other_api.delete(f"/api/v1/admin/group-buys/{unused['id']}").status_code == 404
    assert owner_api.delete(f"/api/v1/admin/group-buys/{unused['id']}").status_code == 204
    used = running_activity(shop["sku_id"])
    ok(start(buyers[1]["api"], used.pk, buyers[1]["address_id"]))
    assert error_code(admin_api.delete(f"/api/v1/admin/group-buys/{used.pk}")) == (
        "activity_has_groups"
    )


def test_group_monitor_by_shop_with_filters(admin_api, shop, buyers, django_assert_max_num_queries):
    _groups(shop, buyers, 3)
    other = open_shop(admin_api, freight="6.00")
    other_activity = running_activity(other["sku_id"])
    other_buyer = client_for(make_user())
    ok(start(other_buyer, other_activity.pk, real_address(other_buyer)))

    with django_assert_max_num_queries(6):
        everything = ok(admin_api.get("/api/v1/admin/group-buy-groups"))
    assert everything["count"] == 4
    owner_view = ok(client_for(shop["owner"]).get("/api/v1/admin/group-buy-groups?status=open"))
    assert owner_view["count"] == 3
    assert {g["merchant_id"] for g in owner_view["results"]} == {shop["merchant_id"]}
    assert len(owner_view["results"][0]["members"]) == 2
    assert ok(admin_api.get("/api/v1/admin/group-buy-groups?status=failed"))["count"] == 0
    filtered = admin_api.get(f"/api/v1/admin/group-buy-groups?activity_id={other_activity.pk}")
    assert ok(filtered)["count"] == 1
    assert error_code(admin_api.get("/api/v1/admin/group-buy-groups?status=x")) == (
        "validation_error"
    )
    assert buyers[0]["api"].get("/api/v1/admin/group-buy-groups").status_code == 403


@pytest.fixture
def superuser_client(client):
    user = make_user(is_staff=True)
    get_user_model().objects.filter(pk=user.pk).update(is_superuser=True)
    client.force_login(get_user_model().objects.get(pk=user.pk))
    return client


def test_admin_pages_and_a_refused_action_shows_no_success(shop, buyers, superuser_client):
    activity, groups = _groups(shop, buyers, 1)
    group = GroupBuyGroup.objects.get(group_no=groups[0]["group_no"])
    for url in (
        "/admin/groupbuy/groupbuyactivity/",
        f"/admin/groupbuy/groupbuyactivity/{activity.pk}/change/",
        "/admin/groupbuy/groupbuyactivity/add/",
        "/admin/groupbuy/groupbuygroup/",
        f"/admin/groupbuy/groupbuygroup/{group.pk}/change/",
        f"/admin/groupbuy/groupbuygroup/?q={groups[0]['order_no']}",
    ):
        assert superuser_client.get(url).status_code == 200, url

    response = superuser_client.post(
        "/admin/groupbuy/groupbuygroup/",
        {"action": "end_due", "_selected_action": [group.pk]},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("past its deadline" in m for m in messages), messages
    assert not any("group(s) ended" in m for m in messages), messages
    assert GroupBuyGroup.objects.get(pk=group.pk).status == "open"
