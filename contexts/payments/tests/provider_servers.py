"""Local stand-ins for Alipay and WeChat Pay for the adapter tests (no network).

Each is a threading `http.server` on 127.0.0.1:0 that checks our request signatures exactly as the
provider would (Alipay: the `sign` form parameter; WeChat: the Authorization header over the exact
method, path with query and body bytes) and answers signed responses with the provider's key.
The builders make callbacks the way the provider makes them. Keys are generated per test run.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import secrets
import threading
import time
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def certificate_pem(key: rsa.RSAPrivateKey, *, serial: int, days: int = 365) -> str:
    """A self-signed certificate like a WeChat Pay platform certificate."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Tenpay.com Root CA")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now - timedelta(days=2))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def sign(key: rsa.RSAPrivateKey, message: str | bytes) -> str:
    data = message.encode() if isinstance(message, str) else message
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(key: rsa.RSAPublicKey, message: str | bytes, signature: str) -> bool:
    data = message.encode() if isinstance(message, str) else message
    try:
        key.verify(base64.b64decode(signature), data, padding.PKCS1v15(), hashes.SHA256())
    except Exception:
        return False
    return True


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Seen], tuple[int, Mapping[str, str], bytes]]


@contextmanager
def serve(handle: Handler) -> Iterator[str]:
    """Run `handle` behind a local HTTP server; yields its base URL."""

    class RequestHandler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = Seen(
                self.command, self.path, dict(self.headers.items()), self.rfile.read(length)
            )
            status, headers, body = handle(seen)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        do_GET = do_POST = _any

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- Alipay ------------------------------------------------------------------------------


def alipay_content(params: Mapping[str, str], *, exclude: tuple[str, ...]) -> str:
    """Alipay's string to sign, written here independently of the adapter."""
    pairs = sorted((k, v) for k, v in params.items() if k not in exclude and v != "")
    return "&".join(f"{k}={v}" for k, v in pairs)


@dataclass
class FakeAlipay:
    """The gateway: verifies `sign` with the app's public key, answers `answers[method]`
    (a dict, or a callable of the biz_content) signed with the Alipay key, like Alipay does."""

    app_id: str
    app_public: rsa.RSAPublicKey
    alipay_key: rsa.RSAPrivateKey
    answers: dict[str, Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    seen: list[dict[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    delay: float = 0.0

    def __call__(self, request: Seen) -> tuple[int, Mapping[str, str], bytes]:
        if self.delay:
            time.sleep(self.delay)
        path = urlsplit(request.path).path
        if path in self.files:
            return 200, {"Content-Type": "application/oct-stream"}, self.files[path]
        params = dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        self.seen.append(params)
        method = params.get("method", "")
        key = method.replace(".", "_") + "_response"
        if not verify(
            self.app_public, alipay_content(params, exclude=("sign",)), params.get("sign", "")
        ):
            self.problems.append("bad request signature")
            return self.respond(
                "error_response",
                {
                    "code": "40002",
                    "msg": "Invalid Arguments",
                    "sub_code": "isv.invalid-signature",
                    "sub_msg": "验签出错",
                },
                signed=False,
            )
        if params.get("app_id") != self.app_id or params.get("sign_type") != "RSA2":
            self.problems.append("bad app_id or sign_type")
        answer = self.answers.get(method)
        if callable(answer):
            answer = answer(json.loads(params["biz_content"]))
        if answer is None:
            return 404, {}, b""
        if isinstance(answer, tuple):  # a whole (status, headers, body) answer
            return answer
        return self.respond(key, answer)

    def respond(
        self,
        key: str,
        obj: Mapping[str, Any],
        *,
        signed: bool = True,
        sign_with: rsa.RSAPrivateKey | None = None,
        tamper: Callable[[str], str] | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        # Alipay's own spacing, escaped slashes and non-ASCII text: the signature covers
        # these exact characters, which json.loads + json.dumps would not reproduce.
        raw = json.dumps(obj, ensure_ascii=False, separators=(",", ": ")).replace("/", "\\/")
        text = '{"' + key + '": ' + raw
        if signed:
            signature = sign(sign_with or self.alipay_key, raw)
            if tamper:
                text = tamper(text)
            text += ',"sign":"' + signature + '"'
        text += "}"
        return 200, {"Content-Type": "text/html;charset=utf-8"}, text.encode("utf-8")


def alipay_notify(params: Mapping[str, str], key: rsa.RSAPrivateKey) -> bytes:
    """An async notify as Alipay posts it: form-encoded, RSA2-signed without sign/sign_type."""
    signed = dict(params)
    signed.setdefault("sign_type", "RSA2")
    signed["sign"] = sign(key, alipay_content(signed, exclude=("sign", "sign_type")))
    return urlencode(signed).encode()


def alipay_bill_zip(detail: str, summary: str = "") -> bytes:
    """The zip Alipay serves: the detail and summary CSVs in GBK, file names in GBK too."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("20881234567890120156_20261130_业务明细.csv", detail.encode("gbk"))
        bundle.writestr(
            "20881234567890120156_20261130_业务明细(汇总).csv",
            (summary or "#支付宝业务汇总查询\n").encode("gbk"),
        )
    return buffer.getvalue()


# --- WeChat Pay ----------------------------------------------------------------------------

AUTH = re.compile(r"^WECHATPAY2-SHA256-RSA2048 (.*)$")


@dataclass
class FakeWechat:
    """api.mch.weixin.qq.com: verifies the Authorization header over the exact method, path with
    query and body, answers `answers[(METHOD, path)]` = (status, obj or None) signed with the
    platform key under `serial`."""

    mchid: str
    merchant_public: rsa.RSAPublicKey
    merchant_serial: str
    platform_key: rsa.RSAPrivateKey
    serial: str
    answers: dict[tuple[str, str], Any] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    seen: list[tuple[Seen, dict[str, str]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    response_time_shift: int = 0
    delay: float = 0.0

    def __call__(self, request: Seen) -> tuple[int, Mapping[str, str], bytes]:
        if self.delay:
            time.sleep(self.delay)
        auth = self.authorization(request)
        if auth is None:
            return self.respond(401, {"code": "SIGN_ERROR", "message": "签名错误"})
        self.seen.append((request, auth))
        path = urlsplit(request.path).path
        if path in self.files:
            return 200, {"Content-Type": "application/octet-stream"}, self.files[path]
        answer = self.answers.get((request.method, path))
        if answer is None:  # a path with an id in it: answers[(METHOD, "/prefix/*")]
            answer = next(
                (
                    found
                    for (method, pattern), found in self.answers.items()
                    if method == request.method
                    and pattern.endswith("*")
                    and path.startswith(pattern[:-1])
                ),
                None,
            )
        if callable(answer):
            answer = answer(request)
        if answer is None:
            return self.respond(404, {"code": "RESOURCE_NOT_EXISTS", "message": "not found"})
        if len(answer) == 3:  # a whole (status, headers, body) answer
            return answer
        status, obj = answer
        return self.respond(status, obj)

    def authorization(self, request: Seen) -> dict[str, str] | None:
        found = AUTH.match(request.headers.get("Authorization", ""))
        if not found:
            self.problems.append("no Authorization header")
            return None
        fields = dict(re.findall(r'(\w+)="([^"]*)"', found.group(1)))
        message = (
            (
                f"{request.method}\n{request.path}\n{fields.get('timestamp')}\n"
                f"{fields.get('nonce_str')}\n"
            ).encode()
            + request.body
            + b"\n"
        )
        checks = {
            "mchid": fields.get("mchid") == self.mchid,
            "serial_no": fields.get("serial_no") == self.merchant_serial,
            "timestamp": abs(int(fields.get("timestamp", "0")) - time.time()) < 300,
            "signature": verify(self.merchant_public, message, fields.get("signature", "")),
        }
        failed = [name for name, ok in checks.items() if not ok]
        if failed:
            self.problems.append("request check failed: " + ",".join(failed))
            return None
        return fields

    def respond(
        self,
        status: int,
        obj: Any,
        *,
        body: bytes | None = None,
        key: rsa.RSAPrivateKey | None = None,
        serial: str | None = None,
    ) -> tuple[int, Mapping[str, str], bytes]:
        if body is None:
            body = b"" if obj is None else json.dumps(obj, ensure_ascii=False).encode()
        headers = signed_headers(
            body,
            key or self.platform_key,
            serial or self.serial,
            timestamp=int(time.time()) + self.response_time_shift,
        )
        if body:
            headers["Content-Type"] = "application/json"
        return status, headers, body


def signed_headers(
    body: bytes,
    key: rsa.RSAPrivateKey,
    serial: str,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """Wechatpay-* headers over `timestamp\\nnonce\\nbody\\n`, as WeChat Pay signs."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    nonce = nonce or secrets.token_hex(16)
    message = f"{timestamp}\n{nonce}\n".encode() + body + b"\n"
    return {
        "Wechatpay-Timestamp": str(timestamp),
        "Wechatpay-Nonce": nonce,
        "Wechatpay-Signature": sign(key, message),
        "Wechatpay-Serial": serial,
    }


def wechat_notify(
    *,
    event_type: str,
    resource: Mapping[str, Any],
    apiv3_key: bytes,
    key: rsa.RSAPrivateKey,
    serial: str,
    timestamp: int | None = None,
    original_type: str = "transaction",
) -> tuple[dict[str, str], bytes]:
    """A callback as WeChat Pay posts it: the resource AES-256-GCM encrypted with the APIv3
    key, the body signed with the platform key."""
    nonce = secrets.token_hex(6)  # 12 characters, as WeChat sends
    associated = original_type
    plaintext = json.dumps(resource, ensure_ascii=False).encode()
    ciphertext = AESGCM(apiv3_key).encrypt(nonce.encode(), plaintext, associated.encode())
    body = json.dumps(
        {
            "id": "EV-2018022511223320873",
            "create_time": "2026-11-30T12:00:00+08:00",
            "resource_type": "encrypt-resource",
            "event_type": event_type,
            "summary": "支付成功",
            "resource": {
                "original_type": original_type,
                "algorithm": "AEAD_AES_256_GCM",
                "ciphertext": base64.b64encode(ciphertext).decode(),
                "associated_data": associated,
                "nonce": nonce,
            },
        },
        ensure_ascii=False,
    ).encode()
    return signed_headers(body, key, serial, timestamp=timestamp), body


def sha1_hex(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()  # WeChat's bill hash is SHA1


# --- Payouts: Alipay's uni.transfer and WeChat Pay's profit sharing ------------------------


@dataclass
class AlipayTransfers:
    """alipay.fund.trans.uni.transfer as Alipay answers it: one transfer per out_biz_no (a
    repeat answers the first), FAIL for a payee it does not know, DEALING while `dealing`
    (`settle` finishes one); `made` counts the money actually moved. Set it as
    `FakeAlipay.answers["alipay.fund.trans.uni.transfer"]`, and `query` as
    `answers["alipay.fund.trans.common.query"]` (ORDER_NOT_EXIST for a number it never got)."""

    unknown_payees: set[str] = field(default_factory=lambda: {"nobody@example.com"})
    dealing: bool = False
    book: dict[str, dict[str, Any]] = field(default_factory=dict)
    made: list[str] = field(default_factory=list)
    queried: list[dict[str, Any]] = field(default_factory=list)

    def query(self, biz: Mapping[str, Any]) -> Mapping[str, Any]:
        self.queried.append(dict(biz))
        found = self.book.get(biz.get("out_biz_no", ""))
        if found is None:
            return {
                "code": "40004",
                "msg": "Business Failed",
                "sub_code": "ORDER_NOT_EXIST",
                "sub_msg": "转账订单不存在",
            }
        return {key: value for key, value in found.items() if key != "trans_date"}

    def settle(self, number: str, status: str, fail_reason: str = "") -> None:
        self.book[number]["status"] = status
        if fail_reason:
            self.book[number]["fail_reason"] = fail_reason
        elif status == "SUCCESS":
            self.made.append(number)

    def __call__(self, biz: Mapping[str, Any]) -> Mapping[str, Any]:
        number = biz["out_biz_no"]
        if number not in self.book:
            payee = biz.get("payee_info") or {}
            failed = payee.get("identity") in self.unknown_payees
            if not failed and not self.dealing:
                self.made.append(number)
            self.book[number] = {
                "code": "10000",
                "msg": "Success",
                "out_biz_no": number,
                "order_id": f"20261201{len(self.book):012d}",
                "pay_fund_order_id": f"20261201{len(self.book):012d}9",
                "status": "FAIL" if failed else ("DEALING" if self.dealing else "SUCCESS"),
                "trans_date": "2026-12-01 10:00:00",
                **({"fail_reason": "PAYEE_NOT_EXIST"} if failed else {}),
            }
        return self.book[number]


@dataclass
class WechatProfitSharing:
    """POST /v3/profitsharing/orders as WeChat Pay answers it: one order per out_order_no,
    the receiver's result SUCCESS (or CLOSED with RECEIVER_INVALID for an unknown receiver),
    PENDING while `pending`. Set it as `FakeWechat.answers[("POST",
    "/v3/profitsharing/orders")]`."""

    unknown_receivers: set[str] = field(default_factory=lambda: {"1900000000"})
    pending: bool = False
    # Payments whose splittable amount is used up: 403 NOT_ENOUGH, no order made.
    short_transactions: set[str] = field(default_factory=set)
    book: dict[str, dict[str, Any]] = field(default_factory=dict)
    made: list[str] = field(default_factory=list)

    def query(self, request: Seen) -> tuple[int, Any]:
        """GET /v3/profitsharing/orders/{out_order_no}?transaction_id=: set it as
        `FakeWechat.answers[("GET", "/v3/profitsharing/orders/*")]`."""
        parts = urlsplit(request.path)
        number = parts.path.rsplit("/", 1)[-1]
        transaction_id = dict(parse_qsl(parts.query)).get("transaction_id")
        found = self.book.get(number)
        if found is None or found["transaction_id"] != transaction_id:
            return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "记录不存在"}
        return 200, found

    def settle(self, number: str, result: str) -> None:
        """Finish a PENDING order: every receiver SUCCESS or CLOSED."""
        order = self.book[number]
        order["state"] = "FINISHED"
        for receiver in order["receivers"]:
            receiver["result"] = result
            if result == "CLOSED":
                receiver["fail_reason"] = "RECEIVER_INVALID"
        if result == "SUCCESS":
            self.made.append(number)

    def __call__(self, request: Seen) -> tuple[int, Any]:
        order = json.loads(request.body)
        number = order["out_order_no"]
        if number not in self.book and order["transaction_id"] in self.short_transactions:
            return 403, {"code": "NOT_ENOUGH", "message": "分账金额不足"}
        if number not in self.book:
            receivers = []
            for receiver in order["receivers"]:
                closed = receiver["account"] in self.unknown_receivers
                result = "CLOSED" if closed else ("PENDING" if self.pending else "SUCCESS")
                receivers.append(
                    {
                        "type": receiver["type"],
                        "account": receiver["account"],
                        "amount": receiver["amount"],
                        "description": receiver["description"],
                        "result": result,
                        "detail_id": f"3600{len(self.book):024d}",
                        "create_time": "2026-12-01T10:00:00+08:00",
                        **({"fail_reason": "RECEIVER_INVALID"} if closed else {}),
                    }
                )
                if not closed and not self.pending:
                    self.made.append(number)
            self.book[number] = {
                "transaction_id": order["transaction_id"],
                "out_order_no": number,
                "order_id": f"3008450740201411110007820{len(self.book):03d}",
                "state": "PROCESSING" if self.pending else "FINISHED",
                "receivers": receivers,
            }
        return 200, self.book[number]


# --- Agreements (auto-renew): Alipay 周期扣款 and WeChat Pay 委托代扣 -------------------------


@dataclass
class AlipayAgreements:
    """Alipay's agreement book: `sign(external_agreement_no)` is the buyer signing in Alipay
    (answers Alipay's agreement_no); `pay` answers alipay.trade.pay with agreement_params
    (once per out_trade_no; ACQ.AGREEMENT_NOT_EXIST for an agreement not signed or ended,
    ACQ.BUYER_BALANCE_NOT_ENOUGH for one in `broke`, 10003 while `processing`); `unsign`
    answers alipay.user.agreement.unsign (USER_AGREEMENT_NOT_EXIST when not in force)."""

    signed: dict[str, str] = field(default_factory=dict)  # agreement_no -> external no
    broke: set[str] = field(default_factory=set)
    processing: bool = False
    trades: dict[str, dict[str, Any]] = field(default_factory=dict)
    unsigned: list[str] = field(default_factory=list)

    def sign(self, external_agreement_no: str) -> str:
        number = f"2026120{len(self.signed) + 1:013d}"
        self.signed[number] = external_agreement_no
        return number

    def install(self, gateway: FakeAlipay) -> None:
        gateway.answers["alipay.trade.pay"] = self.pay
        gateway.answers["alipay.user.agreement.unsign"] = self.unsign

    def pay(self, biz: Mapping[str, Any]) -> Mapping[str, Any]:
        number = biz["out_trade_no"]
        if number in self.trades:
            return self.trades[number]
        agreement = (biz.get("agreement_params") or {}).get("agreement_no", "")
        if biz.get("product_code") != "GENERAL_WITHHOLDING" or agreement not in self.signed:
            return _business_error("ACQ.AGREEMENT_NOT_EXIST", "协议不存在")
        if agreement in self.broke:
            return _business_error("ACQ.BUYER_BALANCE_NOT_ENOUGH", "余额不足")
        if self.processing:
            return {"code": "10003", "msg": "order success pay inprocess", "out_trade_no": number}
        self.trades[number] = {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": number,
            "trade_no": f"2026120122001{len(self.trades):011d}",
            "total_amount": biz["total_amount"],
            "gmt_payment": "2026-12-01 10:00:00",
        }
        return self.trades[number]

    def unsign(self, biz: Mapping[str, Any]) -> Mapping[str, Any]:
        number = biz.get("agreement_no") or next(
            (n for n, ext in self.signed.items() if ext == biz.get("external_agreement_no")), ""
        )
        if number not in self.signed:
            return _business_error("USER_AGREEMENT_NOT_EXIST", "用户协议不存在")
        del self.signed[number]
        self.unsigned.append(number)
        return {"code": "10000", "msg": "Success"}


def _business_error(sub_code: str, sub_msg: str) -> dict[str, str]:
    return {"code": "40004", "msg": "Business Failed", "sub_code": sub_code, "sub_msg": sub_msg}


def alipay_agreement_notify(
    *, app_id: str, external_agreement_no: str, agreement_no: str, status: str = "NORMAL"
) -> dict[str, str]:
    """The fields of Alipay's dut_user_sign (or dut_user_unsign) notify, to sign with
    `alipay_notify`."""
    return {
        "app_id": app_id,
        "notify_type": "dut_user_sign" if status == "NORMAL" else "dut_user_unsign",
        "notify_id": secrets.token_hex(16),
        "notify_time": "2026-12-01 10:00:00",
        "external_agreement_no": external_agreement_no,
        "agreement_no": agreement_no,
        "personal_product_code": "CYCLE_PAY_AUTH_P",
        "sign_scene": "INDUSTRY|DIGITAL_MEDIA",
        "status": status,
        "alipay_user_id": "2088101122675263",
    }


@dataclass
class WechatPapay:
    """WeChat Pay v3 委托代扣 for a direct merchant: `contracts` {contract_id: out_contract_code}
    in force; `apply` answers POST /v3/papay/pay/transactions/apply (204, accepted once per
    out_trade_no; 400 CONTRACT_NOT_EXIST for a contract not in force) and `terminate` the
    POST .../plan-id/{plan_id}/out-contract-code/{code}/terminate (404 RESOURCE_NOT_EXISTS
    when not in force). `install` sets both on a FakeWechat."""

    plan_id: int
    contracts: dict[str, str] = field(default_factory=dict)
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    terminated: list[str] = field(default_factory=list)

    def install(self, api: FakeWechat) -> None:
        api.answers[("POST", "/v3/papay/pay/transactions/apply")] = self.apply
        api.answers[("POST", f"/v3/papay/sign/contracts/plan-id/{self.plan_id}/*")] = self.terminate

    def apply(self, request: Seen) -> tuple[int, Any]:
        order = json.loads(request.body)
        if order["contract_id"] not in self.contracts:
            return 400, {"code": "CONTRACT_NOT_EXIST", "message": "签约协议不存在"}
        self.accepted.setdefault(order["out_trade_no"], order)
        return 204, None

    def terminate(self, request: Seen) -> tuple[int, Any]:
        parts = urlsplit(request.path).path.split("/")
        if parts[-1] != "terminate" or "contract_termination_remark" not in json.loads(
            request.body
        ):
            return 400, {"code": "PARAM_ERROR", "message": "参数错误"}
        code = parts[-2]
        found = next((cid for cid, c in self.contracts.items() if c == code), None)
        if found is None:
            return 404, {"code": "RESOURCE_NOT_EXISTS", "message": "协议不存在"}
        del self.contracts[found]
        self.terminated.append(code)
        return 204, None
