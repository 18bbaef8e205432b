"""In-memory stand-ins for the contexts ordering calls (catalog, inventory, cart, logistics,
identity), installed by monkeypatching their `api` functions. They build the real api
dataclasses, so ordering reads exactly the shapes it gets in production.

The inventory fake keeps the contract's rules (all or nothing, idempotent per order ref,
out_of_stock details) and is thread-safe, but it is not transactional: a reservation made in a
transaction that later rolls back stays in the fake.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from contexts.cart import api as cart_api
from contexts.catalog import api as catalog_api
from contexts.identity import api as identity_api
from contexts.inventory import api as inventory_api
from contexts.logistics import api as logistics_api
from shared.errors import BusinessRuleViolation, NotFound


class FakeCatalog:
    def __init__(self) -> None:
        self.skus: dict[int, catalog_api.SkuInfo] = {}
        self.managers: dict[int, tuple[int, ...]] = {}
        self.calls = 0

    def add_sku(
        self,
        sku_id: int,
        *,
        merchant_id: int,
        price: str = "10.00",
        weight_grams: int = 500,
        purchasable: bool = True,
        title: str | None = None,
        spec: str = "Colour: Red / Size: M",
    ) -> catalog_api.SkuInfo:
        info = catalog_api.SkuInfo(
            sku_id=sku_id,
            spu_id=sku_id * 10,
            merchant_id=merchant_id,
            category_id=1,
            brand_id=None,
            title=title or f"Product {sku_id}",
            spec=spec,
            image_url=f"https://img.example.com/sku/{sku_id}.jpg",
            price=Decimal(price),
            weight_grams=weight_grams,
            purchasable=purchasable,
        )
        self.skus[sku_id] = info
        return info

    def get_merchant(self, *, merchant_id: int) -> catalog_api.MerchantInfo | None:
        """A shop exists when it sells one of the declared SKUs."""
        if all(sku.merchant_id != merchant_id for sku in self.skus.values()):
            return None
        return catalog_api.MerchantInfo(
            merchant_id=merchant_id,
            name=f"Shop {merchant_id}",
            is_active=True,
            owner_user_id=0,
            commission_rate=Decimal("0"),
        )

    def get_skus(self, *, sku_ids: Iterable[int]) -> dict[int, catalog_api.SkuInfo]:
        self.calls += 1
        return {i: self.skus[i] for i in sku_ids if i in self.skus}


@dataclass
class _Held:
    lines: dict[int, int]
    state: str = "held"  # held -> released | committed


class FakeInventory:
    def __init__(self) -> None:
        self.on_hand: dict[int, int] = {}
        self.reservations: dict[str, _Held] = {}
        self.reserve_calls: list[tuple[inventory_api.ReservationRequest, ...]] = []
        self.ttls: list[int | None] = []
        self.released: list[tuple[str, str]] = []
        self.committed: list[str] = []
        self._lock = threading.Lock()

    def stock(self, sku_id: int, quantity: int) -> None:
        self.on_hand[sku_id] = quantity

    def reserved(self, sku_id: int) -> int:
        return sum(
            held.lines.get(sku_id, 0) for held in self.reservations.values() if held.state == "held"
        )

    def available(self, sku_id: int) -> int:
        return max(self.on_hand.get(sku_id, 0) - self.reserved(sku_id), 0)

    def availability(self, *, sku_ids: Iterable[int]) -> dict[int, inventory_api.SkuAvailability]:
        with self._lock:
            return {
                i: inventory_api.SkuAvailability(
                    sku_id=i,
                    on_hand=self.on_hand.get(i, 0),
                    reserved=self.reserved(i),
                    available=self.available(i),
                )
                for i in sku_ids
            }

    def reserve(
        self,
        *,
        requests: Sequence[inventory_api.ReservationRequest],
        region_code: str = "",
        ttl_seconds: int | None = None,
        renew_released: bool = False,
    ) -> tuple[inventory_api.Reservation, ...]:
        with self._lock:
            self.reserve_calls.append(tuple(requests))
            self.ttls.append(ttl_seconds)
            wanted: dict[int, int] = {}
            for request in requests:
                held = self.reservations.get(request.order_ref)
                if held is not None and not (renew_released and held.state == "released"):
                    continue
                for line in request.lines:
                    wanted[line.sku_id] = wanted.get(line.sku_id, 0) + line.quantity
            short = [
                {"sku_id": s, "requested": q, "available": self.available(s)}
                for s, q in sorted(wanted.items())
                if q > self.available(s)
            ]
            if short:
                raise BusinessRuleViolation(
                    "Not enough stock.", code="out_of_stock", details={"skus": short}
                )
            expires_at = timezone.now() + timedelta(seconds=ttl_seconds or 2100)
            result = []
            for request in requests:
                held = self.reservations.get(request.order_ref)
                if held is None or (renew_released and held.state == "released"):
                    held = _Held({line.sku_id: line.quantity for line in request.lines})
                    self.reservations[request.order_ref] = held
                result.append(
                    inventory_api.Reservation(
                        order_ref=request.order_ref,
                        lines=tuple(
                            inventory_api.ReservedLine(sku_id=s, warehouse_id=1, quantity=q)
                            for s, q in held.lines.items()
                        ),
                        expires_at=expires_at,
                    )
                )
            return tuple(result)

    def release(self, *, order_refs: Sequence[str], reason: str = "") -> None:
        with self._lock:
            for order_ref in order_refs:
                self.released.append((order_ref, reason))
                held = self.reservations.get(order_ref)
                if held is not None and held.state == "held":
                    held.state = "released"

    def commit(self, *, order_refs: Sequence[str]) -> tuple[inventory_api.CommitResult, ...]:
        with self._lock:
            return tuple(self._commit(order_ref) for order_ref in sorted(set(order_refs)))

    def _commit(self, order_ref: str) -> inventory_api.CommitResult:
        self.committed.append(order_ref)
        held = self.reservations.get(order_ref)
        if held is not None and held.state == "held":
            held.state = "committed"
            for sku_id, quantity in held.lines.items():
                self.on_hand[sku_id] -= quantity
        state = held.state if held is not None else None
        return inventory_api.CommitResult(
            order_ref=order_ref,
            committed=tuple(
                inventory_api.ReservedLine(sku_id=s, warehouse_id=1, quantity=q)
                for s, q in (held.lines.items() if state == "committed" else ())
            ),
            missing_sku_ids=tuple(sorted(held.lines)) if state == "released" else (),
        )


class FakeCart:
    """The selected lines ordering reads, and takes at placement (not transactional: see
    test_cart_events for the real cart)."""

    def __init__(self) -> None:
        self.items: dict[int, list[cart_api.CartItem]] = {}

    def add(self, user_id: int, sku_id: int, quantity: int = 1, *, selected: bool = True) -> None:
        self.items.setdefault(user_id, []).append(
            cart_api.CartItem(
                sku_id=sku_id,
                quantity=quantity,
                selected=selected,
                price_when_added=Decimal("1.00"),
            )
        )

    def selected_items(self, *, user_id: int) -> tuple[cart_api.CartItem, ...]:
        return tuple(item for item in self.items.get(user_id, []) if item.selected)

    def take_selected_items(self, *, user_id: int) -> tuple[cart_api.CartItem, ...]:
        taken = self.selected_items(user_id=user_id)
        self.items[user_id] = [item for item in self.items.get(user_id, []) if not item.selected]
        return taken

    def remove_items(self, *, user_id: int, sku_ids: tuple[int, ...]) -> None:
        raise AssertionError("ordering takes the cart's lines with take_selected_items")


class FakeLogistics:
    """Flat freight per merchant (default 0); (merchant, province) pairs can be undeliverable."""

    def __init__(self) -> None:
        self.freight: dict[int, Decimal] = {}
        self.undeliverable: set[tuple[int, str]] = set()
        self.quoted: list[tuple[int, str, tuple[logistics_api.FreightItem, ...]]] = []

    def quote_freight(
        self, *, merchant_id: int, province_code: str, items: Sequence[logistics_api.FreightItem]
    ) -> logistics_api.FreightQuote:
        self.quoted.append((merchant_id, province_code, tuple(items)))
        if (merchant_id, province_code) in self.undeliverable:
            return logistics_api.FreightQuote(
                merchant_id=merchant_id,
                amount=Decimal("0.00"),
                deliverable=False,
                template_id=1,
                reason="not_deliverable",
            )
        return logistics_api.FreightQuote(
            merchant_id=merchant_id,
            amount=self.freight.get(merchant_id, Decimal("0.00")),
            deliverable=True,
            template_id=1 if merchant_id in self.freight else None,
            reason="" if merchant_id in self.freight else "no_template",
        )


class FakeIdentity:
    def __init__(self) -> None:
        self.addresses: dict[int, identity_api.AddressInfo] = {}
        self._ids = itertools.count(1000)

    def add_address(self, user_id: int, *, province_code: str = "110000") -> int:
        address_id = next(self._ids)
        self.addresses[address_id] = identity_api.AddressInfo(
            id=address_id,
            user_id=user_id,
            receiver_name="Li Lei",
            receiver_phone="13800138000",
            province_code=province_code,
            city_code=province_code[:4] + "00",
            district_code=province_code[:4] + "05",
            detail="No. 1 Jianguo Road",
            postal_code="100020",
            tag="home",
            is_default=True,
        )
        return address_id

    def get_address(self, user_id: int, address_id: int) -> identity_api.AddressInfo:
        address = self.addresses.get(address_id)
        if address is None or address.user_id != user_id:
            raise NotFound("Address not found.")
        return address


@dataclass
class FakeWorld:
    catalog: FakeCatalog = field(default_factory=FakeCatalog)
    inventory: FakeInventory = field(default_factory=FakeInventory)
    cart: FakeCart = field(default_factory=FakeCart)
    logistics: FakeLogistics = field(default_factory=FakeLogistics)
    identity: FakeIdentity = field(default_factory=FakeIdentity)

    def install(self, monkeypatch, *, real: Iterable[str] = ()) -> FakeWorld:
        """Point every api function ordering calls at these fakes (undone after the test),
        except those of the contexts named in `real` (e.g. "inventory")."""
        patches = {
            "catalog": (catalog_api, self.catalog, ("get_skus", "get_merchant")),
            "inventory": (
                inventory_api,
                self.inventory,
                ("availability", "reserve", "release", "commit"),
            ),
            "cart": (
                cart_api,
                self.cart,
                ("selected_items", "take_selected_items", "remove_items"),
            ),
            "logistics": (logistics_api, self.logistics, ("quote_freight",)),
            "identity": (identity_api, self.identity, ("get_address",)),
        }
        for context, (module, fake, names) in patches.items():
            if context in real:
                continue
            for name in names:
                monkeypatch.setattr(module, name, getattr(fake, name))
        return self

    def sku(self, sku_id: int, *, merchant_id: int, price: str = "10.00", stock: int = 100):
        """A purchasable SKU with stock."""
        info = self.catalog.add_sku(sku_id, merchant_id=merchant_id, price=price)
        self.inventory.stock(sku_id, stock)
        return info
