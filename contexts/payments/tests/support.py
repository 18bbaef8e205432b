"""Helpers shared by payments' tests."""

from __future__ import annotations

import uuid
from decimal import Decimal

from contexts.payments.adapters.sandbox import SandboxProvider
from contexts.payments.models import Payment, Refund
from shared.events.models import OutboxEvent
from shared.ports import adapter


def sandbox() -> SandboxProvider:
    return adapter("PAYMENTS_PROVIDER_SANDBOX")


def assert_bill_of_30_november(totals) -> None:
    """The totals of the providers' sample bills of 2026-11-30 (data/): two payments
    and one refund."""
    assert (totals.payment_count, totals.payment_amount) == (2, Decimal("147.90"))
    assert (totals.refund_count, totals.refund_amount) == (1, Decimal("5.00"))
    assert totals.lines == (
        ("payment", "P202611300001", Decimal("19.90")),
        ("payment", "P202611300002", Decimal("128.00")),
        ("refund", "R202611300001", Decimal("5.00")),
    )


def pay_request(client, trade_no: str, *, key: str | None = None, **body):
    body = {"provider": "sandbox", "channel": "page", **body}
    return client.post(
        f"/api/v1/trades/{trade_no}/payments",
        body,
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex,
    )


def notify(client, body: bytes, headers: dict[str, str] | None = None, provider="sandbox"):
    return client.post(
        f"/api/v1/payments/notify/{provider}",
        data=body,
        content_type=(headers or {}).get("Content-Type", "application/x-www-form-urlencoded"),
        **{
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in (headers or {}).items()
            if k != "Content-Type"
        },
    )


def events(event_type: str) -> list[dict]:
    return list(OutboxEvent.objects.filter(event_type=event_type).values_list("payload", flat=True))


def error_code(response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    return body["error"]["code"]


def counts() -> dict[str, int]:
    return {
        "payments": Payment.objects.count(),
        "refunds": Refund.objects.count(),
        "events": OutboxEvent.objects.filter(event_type__startswith="payments.").count(),
    }


def paid_payment(client, trade_no: str) -> str:
    """Create a sandbox payment of the trade and settle it by its signed callback."""
    from contexts.payments import services

    payment_no = pay_request(client, trade_no).json()["payment_no"]
    headers, body = sandbox().simulate_payment(payment_no=payment_no)
    answer = services.notification_process(provider="sandbox", headers=headers, body=body)
    assert answer.body == b"success"
    return payment_no


def refund_request(client, payment_no: str, amount: str, *, key: str | None = None, reason="ok"):
    return client.post(
        f"/api/v1/admin/payments/{payment_no}/refunds",
        {"amount": amount, "reason": reason},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex,
    )
