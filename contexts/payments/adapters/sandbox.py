"""The sandbox payment provider: signed callbacks with a local RSA key pair, for development,
the demo and tests.

It plays both sides. As "the provider" it keeps its own book (SandboxTransaction: what it
believes was paid and refunded, so its queries and bills can disagree with ours) and signs its
callbacks with the private key, as Alipay does: SHA256withRSA (PKCS#1 v1.5) over the
`key=value` pairs sorted by key and joined with `&`, without `sign` and `sign_type`, Base64 in
`sign`, the whole form-encoded. As our adapter it verifies a callback with the public key only,
through `notification_verify`, like any real provider's.

Keys: PAYMENTS_SANDBOX_PRIVATE_KEY_PATH / PAYMENTS_SANDBOX_PUBLIC_KEY_PATH (PEM). When neither
file exists a pair is generated there on first use (var/ is git-ignored); tests make their own.
"""

from __future__ import annotations

import base64
import threading
import uuid
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from contexts.payments.domain.amounts import AmountError, from_yuan_string, to_yuan_string
from contexts.payments.models import SandboxTransaction
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

_PAYMENT_STATES = {
    "WAIT_BUYER_PAY": "pending",
    "TRADE_SUCCESS": "succeeded",
    "TRADE_CLOSED": "closed",
}
_REFUND_STATES = {
    "REFUND_PROCESSING": "processing",
    "REFUND_SUCCESS": "succeeded",
    "REFUND_FAIL": "failed",
}
_AGREEMENT_STATES = {"NORMAL": "signed", "STOP": "terminated"}
_TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
_MAX_BODY = 8192


def signing_string(fields: Mapping[str, str]) -> bytes:
    """The string the signature covers: sorted `key=value` pairs, without sign/sign_type."""
    return "&".join(
        f"{key}={fields[key]}" for key in sorted(fields) if key not in ("sign", "sign_type")
    ).encode()


def sign_fields(fields: Mapping[str, str], private_key: rsa.RSAPrivateKey) -> bytes:
    """The form-encoded callback body with its RSA2 signature (what the provider side sends)."""
    signature = private_key.sign(signing_string(fields), padding.PKCS1v15(), hashes.SHA256())
    signed = {**fields, "sign_type": "RSA2", "sign": base64.b64encode(signature).decode()}
    return urlencode(signed).encode()


def generate_key_pair(private_path: Path, public_path: Path) -> None:
    """Write a new 2048-bit RSA key pair as PEM files (the private one readable by us only)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _book(
    kind: str,
    number: str,
    *,
    amount: Decimal,
    state: str,
    prefix: str = "SBX",
    payment_no: str | None = None,
    settled: bool = False,
) -> SandboxTransaction:
    """The sandbox's row for `number` (a repeat finds the first one, as a provider would)."""
    row, _ = SandboxTransaction.objects.get_or_create(
        kind=kind,
        number=number,
        defaults={
            "payment_no": number if payment_no is None else payment_no,
            "amount": amount,
            "state": state,
            "provider_ref": f"{prefix}{uuid.uuid4().hex[:20].upper()}",
            "settled_at": timezone.now() if settled else None,
        },
    )
    return row


def _found(kind: str, number: str, *, missing: str, code: str) -> SandboxTransaction:
    """The sandbox's row, or the permanent error a provider answers for an unknown number."""
    row = SandboxTransaction.objects.filter(kind=kind, number=number).first()
    if row is None:
        raise ProviderError(missing, code=code, permanent=True)
    return row


def _complete_pending(
    kind: str, number: str, state: str, *, missing: str, code: str
) -> SandboxTransaction:
    """The buyer acted at the sandbox: a pending row becomes `state` (once, under its lock)."""
    with transaction.atomic():
        row = (
            SandboxTransaction.objects.select_for_update().filter(kind=kind, number=number).first()
        )
        if row is None:
            raise ProviderError(missing, code=code, permanent=True)
        if row.state == "pending":
            row.state, row.settled_at = state, timezone.now()
            row.save(update_fields=["state", "settled_at"])
    return row


def _settle(kind: str, number: str, state: str) -> None:
    """The sandbox finishes a processing refund or transfer (tests and the demo)."""
    SandboxTransaction.objects.filter(kind=kind, number=number).update(
        state=state, settled_at=timezone.now()
    )


def _pay_page(path: str) -> PaymentStarted:
    """Where the buyer goes to act at the sandbox (its pay / sign page)."""
    base = (settings.PAYMENTS_NOTIFY_BASE_URL or "").rstrip("/")
    return PaymentStarted(
        kind="url", data={"url": f"{base}/api/v1/payments/sandbox/{path}", "method": "POST"}
    )


class SandboxProvider:
    code = "sandbox"

    def __init__(self) -> None:
        self.app_id = settings.PAYMENTS_SANDBOX_APP_ID
        self.private_path = Path(settings.PAYMENTS_SANDBOX_PRIVATE_KEY_PATH)
        self.public_path = Path(settings.PAYMENTS_SANDBOX_PUBLIC_KEY_PATH)
        # What refund_start answers: "succeeded" (at once) or "processing" (settled by a
        # callback or a query later).
        self.refund_outcome = "succeeded"
        # What agreement_charge does: "succeeded", "declined" (a permanent refusal, as when
        # the buyer's balance is short), "pending" (accepted, settled later) or "unavailable"
        # (a transient failure).
        self.charge_outcome = "succeeded"
        # What transfer_start answers: "succeeded" (at once) or "processing" (settled later by
        # settle_transfer, then seen by transfer_query).
        self.transfer_outcome = "succeeded"
        self._lock = threading.Lock()
        self._keys: tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey] | None = None

    # --- keys -------------------------------------------------------------------------------

    def _key_pair(self) -> tuple[rsa.RSAPrivateKey, rsa.RSAPublicKey]:
        with self._lock:
            if self._keys is None:
                if not self.private_path.exists() and not self.public_path.exists():
                    generate_key_pair(self.private_path, self.public_path)
                private = serialization.load_pem_private_key(
                    self.private_path.read_bytes(), password=None
                )
                public = serialization.load_pem_public_key(self.public_path.read_bytes())
                self._keys = (private, public)
            return self._keys

    # --- the provider's side ----------------------------------------------------------------

    def signed_callback(self, fields: Mapping[str, str]) -> tuple[dict[str, str], bytes]:
        """Headers and body of a callback carrying `fields`, signed as the sandbox signs."""
        body = sign_fields(fields, self._key_pair()[0])
        return {"Content-Type": "application/x-www-form-urlencoded"}, body

    def payment_fields(self, row: SandboxTransaction, *, status: str) -> dict[str, str]:
        now = timezone.now()
        fields = {
            "app_id": self.app_id,
            "notify_type": "trade_status_sync",
            "notify_id": uuid.uuid4().hex,
            "notify_time": now.strftime(_TIME_FORMAT),
            "out_trade_no": row.payment_no,
            "trade_no": row.provider_ref,
            "total_amount": to_yuan_string(row.amount),
            "trade_status": status,
        }
        if row.settled_at is not None:
            fields["gmt_payment"] = row.settled_at.strftime(_TIME_FORMAT)
        return fields

    def simulate_payment(self, *, payment_no: str) -> tuple[dict[str, str], bytes]:
        """The buyer paid at the sandbox: its book says succeeded, and here is its callback."""
        row = _complete_pending(
            "payment",
            payment_no,
            "succeeded",
            missing="sandbox pay: unknown payment",
            code="TRADE_NOT_EXIST",
        )
        return self.signed_callback(self.payment_fields(row, status="TRADE_SUCCESS"))

    def refund_callback(self, *, refund_no: str) -> tuple[dict[str, str], bytes]:
        """The sandbox's callback reporting a refund's current state."""
        row = SandboxTransaction.objects.get(kind="refund", number=refund_no)
        status = {v: k for k, v in _REFUND_STATES.items()}[row.state]
        return self.signed_callback(
            {
                "app_id": self.app_id,
                "notify_type": "refund_status_sync",
                "notify_id": uuid.uuid4().hex,
                "notify_time": timezone.now().strftime(_TIME_FORMAT),
                "out_trade_no": row.payment_no,
                "out_request_no": row.number,
                "refund_amount": to_yuan_string(row.amount),
                "refund_status": status,
                "trade_no": row.provider_ref,
            }
        )

    def settle_refund(self, *, refund_no: str, state: str) -> None:
        """The sandbox finishes a processing refund (tests and the demo)."""
        _settle("refund", refund_no, state)

    def settle_transfer(self, *, transfer_no: str, state: str) -> None:
        """The sandbox finishes a processing transfer (tests and the demo)."""
        _settle("transfer", transfer_no, state)

    def simulate_agreement_sign(self, *, agreement_no: str) -> tuple[dict[str, str], bytes]:
        """The buyer signed the agreement at the sandbox: its book says signed, and here is
        its callback."""
        row = _complete_pending(
            "agreement",
            agreement_no,
            "signed",
            missing="sandbox sign: unknown agreement",
            code="AGREEMENT_NOT_EXIST",
        )
        return self.signed_callback(
            {
                "app_id": self.app_id,
                "notify_type": "dut_user_sign",
                "notify_id": uuid.uuid4().hex,
                "notify_time": timezone.now().strftime(_TIME_FORMAT),
                "external_agreement_no": row.number,
                "agreement_no": row.provider_ref,
                "status": "NORMAL" if row.state == "signed" else "STOP",
            }
        )

    # --- the port ---------------------------------------------------------------------------

    def agreement_sign_start(self, *, start: AgreementStart) -> PaymentStarted:
        _book("agreement", start.agreement_no, amount=ZERO, state="pending", prefix="SBXA")
        return _pay_page(f"agreements/{start.agreement_no}/sign")

    def agreement_charge(self, *, charge: AgreementCharge) -> ProviderPayment:
        signed = SandboxTransaction.objects.filter(
            kind="agreement", number=charge.agreement_no, state="signed"
        ).first()
        if signed is None or signed.provider_ref != charge.provider_ref:
            raise ProviderError(
                "sandbox charge: agreement not signed", code="AGREEMENT_NOT_EXIST", permanent=True
            )
        if self.charge_outcome == "unavailable":
            raise ProviderError("sandbox charge: system busy", code="SYSTEM_ERROR")
        if self.charge_outcome == "declined":
            raise ProviderError(
                "sandbox charge: balance not enough", code="BALANCE_NOT_ENOUGH", permanent=True
            )
        if self.charge_outcome == "pending":  # accepted, deducted later (like WeChat papay)
            _book("payment", charge.payment_no, amount=charge.amount, state="pending")
            return ProviderPayment(payment_no=charge.payment_no, state="pending")
        row = _book(
            "payment", charge.payment_no, amount=charge.amount, state="succeeded", settled=True
        )
        if row.state == "pending":  # an earlier attempt was accepted: deducted now
            row.state, row.settled_at = "succeeded", timezone.now()
            row.save(update_fields=["state", "settled_at"])
        return ProviderPayment(
            payment_no=row.payment_no,
            state=row.state,
            amount=row.amount,
            provider_ref=row.provider_ref,
            paid_at=row.settled_at,
        )

    def payment_start(self, *, start: PaymentStart) -> PaymentStarted:
        _book("payment", start.payment_no, amount=start.amount, state="pending")
        return _pay_page(f"{start.payment_no}/pay")

    def payment_query(self, *, payment_no: str) -> ProviderPayment:
        row = _found(
            "payment", payment_no, missing="sandbox query: unknown payment", code="TRADE_NOT_EXIST"
        )
        return ProviderPayment(
            payment_no=payment_no,
            state=row.state,
            amount=row.amount,
            provider_ref=row.provider_ref,
            paid_at=row.settled_at,
        )

    def payment_close(self, *, payment_no: str) -> None:
        SandboxTransaction.objects.filter(
            kind="payment", number=payment_no, state="pending"
        ).update(state="closed")

    def refund_start(self, *, refund: RefundStart) -> ProviderRefund:
        with transaction.atomic():
            paid = (
                SandboxTransaction.objects.select_for_update()
                .filter(kind="payment", number=refund.payment_no, state="succeeded")
                .first()
            )
            if paid is None:
                raise ProviderError(
                    "sandbox refund: payment not paid", code="TRADE_NOT_PAID", permanent=True
                )
            existing = SandboxTransaction.objects.filter(
                kind="refund", number=refund.refund_no
            ).first()
            if existing is None:
                refunded = (
                    SandboxTransaction.objects.filter(kind="refund", payment_no=refund.payment_no)
                    .exclude(state="failed")
                    .aggregate(total=Sum("amount"))["total"]
                    or ZERO
                )
                if refunded + refund.amount > paid.amount:
                    raise ProviderError(
                        "sandbox refund: more than paid",
                        code="REFUND_AMT_RESTRICTION",
                        permanent=True,
                    )
                existing = SandboxTransaction.objects.create(
                    kind="refund",
                    number=refund.refund_no,
                    payment_no=refund.payment_no,
                    amount=refund.amount,
                    state=self.refund_outcome,
                    provider_ref=paid.provider_ref,
                    settled_at=timezone.now() if self.refund_outcome != "processing" else None,
                )
        return ProviderRefund(
            refund_no=existing.number,
            state=existing.state,
            amount=existing.amount,
            provider_ref=existing.provider_ref,
        )

    def refund_query(self, *, payment_no: str, refund_no: str) -> ProviderRefund:
        row = _found(
            "refund",
            refund_no,
            missing="sandbox refund query: unknown refund",
            code="REFUND_NOT_EXIST",
        )
        return ProviderRefund(
            refund_no=refund_no, state=row.state, amount=row.amount, provider_ref=row.provider_ref
        )

    def transfer_start(self, *, transfer: TransferStart) -> ProviderTransfer:
        """The sandbox pays out at once (its book keeps one row per transfer_no, so a retry
        answers the first transfer); a payee account "FAIL" is refused, for the demo and tests."""
        if transfer.payee_account == "FAIL":
            return ProviderTransfer(
                transfer_no=transfer.transfer_no, state="failed", failure_code="PAYEE_NOT_EXIST"
            )
        at_once = self.transfer_outcome == "succeeded"
        row = _book(
            "transfer",
            transfer.transfer_no,
            payment_no=transfer.sources[0].payment_no if transfer.sources else "",
            amount=transfer.amount,
            state="succeeded" if at_once else "processing",
            prefix="SBXT",
            settled=at_once,
        )
        return self._transfer(row)

    def transfer_query(self, *, transfer: TransferStart) -> ProviderTransfer:
        row = _found(
            "transfer",
            transfer.transfer_no,
            missing="sandbox transfer query: unknown transfer",
            code=TRANSFER_NOT_FOUND,
        )
        return self._transfer(row)

    @staticmethod
    def _transfer(row: SandboxTransaction) -> ProviderTransfer:
        return ProviderTransfer(
            transfer_no=row.number,
            state=row.state,  # type: ignore[arg-type]
            provider_ref=row.provider_ref,
            failure_code="PAYEE_NOT_EXIST" if row.state == "failed" else "",
        )

    def agreement_end(self, *, agreement_no: str, provider_ref: str) -> None:
        """The sandbox's book says the agreement stopped (a later charge is refused); an
        unknown or already stopped one is left as it is."""
        SandboxTransaction.objects.filter(kind="agreement", number=agreement_no).exclude(
            state="terminated"
        ).update(state="terminated", settled_at=timezone.now())

    def notification_verify(self, *, headers: Mapping[str, str], body: bytes) -> Notification:
        if not body or len(body) > _MAX_BODY:
            raise InvalidNotification("body empty or too large")
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise InvalidNotification("not a form-encoded body") from exc
        fields = dict(pairs)
        if len(fields) != len(pairs):
            raise InvalidNotification("a field is repeated")
        if fields.get("sign_type") != "RSA2" or not fields.get("sign"):
            raise InvalidNotification("unsigned or not RSA2")
        try:
            signature = base64.b64decode(fields["sign"], validate=True)
            self._key_pair()[1].verify(
                signature, signing_string(fields), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError) as exc:
            raise InvalidNotification("signature does not verify") from exc
        if fields.get("app_id") != self.app_id:
            raise InvalidNotification("app_id is not ours")
        try:
            return self._parse(fields)
        except (KeyError, AmountError, ValueError) as exc:
            raise InvalidNotification("a required field is missing or malformed") from exc

    def _parse(self, fields: dict[str, str]) -> Notification:
        sent_at = _parse_time(fields["notify_time"])
        if fields.get("notify_type") == "dut_user_sign":
            return Notification(
                kind="agreement",
                payment_no="",
                agreement_no=fields["external_agreement_no"],
                state=_AGREEMENT_STATES[fields["status"]],
                amount=None,
                provider_ref=fields["agreement_no"],
                app_id=fields["app_id"],
                nonce=fields["notify_id"],
                sent_at=sent_at,
            )
        if fields.get("notify_type") == "refund_status_sync":
            return Notification(
                kind="refund",
                payment_no=fields["out_trade_no"],
                refund_no=fields["out_request_no"],
                state=_REFUND_STATES[fields["refund_status"]],
                amount=from_yuan_string(fields["refund_amount"]),
                provider_ref=fields.get("trade_no", ""),
                app_id=fields["app_id"],
                nonce=fields["notify_id"],
                sent_at=sent_at,
            )
        if fields.get("notify_type") != "trade_status_sync":
            raise ValueError("unknown notify_type")
        return Notification(
            kind="payment",
            payment_no=fields["out_trade_no"],
            state=_PAYMENT_STATES[fields["trade_status"]],
            amount=from_yuan_string(fields["total_amount"]),
            provider_ref=fields.get("trade_no", ""),
            app_id=fields["app_id"],
            nonce=fields["notify_id"],
            sent_at=sent_at,
            paid_at=_parse_time(fields["gmt_payment"]) if fields.get("gmt_payment") else None,
        )

    def notification_answer(self, *, ok: bool) -> NotificationAnswer:
        return NotificationAnswer(
            status=200, content_type="text/plain", body=b"success" if ok else b"fail"
        )

    def bill_totals(self, *, day: date) -> BillTotals:
        start = timezone.make_aware(
            datetime.combine(day, time.min), timezone.get_default_timezone()
        )
        end = start + timedelta(days=1)
        settled = SandboxTransaction.objects.filter(
            kind__in=("payment", "refund"),
            state="succeeded",
            settled_at__gte=start,
            settled_at__lt=end,
        )
        paid = settled.filter(kind="payment").aggregate(n=Count("id"), total=Sum("amount"))
        refunded = settled.filter(kind="refund").aggregate(n=Count("id"), total=Sum("amount"))
        return BillTotals(
            day=day,
            payment_count=paid["n"],
            payment_amount=paid["total"] or ZERO,
            refund_count=refunded["n"],
            refund_amount=refunded["total"] or ZERO,
            lines=tuple(
                (kind, number, Decimal(amount))
                for kind, number, amount in settled.values_list("kind", "number", "amount")
            ),
        )


def _parse_time(text: str) -> datetime:
    return timezone.make_aware(
        datetime.strptime(text, _TIME_FORMAT), timezone.get_default_timezone()
    )
