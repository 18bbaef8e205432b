"""Fixtures for the cart's tests: fakes of catalog's and inventory's public api (the cart only
talks to them through `get_skus` and `availability`), accounts and API clients.

The fakes replace the api module attributes, which is what the cart calls at run time
(`catalog_api.get_skus(...)`), so threads started by a test see them too.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from contexts.cart.tests.support import client_for, make_user
from contexts.catalog import api as catalog_api
from contexts.inventory import api as inventory_api


class FakeCatalog:
    """catalog_api.get_skus over SKUs the test declares."""

    def __init__(self) -> None:
        self.skus: dict[int, catalog_api.SkuInfo] = {}
        self.get_skus_calls = 0

    def add_sku(
        self,
        sku_id: int,
        *,
        merchant_id: int = 1,
        price: str | Decimal = "10.00",
        purchasable: bool = True,
        weight_grams: int = 500,
    ) -> catalog_api.SkuInfo:
        sku = catalog_api.SkuInfo(
            sku_id=sku_id,
            spu_id=sku_id * 10,
            merchant_id=merchant_id,
            category_id=1,
            brand_id=None,
            title=f"Product {sku_id}",
            spec="Colour: Red",
            image_url=f"https://img.example.com/{sku_id}.jpg",
            price=Decimal(price),
            weight_grams=weight_grams,
            purchasable=purchasable,
        )
        self.skus[sku_id] = sku
        return sku

    def update_sku(self, sku_id: int, **changes) -> None:
        if "price" in changes:
            changes["price"] = Decimal(changes["price"])
        self.skus[sku_id] = dataclasses.replace(self.skus[sku_id], **changes)

    def remove_sku(self, sku_id: int) -> None:
        del self.skus[sku_id]

    def get_skus(self, *, sku_ids) -> dict[int, catalog_api.SkuInfo]:
        self.get_skus_calls += 1
        return {i: self.skus[i] for i in set(sku_ids) if i in self.skus}


class FakeInventory:
    """inventory_api.availability over stock levels the test declares (unknown SKU: zero)."""

    def __init__(self) -> None:
        self.stock: dict[int, int] = {}
        self.calls = 0

    def availability(self, *, sku_ids) -> dict[int, inventory_api.SkuAvailability]:
        self.calls += 1
        return {
            i: inventory_api.SkuAvailability(
                sku_id=i, on_hand=self.stock.get(i, 0), reserved=0, available=self.stock.get(i, 0)
            )
            for i in set(sku_ids)
        }


@pytest.fixture
def catalog(monkeypatch) -> FakeCatalog:
    fake = FakeCatalog()
    monkeypatch.setattr(catalog_api, "get_skus", fake.get_skus)
    return fake


@pytest.fixture
def inventory(monkeypatch) -> FakeInventory:
    fake = FakeInventory()
    monkeypatch.setattr(inventory_api, "availability", fake.availability)
    return fake


@pytest.fixture
def shop(catalog, inventory):
    """Declare a SKU in the fake catalog with stock: `shop(7, price="5.00", stock=3)`."""

    def declare(sku_id: int, *, stock: int = 100, **sku) -> catalog_api.SkuInfo:
        inventory.stock[sku_id] = stock
        return catalog.add_sku(sku_id, **sku)

    return declare


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db):
    return make_user()


@pytest.fixture
def user_api(user) -> APIClient:
    return client_for(user)
