"""What payments needs from a payment provider (Alipay, WeChat Pay v3, the sandbox).

One adapter per provider in `contexts/payments/adapters/`, each named by a setting holding its
dotted path (PAYMENTS_PROVIDER_ALIPAY, PAYMENTS_PROVIDER_WECHAT, PAYMENTS_PROVIDER_SANDBOX) and
enabled by PAYMENTS_PROVIDERS. Adapters speak the provider's protocol (signatures, formats,
HTTP) and nothing else: they keep no state, never decide what a payment's state becomes, and
never log keys, signatures or notification bodies. Amounts cross this port as Decimal yuan;
each adapter converts to its provider's format (contexts/payments/domain/amounts.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Literal, Protocol

# How the buyer's client pays: a page to open (Alipay page pay, the sandbox), an order string for
# the Alipay app SDK, a QR code URL (WeChat native), parameters for WeChat's JSAPI bridge.
Channel = Literal["page", "app", "native", "jsapi"]
ProviderPaymentState = Literal["pending", "succeeded", "closed", "failed"]
ProviderRefundState = Literal["processing", "succeeded", "failed"]
ProviderTransferState = Literal["processing", "succeeded", "failed"]
# A transfer_query answer for a transfer the provider never received (safe to send again).
TRANSFER_NOT_FOUND = "TRANSFER_NOT_FOUND"
# A transfer's failure code when part of its money moved (WeChat's profit sharing of several
# payments, some split): a new transfer for the same money would pay that part twice.
PARTIALLY_SPLIT = "PARTIALLY_SPLIT"


class ProviderError(Exception):
    """The provider could not be reached, timed out or answered an error (transient unless
    `permanent`). The message names the operation and the provider's error code, never a key."""

    def __init__(self, message: str, *, code: str = "", permanent: bool = False):
        super().__init__(message)
        self.code = code
        self.permanent = permanent


class InvalidNotification(Exception):
    """A callback whose signature, certificate, timestamp, app id or format does not check out.
    The message says which check failed (for the log), never the body or a key."""


@dataclass(frozen=True)
class PaymentStart:
    payment_no: str  # our number: Alipay out_trade_no, WeChat out_trade_no
    amount: Decimal  # yuan, 2 places
    subject: str
    channel: Channel
    notify_url: str
    return_url: str = ""
    payer_openid: str = ""  # WeChat JSAPI only
    expires_at: datetime | None = None


@dataclass(frozen=True)
class PaymentStarted:
    """What the buyer's client needs: kind "url" (open it), "order_string" (Alipay app SDK),
    "code_url" (render as QR), "jsapi" (params for WeixinJSBridge); `data` holds the values."""

    kind: Literal["url", "order_string", "code_url", "jsapi"]
    data: Mapping[str, str]


@dataclass(frozen=True)
class ProviderPayment:
    payment_no: str
    state: ProviderPaymentState
    amount: Decimal | None = None  # what the provider says was paid (yuan)
    provider_ref: str = ""  # Alipay trade_no, WeChat transaction_id
    paid_at: datetime | None = None


@dataclass(frozen=True)
class RefundStart:
    payment_no: str
    refund_no: str  # our number: out_request_no / out_refund_no
    amount: Decimal  # this refund, yuan
    payment_amount: Decimal  # the whole payment, yuan (WeChat wants both)
    reason: str
    notify_url: str = ""


@dataclass(frozen=True)
class ProviderRefund:
    refund_no: str
    state: ProviderRefundState
    amount: Decimal | None = None
    provider_ref: str = ""


@dataclass(frozen=True)
class Notification:
    """A verified callback. `kind` says whether it reports a payment or a refund. `nonce` and
    `sent_at` identify this delivery (a replayed delivery repeats them); `app_id` / `merchant_id`
    are what the callback names, for the service to compare with its own settings."""

    kind: Literal["payment", "refund", "agreement"]
    payment_no: str  # "" for an agreement
    state: str  # ProviderPaymentState for payments, ProviderRefundState for refunds
    amount: Decimal | None
    provider_ref: str = ""
    refund_no: str = ""
    app_id: str = ""
    nonce: str = ""
    sent_at: datetime | None = None
    paid_at: datetime | None = None
    agreement_no: str = ""  # kind "agreement": our number; provider_ref is the provider's id


@dataclass(frozen=True)
class AgreementStart:
    """Ask the buyer to sign an agreement letting us charge them later (auto-renewal)."""

    agreement_no: str  # our number: Alipay external_agreement_no, WeChat contract_code
    subject: str
    notify_url: str
    # What the buyer agrees to be charged (Alipay 周期扣款's period rule): every
    # `period_months` months from `first_charge_on`, at most `max_amount` each time. Empty
    # when the caller does not say (the sandbox needs none).
    period_months: int = 0
    first_charge_on: date | None = None
    max_amount: Decimal | None = None


@dataclass(frozen=True)
class AgreementCharge:
    """Charge a signed agreement without the buyer present (a renewal)."""

    agreement_no: str
    provider_ref: str  # the provider's agreement id
    payment_no: str
    amount: Decimal  # yuan, 2 places
    subject: str
    notify_url: str


@dataclass(frozen=True)
class NotificationAnswer:
    """The HTTP answer the provider expects (Alipay: text "success"/"fail"; WeChat: 200/204 or a
    JSON error)."""

    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class BillTotals:
    """The provider's bill for one day: successful payments and refunds, counted and summed."""

    day: date
    payment_count: int
    payment_amount: Decimal
    refund_count: int
    refund_amount: Decimal
    lines: tuple[tuple[str, str, Decimal], ...] = field(default=())  # (kind, our no, amount)


@dataclass(frozen=True)
class TransferSource:
    """A buyer's payment the transfer's money came from, and how much of the transfer it
    funds. WeChat Pay moves money to a merchant only by profit sharing, which splits one
    payment at a time: its adapter makes one profit-sharing order per source."""

    payment_no: str  # ours
    provider: str  # the provider that took the payment
    payment_ref: str  # the provider's id of it (Alipay trade_no, WeChat transaction_id)
    amount: Decimal  # yuan, 2 places


@dataclass(frozen=True)
class TransferStart:
    """Money from the platform to a payee (a merchant's settlement payout).

    `transfer_no` is our number (Alipay out_biz_no, WeChat out_order_no prefix): a retry with
    the same number transfers once at the provider. `sources` (their amounts add up to
    `amount`, ordered by payment_no) say which payments funded it: the sandbox and Alipay
    transfer the total and ignore them, WeChat Pay splits each."""

    transfer_no: str
    amount: Decimal  # yuan, 2 places
    payee_account: str  # Alipay login id / user id, WeChat receiver merchant id, sandbox any
    remark: str
    payee_name: str = ""
    sources: tuple[TransferSource, ...] = ()


@dataclass(frozen=True)
class ProviderTransfer:
    transfer_no: str
    state: ProviderTransferState
    provider_ref: str = ""
    failure_code: str = ""


class PaymentProvider(Protocol):
    code: str  # "alipay", "wechat", "sandbox"

    def payment_start(self, *, start: PaymentStart) -> PaymentStarted:
        """Create the payment at the provider (or sign what the client sends it)."""
        ...

    def payment_query(self, *, payment_no: str) -> ProviderPayment:
        """Ask the provider for a payment's state (reconciliation)."""
        ...

    def payment_close(self, *, payment_no: str) -> None:
        """Close an unpaid payment so it can no longer be paid."""
        ...

    def refund_start(self, *, refund: RefundStart) -> ProviderRefund:
        """Ask for a refund; the answer may already be final or still processing."""
        ...

    def refund_query(self, *, payment_no: str, refund_no: str) -> ProviderRefund:
        """Ask the provider for a refund's state (reconciliation)."""
        ...

    def notification_verify(self, *, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify a callback exactly as the provider signs it and parse it; raises
        InvalidNotification (nothing may be trusted then)."""
        ...

    def notification_answer(self, *, ok: bool) -> NotificationAnswer:
        """What to answer the provider: ok only when the callback was processed (or had been)."""
        ...

    def bill_totals(self, *, day: date) -> BillTotals:
        """Download and total the provider's bill of `day` (daily reconciliation)."""
        ...

    def transfer_start(self, *, transfer: TransferStart) -> ProviderTransfer:
        """Pay money out to a payee (payouts, profit sharing); the same transfer_no transfers
        once; the answer may be final or still processing."""
        ...

    def transfer_query(self, *, transfer: TransferStart) -> ProviderTransfer:
        """Ask the provider for a transfer's state (the same TransferStart that started it).
        A transfer the provider never received is a ProviderError with code
        TRANSFER_NOT_FOUND (it may be sent again under the same number)."""
        ...

    def agreement_sign_start(self, *, start: AgreementStart) -> PaymentStarted:
        """What the buyer's client opens to sign the agreement; the provider confirms the
        signature by a callback of kind "agreement"."""
        ...

    def agreement_charge(self, *, charge: AgreementCharge) -> ProviderPayment:
        """Charge a signed agreement; the answer is final (succeeded / failed) or pending
        (settled by a callback or a query later). A refusal (no money, agreement ended) is a
        permanent ProviderError."""
        ...

    def agreement_end(self, *, agreement_no: str, provider_ref: str) -> None:
        """End (unsign) an agreement at the provider so it can never be charged again. One
        already ended (or never signed there) is not an error: ending is idempotent."""
        ...
