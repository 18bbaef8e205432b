"""The ledger: earn, hold, spend, return, adjust, expiry in FIFO buckets, idempotency."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from contexts.loyalty import services
from contexts.loyalty.models import PointsBucket, PointsEntry, PointsHold
from contexts.loyalty.services import ledger
from contexts.loyalty.tests.conftest import assert_books_balance
from shared.auth import SYSTEM, principal_from
from shared.errors import AppError
from shared.events.models import OutboxEvent
from tests.support import make_user

pytestmark = pytest.mark.django_db


def earn(user_id: int, order_no: str, amount: str) -> None:
    services.order_completed_earn(
        user_id=user_id, order_no=order_no, trade_no=f"T{order_no}", pay_amount=Decimal(amount)
    )


def hold(user_id: int, order_no: str, points: int) -> None:
    with transaction.atomic():
        services.points_hold(
            user_id=user_id,
            trade_no=f"T{order_no}",
            spends=[
                services.OrderSpend(order_no=order_no, points=points, amount=Decimal(points) / 100)
            ],
        )


def test_earn_is_once_per_order_and_publishes(buyer):
    earn(buyer.pk, "O1", "123.45")
    earn(buyer.pk, "O1", "123.45")
    account = assert_books_balance(buyer.pk)
    assert account.balance == 123
    assert account.growth == Decimal("123.45")
    assert PointsEntry.objects.filter(kind="earn").count() == 1
    event = OutboxEvent.objects.filter(event_type="loyalty.points.changed.v1").get()
    assert event.payload["delta"] == 123 and event.payload["kind"] == "earn"


def test_hold_spend_and_release(buyer):
    earn(buyer.pk, "O1", "500")
    hold(buyer.pk, "O2", 200)
    hold(buyer.pk, "O3", 100)
    account = assert_books_balance(buyer.pk)
    assert (account.balance, account.held) == (200, 300)
    services.points_holds_confirm(order_nos=["O2"])
    services.points_holds_release(order_nos=["O3", "O2"])
    services.points_holds_release(order_nos=["O3"])  # once
    account = assert_books_balance(buyer.pk)
    assert (account.balance, account.held) == (300, 0)
    assert PointsHold.objects.get(order_no="O2").status == "spent"
    assert PointsHold.objects.get(order_no="O3").status == "returned"


def test_hold_more_than_the_balance_is_refused_and_writes_nothing(buyer):
    earn(buyer.pk, "O1", "150")
    with pytest.raises(AppError) as refused:
        hold(buyer.pk, "O2", 151)
    assert refused.value.code == "points_insufficient"
    assert not PointsHold.objects.exists()
    assert assert_books_balance(buyer.pk).balance == 150


def test_spending_takes_the_oldest_buckets_first(buyer):
    earn(buyer.pk, "O1", "100")
    earn(buyer.pk, "O2", "100")
    first, second = PointsBucket.objects.order_by("id")
    PointsBucket.objects.filter(pk=second.pk).update(expires_at=timezone.now() + timedelta(days=5))
    hold(buyer.pk, "O3", 150)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.remaining, first.remaining) == (0, 50)
    services.points_holds_release(order_nos=["O3"])  # back where they came from
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.remaining, first.remaining) == (100, 100)
    assert_books_balance(buyer.pk)


def test_expiry_is_fifo_and_safe_to_rerun(buyer):
    earn(buyer.pk, "O1", "100")
    earn(buyer.pk, "O2", "200")
    hold(buyer.pk, "O3", 50)
    PointsBucket.objects.filter(entry__reference="order:O1").update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert services.points_expire_due() == 50  # 50 of the first bucket were spent
    assert services.points_expire_due() == 0
    account = assert_books_balance(buyer.pk)
    assert account.balance == 200
    assert PointsEntry.objects.filter(kind="expire").count() == 1


def test_staff_adjustment_needs_permission_and_a_reason(buyer, staff):
    principal = principal_from(user_id=staff.pk, roles=("buyer", "staff"))
    entry = services.points_adjust(
        principal=principal, user_id=buyer.pk, delta=300, reason="goodwill"
    )
    assert (entry.staff_user_id, entry.reason) == (staff.pk, "goodwill")
    services.points_adjust(principal=principal, user_id=buyer.pk, delta=-100, reason="correction")
    with pytest.raises(AppError) as refused:
        services.points_adjust(principal=principal, user_id=buyer.pk, delta=-201, reason="x")
    assert refused.value.code == "points_insufficient"
    with pytest.raises(AppError) as refused:
        services.points_adjust(principal=principal, user_id=buyer.pk, delta=5, reason="  ")
    assert refused.value.code == "validation_error"
    buyer_principal = principal_from(user_id=buyer.pk)
    with pytest.raises(AppError) as refused:
        services.points_adjust(principal=buyer_principal, user_id=buyer.pk, delta=5, reason="me")
    assert refused.value.code == "permission_denied"
    assert assert_books_balance(buyer.pk).balance == 200
    from shared.audit.models import AuditRecord

    assert AuditRecord.objects.filter(action="points_adjust").count() == 2


def test_account_lock_creates_once(buyer):
    with transaction.atomic():
        first = ledger.account_lock(user_id=buyer.pk)
    with transaction.atomic():
        again = ledger.account_lock(user_id=buyer.pk)
    assert first.pk == again.pk and first.level_code == "regular"
    assert SYSTEM.can("loyalty.adjust")


def test_other_user_is_untouched():
    a, b = make_user(), make_user()
    earn(a.pk, "O1", "10")
    assert not PointsEntry.objects.filter(account__user_id=b.pk).exists()
