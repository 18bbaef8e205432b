"""admin/freight-templates: CRUD for staff and merchant staff, one default per merchant."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.logistics.models import FreightRule, FreightTemplate
from contexts.logistics.tests.conftest import make_template
from tests.support import bearer_client, make_user

pytestmark = pytest.mark.django_db

LIST = "/api/v1/admin/freight-templates"


def detail(template_id: int) -> str:
    return f"{LIST}/{template_id}"


def payload(**overrides) -> dict:
    return {
        "merchant_id": 1,
        "name": "Standard",
        "charge_by": "piece",
        "first_unit": 1,
        "first_fee": "10.00",
        "additional_unit": 1,
        "additional_fee": "5.00",
        **overrides,
    }


def update_payload(**overrides) -> dict:
    """A full replacement (PUT): the template's merchant is fixed at creation."""
    body = payload(**overrides)
    del body["merchant_id"]
    return body


def code(response) -> str:
    return response.json()["error"]["code"]


def test_create_with_rules_and_read_back(staff_api):
    response = staff_api.post(
        LIST,
        payload(
            free_shipping_threshold="99.00",
            not_deliverable_provinces=["810000", "650000", "810000"],
            rules=[{"province_codes": ["540000"], "first_fee": "20.00", "additional_fee": "8.00"}],
        ),
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["not_deliverable_provinces"] == ["650000", "810000"]
    assert body["free_shipping_threshold"] == "99.00"
    assert body["rules"][0]["province_codes"] == ["540000"]
    assert body["is_default"] is False
    assert staff_api.get(detail(body["id"])).json() == body


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"charge_by": "volume"}, "charge_by"),
        ({"first_unit": 0}, "first_unit"),
        ({"first_fee": "-1.00"}, "first_fee"),
        ({"not_deliverable_provinces": ["11"]}, "not_deliverable_provinces"),
        (
            {
                "rules": [
                    {"province_codes": ["650000"], "first_fee": "1", "additional_fee": "1"},
                    {"province_codes": ["650000"], "first_fee": "2", "additional_fee": "2"},
                ]
            },
            "rules[1].province_codes",
        ),
    ],
)
def test_invalid_templates_are_refused(staff_api, changes, field):
    response = staff_api.post(LIST, payload(**changes))
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]["fields"]
    assert not FreightTemplate.objects.exists()


def test_setting_a_default_unsets_the_previous_one(staff_api):
    first = staff_api.post(LIST, payload(name="A", is_default=True)).json()
    second = staff_api.post(LIST, payload(name="B", is_default=True)).json()
    other_shop = staff_api.post(LIST, payload(merchant_id=2, is_default=True)).json()
    defaults = set(FreightTemplate.objects.filter(is_default=True).values_list("pk", flat=True))
    assert defaults == {second["id"], other_shop["id"]}

    staff_api.patch(detail(first["id"]), {"is_default": True})
    defaults = set(FreightTemplate.objects.filter(is_default=True).values_list("pk", flat=True))
    assert defaults == {first["id"], other_shop["id"]}

    staff_api.patch(detail(first["id"]), {"is_default": False})
    assert not FreightTemplate.objects.filter(merchant_id=1, is_default=True).exists()


def test_patch_changes_some_fields_and_replaces_rules_when_sent(staff_api):
    template = make_template(
        rules=[
            {
                "province_codes": ["650000"],
                "first_fee": Decimal("1"),
                "additional_fee": Decimal("1"),
            }
        ]
    )
    body = staff_api.patch(detail(template.pk), {"name": "Renamed", "first_fee": "3.00"}).json()
    assert (body["name"], body["first_fee"], len(body["rules"])) == ("Renamed", "3.00", 1)
    body = staff_api.patch(detail(template.pk), {"rules": []}).json()
    assert body["rules"] == [] and not FreightRule.objects.exists()
    bad = staff_api.patch(detail(template.pk), {"additional_unit": 0})
    assert bad.status_code == 400


def test_put_replaces_the_template(staff_api):
    template = make_template(is_default=True, free_shipping_threshold=Decimal("50"))
    replacement = payload(name="Whole", charge_by="weight")
    refused = staff_api.put(detail(template.pk), replacement)  # merchant_id is fixed at creation
    assert refused.status_code == 400
    assert list(refused.json()["error"]["details"]["fields"]) == ["merchant_id"]
    body = staff_api.put(detail(template.pk), update_payload(name="Whole", charge_by="weight"))
    body = body.json()
    assert body["name"] == "Whole" and body["charge_by"] == "weight"
    assert body["free_shipping_threshold"] is None and body["is_default"] is False


def test_delete(staff_api):
    template = make_template()
    assert staff_api.delete(detail(template.pk)).status_code == 204
    assert staff_api.delete(detail(template.pk)).status_code == 404


def test_the_default_template_is_not_deleted_until_another_is_default(staff_api):
    default = make_template(is_default=True)
    other = make_template(name="Express")
    refused = staff_api.delete(detail(default.pk))
    assert refused.status_code == 409 and code(refused) == "freight_template_is_default"
    assert FreightTemplate.objects.filter(pk=default.pk).exists()
    assert staff_api.patch(detail(other.pk), {"is_default": True}).status_code == 200
    assert staff_api.delete(detail(default.pk)).status_code == 204


# --- Permissions ----------------------------------------------------------------------------


def test_anonymous_is_401_and_a_plain_user_403(api_client, merchants):
    assert api_client.get(LIST).status_code == 401
    plain = bearer_client(make_user())
    assert plain.get(LIST).status_code == 403
    assert plain.post(LIST, payload()).status_code == 403


def test_merchant_staff_manage_their_own_shops_templates_only(merchant_api, staff_api):
    mine = make_template(merchant_id=1)
    theirs = make_template(merchant_id=2)

    listed = merchant_api.get(LIST).json()
    assert [row["id"] for row in listed["results"]] == [mine.pk]
    assert merchant_api.get(LIST, {"merchant_id": 2}).json()["results"] == []
    assert merchant_api.get(detail(mine.pk)).status_code == 200
    for response in (
        merchant_api.get(detail(theirs.pk)),
        merchant_api.patch(detail(theirs.pk), {"name": "Mine now"}),
        merchant_api.put(detail(theirs.pk), update_payload(name="Mine now")),
        merchant_api.delete(detail(theirs.pk)),
    ):
        assert response.status_code == 404, response.json()
        assert code(response) == "freight_template_not_found"
    created = merchant_api.post(LIST, payload(merchant_id=2))
    assert created.status_code == 403 and code(created) == "not_your_merchant"
    assert merchant_api.post(LIST, payload(merchant_id=1)).status_code == 201
    assert merchant_api.patch(detail(mine.pk), {"is_default": True}).status_code == 200
    assert FreightTemplate.objects.get(pk=theirs.pk).name == "Standard"

    # Platform staff see every shop's templates.
    assert staff_api.get(LIST).json()["count"] == 3
    assert staff_api.get(LIST, {"merchant_id": 2}).json()["count"] == 1


def test_list_query_is_validated(staff_api):
    assert staff_api.get(LIST, {"merchant_id": "x"}).status_code == 400


def test_admin_saves_through_the_default_rule(client, staff_api):
    first = make_template(is_default=True)
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/logistics/freighttemplate/").status_code == 200
    form = {
        "merchant_id": "1",
        "name": "From admin",
        "is_default": "on",
        "charge_by": "piece",
        "first_unit": "1",
        "first_fee": "3.00",
        "additional_unit": "1",
        "additional_fee": "1.00",
        "free_shipping_threshold": "",
        "not_deliverable_provinces": '["650000"]',
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "rules-0-province_codes": '["540000"]',
        "rules-0-first_fee": "9.00",
        "rules-0-additional_fee": "2.00",
    }
    response = client.post("/admin/logistics/freighttemplate/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    created = FreightTemplate.objects.get(name="From admin")
    assert created.is_default and not FreightTemplate.objects.get(pk=first.pk).is_default
    assert created.rules.get().province_codes == ["540000"]
    bad = client.post(
        "/admin/logistics/freighttemplate/add/",
        {**form, "name": "Bad", "not_deliverable_provinces": '["65"]'},
    )
    assert bad.status_code == 200 and not FreightTemplate.objects.filter(name="Bad").exists()


def test_admin_refuses_to_delete_the_default_template(client):
    from django.contrib.admin.models import LogEntry

    from shared.audit.models import AuditRecord

    default = make_template(is_default=True)
    other = make_template(name="Express")
    client.force_login(make_user(is_staff=True, is_superuser=True))
    url = f"/admin/logistics/freighttemplate/{default.pk}/delete/"
    refused = client.post(url, {"post": "yes"}, follow=True)
    assert [str(m) for m in refused.context["messages"]] == [
        "Not deleted: This is the shop's default template: make another template the default first."
    ]
    bulk = client.post(
        "/admin/logistics/freighttemplate/",
        {"action": "delete_selected", "_selected_action": [default.pk, other.pk], "post": "yes"},
    )
    assert bulk.status_code == 302
    assert list(FreightTemplate.objects.values_list("pk", flat=True)) == [default.pk]
    assert list(AuditRecord.objects.values_list("action", "object_id")) == [
        ("delete", str(other.pk))
    ]
    assert LogEntry.objects.count() == 1
