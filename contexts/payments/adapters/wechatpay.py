"""WeChat Pay API v3 behind the PaymentProvider port.

Requests carry `Authorization: WECHATPAY2-SHA256-RSA2048 ...`, a SHA256withRSA signature with the
merchant key over `METHOD\\npath?query\\ntimestamp\\nnonce\\nbody\\n`. Answers and callbacks are
verified on `Wechatpay-Signature` over `timestamp\\nnonce\\nbody\\n` with the platform key named
by `Wechatpay-Serial` (a platform certificate or a "WeChat Pay public key" with its id) and a
5-minute timestamp window; a callback's `resource` is AEAD_AES_256_GCM with the APIv3 key.

Settings (read when first used): PAYMENTS_WECHAT = {"mchid", "appid", "serial_no" (the merchant
certificate's), "private_key" or "private_key_path", "apiv3_key" (32 bytes), "platform_keys"
({serial or public key id: PEM or path}), "platform_certificates" ([PEM or path], keyed by their
own serial), "public_key_id" with "public_key" or "public_key_path", "base_url", "timeout",
"notify_url"}.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.exceptions import InvalidTag

from contexts.payments.adapters import _bills
from contexts.payments.adapters._http import fen, send
from contexts.payments.adapters._signing import rsa2_sign
from contexts.payments.adapters._wechat_protocol import (
    DEFAULT_BASE_URL,
    SHANGHAI,
    WechatPayConfig,
    authorization,
    keys_for,
    resource_decrypt,
    signature_problem,
)
from contexts.payments.domain.amounts import AmountError, from_fen, to_fen
from contexts.payments.ports import (
    PARTIALLY_SPLIT,
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
    TransferSource,
    TransferStart,
)

TRADE_STATES = {
    "SUCCESS": "succeeded",
    "NOTPAY": "pending",
    "USERPAYING": "pending",
    "CLOSED": "closed",
    "REVOKED": "closed",
    "PAYERROR": "failed",
}
REFUND_STATES = {
    "SUCCESS": "succeeded",
    "PROCESSING": "processing",
    "ABNORMAL": "failed",
    "CLOSED": "failed",
}
REFUND_EVENTS = {"REFUND.SUCCESS", "REFUND.ABNORMAL", "REFUND.CLOSED"}
# Error answers this adapter turns into a result (an empty bill): believed only when signed.
SIGNED_ONLY_CODES = {"NO_STATEMENT_EXIST"}
TRANSIENT_CODES = {"SYSTEM_ERROR", "FREQUENCY_LIMITED", "BANK_ERROR", "STATEMENT_CREATING"}


class WechatPayProvider:
    code = "wechat"

    def __init__(self, config: WechatPayConfig | None = None):
        self._config = config

    @property
    def config(self) -> WechatPayConfig:
        return self._config or WechatPayConfig.from_settings()

    def _request(
        self,
        method: str,
        path: str,
        payload: Mapping[str, Any] | None = None,
        *,
        operation: str,
        url: str = "",
        verify: bool = True,
    ) -> tuple[int, bytes]:
        """One signed request (to `path` on the base URL, or to `url`); a 4xx/5xx raises
        ProviderError with WeChat's `code`; a 2xx answer must carry a valid signature unless
        `verify` is off (the bill file, which WeChat does not sign: its hash is checked)."""
        config = self.config
        keys = keys_for(config)
        body = (
            ""
            if payload is None
            else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        )
        target = url or f"{config.base_url.rstrip('/')}{path}"
        parts = urlsplit(target)
        signed_path = parts.path + (f"?{parts.query}" if parts.query else "")
        headers = {
            "Authorization": authorization(
                config=config, key=keys.merchant, method=method, path=signed_path, body=body
            ),
            "Accept": "application/json",
            "User-Agent": "ecommerce-payments/1.0",
        }
        if payload is not None:
            headers["Content-Type"] = "application/json"
        response = send(
            operation=operation,
            method=method,
            url=target,
            timeout=config.timeout,
            headers=headers,
            data=body.encode() if payload is not None else None,
        )
        if response.status_code >= 400:
            try:
                code = str(response.json().get("code") or "")
            except (ValueError, AttributeError):
                code = ""
            code = code or f"http_{response.status_code}"
            if code in SIGNED_ONLY_CODES and signature_problem(
                keys, response.headers, response.content
            ):
                raise ProviderError(
                    f"{operation}: WeChat Pay's answer is not signed", code="bad_signature"
                )
            transient = response.status_code >= 500 or response.status_code == 429
            raise ProviderError(
                f"{operation}: WeChat Pay answered {code}",
                code=code,
                permanent=not transient and code not in TRANSIENT_CODES,
            )
        if verify:
            problem = signature_problem(keys, response.headers, response.content)
            if problem:
                raise ProviderError(
                    f"{operation}: WeChat Pay's answer: {problem}", code="bad_signature"
                )
        return response.status_code, response.content

    def _json(
        self, method: str, path: str, payload: Mapping[str, Any] | None = None, *, operation: str
    ) -> dict[str, Any]:
        _, content = self._request(method, path, payload, operation=operation)
        try:
            body = json.loads(content)
        except ValueError as exc:
            raise ProviderError(
                f"{operation}: WeChat Pay's answer is not JSON", code="bad_response"
            ) from exc
        if not isinstance(body, dict):
            raise ProviderError(
                f"{operation}: WeChat Pay's answer is not an object", code="bad_response"
            )
        return body

    # -- payments -------------------------------------------------------------------------

    def payment_start(self, *, start: PaymentStart) -> PaymentStarted:
        """Native: the prepay's code_url (render as QR). JSAPI: the prepay_id signed into the
        parameters of WeixinJSBridge's getBrandWCPayRequest (needs the payer's openid)."""
        config = self.config
        if start.channel not in ("native", "jsapi"):
            raise ProviderError(
                f"payment start: WeChat Pay has no {start.channel!r} channel",
                code="unsupported_channel",
                permanent=True,
            )
        if start.channel == "jsapi" and not start.payer_openid:
            raise ProviderError(
                "payment start: JSAPI needs the payer's openid",
                code="payer_openid_missing",
                permanent=True,
            )
        payload: dict[str, Any] = {
            "appid": config.appid,
            "mchid": config.mchid,
            "description": start.subject,
            "out_trade_no": start.payment_no,
            "notify_url": start.notify_url or config.notify_url,
            "amount": {
                "total": _fen_out(start.amount, operation="payment start"),
                "currency": "CNY",
            },
        }
        if start.expires_at is not None:
            payload["time_expire"] = _rfc3339(start.expires_at)
        if start.channel == "native":
            body = self._json(
                "POST", "/v3/pay/transactions/native", payload, operation="payment start"
            )
            if not body.get("code_url"):
                raise ProviderError("payment start: no code_url", code="bad_response")
            return PaymentStarted(kind="code_url", data={"code_url": str(body["code_url"])})
        payload["payer"] = {"openid": start.payer_openid}
        body = self._json("POST", "/v3/pay/transactions/jsapi", payload, operation="payment start")
        if not body.get("prepay_id"):
            raise ProviderError("payment start: no prepay_id", code="bad_response")
        return PaymentStarted(kind="jsapi", data=self.jsapi_params(str(body["prepay_id"])))

    def jsapi_params(self, prepay_id: str) -> dict[str, str]:
        """What the page passes to getBrandWCPayRequest: paySign is the merchant's RSA
        signature over `appId\\ntimeStamp\\nnonceStr\\npackage\\n`."""
        config = self.config
        params = {
            "appId": config.appid,
            "timeStamp": str(int(time.time())),
            "nonceStr": secrets.token_hex(16),
            "package": f"prepay_id={prepay_id}",
            "signType": "RSA",
        }
        message = (
            f"{params['appId']}\n{params['timeStamp']}\n{params['nonceStr']}\n{params['package']}\n"
        )
        params["paySign"] = rsa2_sign(keys_for(config).merchant, message)
        return params

    def payment_query(self, *, payment_no: str) -> ProviderPayment:
        config = self.config
        body = self._json(
            "GET",
            f"/v3/pay/transactions/out-trade-no/{quote(payment_no, safe='')}"
            f"?mchid={quote(config.mchid, safe='')}",
            operation="payment query",
        )
        if body.get("out_trade_no", payment_no) != payment_no:
            raise ProviderError(
                "payment query: the answer is about another trade", code="bad_response"
            )
        state = TRADE_STATES.get(str(body.get("trade_state", "")))
        if state is None:
            raise ProviderError("payment query: unknown trade_state", code="bad_response")
        total = (body.get("amount") or {}).get("total")
        return ProviderPayment(
            payment_no=payment_no,
            state=state,  # type: ignore[arg-type]
            amount=fen(total, operation="payment query") if total is not None else None,
            provider_ref=str(body.get("transaction_id") or ""),
            paid_at=_parse_time(body.get("success_time"), operation="payment query"),
        )

    def payment_close(self, *, payment_no: str) -> None:
        """POST .../close (204 when closed); a paid order answers an error code."""
        self._request(
            "POST",
            f"/v3/pay/transactions/out-trade-no/{quote(payment_no, safe='')}/close",
            {"mchid": self.config.mchid},
            operation="payment close",
        )

    # -- refunds --------------------------------------------------------------------------

    def refund_start(self, *, refund: RefundStart) -> ProviderRefund:
        payload: dict[str, Any] = {
            "out_trade_no": refund.payment_no,
            "out_refund_no": refund.refund_no,
            "reason": refund.reason,
            "amount": {
                "refund": _fen_out(refund.amount, operation="refund start"),
                "total": _fen_out(refund.payment_amount, operation="refund start"),
                "currency": "CNY",
            },
        }
        if refund.notify_url:
            payload["notify_url"] = refund.notify_url
        body = self._json("POST", "/v3/refund/domestic/refunds", payload, operation="refund start")
        return _refund(body, refund_no=refund.refund_no, operation="refund start")

    def transfer_start(self, *, transfer: TransferStart) -> ProviderTransfer:
        """Profit sharing (请求分账, POST /v3/profitsharing/orders): WeChat splits one payment
        per order, so one order per source payment (its transaction_id), out_order_no
        `<transfer_no>-<n>` (n = the source's place, sources ordered by payment_no: a retry
        sends the same numbers, which WeChat splits once each), one MERCHANT_ID receiver with
        that source's amount. unfreeze_unsplit is false: a payment of a trade with several
        shops' orders is split once per shop, so the rest stays frozen for the others (the
        platform's own share is released by WeChat's unfreeze, not called here).

        Orders are sent in turn and the first that fails stops the rest (not sent, so no money
        moves for them). The transfer: processing while any order is, succeeded when all
        are, failed when none moved money, and failed with PARTIALLY_SPLIT when some did (a
        new transfer must not split those again: settlement does not retry it)."""
        legs = self._legs(transfer)
        results: list[tuple[str, str, str]] = []
        for out_order_no, source in legs:
            if results and results[-1][0] == "failed":
                results.append(("failed", results[-1][1], ""))  # not sent
                continue
            try:
                body = self._json(
                    "POST",
                    "/v3/profitsharing/orders",
                    {
                        "appid": self.config.appid,
                        "transaction_id": source.payment_ref,
                        "out_order_no": out_order_no,
                        "receivers": [
                            {
                                "type": "MERCHANT_ID",
                                "account": transfer.payee_account,
                                "amount": _fen_out(source.amount, operation="transfer start"),
                                "description": transfer.remark,
                            }
                        ],
                        "unfreeze_unsplit": False,
                    },
                    operation="transfer start",
                )
            except ProviderError as exc:
                if not exc.permanent or not results:
                    raise  # nothing moved yet, or a retry sends the same numbers again
                results.append(("failed", exc.code, ""))
                continue
            results.append(_sharing_result(body, out_order_no, transfer.payee_account))
        return _transfer_outcome(transfer.transfer_no, results)

    def transfer_query(self, *, transfer: TransferStart) -> ProviderTransfer:
        """GET /v3/profitsharing/orders/{out_order_no}?transaction_id= for each source's order,
        combined as transfer_start does. An order WeChat does not know (RESOURCE_NOT_EXISTS:
        never sent, or refused when sent) makes the transfer TRANSFER_NOT_FOUND unless another
        is still processing: sending it again under the same numbers is safe."""
        results: list[tuple[str, str, str]] = []
        missing = False
        for out_order_no, source in self._legs(transfer):
            try:
                body = self._json(
                    "GET",
                    f"/v3/profitsharing/orders/{quote(out_order_no, safe='')}"
                    f"?transaction_id={quote(source.payment_ref, safe='')}",
                    operation="transfer query",
                )
            except ProviderError as exc:
                if exc.code not in ("RESOURCE_NOT_EXISTS", "ORDER_NOT_EXIST"):
                    raise
                missing = True
                continue
            results.append(_sharing_result(body, out_order_no, transfer.payee_account))
        if missing and not any(state == "processing" for state, _, _ in results):
            raise ProviderError(
                "transfer query: WeChat Pay does not know every order",
                code=TRANSFER_NOT_FOUND,
            )
        return _transfer_outcome(transfer.transfer_no, results)

    @staticmethod
    def _legs(transfer: TransferStart) -> list[tuple[str, TransferSource]]:
        sources = transfer.sources
        if (
            not sources
            or any(s.provider != "wechat" or not s.payment_ref for s in sources)
            or sum((s.amount for s in sources), Decimal("0")) != transfer.amount
        ):
            raise ProviderError(
                "transfer: WeChat Pay profit sharing needs the WeChat payments (transaction_id)"
                " that add up to the amount",
                code="source_payment_missing",
                permanent=True,
            )
        return [(f"{transfer.transfer_no}-{n}", s) for n, s in enumerate(sources, start=1)]

    def refund_query(self, *, payment_no: str, refund_no: str) -> ProviderRefund:
        body = self._json(
            "GET",
            f"/v3/refund/domestic/refunds/{quote(refund_no, safe='')}",
            operation="refund query",
        )
        return _refund(body, refund_no=refund_no, operation="refund query")

    # -- notifications --------------------------------------------------------------------

    def notification_verify(self, *, headers: Mapping[str, str], body: bytes) -> Notification:
        """Signature and timestamp window on the headers, then the resource decrypted with the
        APIv3 key; mchid (and appid, when the resource names one) must be ours."""
        config = self.config
        keys = keys_for(config)
        problem = signature_problem(keys, headers, body)
        if problem:
            raise InvalidNotification(problem)
        found = {name.lower(): value for name, value in headers.items()}
        try:
            envelope = json.loads(body)
            event_type = str(envelope["event_type"])
            encrypted = envelope["resource"]
            if encrypted.get("algorithm") != "AEAD_AES_256_GCM":
                raise InvalidNotification("resource algorithm is not AEAD_AES_256_GCM")
            plaintext = resource_decrypt(keys, encrypted)
        except InvalidTag as exc:
            raise InvalidNotification("resource does not decrypt") from exc
        except (ValueError, KeyError, TypeError, AttributeError, binascii.Error) as exc:
            raise InvalidNotification("body is not a WeChat Pay notification") from exc
        try:
            resource = json.loads(plaintext)
            if not isinstance(resource, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            raise InvalidNotification("resource is not JSON") from exc
        if resource.get("mchid") != config.mchid:
            raise InvalidNotification("mchid is not ours")
        if "appid" in resource and resource["appid"] != config.appid:
            raise InvalidNotification("appid is not ours")
        if not resource.get("out_trade_no"):
            raise InvalidNotification("out_trade_no is missing")
        common = {
            "payment_no": str(resource["out_trade_no"]),
            "provider_ref": str(resource.get("transaction_id") or ""),
            "app_id": str(resource.get("appid") or ""),
            "nonce": found["wechatpay-nonce"],
            "sent_at": datetime.fromtimestamp(int(found["wechatpay-timestamp"]), tz=UTC),
        }
        amount = resource.get("amount") or {}
        try:
            if event_type == "TRANSACTION.SUCCESS":
                state = TRADE_STATES.get(str(resource.get("trade_state")))
                if state is None:
                    raise InvalidNotification("trade_state is unknown")
                return Notification(
                    kind="payment",
                    state=state,
                    amount=from_fen(amount.get("total")),
                    paid_at=_notify_time(resource.get("success_time")),
                    **common,
                )
            if event_type in REFUND_EVENTS:
                state = REFUND_STATES.get(str(resource.get("refund_status")))
                if state is None or not resource.get("out_refund_no"):
                    raise InvalidNotification("refund_status or out_refund_no is wrong")
                return Notification(
                    kind="refund",
                    state=state,
                    amount=from_fen(amount.get("refund")),
                    refund_no=str(resource["out_refund_no"]),
                    **common,
                )
        except AmountError as exc:
            raise InvalidNotification("amount is not a whole number of fen") from exc
        raise InvalidNotification("event_type is not handled")

    def notification_answer(self, *, ok: bool) -> NotificationAnswer:
        """204 when processed; otherwise 500 with WeChat's error JSON, so it retries."""
        if ok:
            return NotificationAnswer(status=204, content_type="application/json", body=b"")
        return NotificationAnswer(
            status=500,
            content_type="application/json",
            body=b'{"code":"FAIL","message":"not processed"}',
        )

    # -- reconciliation -------------------------------------------------------------------

    # -- agreements (委托代扣, papay v3) ------------------------------------------------------
    # Verified against WeChat Pay's published v3 papay shapes: the merchant's termination by
    # contract code and the deduction request (受理扣款, whose result comes by notify/query).
    # Signing is not implemented: the v3 pre-sign (预签约) needs the buyer's openid, which
    # payments does not have, and its answer and the signing callback could not be verified.

    def agreement_sign_start(self, *, start: AgreementStart) -> PaymentStarted:
        raise ProviderError(
            "agreement signing is not implemented for WeChat Pay yet",
            code="AGREEMENT_UNSUPPORTED",
            permanent=True,
        )

    def agreement_charge(self, *, charge: AgreementCharge) -> ProviderPayment:
        """POST /v3/papay/pay/transactions/apply (受理扣款) against the contract_id: WeChat
        accepts the request and deducts asynchronously, so the answer is pending, settled by
        the TRANSACTION.SUCCESS notify or payment_query (out_trade_no = payment_no, a retry
        with the same number is one deduction). A refusal (contract ended, ...) is a
        permanent ProviderError with WeChat's code."""
        self._request(
            "POST",
            "/v3/papay/pay/transactions/apply",
            {
                "appid": self.config.appid,
                "out_trade_no": charge.payment_no,
                "description": charge.subject,
                "transaction_notify_url": charge.notify_url or self.config.notify_url,
                "contract_id": charge.provider_ref,
                "amount": {
                    "total": _fen_out(charge.amount, operation="agreement charge"),
                    "currency": "CNY",
                },
            },
            operation="agreement charge",
        )
        return ProviderPayment(payment_no=charge.payment_no, state="pending")

    def agreement_end(self, *, agreement_no: str, provider_ref: str) -> None:
        """POST /v3/papay/sign/contracts/plan-id/{plan_id}/out-contract-code/{agreement_no}
        /terminate (our number is the out_contract_code). A contract WeChat does not hold in
        force (RESOURCE_NOT_EXISTS, CONTRACT_NOT_EXIST) is ended already."""
        plan_id = self.config.papay_plan_id
        try:
            self._request(
                "POST",
                f"/v3/papay/sign/contracts/plan-id/{int(plan_id)}"
                f"/out-contract-code/{quote(agreement_no, safe='')}/terminate",
                {"contract_termination_remark": "auto-renew turned off"},
                operation="agreement end",
            )
        except ProviderError as exc:
            if exc.code not in ("RESOURCE_NOT_EXISTS", "CONTRACT_NOT_EXIST"):
                raise

    def bill_totals(self, *, day: date) -> BillTotals:
        """GET /v3/bill/tradebill (bill_type ALL) for the download URL and SHA1, then the file
        (a signed GET, hash checked). NO_STATEMENT_EXIST (no trade that day) gives zeros."""
        try:
            body = self._json(
                "GET",
                f"/v3/bill/tradebill?bill_date={day.isoformat()}&bill_type=ALL",
                operation="bill totals",
            )
        except ProviderError as exc:
            if exc.code == "NO_STATEMENT_EXIST":
                return BillTotals(
                    day=day,
                    payment_count=0,
                    payment_amount=Decimal("0.00"),
                    refund_count=0,
                    refund_amount=Decimal("0.00"),
                )
            raise
        url, expected = str(body.get("download_url") or ""), str(body.get("hash_value") or "")
        if not url.startswith(("https://", "http://")) or body.get("hash_type") != "SHA1":
            raise ProviderError("bill totals: no download URL or SHA1 hash", code="bad_response")
        _, content = self._request("GET", "", operation="bill download", url=url, verify=False)
        digest = hashlib.sha1(content).hexdigest()  # noqa: S324 (the hash WeChat gives)
        if not secrets.compare_digest(digest, expected.lower()):
            raise ProviderError("bill download: the file does not match its hash", code="bad_hash")
        try:
            return _bills.wechat_bill_totals(day=day, content=content)
        except _bills.BillFormatError as exc:
            raise ProviderError(f"bill download: {exc}", code="bad_bill", permanent=True) from exc


def _sharing_result(
    body: Mapping[str, Any], out_order_no: str, account: str
) -> tuple[str, str, str]:
    """(state, failure code, WeChat's order_id) of one profit-sharing order, from its
    receiver's result: SUCCESS succeeded, CLOSED failed (fail_reason), PENDING processing."""
    if body.get("out_order_no", out_order_no) != out_order_no:
        raise ProviderError("transfer: the answer is about another order", code="bad_response")
    receiver = next(
        (
            r
            for r in body.get("receivers") or ()
            if isinstance(r, dict) and r.get("account") == account
        ),
        {},
    )
    state = {"SUCCESS": "succeeded", "CLOSED": "failed"}.get(
        str(receiver.get("result", "")), "processing"
    )
    code = str(receiver.get("fail_reason", "")) if state == "failed" else ""
    return state, code, str(body.get("order_id", ""))


def _transfer_outcome(transfer_no: str, results: list[tuple[str, str, str]]) -> ProviderTransfer:
    states = [state for state, _, _ in results]
    first_ref = next((ref for _, _, ref in results if ref), "")
    if "processing" in states:
        state, code = "processing", ""
    elif all(s == "succeeded" for s in states):
        state, code = "succeeded", ""
    elif all(s == "failed" for s in states):
        state, code = "failed", next((c for _, c, _ in results if c), "failed")
    else:
        state, code = "failed", PARTIALLY_SPLIT
    return ProviderTransfer(
        transfer_no=transfer_no,
        state=state,  # type: ignore[arg-type]
        provider_ref=first_ref,
        failure_code=code,
    )


def _refund(body: Mapping[str, Any], *, refund_no: str, operation: str) -> ProviderRefund:
    if body.get("out_refund_no", refund_no) != refund_no:
        raise ProviderError(f"{operation}: the answer is about another refund", code="bad_response")
    state = REFUND_STATES.get(str(body.get("status", "")))
    if state is None:
        raise ProviderError(f"{operation}: unknown refund status", code="bad_response")
    refunded = (body.get("amount") or {}).get("refund")
    return ProviderRefund(
        refund_no=refund_no,
        state=state,  # type: ignore[arg-type]
        amount=fen(refunded, operation=operation) if refunded is not None else None,
        provider_ref=str(body.get("refund_id") or ""),
    )


def _fen_out(amount: Decimal, *, operation: str) -> int:
    try:
        return to_fen(amount)
    except AmountError as exc:
        raise ProviderError(
            f"{operation}: not a whole number of fen", code="bad_amount", permanent=True
        ) from exc


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ProviderError(
            "payment start: expires_at must be timezone-aware", code="bad_expiry", permanent=True
        )
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _parse_time(text: object, *, operation: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(str(text))
    except ValueError as exc:
        raise ProviderError(f"{operation}: a time is malformed", code="bad_response") from exc


def _notify_time(text: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text)) if text else None
    except ValueError as exc:
        raise InvalidNotification("success_time is malformed") from exc


__all__ = ["DEFAULT_BASE_URL", "WechatPayConfig", "WechatPayProvider", "authorization"]
