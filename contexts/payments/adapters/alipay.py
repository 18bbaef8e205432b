"""Alipay open platform (RSA2) behind the PaymentProvider port.

Requests carry the common parameters and `biz_content`, signed with SHA256withRSA over the sorted
`key=value&...` string of the non-empty parameters without `sign`. Alipay signs each gateway answer
over the exact JSON text of its `<method>_response` object, and its async notify over the sorted
form parameters without `sign` and `sign_type`; both are verified with the Alipay public key
before anything in them is used.

Settings (read when first used, so a process without Alipay starts fine): PAYMENTS_ALIPAY = {
"app_id", "private_key" or "private_key_path", "alipay_public_key" or "alipay_public_key_path",
"gateway" (default the production gateway), "timeout" (seconds), "notify_url"}.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from contexts.payments.adapters import _bills
from contexts.payments.adapters._alipay_protocol import (
    DEFAULT_GATEWAY,
    SHANGHAI,
    TIME_FORMAT,
    AlipayConfig,
    form_params,
    keys_for,
    notify_amount,
    response_object,
    shanghai_time,
    sign_content,
)
from contexts.payments.adapters._http import send, yuan
from contexts.payments.adapters._signing import rsa2_sign, rsa2_verify
from contexts.payments.domain.amounts import AmountError, to_yuan_string
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

TRADE_STATES = {
    "WAIT_BUYER_PAY": "pending",
    "TRADE_SUCCESS": "succeeded",
    "TRADE_FINISHED": "succeeded",
    "TRADE_CLOSED": "closed",
}
AGREEMENT_NOTIFY_TYPES = {"dut_user_sign", "dut_user_unsign"}
AGREEMENT_STATES = {"NORMAL": "signed", "UNSIGN": "terminated", "STOP": "terminated"}
# Errors worth retrying; every other error answer is permanent (bad parameters, business rules).
# Error answers this adapter turns into a result (pending, closed, an empty bill): believed only
# when Alipay signed them, as it signs its business answers.
SIGNED_ONLY_CODES = {"ACQ.TRADE_NOT_EXIST", "isp.bill_not_exist", "ORDER_NOT_EXIST"}
TRANSIENT_CODES = {"20000", "ACQ.SYSTEM_ERROR", "aop.ACQ.SYSTEM_ERROR", "isp.unknow-error"}


class AlipayProvider:
    code = "alipay"

    def __init__(self, config: AlipayConfig | None = None):
        self._config = config

    # -- configuration and signing --------------------------------------------------------

    @property
    def config(self) -> AlipayConfig:
        return self._config or AlipayConfig.from_settings()

    def _signed_params(
        self, method: str, biz: Mapping[str, Any], *, notify_url: str = "", return_url: str = ""
    ) -> dict[str, str]:
        config = self.config
        params = {
            "app_id": config.app_id,
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now(SHANGHAI).strftime(TIME_FORMAT),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False, separators=(",", ":")),
        }
        if notify_url:
            params["notify_url"] = notify_url
        if return_url:
            params["return_url"] = return_url
        params["sign"] = rsa2_sign(keys_for(config).private, sign_content(params))
        return params

    def _call(
        self, method: str, biz: Mapping[str, Any], *, operation: str, notify_url: str = ""
    ) -> dict[str, Any]:
        """POST one signed request to the gateway; the verified `<method>_response` object when
        its code is 10000, else ProviderError with Alipay's sub_code (or code)."""
        config = self.config
        response = send(
            operation=operation,
            method="POST",
            url=config.gateway,
            timeout=config.timeout,
            headers={"Content-Type": "application/x-www-form-urlencoded;charset=utf-8"},
            data=urlencode(self._signed_params(method, biz, notify_url=notify_url)),
        )
        if response.status_code != 200:
            code = f"http_{response.status_code}"
            raise ProviderError(
                f"{operation}: Alipay answered HTTP {response.status_code}",
                code=code,
                permanent=False,
            )
        try:
            raw, body, sign = response_object(
                response.content.decode("utf-8"), method.replace(".", "_") + "_response"
            )
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProviderError(
                f"{operation}: Alipay's answer is not readable", code="bad_response"
            ) from exc
        if sign and not rsa2_verify(keys_for(config).alipay, raw, sign):
            raise ProviderError(
                f"{operation}: Alipay's answer has a bad signature", code="bad_signature"
            )
        code = str(body.get("code", ""))
        if code != "10000":
            error = str(body.get("sub_code") or code or "unknown")
            if error in SIGNED_ONLY_CODES and not sign:
                raise ProviderError(
                    f"{operation}: Alipay's answer is not signed", code="bad_signature"
                )
            raise ProviderError(
                f"{operation}: Alipay answered {error}",
                code=error,
                permanent=error not in TRANSIENT_CODES and code not in TRANSIENT_CODES,
            )
        if not sign:
            raise ProviderError(f"{operation}: Alipay's answer is not signed", code="bad_signature")
        return body

    # -- payments -------------------------------------------------------------------------

    def payment_start(self, *, start: PaymentStart) -> PaymentStarted:
        """Page pay: a signed GET URL of the gateway (kind "url"); app pay: the signed order
        string for the Alipay app SDK. Nothing is sent: Alipay creates the trade when the buyer
        opens it."""
        methods = {
            "page": ("alipay.trade.page.pay", "FAST_INSTANT_TRADE_PAY"),
            "app": ("alipay.trade.app.pay", "QUICK_MSECURITY_PAY"),
        }
        if start.channel not in methods:
            raise ProviderError(
                f"payment start: Alipay has no {start.channel!r} channel",
                code="unsupported_channel",
                permanent=True,
            )
        method, product_code = methods[start.channel]
        biz = {
            "out_trade_no": start.payment_no,
            "total_amount": _yuan_out(start.amount, operation="payment start"),
            "subject": start.subject,
            "product_code": product_code,
        }
        if start.expires_at is not None:
            biz["time_expire"] = _as_shanghai(start.expires_at).strftime(TIME_FORMAT)
        params = self._signed_params(
            method,
            biz,
            notify_url=start.notify_url or self.config.notify_url,
            return_url=start.return_url if start.channel == "page" else "",
        )
        if start.channel == "page":
            return PaymentStarted(
                kind="url", data={"url": f"{self.config.gateway}?{urlencode(params)}"}
            )
        return PaymentStarted(kind="order_string", data={"order_string": urlencode(params)})

    def payment_query(self, *, payment_no: str) -> ProviderPayment:
        """alipay.trade.query. ACQ.TRADE_NOT_EXIST is "pending": Alipay creates the trade only
        when the buyer opens the cashier, so a payment nobody opened yet is unknown to it."""
        try:
            body = self._call(
                "alipay.trade.query", {"out_trade_no": payment_no}, operation="payment query"
            )
        except ProviderError as exc:
            if exc.code == "ACQ.TRADE_NOT_EXIST":
                return ProviderPayment(payment_no=payment_no, state="pending")
            raise
        if body.get("out_trade_no", payment_no) != payment_no:
            raise ProviderError(
                "payment query: the answer is about another trade", code="bad_response"
            )
        status = str(body.get("trade_status", ""))
        if status not in TRADE_STATES:
            raise ProviderError(
                f"payment query: unknown trade_status {status!r}", code="bad_response"
            )
        paid_at = body.get("send_pay_date")
        return ProviderPayment(
            payment_no=payment_no,
            state=TRADE_STATES[status],  # type: ignore[arg-type]
            amount=yuan(body["total_amount"], operation="payment query")
            if body.get("total_amount")
            else None,
            provider_ref=str(body.get("trade_no", "")),
            paid_at=shanghai_time(paid_at) if paid_at else None,
        )

    def payment_close(self, *, payment_no: str) -> None:
        """alipay.trade.close. ACQ.TRADE_NOT_EXIST counts as closed (nobody opened the
        cashier); the signed URL stops working at its time_expire, and a payment arriving
        anyway still comes by notify."""
        try:
            self._call(
                "alipay.trade.close", {"out_trade_no": payment_no}, operation="payment close"
            )
        except ProviderError as exc:
            if exc.code != "ACQ.TRADE_NOT_EXIST":
                raise

    # -- refunds --------------------------------------------------------------------------

    def refund_start(self, *, refund: RefundStart) -> ProviderRefund:
        """alipay.trade.refund with out_request_no = refund_no (a retry with the same number
        refunds once). fund_change "Y" is final; anything else is left "processing" for
        refund_query to settle (a repeated request answers "N")."""
        body = self._call(
            "alipay.trade.refund",
            {
                "out_trade_no": refund.payment_no,
                "out_request_no": refund.refund_no,
                "refund_amount": _yuan_out(refund.amount, operation="refund start"),
                "refund_reason": refund.reason,
            },
            operation="refund start",
        )
        succeeded = body.get("fund_change") == "Y"
        return ProviderRefund(
            refund_no=refund.refund_no,
            state="succeeded" if succeeded else "processing",
            amount=refund.amount if succeeded else None,
            provider_ref=str(body.get("trade_no", "")),
        )

    def refund_query(self, *, payment_no: str, refund_no: str) -> ProviderRefund:
        """alipay.trade.fastpay.refund.query. Alipay answers without a refund when it holds
        no successful refund under that number: "failed" (a new refund_start with the same
        refund_no is idempotent at Alipay)."""
        body = self._call(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": payment_no, "out_request_no": refund_no},
            operation="refund query",
        )
        status = body.get("refund_status")
        if status == "REFUND_SUCCESS" or (status is None and body.get("refund_amount")):
            return ProviderRefund(
                refund_no=refund_no,
                state="succeeded",
                amount=yuan(body["refund_amount"], operation="refund query")
                if body.get("refund_amount")
                else None,
                provider_ref=str(body.get("trade_no", "")),
            )
        return ProviderRefund(
            refund_no=refund_no, state="failed", provider_ref=str(body.get("trade_no", ""))
        )

    # -- payouts --------------------------------------------------------------------------

    def transfer_start(self, *, transfer: TransferStart) -> ProviderTransfer:
        """alipay.fund.trans.uni.transfer (单笔转账到支付宝账户, TRANS_ACCOUNT_NO_PWD /
        DIRECT_TRANSFER) with out_biz_no = transfer_no: Alipay transfers once per out_biz_no.
        status SUCCESS is final, FAIL failed, DEALING (or none yet) processing. The payee is a
        login id, or an Alipay user id when it is 16 digits starting 2088."""
        account = transfer.payee_account
        identity_type = (
            "ALIPAY_USER_ID"
            if account.isdigit() and len(account) == 16 and account.startswith("2088")
            else "ALIPAY_LOGON_ID"
        )
        payee: dict[str, str] = {"identity": account, "identity_type": identity_type}
        if transfer.payee_name:
            payee["name"] = transfer.payee_name
        body = self._call(
            "alipay.fund.trans.uni.transfer",
            {
                "out_biz_no": transfer.transfer_no,
                "trans_amount": _yuan_out(transfer.amount, operation="transfer start"),
                "product_code": "TRANS_ACCOUNT_NO_PWD",
                "biz_scene": "DIRECT_TRANSFER",
                "order_title": transfer.remark,
                "payee_info": payee,
            },
            operation="transfer start",
        )
        if body.get("out_biz_no", transfer.transfer_no) != transfer.transfer_no:
            raise ProviderError(
                "transfer start: the answer is about another transfer", code="bad_response"
            )
        status = str(body.get("status", ""))
        state = {"SUCCESS": "succeeded", "FAIL": "failed"}.get(status, "processing")
        return ProviderTransfer(
            transfer_no=transfer.transfer_no,
            state=state,  # type: ignore[arg-type]
            provider_ref=str(body.get("order_id", "")),
            failure_code=str(body.get("fail_reason", "")) if state == "failed" else "",
        )

    def transfer_query(self, *, transfer: TransferStart) -> ProviderTransfer:
        """alipay.fund.trans.common.query by out_biz_no (same product_code and biz_scene as
        the transfer). SUCCESS succeeded; FAIL, REFUND (退票: paid back) and CLOSED failed;
        DEALING / WAIT_PAY processing. ORDER_NOT_EXIST (believed only when signed): Alipay
        never received it, TRANSFER_NOT_FOUND (sent again under the same out_biz_no)."""
        try:
            body = self._call(
                "alipay.fund.trans.common.query",
                {
                    "out_biz_no": transfer.transfer_no,
                    "product_code": "TRANS_ACCOUNT_NO_PWD",
                    "biz_scene": "DIRECT_TRANSFER",
                },
                operation="transfer query",
            )
        except ProviderError as exc:
            if exc.code == "ORDER_NOT_EXIST":
                raise ProviderError(
                    "transfer query: Alipay has no such transfer", code=TRANSFER_NOT_FOUND
                ) from exc
            raise
        if body.get("out_biz_no", transfer.transfer_no) != transfer.transfer_no:
            raise ProviderError(
                "transfer query: the answer is about another transfer", code="bad_response"
            )
        status = str(body.get("status", ""))
        state = {
            "SUCCESS": "succeeded",
            "FAIL": "failed",
            "REFUND": "failed",
            "CLOSED": "failed",
        }.get(status, "processing")
        return ProviderTransfer(
            transfer_no=transfer.transfer_no,
            state=state,  # type: ignore[arg-type]
            provider_ref=str(body.get("order_id", "")),
            failure_code=str(body.get("fail_reason") or body.get("error_code") or status)
            if state == "failed"
            else "",
        )

    # -- notifications --------------------------------------------------------------------

    def notification_verify(self, *, headers: Mapping[str, str], body: bytes) -> Notification:
        """The async notify: form parameters signed (RSA2) over the sorted `k=v&...` without
        sign and sign_type, app_id ours, amounts exact. notify_id is the delivery's nonce."""
        config = self.config
        params = form_params(body)
        if params.get("sign_type") != "RSA2":
            raise InvalidNotification("sign_type is not RSA2")
        if not rsa2_verify(
            keys_for(config).alipay,
            sign_content(params, exclude=("sign", "sign_type")),
            params.get("sign", ""),
        ):
            raise InvalidNotification("signature does not verify")
        if params.get("app_id") != config.app_id:
            raise InvalidNotification("app_id is not ours")
        if params.get("notify_type") in AGREEMENT_NOTIFY_TYPES:
            return _agreement_notification(params)
        for name in ("out_trade_no", "notify_id", "notify_time", "trade_status"):
            if not params.get(name):
                raise InvalidNotification(f"{name} is missing")
        try:
            sent_at = shanghai_time(params["notify_time"])
            paid_at = shanghai_time(params["gmt_payment"]) if params.get("gmt_payment") else None
        except ValueError as exc:
            raise InvalidNotification("a time is malformed") from exc
        common = {
            "payment_no": params["out_trade_no"],
            "provider_ref": params.get("trade_no", ""),
            "app_id": params["app_id"],
            "nonce": params["notify_id"],
            "sent_at": sent_at,
            "paid_at": paid_at,
        }
        if params.get("out_biz_no") or params.get("refund_fee"):
            if not params.get("out_biz_no"):
                raise InvalidNotification("out_biz_no is missing")
            # refund_fee is the trade's cumulative refund, not this refund's amount: not passed
            # on as the amount (refund_query gives this refund's own).
            notify_amount(params, "refund_fee")
            return Notification(
                kind="refund",
                state="succeeded",
                amount=None,
                refund_no=params["out_biz_no"],
                **common,
            )
        status = params["trade_status"]
        if status not in TRADE_STATES:
            raise InvalidNotification("trade_status is unknown")
        return Notification(
            kind="payment",
            state=TRADE_STATES[status],
            amount=notify_amount(params, "total_amount"),
            **common,
        )

    def notification_answer(self, *, ok: bool) -> NotificationAnswer:
        """Alipay stops retrying on the text "success"; anything else is retried."""
        return NotificationAnswer(
            status=200, content_type="text/plain", body=b"success" if ok else b"fail"
        )

    # -- reconciliation -------------------------------------------------------------------

    # -- agreements (周期扣款) ----------------------------------------------------------------

    def agreement_sign_start(self, *, start: AgreementStart) -> PaymentStarted:
        """alipay.user.agreement.page.sign as a signed gateway URL (kind "url"; nothing is
        sent: the buyer opens it in Alipay): personal_product_code CYCLE_PAY_AUTH_P,
        external_agreement_no = our agreement_no, the app's sign_scene, the notify_url of the
        dut_user_sign callback, and period_rule_params when the caller gave the period rule
        (period_type MONTH, period, execute_time = the first charge's day, single_amount)."""
        config = self.config
        params = self._signed_params(
            "alipay.user.agreement.page.sign",
            {
                "personal_product_code": "CYCLE_PAY_AUTH_P",
                "product_code": "GENERAL_WITHHOLDING",
                "sign_scene": config.agreement_sign_scene,
                "external_agreement_no": start.agreement_no,
                "access_params": {"channel": "ALIPAYAPP"},
                "external_logon_id": start.agreement_no,
                **_period_rule(start),
            },
            notify_url=start.notify_url or config.notify_url,
        )
        return PaymentStarted(kind="url", data={"url": f"{config.gateway}?{urlencode(params)}"})

    def agreement_charge(self, *, charge: AgreementCharge) -> ProviderPayment:
        """alipay.trade.pay with product_code GENERAL_WITHHOLDING and agreement_params
        {agreement_no: Alipay's agreement number}, out_trade_no = payment_no (a retry pays
        once). 10000 is paid; 10003 (being processed) is pending, settled by the notify or
        a query; a business refusal (balance, agreement ended) is a permanent ProviderError."""
        try:
            body = self._call(
                "alipay.trade.pay",
                {
                    "out_trade_no": charge.payment_no,
                    "total_amount": _yuan_out(charge.amount, operation="agreement charge"),
                    "subject": charge.subject,
                    "product_code": "GENERAL_WITHHOLDING",
                    "agreement_params": {"agreement_no": charge.provider_ref},
                },
                operation="agreement charge",
                notify_url=charge.notify_url or self.config.notify_url,
            )
        except ProviderError as exc:
            if exc.code in ("10003", "ACQ.WAIT_USER_PAY"):  # accepted, not finished
                return ProviderPayment(payment_no=charge.payment_no, state="pending")
            raise
        if body.get("out_trade_no", charge.payment_no) != charge.payment_no:
            raise ProviderError(
                "agreement charge: the answer is about another trade", code="bad_response"
            )
        paid_at = body.get("gmt_payment")
        return ProviderPayment(
            payment_no=charge.payment_no,
            state="succeeded",
            amount=yuan(body["total_amount"], operation="agreement charge")
            if body.get("total_amount")
            else None,
            provider_ref=str(body.get("trade_no", "")),
            paid_at=shanghai_time(paid_at) if paid_at else None,
        )

    def agreement_end(self, *, agreement_no: str, provider_ref: str) -> None:
        """alipay.user.agreement.unsign by Alipay's agreement_no (or, before the sign callback
        gave it, by external_agreement_no with the product code and scene).
        USER_AGREEMENT_NOT_EXIST (never signed, or already ended) is done already."""
        biz: dict[str, str] = (
            {"agreement_no": provider_ref}
            if provider_ref
            else {
                "external_agreement_no": agreement_no,
                "personal_product_code": "CYCLE_PAY_AUTH_P",
                "sign_scene": self.config.agreement_sign_scene,
            }
        )
        try:
            self._call("alipay.user.agreement.unsign", biz, operation="agreement end")
        except ProviderError as exc:
            if exc.code != "USER_AGREEMENT_NOT_EXIST":
                raise

    def bill_totals(self, *, day: date) -> BillTotals:
        """alipay.data.dataservice.bill.downloadurl.query (bill_type trade) then the zip of
        GBK CSVs at the URL it gives. isp.bill_not_exist (no trade that day) gives zeros."""
        try:
            body = self._call(
                "alipay.data.dataservice.bill.downloadurl.query",
                {"bill_type": "trade", "bill_date": day.isoformat()},
                operation="bill totals",
            )
        except ProviderError as exc:
            if exc.code == "isp.bill_not_exist":
                return BillTotals(
                    day=day,
                    payment_count=0,
                    payment_amount=Decimal("0.00"),
                    refund_count=0,
                    refund_amount=Decimal("0.00"),
                )
            raise
        url = str(body.get("bill_download_url", ""))
        if not url.startswith(("https://", "http://")):
            raise ProviderError("bill totals: no download URL", code="bad_response")
        response = send(
            operation="bill download", method="GET", url=url, timeout=self.config.timeout
        )
        if response.status_code != 200:
            raise ProviderError(
                f"bill download: HTTP {response.status_code}", code=f"http_{response.status_code}"
            )
        try:
            return _bills.alipay_bill_totals(day=day, archive=response.content)
        except _bills.BillFormatError as exc:
            raise ProviderError(f"bill download: {exc}", code="bad_bill", permanent=True) from exc


def _period_rule(start: AgreementStart) -> dict[str, Any]:
    if not (start.period_months and start.first_charge_on and start.max_amount):
        return {}
    return {
        "period_rule_params": {
            "period_type": "MONTH",
            "period": start.period_months,
            "execute_time": start.first_charge_on.isoformat(),
            "single_amount": _yuan_out(start.max_amount, operation="agreement sign"),
        }
    }


def _agreement_notification(params: Mapping[str, str]) -> Notification:
    """dut_user_sign (status NORMAL: signed) or dut_user_unsign (the buyer ended it in
    Alipay: terminated); external_agreement_no is ours, agreement_no Alipay's."""
    for name in ("external_agreement_no", "agreement_no", "notify_id", "notify_time", "status"):
        if not params.get(name):
            raise InvalidNotification(f"{name} is missing")
    state = AGREEMENT_STATES.get(params["status"])
    if state is None:
        raise InvalidNotification("agreement status is unknown")
    try:
        sent_at = shanghai_time(params["notify_time"])
    except ValueError as exc:
        raise InvalidNotification("a time is malformed") from exc
    return Notification(
        kind="agreement",
        payment_no="",
        state=state,
        amount=None,
        provider_ref=params["agreement_no"],
        agreement_no=params["external_agreement_no"],
        app_id=params["app_id"],
        nonce=params["notify_id"],
        sent_at=sent_at,
    )


def _yuan_out(amount: Decimal, *, operation: str) -> str:
    try:
        return to_yuan_string(amount)
    except AmountError as exc:
        raise ProviderError(
            f"{operation}: not a whole number of fen", code="bad_amount", permanent=True
        ) from exc


def _as_shanghai(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ProviderError(
            "payment start: expires_at must be timezone-aware", code="bad_expiry", permanent=True
        )
    return moment.astimezone(SHANGHAI)


__all__ = ["DEFAULT_GATEWAY", "SHANGHAI", "AlipayConfig", "AlipayProvider", "sign_content"]
