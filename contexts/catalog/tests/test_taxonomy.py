"""Category tree, brands, attributes and values (staff-only admin API; storefront reads)."""

from __future__ import annotations

from contexts.catalog.models import Category, Sku
from contexts.catalog.tests.support import error_code, make_product

CATEGORIES = "/api/v1/admin/categories"


def _names(nodes):
    return [(n["name"], _names(n["children"])) for n in nodes]


def test_storefront_tree_is_nested_ordered_and_hides_inactive(cat, anon_api, staff_api):
    response = anon_api.get("/api/v1/categories")
    assert response.status_code == 200
    assert _names(response.json()) == [
        ("Electronics", []),
        ("Apparel", [("Women", []), ("Men", [("T-Shirts", [])])]),
    ]
    staff_api.patch(f"{CATEGORIES}/{cat.men.pk}", {"is_active": False})
    assert _names(anon_api.get("/api/v1/categories").json())[1] == ("Apparel", [("Women", [])])
    # Staff still see the whole tree.
    assert len(staff_api.get(CATEGORIES).json()[1]["children"]) == 2


def test_categories_of_any_depth_are_created_and_moved(cat, staff_api):
    parent_id = cat.tshirts.pk
    for depth in range(4, 7):
        created = staff_api.post(
            CATEGORIES, {"name": f"Level {depth}", "parent_id": parent_id, "icon_url": "i.png"}
        )
        assert created.status_code == 201, created.json()
        assert created.json()["depth"] == depth
        assert created.json()["parent_id"] == parent_id
        parent_id = created.json()["id"]

    moved = staff_api.patch(f"{CATEGORIES}/{cat.men.pk}", {"parent_id": cat.electronics.pk})
    assert moved.status_code == 200
    assert moved.json()["parent_id"] == cat.electronics.pk
    deepest = Category.objects.get(pk=parent_id)
    assert deepest.depth == 6 and deepest.path.startswith(
        Category.objects.get(pk=cat.electronics.pk).path
    )

    to_root = staff_api.patch(f"{CATEGORIES}/{cat.men.pk}", {"parent_id": None})
    assert to_root.json()["parent_id"] is None and to_root.json()["depth"] == 1

    cycle = staff_api.patch(f"{CATEGORIES}/{cat.men.pk}", {"parent_id": cat.tshirts.pk})
    assert cycle.status_code == 422
    assert error_code(cycle) == "category_cycle"


def test_category_delete_rules(cat, staff_api):
    assert error_code(staff_api.delete(f"{CATEGORIES}/{cat.men.pk}")) == "category_has_children"
    make_product(cat, category=cat.women, publish=False)
    assert error_code(staff_api.delete(f"{CATEGORIES}/{cat.women.pk}")) == "category_in_use"
    assert staff_api.delete(f"{CATEGORIES}/{cat.tshirts.pk}").status_code == 204
    assert staff_api.get(f"{CATEGORIES}/{cat.tshirts.pk}").status_code == 404


def test_category_attributes_are_set_inherited_and_protected(cat, staff_api):
    url = f"{CATEGORIES}/{cat.apparel.pk}/attributes"
    assert [a["code"] for a in staff_api.get(url).json()] == ["colour", "size", "material"]
    # T-Shirts has no link of its own but inherits Apparel's: a SKU there needs colour + size.
    assert staff_api.get(f"{CATEGORIES}/{cat.tshirts.pk}/attributes").json() == []
    make_product(cat, skus=[(("red", "S"), "10.00")], publish=False)

    in_use = staff_api.put(url, {"attribute_ids": [cat.colour.pk, cat.material.pk]})
    assert in_use.status_code == 409
    assert error_code(in_use) == "attribute_in_use"

    reordered = staff_api.put(url, {"attribute_ids": [cat.size.pk, cat.colour.pk, cat.material.pk]})
    assert [a["code"] for a in reordered.json()] == ["size", "colour", "material"]
    unknown = staff_api.put(url, {"attribute_ids": [999999]})
    assert unknown.status_code == 400
    assert error_code(unknown) == "unknown_attribute"


def test_taxonomy_admin_is_staff_only(cat, owner_api, anon_api):
    for path in (CATEGORIES, "/api/v1/admin/brands", "/api/v1/admin/attributes"):
        assert owner_api.get(path).status_code == 403
        assert anon_api.get(path).status_code == 401
    assert owner_api.post("/api/v1/admin/brands", {"name": "Mine"}).status_code == 403


def test_brands_crud_and_storefront_list(cat, staff_api, anon_api):
    created = staff_api.post("/api/v1/admin/brands", {"name": "Zeta", "sort_order": -1})
    assert created.status_code == 201
    brand_id = created.json()["id"]
    assert error_code(staff_api.post("/api/v1/admin/brands", {"name": "Zeta"})) == (
        "brand_name_taken"
    )
    staff_api.patch(f"/api/v1/admin/brands/{cat.other_brand.pk}", {"is_active": False})
    assert [b["name"] for b in anon_api.get("/api/v1/brands").json()] == ["Zeta", "Acme"]

    make_product(cat, brand=cat.brand, publish=False)
    assert error_code(staff_api.delete(f"/api/v1/admin/brands/{cat.brand.pk}")) == "brand_in_use"
    assert staff_api.delete(f"/api/v1/admin/brands/{brand_id}").status_code == 204


def test_attributes_and_values_crud(cat, staff_api):
    created = staff_api.post(
        "/api/v1/admin/attributes", {"name": "Fit", "code": "fit", "kind": "descriptive"}
    )
    assert created.status_code == 201
    attribute_id = created.json()["id"]
    value = staff_api.post(f"/api/v1/admin/attributes/{attribute_id}/values", {"value": "Slim"})
    assert value.status_code == 201
    duplicate = staff_api.post(f"/api/v1/admin/attributes/{attribute_id}/values", {"value": "Slim"})
    assert error_code(duplicate) == "attribute_value_taken"
    assert (
        staff_api.get(f"/api/v1/admin/attributes/{attribute_id}").json()["values"][0]["value"]
        == "Slim"
    )
    sales_only = staff_api.get("/api/v1/admin/attributes", {"kind": "sales"}).json()
    assert [a["code"] for a in sales_only] == ["colour", "size"]

    value_id = value.json()["id"]
    assert staff_api.delete(f"/api/v1/admin/attribute-values/{value_id}").status_code == 204
    assert staff_api.delete(f"/api/v1/admin/attributes/{attribute_id}").status_code == 204
    assert error_code(staff_api.delete(f"/api/v1/admin/attributes/{cat.colour.pk}")) == (
        "attribute_in_use"
    )
    kind = staff_api.patch(f"/api/v1/admin/attributes/{cat.colour.pk}", {"kind": "descriptive"})
    assert error_code(kind) == "attribute_in_use"


def test_renaming_an_attribute_or_value_rewrites_sku_specs(cat, staff_api):
    make_product(cat, skus=[(("red", "S"), "10.00")], publish=False)
    in_use = staff_api.delete(f"/api/v1/admin/attribute-values/{cat.values['red'].pk}")
    assert error_code(in_use) == "attribute_value_in_use"

    staff_api.patch(f"/api/v1/admin/attribute-values/{cat.values['red'].pk}", {"value": "Crimson"})
    staff_api.patch(f"/api/v1/admin/attributes/{cat.size.pk}", {"name": "Fit size"})
    assert Sku.objects.get().spec == "Colour: Crimson / Fit size: S"


def test_sales_attributes_of_a_category_with_skus_are_locked(cat, staff_api):
    make_product(cat, skus=[(("red", "S"), "10.00")], publish=False)
    fit = staff_api.post(
        "/api/v1/admin/attributes", {"name": "Fit", "code": "fit", "kind": "sales"}
    ).json()["id"]
    # A new sales attribute would leave the existing SKUs without a value for it.
    added = staff_api.put(
        f"{CATEGORIES}/{cat.men.pk}/attributes", {"attribute_ids": [fit]}, format="json"
    )
    assert added.status_code == 409
    assert error_code(added) == "sales_attributes_locked"
    # Moving T-Shirts under Electronics would change its inherited sales attributes.
    moved = staff_api.patch(f"{CATEGORIES}/{cat.tshirts.pk}", {"parent_id": cat.electronics.pk})
    assert error_code(moved) == "sales_attributes_locked"
    to_root = staff_api.patch(f"{CATEGORIES}/{cat.tshirts.pk}", {"parent_id": None})
    assert error_code(to_root) == "sales_attributes_locked"
    # Within Apparel the inherited attributes stay the same: fine.
    ok = staff_api.patch(f"{CATEGORIES}/{cat.tshirts.pk}", {"parent_id": cat.women.pk})
    assert ok.status_code == 200
    # Electronics has no SKUs: it may get a new sales attribute.
    assert (
        staff_api.put(
            f"{CATEGORIES}/{cat.electronics.pk}/attributes",
            {"attribute_ids": [cat.colour.pk, fit]},
            format="json",
        ).status_code
        == 200
    )
