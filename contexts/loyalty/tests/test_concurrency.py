"""Concurrent earn, hold (spend) and expiry for one user: real threads against MariaDB. The
balance loses no update, never goes negative, and the ledger adds up to it."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from contexts.loyalty import services
from contexts.loyalty.models import PointsBucket, PointsEntry, PointsHold
from contexts.loyalty.tests.conftest import assert_books_balance
from shared.auth import principal_from
from shared.errors import AppError
from shared.testing import run_concurrently
from tests.support import make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

EARNS, SPENDS, SPEND = 10, 20, 80


@pytest.fixture
def enough_connections():
    with connection.cursor() as cursor:
        cursor.execute("SELECT @@GLOBAL.max_connections")
        (current,) = cursor.fetchone()
        if current < EARNS + SPENDS + 100:
            cursor.execute(f"SET GLOBAL max_connections = {EARNS + SPENDS + 300}")


def test_concurrent_earn_and_spend_keep_the_balance_exact(enough_connections, settings):
    settings.LOYALTY_MIN_BALANCE_TO_SPEND = 0
    buyer, staff = make_user(), make_user(is_staff=True)
    staff_principal = principal_from(user_id=staff.pk, roles=("buyer", "staff"))
    services.points_adjust(principal=staff_principal, user_id=buyer.pk, delta=500, reason="start")

    def work(n: int):
        if n < EARNS:  # +100 each (growth stays under the first level up until the last)
            return services.order_completed_earn(
                user_id=buyer.pk, order_no=f"E{n}", trade_no=f"TE{n}", pay_amount=Decimal("100")
            )
        with transaction.atomic():
            services.points_hold(
                user_id=buyer.pk,
                trade_no=f"TS{n}",
                spends=[
                    services.OrderSpend(order_no=f"S{n}", points=SPEND, amount=Decimal("0.80"))
                ],
            )
        return "held"

    results = run_concurrently(EARNS + SPENDS, work)
    unexpected = [r for r in results if isinstance(r, Exception) and not isinstance(r, AppError)]
    assert not unexpected, unexpected
    refused = [r for r in results if isinstance(r, AppError)]
    assert all(r.code == "points_insufficient" for r in refused)
    held = results.count("held")
    assert held + len(refused) == SPENDS
    account = assert_books_balance(buyer.pk)
    assert account.balance == 500 + EARNS * 100 - held * SPEND
    assert account.held == held * SPEND == PointsHold.objects.count() * SPEND
    assert PointsEntry.objects.filter(kind="earn").count() == EARNS
    assert held >= 500 // SPEND  # the starting balance alone covers these


def test_expiry_runs_concurrently_with_spending_and_itself(enough_connections):
    buyers = [make_user() for _ in range(4)]
    for b in buyers:
        for k in range(3):
            services.order_completed_earn(
                user_id=b.pk, order_no=f"{b.pk}-{k}", trade_no="T", pay_amount=Decimal("100")
            )
    PointsBucket.objects.filter(entry__reference__endswith="-0").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )

    def work(n: int):
        if n < 6:
            return services.points_expire_due()
        b = buyers[n % len(buyers)]
        with transaction.atomic():
            services.points_hold(
                user_id=b.pk,
                trade_no=f"T{n}",
                spends=[services.OrderSpend(order_no=f"H{n}", points=150, amount=Decimal("1.50"))],
            )
        return "held"

    results = run_concurrently(14, work)
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, AppError)]
    assert sum(r for r in results[:6]) + 0 <= 4 * 100
    assert services.points_expire_due() == 0
    for b in buyers:
        account = assert_books_balance(b.pk)
        # each buyer: 300 earned, 100 expired (whatever a hold took of it came from the
        # due bucket only after the expiry: a hold expires due buckets first)
        assert account.balance + account.held == 200
        assert PointsEntry.objects.filter(account=account, kind="expire").count() == 1


def test_one_refund_delivered_many_times_at_once_counts_once(enough_connections, monkeypatch):
    from contexts.loyalty.models import RefundRecord
    from contexts.ordering import api as ordering_api

    buyer = make_user()
    now = timezone.now()
    trade = ordering_api.TradeInfo(
        trade_no="T1",
        buyer_id=buyer.pk,
        status="paid",
        pay_amount=Decimal("100.00"),
        payable_amount=Decimal("0"),
        paid_amount=Decimal("100.00"),
        payment_ref="P",
        payment_deadline=now,
        created_at=now,
        paid_at=now,
        orders=(),
    )
    monkeypatch.setattr(ordering_api, "get_trade", lambda trade_no: trade)
    services.order_completed_earn(
        user_id=buyer.pk, order_no="O0", trade_no="T0", pay_amount=Decimal("500")
    )
    with transaction.atomic():
        services.points_hold(
            user_id=buyer.pk,
            trade_no="T1",
            spends=[services.OrderSpend(order_no="O1", points=400, amount=Decimal("4.00"))],
        )
    services.points_holds_confirm(order_nos=["O1"])
    services.order_completed_earn(
        user_id=buyer.pk, order_no="O1", trade_no="T1", pay_amount=Decimal("100")
    )

    results = run_concurrently(
        6,
        lambda n: services.refund_points_reverse(
            refund_no="R1", trade_no="T1", user_id=buyer.pk, amount=Decimal("50.00")
        ),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert RefundRecord.objects.count() == 1
    account = assert_books_balance(buyer.pk)
    assert account.balance == 500 - 400 + 100 + 200 - 50  # half back, half of 100 reversed
