"""An in-memory payment provider for tests: scripted answers, counted calls, failures on
demand. Its callbacks are JSON with an HMAC, checked in `notification_verify`."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from contexts.payments.ports import (
    TRANSFER_NOT_FOUND,
    AgreementCharge,
    AgreementStart,
    BillTotals,
    InvalidNotification,
    Notification,
    NotificationAnswer,
    PaymentStart,
    PaymentStarted,
    ProviderError,
    ProviderPayment,
    ProviderRefund,
    ProviderTransfer,
    RefundStart,
    TransferStart,
)
from shared.money import ZERO

_SECRET = b"in-memory-provider-test-secret"


class InMemoryProvider:
    def __init__(self, code: str = "memory") -> None:
        self.code = code
        self.app_id = "memory-app"
        self.lock = threading.Lock()
        self.payments: dict[str, ProviderPayment] = {}
        self.refunds: dict[str, ProviderRefund] = {}
        self.calls: list[str] = []
        # Set to a ProviderError (or any exception) to make every call raise it.
        self.failure: Exception | None = None
        self.refund_state = "processing"
        self.transfer_state = "succeeded"
        self.transfers: dict[str, ProviderTransfer] = {}
        self.bill: BillTotals | None = None
        self.ended_agreements: list[str] = []

    def _call(self, name: str) -> None:
        with self.lock:
            self.calls.append(name)
        if self.failure is not None:
            raise self.failure

    def payment_start(self, *, start: PaymentStart) -> PaymentStarted:
        self._call("payment_start")
        self.payments[start.payment_no] = ProviderPayment(
            payment_no=start.payment_no, state="pending", amount=start.amount
        )
        return PaymentStarted(kind="code_url", data={"code_url": f"memory://{start.payment_no}"})

    def payment_query(self, *, payment_no: str) -> ProviderPayment:
        self._call("payment_query")
        if payment_no not in self.payments:
            raise ProviderError("unknown payment", code="NOT_FOUND", permanent=True)
        return self.payments[payment_no]

    def payment_close(self, *, payment_no: str) -> None:
        self._call("payment_close")

    def refund_start(self, *, refund: RefundStart) -> ProviderRefund:
        self._call("refund_start")
        answer = ProviderRefund(
            refund_no=refund.refund_no, state=self.refund_state, amount=refund.amount
        )
        self.refunds[refund.refund_no] = answer
        return answer

    def refund_query(self, *, payment_no: str, refund_no: str) -> ProviderRefund:
        self._call("refund_query")
        return self.refunds[refund_no]

    def callback(self, **fields) -> tuple[dict[str, str], bytes]:
        """A signed JSON callback (amount as a string)."""
        fields.setdefault("nonce", uuid.uuid4().hex)
        fields.setdefault("app_id", self.app_id)
        body = json.dumps(fields, sort_keys=True).encode()
        mac = hmac.new(_SECRET, body, hashlib.sha256).hexdigest()
        return {"Content-Type": "application/json", "X-Signature": mac}, body

    def notification_verify(self, *, headers: Mapping[str, str], body: bytes) -> Notification:
        mac = hmac.new(_SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, headers.get("X-Signature", "")):
            raise InvalidNotification("signature does not verify")
        try:
            data = json.loads(body)
            return Notification(
                kind=data.get("kind", "payment"),
                payment_no=data["payment_no"],
                refund_no=data.get("refund_no", ""),
                state=data["state"],
                amount=Decimal(data["amount"]) if data.get("amount") is not None else None,
                app_id=data["app_id"],
                nonce=data["nonce"],
            )
        except (ValueError, KeyError) as exc:
            raise InvalidNotification("malformed") from exc

    def notification_answer(self, *, ok: bool) -> NotificationAnswer:
        return NotificationAnswer(
            status=200 if ok else 400,
            content_type="application/json",
            body=b'{"code":"SUCCESS"}' if ok else b'{"code":"FAIL"}',
        )

    def agreement_sign_start(self, *, start: AgreementStart) -> PaymentStarted:
        raise ProviderError(
            "agreement signing is not implemented for the in-memory provider yet",
            code="AGREEMENT_UNSUPPORTED",
            permanent=True,
        )

    def agreement_charge(self, *, charge: AgreementCharge) -> ProviderPayment:
        raise ProviderError(
            "agreement charges are not implemented for the in-memory provider yet",
            code="AGREEMENT_UNSUPPORTED",
            permanent=True,
        )

    def bill_totals(self, *, day: date) -> BillTotals:
        self._call("bill_totals")
        return self.bill or BillTotals(
            day=day, payment_count=0, payment_amount=ZERO, refund_count=0, refund_amount=ZERO
        )

    def transfer_start(self, *, transfer: TransferStart) -> ProviderTransfer:
        self._call("transfer_start")
        with self.lock:
            if transfer.transfer_no not in self.transfers:
                self.transfers[transfer.transfer_no] = ProviderTransfer(
                    transfer_no=transfer.transfer_no,
                    state=self.transfer_state,  # type: ignore[arg-type]
                    provider_ref=f"MEM-{transfer.transfer_no}",
                    failure_code="PAYEE_NOT_EXIST" if self.transfer_state == "failed" else "",
                )
            return self.transfers[transfer.transfer_no]

    def transfer_query(self, *, transfer: TransferStart) -> ProviderTransfer:
        """What `transfers` holds now (a test settles a processing one by replacing it); a
        number it never received is TRANSFER_NOT_FOUND."""
        self._call("transfer_query")
        with self.lock:
            found = self.transfers.get(transfer.transfer_no)
        if found is None:
            raise ProviderError("memory: unknown transfer", code=TRANSFER_NOT_FOUND, permanent=True)
        return found

    def agreement_end(self, *, agreement_no: str, provider_ref: str) -> None:
        self._call("agreement_end")
        with self.lock:
            self.ended_agreements.append(agreement_no)
