"""Django admin: every catalog model has pages, and product edits go through the services."""

from __future__ import annotations

import pytest
from django.test import Client

from contexts.catalog.models import Sku
from contexts.catalog.tests.support import events, make_product


@pytest.fixture
def admin_client_(cat):
    cat.staff_user.is_superuser = True
    cat.staff_user.save()
    client = Client()
    client.force_login(cat.staff_user)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "merchant",
        "category",
        "brand",
        "attribute",
        "spu",
        "sku",
        "pricehistory",
        "productcontentdocument",
        "reviewdocument",
    ],
)
def test_changelists_and_change_pages_load(cat, admin_client_, model):
    spu = make_product(cat)
    assert admin_client_.get(f"/admin/catalog/{model}/").status_code == 200
    obj_id = {
        "merchant": cat.shop.pk,
        "category": cat.men.pk,
        "brand": cat.brand.pk,
        "attribute": cat.colour.pk,
        "spu": spu.pk,
        "sku": Sku.objects.get(spu=spu).pk,
    }.get(model)
    if obj_id:
        assert admin_client_.get(f"/admin/catalog/{model}/{obj_id}/change/").status_code == 200


def test_a_category_is_added_in_the_tree_from_the_admin(cat, admin_client_):
    response = admin_client_.post(
        "/admin/catalog/category/add/",
        {
            "name": "Polo",
            "icon_url": "",
            "sort_order": 0,
            "is_active": "on",
            "parent": cat.men.pk,
            "attributes-TOTAL_FORMS": 0,
            "attributes-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content[:2000]
    from contexts.catalog.models import Category

    polo = Category.objects.get(name="Polo")
    assert polo.depth == 3 and polo.path.startswith(cat.men.path)


def test_sku_price_edit_in_the_admin_writes_history_and_an_event(cat, admin_client_):
    sku = Sku.objects.get(spu=make_product(cat))
    response = admin_client_.post(
        f"/admin/catalog/sku/{sku.pk}/change/",
        {
            "price": "12.50",
            "market_price": "",
            "cost_price": "",
            "barcode": "",
            "weight_grams": 0,
            "image_url": "",
            "status": "active",
            "values-TOTAL_FORMS": 2,
            "values-INITIAL_FORMS": 2,
            **{
                f"values-{n}-id": v
                for n, v in enumerate(sku.values.order_by("pk").values_list("pk", flat=True))
            },
            **{f"values-{n}-sku": sku.pk for n in range(2)},
        },
    )
    assert response.status_code == 302, response.content[:3000]
    sku.refresh_from_db()
    assert str(sku.price) == "12.50"
    assert events("catalog.price.changed.v1")[-1]["new_price"] == "12.50"
    assert sku.price_history.count() == 2


def test_publish_action(cat, admin_client_):
    spu = make_product(cat, publish=False)
    admin_client_.post("/admin/catalog/spu/", {"action": "publish", "_selected_action": [spu.pk]})
    spu.refresh_from_db()
    assert spu.status == "published"


def test_merchant_edit_in_the_admin_publishes_its_event(cat, admin_client_):
    response = admin_client_.post(
        f"/admin/catalog/merchant/{cat.shop.pk}/change/",
        {
            "name": "Shop A",
            "status": "suspended",
            "owner_user_id": cat.owner.pk,
            "commission_rate": "0.0600",
            "staff-TOTAL_FORMS": 0,
            "staff-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert events("catalog.merchant.updated.v1")[-1]["status"] == "suspended"
    bad_rate = admin_client_.post(
        f"/admin/catalog/merchant/{cat.shop.pk}/change/",
        {
            "name": "Shop A",
            "status": "active",
            "owner_user_id": cat.owner.pk,
            "commission_rate": "1.2000",
            "staff-TOTAL_FORMS": 0,
            "staff-INITIAL_FORMS": 0,
        },
    )
    assert bad_rate.status_code == 200  # the form shows the error
    cat.shop.refresh_from_db()
    assert cat.shop.status == "suspended"


def _sku_form(sku, **changes):
    return {
        "price": str(sku.price),
        "market_price": "",
        "cost_price": "",
        "barcode": "",
        "weight_grams": 0,
        "image_url": "",
        "status": "active",
        "values-TOTAL_FORMS": 2,
        "values-INITIAL_FORMS": 2,
        **{
            f"values-{n}-id": v
            for n, v in enumerate(sku.values.order_by("pk").values_list("pk", flat=True))
        },
        **{f"values-{n}-sku": sku.pk for n in range(2)},
        **changes,
    }


def test_a_refused_admin_edit_is_a_form_error_with_no_banner_log_or_audit(cat, admin_client_):
    from django.contrib.admin.models import LogEntry

    from shared.audit.models import AuditRecord

    sku = Sku.objects.get(spu=make_product(cat))  # the only SKU of a published product
    response = admin_client_.post(
        f"/admin/catalog/sku/{sku.pk}/change/", _sku_form(sku, status="inactive"), follow=True
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "A published product needs at least one active SKU with a price above zero: "
        "unpublish it first."
    ]
    assert [m.level_tag for m in response.context["messages"]] == []
    assert not LogEntry.objects.exists()
    assert not AuditRecord.objects.exists()
    sku.refresh_from_db()
    assert sku.status == "active"


def test_an_admin_edit_is_logged_and_audited_with_before_and_after(cat, admin_client_):
    from django.contrib.admin.models import CHANGE, LogEntry

    from shared.audit.models import AuditRecord

    sku = Sku.objects.get(spu=make_product(cat))
    response = admin_client_.post(
        f"/admin/catalog/sku/{sku.pk}/change/",
        _sku_form(sku, price="12.50"),
        HTTP_X_REQUEST_ID="req-audit-1",
    )
    assert response.status_code == 302
    assert LogEntry.objects.get().action_flag == CHANGE
    record = AuditRecord.objects.get()
    assert (record.actor_user_id, record.action, record.model) == (
        cat.staff_user.pk,
        "change",
        "sku",
    )
    assert (record.object_id, record.request_id) == (str(sku.pk), "req-audit-1")
    assert (record.before["price"], record.after["price"]) == ("10.00", "12.50")


def test_a_refused_admin_action_shows_only_the_error(cat, admin_client_):
    from shared.audit.models import AuditRecord

    without_skus = make_product(cat, skus=[], publish=False)
    response = admin_client_.post(
        "/admin/catalog/spu/",
        {"action": "publish", "_selected_action": [without_skus.pk]},
        follow=True,
    )
    levels = [m.level_tag for m in response.context["messages"]]
    assert levels == ["error"]
    assert not AuditRecord.objects.exists()


def test_a_merchant_added_in_the_admin_goes_through_the_service(cat, admin_client_):
    from contexts.catalog.models import Merchant

    form = {
        "name": "Shop C",
        "status": "active",
        "commission_rate": "0.0500",
        "staff-TOTAL_FORMS": 1,
        "staff-INITIAL_FORMS": 0,
        "staff-0-user_id": cat.owner.pk,
    }
    unknown_owner = admin_client_.post(
        "/admin/catalog/merchant/add/", {**form, "owner_user_id": 999999}
    )
    assert unknown_owner.status_code == 200
    assert unknown_owner.context["adminform"].form.errors["owner_user_id"] == [
        "No user has this id."
    ]
    assert not Merchant.objects.filter(name="Shop C").exists()

    created = admin_client_.post(
        "/admin/catalog/merchant/add/", {**form, "owner_user_id": cat.owner.pk}
    )
    assert created.status_code == 302
    shop = Merchant.objects.get(name="Shop C")
    assert list(shop.staff.values_list("user_id", flat=True)) == [cat.owner.pk]
    assert events("catalog.merchant.updated.v1")[-1]["name"] == "Shop C"


def test_a_constraint_error_in_the_admin_reads_as_a_sentence(cat, admin_client_):
    sku = Sku.objects.get(spu=make_product(cat))
    response = admin_client_.post(
        f"/admin/catalog/sku/{sku.pk}/change/", _sku_form(sku, price="-1")
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == ["A price cannot be negative."]


def test_admin_lists_show_names_for_other_contexts_ids(cat, admin_client_):
    page = admin_client_.get("/admin/catalog/merchant/").content.decode()
    assert f"{cat.owner.email} (#{cat.owner.pk})" in page
    found = admin_client_.get("/admin/catalog/merchant/", {"q": str(cat.owner.pk)})
    assert [m.pk for m in found.context["cl"].result_list] == [cat.shop.pk]
