"""Every periodic job of the product, in one place (loaded into django-celery-beat)."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "events-relay-outbox": {"task": "events.relay_outbox", "schedule": 5.0},
    # The Kafka copy, on its own task: a hanging broker never holds up handler deliveries.
    "events-ship-outbox": {"task": "events.ship_outbox", "schedule": 5.0},
    "events-purge-processed": {
        "task": "events.purge_processed",
        "schedule": crontab(minute=5, hour=3),
    },
    "inventory-release-expired-reservations": {
        "task": "inventory.release_expired_reservations",
        "schedule": 60.0,
    },
    "ordering-cancel-unpaid-orders": {"task": "ordering.cancel_unpaid_orders", "schedule": 60.0},
    "ordering-auto-confirm-delivered-orders": {
        "task": "ordering.auto_confirm_delivered_orders",
        "schedule": crontab(minute=15),
    },
    "ordering-purge-expired-idempotency-keys": {
        "task": "ordering.purge_expired_idempotency_keys",
        "schedule": crontab(minute=45),
    },
    "inventory-catalog-stock-resync": {
        "task": "inventory.catalog_stock_resync",
        "schedule": crontab(minute=30, hour=4),
    },
    "logistics-poll-tracking": {"task": "logistics.poll_tracking", "schedule": 15.0},
    "cart-purge-expired-guest-carts": {
        "task": "cart.purge_expired_guest_carts",
        "schedule": crontab(minute=0, hour=3),
    },
    # Payments pending past PAYMENTS_RECONCILE_AFTER_MINUTES, refunds unfinished: ask the provider.
    "payments-reconcile": {"task": "payments.reconcile", "schedule": 60.0},
    # Available coupons past their validity become expired (safe to re-run).
    "coupons-expire-coupons": {"task": "coupons.expire_coupons", "schedule": 600.0},
    # Transfers (payouts) left processing by the provider: query and settle (safe to re-run).
    "payments-poll-transfers": {"task": "payments.poll_transfers", "schedule": 60.0},
    "payments-bill-check": {"task": "payments.bill_check", "schedule": crontab(minute=30, hour=2)},
    # Points buckets past LOYALTY_POINTS_VALID_DAYS; birthday points once a day.
    "loyalty-expire-points": {"task": "loyalty.expire_points", "schedule": crontab(minute=20)},
    "loyalty-birthday-points": {
        "task": "loyalty.birthday_points",
        "schedule": crontab(minute=10, hour=0),
    },
    # Flash sale: load items before their start, end sessions and settle their items, compare
    # the stock engine with the purchases.
    "flashsale-load-items": {"task": "flashsale.load_items", "schedule": 15.0},
    "flashsale-end-sessions": {"task": "flashsale.end_sessions", "schedule": 30.0},
    "flashsale-reconcile": {"task": "flashsale.reconcile", "schedule": 60.0},
    # Group buy: groups past their deadline fail (members refunded) or auto-fill (safe to re-run).
    "groupbuy-expire-groups": {"task": "groupbuy.expire_groups", "schedule": 30.0},
    # Settlement: each merchant's statement of its last whole period (daily, weekly, monthly),
    # then its lines compared with payments (mismatches recorded). Both safe to re-run.
    "settlement-issue-statements": {
        "task": "settlement.issue_statements",
        "schedule": crontab(minute=10, hour=1),
    },
    "settlement-resend-payouts": {"task": "settlement.resend_payouts", "schedule": 600.0},
    "settlement-reconcile": {
        "task": "settlement.reconcile",
        "schedule": crontab(minute=40, hour=1),
    },
    # Memberships: bill ended periods, charge due renewals (retries), expire after the grace.
    "subscription-renewals": {"task": "subscription.renewals_run", "schedule": 300.0},
    # Pending memberships whose first invoice stayed unpaid: expire, void, close its payment.
    "subscription-expire-pending": {"task": "subscription.expire_pending", "schedule": 900.0},
    # Search: a full rebuild after inventory's nightly stock-mirror resync (04:30).
    "search-reindex": {"task": "search.reindex", "schedule": crontab(minute=0, hour=5)},
    # Recommendation: the offline rebuild after search's; stale product lists every 5 minutes.
    "recommendation-rebuild": {
        "task": "recommendation.rebuild",
        "schedule": crontab(minute=30, hour=5),
    },
    "recommendation-refresh-stale": {"task": "recommendation.refresh_stale", "schedule": 300.0},
    # After-sales: approve requests the merchant left unanswered, close returns not shipped in
    # time (both act only on requests still waiting: safe to re-run).
    "aftersales-auto-approve": {"task": "aftersales.auto_approve", "schedule": crontab(minute=25)},
    "aftersales-auto-close": {"task": "aftersales.auto_close", "schedule": crontab(minute=35)},
    # Open tickets past their SLA go up one level (safe to re-run).
    "aftersales-escalate-tickets": {"task": "aftersales.escalate_tickets", "schedule": 300.0},
}
