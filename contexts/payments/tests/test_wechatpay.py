"""The WeChat Pay v3 adapter against a local api.mch.weixin.qq.com that checks our Authorization
header byte for byte and signs its answers with a platform key, and against callbacks signed and
encrypted the way WeChat Pay makes them."""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from contexts.payments.adapters.wechatpay import (
    WechatPayConfig,
    WechatPayProvider,
    authorization,
)
from contexts.payments.ports import (
    AgreementCharge,
    AgreementStart,
    InvalidNotification,
    PaymentStart,
    ProviderError,
    RefundStart,
    TransferSource,
    TransferStart,
)
from contexts.payments.tests.provider_servers import (
    FakeWechat,
    WechatPapay,
    WechatProfitSharing,
    certificate_pem,
    new_key,
    private_pem,
    public_pem,
    serve,
    sha1_hex,
    signed_headers,
    verify,
    wechat_notify,
)
from contexts.payments.tests.support import assert_bill_of_30_november

MCHID = "1230000109"
APPID = "wxd678efh567hg6787"
MERCHANT_SERIAL = "3775B6A45ACD588826D15E583A95F5DD12345678"
APIV3_KEY = b"a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"
PUBLIC_KEY_ID = "PUB_KEY_ID_0112300001092026113000000000000001"
PLATFORM_SERIAL_INT = 0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1
PLATFORM_SERIAL = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
BILL = (Path(__file__).parent / "data" / "wechat_tradebill_20261130.csv").read_bytes()


@pytest.fixture(scope="module")
def keys():
    keys = {"merchant": new_key(), "platform": new_key(), "other": new_key()}
    keys["certificate"] = certificate_pem(keys["platform"], serial=PLATFORM_SERIAL_INT)
    return keys


@pytest.fixture
def api(keys):
    fake = FakeWechat(
        mchid=MCHID,
        merchant_public=keys["merchant"].public_key(),
        merchant_serial=MERCHANT_SERIAL,
        platform_key=keys["platform"],
        serial=PLATFORM_SERIAL,
    )
    with serve(fake) as url:
        fake.url = url
        yield fake


def config_for(keys, base_url="https://api.mch.weixin.qq.com", **overrides) -> WechatPayConfig:
    values = {
        "mchid": MCHID,
        "appid": APPID,
        "serial_no": MERCHANT_SERIAL,
        "apiv3_key": APIV3_KEY.decode(),
        "private_key": private_pem(keys["merchant"]),
        "platform_certificates": [keys["certificate"]],
        "base_url": base_url,
        "timeout": 5.0,
        "notify_url": "https://shop.example.com/api/v1/payments/notify/wechat",
    }
    values.update(overrides)
    return WechatPayConfig(**values)


@pytest.fixture
def wechat(keys, api):
    return WechatPayProvider(config_for(keys, api.url))


def start(channel="native", amount="19.90", **kwargs):
    return PaymentStart(
        payment_no="P202611300001",
        amount=Decimal(amount),
        subject="商品 T恤",
        channel=channel,
        notify_url="https://shop.example.com/notify",
        **kwargs,
    )


def sent_json(api, index=-1):
    return json.loads(api.seen[index][0].body)


# --- request signing ---------------------------------------------------------------------


def test_the_authorization_header_signs_method_path_timestamp_nonce_and_body(keys):
    body = '{"mchid":"1230000109"}'
    header = authorization(
        config=config_for(keys),
        key=keys["merchant"],
        method="POST",
        path="/v3/pay/transactions/out-trade-no/P1/close",
        body=body,
        timestamp="1554208460",
        nonce="593BEC0C930BF1AFEB40B4A08C8FB242",
    )
    fields = dict(re.findall(r'(\w+)="([^"]*)"', header))
    assert header.startswith("WECHATPAY2-SHA256-RSA2048 mchid=")
    assert fields["mchid"] == MCHID and fields["serial_no"] == MERCHANT_SERIAL
    assert fields["timestamp"] == "1554208460"
    assert fields["nonce_str"] == "593BEC0C930BF1AFEB40B4A08C8FB242"
    message = (
        b"POST\n/v3/pay/transactions/out-trade-no/P1/close\n1554208460\n"
        b'593BEC0C930BF1AFEB40B4A08C8FB242\n{"mchid":"1230000109"}\n'
    )
    keys["merchant"].public_key().verify(
        base64.b64decode(fields["signature"]), message, padding.PKCS1v15(), hashes.SHA256()
    )


# --- payments ----------------------------------------------------------------------------


def test_native_prepay_gives_the_code_url(keys, wechat, api):
    api.answers[("POST", "/v3/pay/transactions/native")] = (
        200,
        {"code_url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"},
    )
    expires = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)
    started = wechat.payment_start(start=start(expires_at=expires))
    assert api.problems == []
    assert (started.kind, dict(started.data)) == (
        "code_url",
        {"code_url": "weixin://wxpay/bizpayurl?pr=p4lpSuKzz"},
    )
    assert sent_json(api) == {
        "appid": APPID,
        "mchid": MCHID,
        "description": "商品 T恤",
        "out_trade_no": "P202611300001",
        "notify_url": "https://shop.example.com/notify",
        "amount": {"total": 1990, "currency": "CNY"},
        "time_expire": "2026-11-30T12:30:00+08:00",
    }


def test_jsapi_prepay_gives_signed_bridge_parameters(keys, wechat, api):
    api.answers[("POST", "/v3/pay/transactions/jsapi")] = (
        200,
        {"prepay_id": "wx201410272009395522657a690389285100"},
    )
    started = wechat.payment_start(start=start(channel="jsapi", payer_openid="oUpF8uMuAJO_M2"))
    assert api.problems == []
    assert sent_json(api)["payer"] == {"openid": "oUpF8uMuAJO_M2"}
    data = started.data
    assert started.kind == "jsapi"
    assert data["appId"] == APPID and data["signType"] == "RSA"
    assert data["package"] == "prepay_id=wx201410272009395522657a690389285100"
    assert abs(int(data["timeStamp"]) - time.time()) < 60
    message = f"{APPID}\n{data['timeStamp']}\n{data['nonceStr']}\n{data['package']}\n"
    assert verify(keys["merchant"].public_key(), message, data["paySign"])


def test_what_cannot_be_sent_is_refused_before_sending(wechat, api):
    for bad, code in [
        (start(amount="19.905"), "bad_amount"),
        (start(channel="jsapi"), "payer_openid_missing"),
        (start(channel="page"), "unsupported_channel"),
    ]:
        with pytest.raises(ProviderError) as raised:
            wechat.payment_start(start=bad)
        assert raised.value.code == code and raised.value.permanent
    assert api.seen == []


@pytest.mark.parametrize(
    "trade_state, state",
    [
        ("SUCCESS", "succeeded"),
        ("NOTPAY", "pending"),
        ("USERPAYING", "pending"),
        ("CLOSED", "closed"),
        ("REVOKED", "closed"),
        ("PAYERROR", "failed"),
    ],
)
def test_query_maps_the_trade_state(wechat, api, trade_state, state):
    api.answers[("GET", "/v3/pay/transactions/out-trade-no/P202611300001")] = (
        200,
        {
            "appid": APPID,
            "mchid": MCHID,
            "out_trade_no": "P202611300001",
            "transaction_id": "4200001234202611300000000001",
            "trade_state": trade_state,
            "success_time": "2026-11-30T12:01:02+08:00",
            "amount": {"total": 1990, "payer_total": 1990, "currency": "CNY"},
        },
    )
    found = wechat.payment_query(payment_no="P202611300001")
    assert api.problems == []
    assert api.seen[0][0].path == f"/v3/pay/transactions/out-trade-no/P202611300001?mchid={MCHID}"
    assert (found.state, found.amount) == (state, Decimal("19.90"))
    assert found.provider_ref == "4200001234202611300000000001"
    assert found.paid_at == datetime(2026, 11, 30, 4, 1, 2, tzinfo=UTC)


def test_an_answer_about_another_trade_or_refund_is_refused(wechat, api):
    api.answers[("GET", "/v3/pay/transactions/out-trade-no/P202611300001")] = (
        200,
        {"out_trade_no": "P999", "trade_state": "SUCCESS", "amount": {"total": 1990}},
    )
    api.answers[("GET", "/v3/refund/domestic/refunds/R202611300001")] = (
        200,
        {"out_refund_no": "R999", "status": "SUCCESS", "amount": {"refund": 500}},
    )
    with pytest.raises(ProviderError, match="another trade"):
        wechat.payment_query(payment_no="P202611300001")
    with pytest.raises(ProviderError, match="another refund"):
        wechat.refund_query(payment_no="P202611300001", refund_no="R202611300001")


def test_close(wechat, api):
    api.answers[("POST", "/v3/pay/transactions/out-trade-no/P202611300001/close")] = (204, None)
    assert wechat.payment_close(payment_no="P202611300001") is None
    assert api.problems == [] and sent_json(api) == {"mchid": MCHID}


@pytest.mark.parametrize(
    "status, state",
    [
        ("SUCCESS", "succeeded"),
        ("PROCESSING", "processing"),
        ("ABNORMAL", "failed"),
        ("CLOSED", "failed"),
    ],
)
def test_refund_start_and_query(wechat, api, status, state):
    answer = (
        200,
        {
            "refund_id": "50300000012026113000000000001",
            "out_refund_no": "R202611300001",
            "status": status,
            "amount": {"refund": 500, "total": 1990, "currency": "CNY"},
        },
    )
    api.answers[("POST", "/v3/refund/domestic/refunds")] = answer
    api.answers[("GET", "/v3/refund/domestic/refunds/R202611300001")] = answer
    refund = wechat.refund_start(
        refund=RefundStart(
            payment_no="P202611300001",
            refund_no="R202611300001",
            amount=Decimal("5.00"),
            payment_amount=Decimal("19.90"),
            reason="退货",
            notify_url="https://shop/n",
        )
    )
    assert (refund.state, refund.amount) == (state, Decimal("5.00"))
    assert refund.provider_ref == "50300000012026113000000000001"
    assert sent_json(api) == {
        "out_trade_no": "P202611300001",
        "out_refund_no": "R202611300001",
        "reason": "退货",
        "notify_url": "https://shop/n",
        "amount": {"refund": 500, "total": 1990, "currency": "CNY"},
    }
    found = wechat.refund_query(payment_no="P202611300001", refund_no="R202611300001")
    assert (found.state, found.amount) == (state, Decimal("5.00"))
    assert api.problems == []


@pytest.mark.parametrize(
    "status, code, permanent",
    [
        (400, "PARAM_ERROR", True),
        (404, "ORDER_NOT_EXIST", True),
        (403, "ORDERPAID", True),
        (500, "SYSTEM_ERROR", False),
        (429, "FREQUENCY_LIMITED", False),
    ],
)
def test_error_answers_carry_wechats_code(wechat, api, status, code, permanent):
    api.answers[("GET", "/v3/pay/transactions/out-trade-no/P202611300001")] = (
        status,
        {"code": code, "message": "..."},
    )
    with pytest.raises(ProviderError) as raised:
        wechat.payment_query(payment_no="P202611300001")
    assert (raised.value.code, raised.value.permanent) == (code, permanent)


def test_an_answer_not_signed_by_the_platform_is_refused(keys, wechat, api):
    path = "/v3/pay/transactions/out-trade-no/P202611300001"
    obj = {"out_trade_no": "P202611300001", "trade_state": "SUCCESS", "amount": {"total": 1990}}
    answers = {
        "other key": lambda request: api.respond(200, obj, key=keys["other"]),
        "unknown serial": lambda request: api.respond(200, obj, serial="0123ABCD"),
        "tampered": lambda request: (
            200,
            signed_headers(b'{"trade_state":"NOTPAY"}', keys["platform"], PLATFORM_SERIAL),
            json.dumps(obj).encode(),
        ),
        "unsigned": lambda request: (
            200,
            {"Content-Type": "application/json"},
            json.dumps(obj).encode(),
        ),
    }
    for name, answer in answers.items():
        api.answers[("GET", path)] = answer
        with pytest.raises(ProviderError) as raised:
            wechat.payment_query(payment_no="P202611300001")
        assert raised.value.code == "bad_signature", name
    api.answers[("GET", path)] = (200, obj)
    api.response_time_shift = -310
    with pytest.raises(ProviderError) as raised:
        wechat.payment_query(payment_no="P202611300001")
    assert "window" in str(raised.value)


def test_a_request_signed_with_the_wrong_key_is_refused_by_wechat(keys, api):
    provider = WechatPayProvider(config_for(keys, api.url, private_key=private_pem(keys["other"])))
    with pytest.raises(ProviderError) as raised:
        provider.payment_close(payment_no="P202611300001")
    assert raised.value.code == "SIGN_ERROR" and raised.value.permanent
    assert api.problems == ["request check failed: signature"]


def test_a_slow_or_absent_server_is_a_transient_provider_error(keys, api):
    api.delay = 1.0
    with pytest.raises(ProviderError) as raised:
        WechatPayProvider(config_for(keys, api.url, timeout=0.2)).payment_query(payment_no="P1")
    assert raised.value.code == "timeout" and not raised.value.permanent
    with pytest.raises(ProviderError) as raised:
        WechatPayProvider(config_for(keys, "http://127.0.0.1:9")).payment_query(payment_no="P1")
    assert raised.value.code == "connection"


# --- callbacks ---------------------------------------------------------------------------


def transaction(**overrides):
    resource = {
        "mchid": MCHID,
        "appid": APPID,
        "out_trade_no": "P202611300001",
        "transaction_id": "4200001234202611300000000001",
        "trade_type": "NATIVE",
        "trade_state": "SUCCESS",
        "trade_state_desc": "支付成功",
        "bank_type": "OTHERS",
        "attach": "",
        "success_time": "2026-11-30T12:01:02+08:00",
        "payer": {"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
        "amount": {"total": 1990, "payer_total": 1990, "currency": "CNY", "payer_currency": "CNY"},
    }
    resource.update(overrides)
    return resource


def refund_resource(status="SUCCESS", **overrides):
    resource = {
        "mchid": MCHID,
        "out_trade_no": "P202611300001",
        "transaction_id": "4200001234202611300000000001",
        "out_refund_no": "R202611300001",
        "refund_id": "50300000012026113000000000001",
        "refund_status": status,
        "success_time": "2026-11-30T15:00:00+08:00",
        "user_received_account": "招商银行信用卡0403",
        "amount": {"total": 1990, "refund": 500, "payer_total": 1990, "payer_refund": 500},
    }
    resource.update(overrides)
    return resource


def notify(keys, resource=None, event_type="TRANSACTION.SUCCESS", **kwargs):
    params = {"apiv3_key": APIV3_KEY, "key": keys["platform"], "serial": PLATFORM_SERIAL}
    params.update(kwargs)
    return wechat_notify(event_type=event_type, resource=resource or transaction(), **params)


def test_a_valid_payment_callback_parses(keys, wechat):
    headers, body = notify(keys)
    lowered = {name.lower(): value for name, value in headers.items()}
    note = wechat.notification_verify(headers=lowered, body=body)
    assert (note.kind, note.state, note.payment_no) == ("payment", "succeeded", "P202611300001")
    assert note.amount == Decimal("19.90")
    assert note.provider_ref == "4200001234202611300000000001" and note.app_id == APPID
    assert note.nonce == headers["Wechatpay-Nonce"]
    assert note.sent_at == datetime.fromtimestamp(int(headers["Wechatpay-Timestamp"]), tz=UTC)
    assert note.paid_at == datetime(2026, 11, 30, 4, 1, 2, tzinfo=UTC)


@pytest.mark.parametrize(
    "event_type, status, state",
    [
        ("REFUND.SUCCESS", "SUCCESS", "succeeded"),
        ("REFUND.ABNORMAL", "ABNORMAL", "failed"),
        ("REFUND.CLOSED", "CLOSED", "failed"),
    ],
)
def test_refund_callbacks_parse(keys, wechat, event_type, status, state):
    headers, body = notify(keys, refund_resource(status), event_type, original_type="refund")
    note = wechat.notification_verify(headers=headers, body=body)
    assert (note.kind, note.state, note.refund_no) == ("refund", state, "R202611300001")
    assert (note.payment_no, note.amount) == ("P202611300001", Decimal("5.00"))


def test_callbacks_verify_with_a_wechat_pay_public_key(keys):
    provider = WechatPayProvider(
        config_for(
            keys,
            platform_certificates=(),
            public_key_id=PUBLIC_KEY_ID,
            public_key=public_pem(keys["platform"]),
        )
    )
    headers, body = notify(keys, serial=PUBLIC_KEY_ID)
    assert provider.notification_verify(headers=headers, body=body).state == "succeeded"
    headers, body = notify(keys)  # the certificate's serial is not configured here
    with pytest.raises(InvalidNotification, match="Serial is unknown"):
        provider.notification_verify(headers=headers, body=body)


def _tampered(keys):
    headers, body = notify(keys)
    return headers, body.replace(b"TRANSACTION.SUCCESS", b"TRANSACTION.SUCCESS ")


def _bad_ciphertext(keys):
    _, body = notify(keys)
    envelope = json.loads(body)
    raw = bytearray(base64.b64decode(envelope["resource"]["ciphertext"]))
    raw[3] ^= 1
    envelope["resource"]["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    body = json.dumps(envelope).encode()
    return signed_headers(body, keys["platform"], PLATFORM_SERIAL), body


def _signed_body(keys, body: bytes):
    return signed_headers(body, keys["platform"], PLATFORM_SERIAL), body


@pytest.mark.parametrize(
    "make, check",
    [
        (_tampered, "signature"),
        (lambda k: notify(k, key=k["other"]), "signature"),
        (lambda k: notify(k, serial="6F1A2B3C4D5E"), "Serial is unknown"),
        (lambda k: notify(k, timestamp=int(time.time()) - 310), "window"),
        (lambda k: notify(k, timestamp=int(time.time()) + 310), "window"),
        (lambda k: notify(k, transaction(mchid="1900000001")), "mchid"),
        (lambda k: notify(k, transaction(appid="wx0000000000000000")), "appid"),
        (lambda k: notify(k, apiv3_key=b"0" * 32), "decrypt"),
        (_bad_ciphertext, "decrypt"),
        (lambda k: notify(k, transaction(amount={"total": 19.9})), "fen"),
        (lambda k: notify(k, transaction(trade_state="PAYING")), "trade_state"),
        (lambda k: notify(k, event_type="TRANSACTION.PENDING"), "event_type"),
        (lambda k: _signed_body(k, b"not json"), "notification"),
        (lambda k: ({}, notify(k)[1]), "headers"),
    ],
)
def test_a_bad_callback_is_refused_naming_the_check(keys, wechat, make, check):
    headers, body = make(keys)
    with pytest.raises(InvalidNotification) as raised:
        wechat.notification_verify(headers=headers, body=body)
    assert check in str(raised.value)
    assert "P202611300001" not in str(raised.value)


def test_an_expired_platform_certificate_is_not_trusted(keys):
    expired = certificate_pem(keys["platform"], serial=PLATFORM_SERIAL_INT, days=-1)
    provider = WechatPayProvider(config_for(keys, platform_certificates=[expired]))
    headers, body = notify(keys)
    with pytest.raises(InvalidNotification, match="expired"):
        provider.notification_verify(headers=headers, body=body)


def test_notification_answers():
    wechat = WechatPayProvider()
    assert (
        wechat.notification_answer(ok=True).status,
        wechat.notification_answer(ok=True).body,
    ) == (204, b"")
    failed = wechat.notification_answer(ok=False)
    assert failed.status == 500 and json.loads(failed.body)["code"] == "FAIL"


# --- bill --------------------------------------------------------------------------------


def bill_answer(api, content=BILL, digest=None):
    def answer(request):
        assert request.path == "/v3/bill/tradebill?bill_date=2026-11-30&bill_type=ALL"
        return 200, {
            "hash_type": "SHA1",
            "hash_value": digest or sha1_hex(content),
            "download_url": f"{api.url}/v3/billdownload/file?token=6XIv5TUPto7pByrT",
        }

    api.files["/v3/billdownload/file"] = content
    api.answers[("GET", "/v3/bill/tradebill")] = answer


def test_bill_totals_from_the_downloaded_file(wechat, api):
    bill_answer(api)
    totals = wechat.bill_totals(day=date(2026, 11, 30))
    assert api.problems == []
    assert api.seen[-1][0].path == "/v3/billdownload/file?token=6XIv5TUPto7pByrT"  # signed
    assert_bill_of_30_november(totals)


def test_a_bill_not_matching_its_hash_or_absent(wechat, api):
    bill_answer(api, digest=sha1_hex(b"another file"))
    with pytest.raises(ProviderError) as raised:
        wechat.bill_totals(day=date(2026, 11, 30))
    assert raised.value.code == "bad_hash"
    api.answers[("GET", "/v3/bill/tradebill")] = (
        400,
        {"code": "NO_STATEMENT_EXIST", "message": "账单文件不存在"},
    )
    totals = wechat.bill_totals(day=date(2026, 11, 30))
    assert (totals.payment_count, totals.refund_count) == (0, 0)
    api.answers[("GET", "/v3/bill/tradebill")] = (400, {"code": "STATEMENT_CREATING"})
    with pytest.raises(ProviderError) as raised:
        wechat.bill_totals(day=date(2026, 11, 30))
    assert raised.value.code == "STATEMENT_CREATING" and not raised.value.permanent


def test_an_empty_bill_is_believed_only_when_signed(keys, wechat, api):
    api.answers[("GET", "/v3/bill/tradebill")] = lambda request: api.respond(
        400, {"code": "NO_STATEMENT_EXIST", "message": "账单文件不存在"}, key=keys["other"]
    )
    with pytest.raises(ProviderError) as raised:
        wechat.bill_totals(day=date(2026, 11, 30))
    assert raised.value.code == "bad_signature"


# --- configuration -----------------------------------------------------------------------


def test_settings_are_read_when_used(keys, api, tmp_path):
    with override_settings(PAYMENTS_WECHAT=None):
        provider = WechatPayProvider()
        with pytest.raises(ImproperlyConfigured):
            provider.payment_close(payment_no="P202611300001")
    (tmp_path / "merchant.pem").write_text(private_pem(keys["merchant"]))
    (tmp_path / "platform.pem").write_text(keys["certificate"])
    values = {
        "mchid": MCHID,
        "appid": APPID,
        "serial_no": MERCHANT_SERIAL,
        "apiv3_key": APIV3_KEY.decode(),
        "private_key_path": str(tmp_path / "merchant.pem"),
        "platform_keys": {PLATFORM_SERIAL: str(tmp_path / "platform.pem")},
        "base_url": api.url,
        "timeout": 3,
    }
    api.answers[("POST", "/v3/pay/transactions/out-trade-no/P202611300001/close")] = (204, None)
    with override_settings(PAYMENTS_WECHAT=values):
        assert WechatPayProvider().payment_close(payment_no="P202611300001") is None
    with (
        override_settings(PAYMENTS_WECHAT={**values, "apiv3_key": "short"}),
        pytest.raises(ImproperlyConfigured, match="32 bytes"),
    ):
        WechatPayProvider().payment_close(payment_no="P202611300001")


# --- payouts (profit sharing, POST /v3/profitsharing/orders) ----------------------------------


def sharing(number="X202612010001", account="1900000109", amount="88.80", sources=None):
    if sources is None:
        sources = [("P1", "4200000001", amount)]
    return TransferStart(
        transfer_no=number,
        amount=Decimal(amount),
        payee_account=account,
        remark="settlement S1",
        sources=tuple(
            TransferSource(payment_no=no, provider="wechat", payment_ref=ref, amount=Decimal(part))
            for no, ref, part in sources
        ),
    )


TWO_PAYMENTS = [("P1", "4200000001", "50.00"), ("P2", "4200000002", "38.80")]


def test_profit_sharing_is_signed_sent_once_per_number_and_succeeds(wechat, api):
    sharer = WechatProfitSharing()
    api.answers[("POST", "/v3/profitsharing/orders")] = sharer
    first = wechat.transfer_start(transfer=sharing())
    again = wechat.transfer_start(transfer=sharing())
    assert (first.state, first.transfer_no) == ("succeeded", "X202612010001")
    assert again == first and sharer.made == ["X202612010001-1"]
    assert api.problems == []  # the Authorization header verified on both
    assert sent_json(api, 0) == {
        "appid": APPID,
        "transaction_id": "4200000001",
        "out_order_no": "X202612010001-1",
        "receivers": [
            {
                "type": "MERCHANT_ID",
                "account": "1900000109",
                "amount": 8880,
                "description": "settlement S1",
            }
        ],
        # another shop's orders of the same trade are split from this payment too
        "unfreeze_unsplit": False,
    }


def test_a_payout_of_several_payments_is_one_profit_sharing_order_per_transaction(wechat, api):
    sharer = WechatProfitSharing()
    api.answers[("POST", "/v3/profitsharing/orders")] = sharer
    done = wechat.transfer_start(transfer=sharing(sources=TWO_PAYMENTS))
    assert done.state == "succeeded"
    sent = [
        (o["transaction_id"], o["out_order_no"], o["receivers"][0]["amount"])
        for o in (sent_json(api, 0), sent_json(api, 1))
    ]
    assert sent == [
        ("4200000001", "X202612010001-1", 5000),
        ("4200000002", "X202612010001-2", 3880),
    ]
    # a retry sends the same numbers: WeChat splits each once
    assert wechat.transfer_start(transfer=sharing(sources=TWO_PAYMENTS)) == done
    assert sharer.made == ["X202612010001-1", "X202612010001-2"]


def test_a_payout_whose_second_payment_cannot_be_split_is_partially_split(wechat, api):
    sharer = WechatProfitSharing(short_transactions={"4200000002"})
    api.answers[("POST", "/v3/profitsharing/orders")] = sharer
    partial = wechat.transfer_start(transfer=sharing(sources=TWO_PAYMENTS))
    assert (partial.state, partial.failure_code) == ("failed", "PARTIALLY_SPLIT")
    assert sharer.made == ["X202612010001-1"]
    # the first refused: nothing moved, a plain failure (and the second is never sent)
    sharer = WechatProfitSharing(short_transactions={"4200000001"})
    api.answers[("POST", "/v3/profitsharing/orders")] = sharer
    seen = len(api.seen)
    with pytest.raises(ProviderError) as refused:
        wechat.transfer_start(transfer=sharing("X2", sources=TWO_PAYMENTS))
    assert (refused.value.code, refused.value.permanent) == ("NOT_ENOUGH", True)
    assert len(api.seen) == seen + 1 and sharer.made == []


def test_profit_sharing_pending_closed_and_without_a_wechat_payment(wechat, api):
    sharer = WechatProfitSharing(pending=True)
    api.answers[("POST", "/v3/profitsharing/orders")] = sharer
    assert wechat.transfer_start(transfer=sharing()).state == "processing"
    closed = wechat.transfer_start(transfer=sharing("X2", account="1900000000"))
    assert (closed.state, closed.failure_code) == ("failed", "RECEIVER_INVALID")
    for bad in (
        [],  # no source
        [("P1", "", "88.80")],  # no transaction id
        [("P1", "4200000001", "80.00")],  # does not add up
    ):
        with pytest.raises(ProviderError) as missing:
            wechat.transfer_start(transfer=sharing("X3", sources=bad))
        assert (missing.value.code, missing.value.permanent) == ("source_payment_missing", True)
    alipay_paid = TransferStart(
        transfer_no="X4",
        amount=Decimal("1.00"),
        payee_account="1900000109",
        remark="r",
        sources=(TransferSource("P9", "alipay", "2026120122001", Decimal("1.00")),),
    )
    with pytest.raises(ProviderError):
        wechat.transfer_start(transfer=alipay_paid)
    assert len(api.seen) == 2  # the refused ones were never sent


def test_transfer_query_reads_each_order_and_combines_them(wechat, api):
    sharer = WechatProfitSharing(pending=True)
    api.answers[("POST", "/v3/profitsharing/orders")] = sharer
    api.answers[("GET", "/v3/profitsharing/orders/*")] = sharer.query
    transfer = sharing(sources=TWO_PAYMENTS)
    assert wechat.transfer_start(transfer=transfer).state == "processing"
    sharer.settle("X202612010001-1", "SUCCESS")
    assert wechat.transfer_query(transfer=transfer).state == "processing"
    sharer.settle("X202612010001-2", "SUCCESS")
    assert wechat.transfer_query(transfer=transfer).state == "succeeded"
    request, _ = api.seen[-1]
    assert request.method == "GET"
    assert request.path == "/v3/profitsharing/orders/X202612010001-2?transaction_id=4200000002"
    assert api.problems == []
    sharer.settle("X202612010001-2", "CLOSED")
    failed = wechat.transfer_query(transfer=transfer)
    assert (failed.state, failed.failure_code) == ("failed", "PARTIALLY_SPLIT")
    with pytest.raises(ProviderError) as unknown:
        wechat.transfer_query(transfer=sharing("X9", sources=TWO_PAYMENTS))
    assert unknown.value.code == "TRANSFER_NOT_FOUND"


def test_profit_sharing_answers_are_verified(wechat, api, keys):
    api.answers[("POST", "/v3/profitsharing/orders")] = lambda request: api.respond(
        200,
        {"out_order_no": "X202612010001-1", "state": "FINISHED", "receivers": []},
        key=keys["other"],
    )
    with pytest.raises(ProviderError) as forged:
        wechat.transfer_start(transfer=sharing())
    assert forged.value.code == "bad_signature"
    api.answers[("POST", "/v3/profitsharing/orders")] = (
        403,
        {"code": "NOT_ENOUGH", "message": "分账金额不足"},
    )
    with pytest.raises(ProviderError) as refused:
        wechat.transfer_start(transfer=sharing())
    assert (refused.value.code, refused.value.permanent) == ("NOT_ENOUGH", True)


# --- agreements (委托代扣 v3): deduction and termination; signing refused -------------------


def test_a_papay_deduction_is_accepted_as_pending_and_a_dead_contract_refused(keys, api):
    papay = WechatPapay(plan_id=12535, contracts={"200001": "PA202612010001"})
    papay.install(api)
    wechat = WechatPayProvider(replace(config_for(keys, api.url), papay_plan_id=12535))
    charge = AgreementCharge(
        agreement_no="PA202612010001",
        provider_ref="200001",
        payment_no="P202612010009",
        amount=Decimal("19.90"),
        subject="Plus monthly",
        notify_url="https://n",
    )
    assert wechat.agreement_charge(charge=charge).state == "pending"
    assert papay.accepted["P202612010009"] == {
        "appid": APPID,
        "out_trade_no": "P202612010009",
        "description": "Plus monthly",
        "transaction_notify_url": "https://n",
        "contract_id": "200001",
        "amount": {"total": 1990, "currency": "CNY"},
    }
    assert api.problems == []
    wechat.agreement_end(agreement_no="PA202612010001", provider_ref="200001")
    wechat.agreement_end(agreement_no="PA202612010001", provider_ref="200001")  # idempotent
    assert papay.terminated == ["PA202612010001"]
    request, _ = api.seen[-2]
    assert request.path == (
        "/v3/papay/sign/contracts/plan-id/12535/out-contract-code/PA202612010001/terminate"
    )
    with pytest.raises(ProviderError) as ended:
        wechat.agreement_charge(charge=charge)
    assert (ended.value.code, ended.value.permanent) == ("CONTRACT_NOT_EXIST", True)
    with pytest.raises(ProviderError) as unsupported:
        wechat.agreement_sign_start(
            start=AgreementStart(agreement_no="PA2", subject="s", notify_url="https://n")
        )
    assert unsupported.value.code == "AGREEMENT_UNSUPPORTED"
