"""Load demo data for every context, idempotently: run it twice and nothing is duplicated.

`--products 35000 --skus-per-product 3` loads about 100,000 SKUs with stock (bulk inserts, with
progress bars) for the benchmark.
"""

from django.core.management.base import BaseCommand

from contexts.aftersales.demo import demo_aftersales_create
from contexts.catalog.demo import demo_catalog_create
from contexts.coupons.demo import demo_coupons_create
from contexts.flashsale.demo import demo_flash_sales_create
from contexts.groupbuy.demo import demo_group_buys_create
from contexts.identity import api as identity_api
from contexts.identity.demo import demo_merchant_users_create, demo_users_create
from contexts.inventory.demo import demo_stock_create
from contexts.inventory.services import catalog_stock_resync
from contexts.logistics.demo import demo_freight_templates_create
from contexts.loyalty.demo import demo_points_create
from contexts.ordering.services import (
    CheckoutItem,
    order_confirm_receipt,
    order_place,
    order_ship,
)
from contexts.payments.services import payment_create, sandbox_pay
from contexts.promotions.demo import demo_activities_create
from contexts.recommendation.demo import demo_recommendations_build
from contexts.search.demo import demo_search_index_build
from contexts.settlement.demo import demo_settlement_create
from contexts.subscription.demo import demo_memberships_create
from shared.auth import SYSTEM, principal_from
from shared.events.relay import relay_once

DEMO_MERCHANTS = 3


def _sandbox_pay(buyer_id: int, trade_no: str) -> None:
    """Pay a demo buyer's trade through the sandbox provider, as the buyer would."""
    buyer = principal_from(user_id=buyer_id)
    payment = payment_create(
        principal=buyer,
        trade_no=trade_no,
        provider="sandbox",
        channel="page",
        idempotency_key=f"demo-{trade_no}",
    )
    sandbox_pay(principal=buyer, payment_no=payment.payment.payment_no)


def _delivered_order(buyer_id: int, sku_id: int, quantity: int) -> str | None:
    """A demo buyer's order of one SKU, paid (sandbox), shipped and received; its number, or
    None when the buyer has no address."""
    address = identity_api.get_default_address(user_id=buyer_id)
    if address is None:
        return None
    placed = order_place(
        buyer_id=buyer_id,
        address_id=address.id,
        items=[CheckoutItem(sku_id=sku_id, quantity=quantity)],
    )
    _sandbox_pay(buyer_id, placed.trade.trade_no)
    for _ in range(10):  # payments' success marks the order paid (through the outbox)
        if not relay_once():
            break
    (order,) = placed.orders
    order_ship(
        order_no=order.order_no,
        actor_id=None,  # the system ships the demo parcel
        carrier_code="sandbox",
        tracking_number=f"DEMO{order.order_no[-12:]}",
        principal=SYSTEM,
    )
    order_confirm_receipt(order_no=order.order_no, buyer_id=buyer_id)
    return order.order_no


class Command(BaseCommand):
    help = (
        "Load demo data: users, shops, a catalog with SKUs, stock, freight templates, promotions, "
        "coupons, points, flash sales, group buys, after-sales requests and a ticket, "
        "settlement profiles, membership plans "
        "(buyer2 is a member) and the search index."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=5, help="number of demo buyers")
        parser.add_argument("--products", type=int, default=24, help="number of products (SPUs)")
        parser.add_argument("--skus-per-product", type=int, default=3)
        parser.add_argument(
            "--stock", type=int, default=None, help="units per SKU (default: random 20-200)"
        )

    def handle(self, *args, users=5, products=24, skus_per_product=3, stock=None, **options):
        progress = options.get("verbosity", 1) > 0
        buyer_ids = demo_users_create(count=users)
        owner_ids = demo_merchant_users_create(count=DEMO_MERCHANTS)
        skus_by_merchant = demo_catalog_create(
            products=products,
            skus_per_product=skus_per_product,
            progress=progress,
            owner_user_ids=owner_ids,
        )
        quantity_range = (stock, stock) if stock is not None else (20, 200)
        stock_rows = demo_stock_create(
            sku_ids_by_merchant=skus_by_merchant, quantity_range=quantity_range, progress=progress
        )
        # Demo rows are bulk-inserted without events: copy availability into the catalog once.
        catalog_stock_resync(progress=progress)
        demo_freight_templates_create(merchant_ids=sorted(skus_by_merchant))
        activities = demo_activities_create(sku_ids_by_merchant=skus_by_merchant)
        demo_points_create(user_ids=buyer_ids)
        demo_coupons_create(merchant_ids=sorted(skus_by_merchant), buyer_ids=buyer_ids)
        flash_sessions = demo_flash_sales_create(sku_ids_by_merchant=skus_by_merchant)
        groups = demo_group_buys_create(
            sku_ids_by_merchant=skus_by_merchant, buyer_ids=buyer_ids, pay=_sandbox_pay
        )
        demo_settlement_create(sku_ids_by_merchant=skus_by_merchant)
        requests = demo_aftersales_create(
            sku_ids_by_merchant=skus_by_merchant,
            buyer_ids=buyer_ids,
            delivered_order=_delivered_order,
        )
        members = demo_memberships_create(buyer_ids=buyer_ids)
        indexed, _ = demo_search_index_build(progress=progress)
        demo_recommendations_build(buyer_ids=buyer_ids)
        sku_count = sum(len(ids) for ids in skus_by_merchant.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"demo data ready: {len(buyer_ids)} buyers, {len(owner_ids)} shop owners, "
                f"an admin; {len(skus_by_merchant)} shops, {sku_count} SKUs, "
                f"{stock_rows} new stock records, {activities} new promotions, "
                f"{flash_sessions} flash sale sessions, {groups} group buy groups, "
                f"{requests} after-sales requests, {members} new "
                f"members (buyer2 ships free), {indexed} products in the search index.\n"
                "Accounts: admin@example.com / admin12345, buyer1@example.com / buyer12345, "
                "merchant1@example.com / merchant12345"
            )
        )
