"""Fixtures for settlement's tests: orders and trades from a faked ordering api, shops, SKUs
and categories from a faked catalog api (unit tests of settlement's own rules; the payout
concurrency test uses the real payments context and its sandbox provider),
an in-memory tenancy and signed-in clients."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from contexts.catalog import api as catalog_api
from contexts.ordering import api as ordering_api
from shared.auth import InMemoryTenancy
from shared.ports import use_adapter
from tests.support import bearer_client, make_user

_numbers = itertools.count(1)

# Categories: 10 (Electronics) > 11 (Phones) > 12 (Android phones); 20 (Books).
LINEAGE = {10: (10,), 11: (10, 11), 12: (10, 11, 12), 20: (20,)}
# SKU -> category.
SKU_CATEGORY = {101: 12, 102: 11, 201: 20}


@dataclass
class Orders:
    """ordering.api over orders the test declares."""

    orders: dict[str, ordering_api.OrderInfo] = field(default_factory=dict)
    shares: dict[str, tuple[ordering_api.DiscountShare, ...]] = field(default_factory=dict)
    trades: dict[str, ordering_api.TradeInfo] = field(default_factory=dict)

    def add(
        self,
        *,
        merchant_id: int = 1,
        lines: list[tuple[int, str, str]],  # (sku_id, subtotal, pay_amount)
        freight: str = "0.00",
        shares: tuple[ordering_api.DiscountShare, ...] = (),
        trade_no: str | None = None,
        payment_no: str = "",
    ) -> ordering_api.OrderInfo:
        number = next(_numbers)
        now = timezone.now()
        order_lines = tuple(
            ordering_api.OrderLineInfo(
                sku_id=sku,
                spu_id=sku,
                title=f"SKU {sku}",
                spec="",
                unit_price=Decimal(subtotal),
                quantity=1,
                subtotal=Decimal(subtotal),
                discount_amount=Decimal(subtotal) - Decimal(pay),
                pay_amount=Decimal(pay),
            )
            for sku, subtotal, pay in lines
        )
        pay_amount = sum((x.pay_amount for x in order_lines), Decimal(freight))
        order = ordering_api.OrderInfo(
            order_no=f"O{number:06d}{uuid.uuid4().hex[:6]}",
            trade_no=trade_no or f"T{number:06d}{uuid.uuid4().hex[:6]}",
            buyer_id=7,
            merchant_id=merchant_id,
            status="completed",
            items_amount=sum((x.subtotal for x in order_lines), Decimal("0.00")),
            freight_amount=Decimal(freight),
            discount_amount=sum((x.discount_amount for x in order_lines), Decimal("0.00")),
            pay_amount=pay_amount,
            created_at=now,
            paid_at=now,
            lines=order_lines,
        )
        self.orders[order.order_no] = order
        self.shares[order.order_no] = shares
        trade = self.trades.get(order.trade_no)
        entry = ordering_api.TradeOrderInfo(
            order_no=order.order_no,
            merchant_id=merchant_id,
            status="completed",
            pay_amount=pay_amount,
        )
        self.trades[order.trade_no] = ordering_api.TradeInfo(
            trade_no=order.trade_no,
            buyer_id=7,
            status="paid",
            pay_amount=pay_amount + (trade.pay_amount if trade else Decimal("0")),
            payable_amount=Decimal("0.00"),
            paid_amount=pay_amount + (trade.pay_amount if trade else Decimal("0")),
            payment_ref=payment_no or (trade.payment_ref if trade else f"P{number:06d}"),
            payment_deadline=now + timedelta(minutes=30),
            created_at=now,
            paid_at=now,
            orders=(trade.orders if trade else ()) + (entry,),
        )
        return order

    def discounts(self, order_no: str) -> ordering_api.OrderDiscountsInfo | None:
        order = self.orders.get(order_no)
        if order is None:
            return None
        return ordering_api.OrderDiscountsInfo(
            order_no=order_no, merchant_id=order.merchant_id, shares=self.shares[order_no]
        )


@pytest.fixture
def orders(monkeypatch) -> Orders:
    fake = Orders()
    monkeypatch.setattr(ordering_api, "get_order", fake.orders.get)
    monkeypatch.setattr(ordering_api, "get_trade", fake.trades.get)
    monkeypatch.setattr(ordering_api, "get_order_discounts", fake.discounts)
    return fake


def merchant_info(merchant_id: int) -> catalog_api.MerchantInfo:
    return catalog_api.MerchantInfo(
        merchant_id=merchant_id,
        name=f"Shop {merchant_id}",
        is_active=True,
        owner_user_id=0,
        commission_rate=Decimal("0.0500"),
    )


def sku_info(sku_id: int) -> catalog_api.SkuInfo:
    return catalog_api.SkuInfo(
        sku_id=sku_id,
        spu_id=sku_id,
        merchant_id=1,
        category_id=SKU_CATEGORY[sku_id],
        brand_id=None,
        title=f"SKU {sku_id}",
        spec="",
        image_url="",
        price=Decimal("1.00"),
        weight_grams=1,
        purchasable=True,
    )


@pytest.fixture(autouse=True)
def catalog(monkeypatch):
    """Shops 1 to 9 at 5 % (catalog), SKUs 101/102 (phones), 201 (a book)."""
    known = set(range(1, 10))
    monkeypatch.setattr(
        catalog_api,
        "get_merchant",
        lambda *, merchant_id: merchant_info(merchant_id) if merchant_id in known else None,
    )
    monkeypatch.setattr(
        catalog_api,
        "merchant_names",
        lambda *, merchant_ids: {m: f"Shop {m}" for m in merchant_ids if m in known},
    )
    monkeypatch.setattr(
        catalog_api,
        "get_skus",
        lambda *, sku_ids: {s: sku_info(s) for s in sku_ids if s in SKU_CATEGORY},
    )
    monkeypatch.setattr(
        catalog_api,
        "categories_ancestor_ids",
        lambda *, category_ids: {c: LINEAGE[c] for c in category_ids if c in LINEAGE},
    )


@pytest.fixture(autouse=True)
def _settings(settings):
    # The sandbox provider pays out without keys (only its callbacks are signed).
    settings.PAYMENTS_PROVIDERS = ["sandbox"]
    settings.SETTLEMENT_AFTER_SALES_WINDOW_DAYS = 7
    settings.SETTLEMENT_DEFAULT_CYCLE = "weekly"
    settings.SETTLEMENT_PLATFORM_FUNDED_SOURCES = ["coupons", "points"]


@pytest.fixture
def tenancy() -> InMemoryTenancy:
    fake = InMemoryTenancy()
    with use_adapter("AUTH_TENANCY", fake):
        yield fake


@pytest.fixture
def staff_api(db, tenancy) -> APIClient:
    return bearer_client(make_user(is_staff=True))


@pytest.fixture
def merchant_api(db, tenancy) -> APIClient:
    """A client for a user who owns shop 1 only."""
    user = make_user()
    tenancy.owner_of[user.pk] = (1,)
    return bearer_client(user)
