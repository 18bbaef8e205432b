"""The Alipay adapter against a local gateway that checks our RSA2 signatures and signs its
answers like Alipay, and against notifies built and signed the way Alipay builds them."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from contexts.payments.adapters._signing import rsa2_sign, rsa2_verify
from contexts.payments.adapters.alipay import SHANGHAI, AlipayConfig, AlipayProvider, sign_content
from contexts.payments.ports import (
    AgreementCharge,
    AgreementStart,
    InvalidNotification,
    PaymentStart,
    ProviderError,
    RefundStart,
    TransferStart,
)
from contexts.payments.tests.provider_servers import (
    AlipayAgreements,
    AlipayTransfers,
    FakeAlipay,
    alipay_agreement_notify,
    alipay_bill_zip,
    alipay_content,
    alipay_notify,
    new_key,
    private_pem,
    public_pem,
    serve,
    verify,
)
from contexts.payments.tests.support import assert_bill_of_30_november

APP_ID = "2021000123456789"


@pytest.fixture(scope="module")
def keys():
    return {"app": new_key(), "alipay": new_key(), "other": new_key()}


@pytest.fixture
def gateway(keys):
    fake = FakeAlipay(app_id=APP_ID, app_public=keys["app"].public_key(), alipay_key=keys["alipay"])
    with serve(fake) as url:
        fake.url = url
        yield fake


def provider_for(keys, gateway_url: str, *, app_key=None, timeout: float = 5.0) -> AlipayProvider:
    return AlipayProvider(
        AlipayConfig(
            app_id=APP_ID,
            private_key=private_pem(app_key or keys["app"]),
            alipay_public_key=public_pem(keys["alipay"]),
            gateway=f"{gateway_url}/gateway.do",
            timeout=timeout,
            notify_url="https://shop.example.com/api/v1/payments/notify/alipay",
        )
    )


@pytest.fixture
def alipay(keys, gateway):
    return provider_for(keys, gateway.url)


def start(channel="page", amount="19.90", **kwargs):
    return PaymentStart(
        payment_no="P202611300001",
        amount=Decimal(amount),
        subject="商品 T恤",
        channel=channel,
        notify_url="https://shop.example.com/notify",
        **kwargs,
    )


# --- signing -----------------------------------------------------------------------------


def test_the_string_to_sign_is_sorted_non_empty_params_without_sign(keys):
    params = {
        "method": "alipay.trade.query",
        "app_id": "2014072300007148",
        "sign": "x",
        "charset": "utf-8",
        "empty": "",
        "biz_content": '{"out_trade_no":"1"}',
    }
    expected = (
        'app_id=2014072300007148&biz_content={"out_trade_no":"1"}&charset=utf-8&'
        "method=alipay.trade.query"
    )
    assert sign_content(params) == expected
    signature = rsa2_sign(keys["app"], expected)
    # Checked with cryptography directly: SHA256withRSA, PKCS#1 v1.5, base64.
    keys["app"].public_key().verify(
        base64.b64decode(signature), expected.encode(), padding.PKCS1v15(), hashes.SHA256()
    )
    assert rsa2_verify(keys["app"].public_key(), expected, signature)
    assert not rsa2_verify(keys["app"].public_key(), expected + "&x=1", signature)
    assert not rsa2_verify(keys["other"].public_key(), expected, signature)
    assert not rsa2_verify(keys["app"].public_key(), expected, "not base64!")


def test_page_pay_is_a_signed_gateway_url(keys, alipay, gateway):
    expires = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)
    started = alipay.payment_start(
        start=start(return_url="https://shop.example.com/paid", expires_at=expires)
    )
    assert started.kind == "url"
    url = urlsplit(started.data["url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{gateway.url}/gateway.do"
    params = dict(parse_qsl(url.query))
    assert verify(
        keys["app"].public_key(), alipay_content(params, exclude=("sign",)), params["sign"]
    )
    assert params["method"] == "alipay.trade.page.pay"
    assert params["app_id"] == APP_ID and params["sign_type"] == "RSA2"
    assert params["charset"] == "utf-8" and params["format"] == "JSON"
    assert params["version"] == "1.0"
    assert params["notify_url"] == "https://shop.example.com/notify"
    assert params["return_url"] == "https://shop.example.com/paid"
    stamp = datetime.strptime(params["timestamp"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=SHANGHAI)
    assert abs((stamp - datetime.now(UTC)).total_seconds()) < 60
    biz = json.loads(params["biz_content"])
    assert biz == {
        "out_trade_no": "P202611300001",
        "total_amount": "19.90",
        "subject": "商品 T恤",
        "product_code": "FAST_INSTANT_TRADE_PAY",
        "time_expire": "2026-11-30 12:30:00",
    }
    assert gateway.seen == []  # page pay sends nothing


def test_app_pay_is_a_signed_order_string(keys, alipay):
    started = alipay.payment_start(start=start(channel="app", amount="0.01"))
    assert started.kind == "order_string"
    params = dict(parse_qsl(started.data["order_string"]))
    assert params["method"] == "alipay.trade.app.pay"
    assert '"total_amount":"0.01"' in params["biz_content"]
    assert '"product_code":"QUICK_MSECURITY_PAY"' in params["biz_content"]
    assert verify(
        keys["app"].public_key(), alipay_content(params, exclude=("sign",)), params["sign"]
    )


def test_a_fen_fraction_or_a_foreign_channel_is_refused(alipay):
    with pytest.raises(ProviderError) as raised:
        alipay.payment_start(start=start(amount="19.905"))
    assert raised.value.code == "bad_amount" and raised.value.permanent
    with pytest.raises(ProviderError) as raised:
        alipay.payment_start(start=start(channel="native"))
    assert raised.value.code == "unsupported_channel"


# --- gateway calls -----------------------------------------------------------------------


def trade(status, **extra):
    return {
        "code": "10000",
        "msg": "Success",
        "trade_no": "2026113022001400000000000001",
        "out_trade_no": "P202611300001",
        "buyer_logon_id": "159****5620",
        "trade_status": status,
        "total_amount": "19.90",
        **extra,
    }


@pytest.mark.parametrize(
    "status, state",
    [
        ("WAIT_BUYER_PAY", "pending"),
        ("TRADE_SUCCESS", "succeeded"),
        ("TRADE_FINISHED", "succeeded"),
        ("TRADE_CLOSED", "closed"),
    ],
)
def test_query_maps_the_trade_status(alipay, gateway, status, state):
    gateway.answers["alipay.trade.query"] = trade(status, send_pay_date="2026-11-30 12:01:02")
    found = alipay.payment_query(payment_no="P202611300001")
    assert gateway.problems == []
    assert found.state == state
    assert found.amount == Decimal("19.90")
    assert found.provider_ref == "2026113022001400000000000001"
    assert found.paid_at == datetime(2026, 11, 30, 4, 1, 2, tzinfo=UTC)
    assert '"out_trade_no":"P202611300001"' in gateway.seen[0]["biz_content"]


def test_an_answer_about_another_trade_is_refused(alipay, gateway):
    gateway.answers["alipay.trade.query"] = trade("TRADE_SUCCESS", out_trade_no="P999")
    with pytest.raises(ProviderError) as raised:
        alipay.payment_query(payment_no="P202611300001")
    assert raised.value.code == "bad_response"


def test_query_of_a_trade_alipay_does_not_know_yet_is_pending(alipay, gateway):
    gateway.answers["alipay.trade.query"] = {
        "code": "40004",
        "msg": "Business Failed",
        "sub_code": "ACQ.TRADE_NOT_EXIST",
        "sub_msg": "交易不存在",
    }
    assert alipay.payment_query(payment_no="P202611300001").state == "pending"


def test_trade_not_exist_is_believed_only_when_alipay_signed_it(alipay, gateway):
    not_exist = {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST"}
    for method in ("alipay.trade.query", "alipay.trade.close"):
        gateway.answers[method] = lambda biz, method=method: gateway.respond(
            method.replace(".", "_") + "_response", not_exist, signed=False
        )
    with pytest.raises(ProviderError) as raised:
        alipay.payment_query(payment_no="P202611300001")
    assert raised.value.code == "bad_signature"
    with pytest.raises(ProviderError) as raised:
        alipay.payment_close(payment_no="P202611300001")
    assert raised.value.code == "bad_signature"


def test_an_answer_not_signed_by_alipay_is_refused(keys, alipay, gateway):
    gateway.answers["alipay.trade.query"] = lambda biz: gateway.respond(
        "alipay_trade_query_response", trade("TRADE_SUCCESS"), sign_with=keys["other"]
    )
    with pytest.raises(ProviderError) as raised:
        alipay.payment_query(payment_no="P202611300001")
    assert raised.value.code == "bad_signature"

    gateway.answers["alipay.trade.query"] = lambda biz: gateway.respond(
        "alipay_trade_query_response",
        trade("WAIT_BUYER_PAY"),
        tamper=lambda text: text.replace("WAIT_BUYER_PAY", "TRADE_SUCCESS"),
    )
    with pytest.raises(ProviderError) as raised:
        alipay.payment_query(payment_no="P202611300001")
    assert raised.value.code == "bad_signature"

    gateway.answers["alipay.trade.query"] = lambda biz: gateway.respond(
        "alipay_trade_query_response", trade("TRADE_SUCCESS"), signed=False
    )
    with pytest.raises(ProviderError) as raised:
        alipay.payment_query(payment_no="P202611300001")
    assert raised.value.code == "bad_signature"


def test_a_request_signed_with_the_wrong_key_is_refused_by_the_gateway(keys, gateway):
    provider = provider_for(keys, gateway.url, app_key=keys["other"])
    with pytest.raises(ProviderError) as raised:
        provider.payment_query(payment_no="P202611300001")
    assert raised.value.code == "isv.invalid-signature" and raised.value.permanent
    assert gateway.problems == ["bad request signature"]


def test_business_and_system_errors(alipay, gateway):
    gateway.answers["alipay.trade.close"] = {
        "code": "40004",
        "msg": "Business Failed",
        "sub_code": "ACQ.TRADE_STATUS_ERROR",
    }
    with pytest.raises(ProviderError) as raised:
        alipay.payment_close(payment_no="P202611300001")
    assert raised.value.code == "ACQ.TRADE_STATUS_ERROR" and raised.value.permanent
    gateway.answers["alipay.trade.close"] = {
        "code": "40004",
        "msg": "Business Failed",
        "sub_code": "ACQ.SYSTEM_ERROR",
    }
    with pytest.raises(ProviderError) as raised:
        alipay.payment_close(payment_no="P202611300001")
    assert raised.value.code == "ACQ.SYSTEM_ERROR" and not raised.value.permanent
    gateway.answers["alipay.trade.close"] = lambda biz: (502, {}, b"bad gateway")
    with pytest.raises(ProviderError) as raised:
        alipay.payment_close(payment_no="P202611300001")
    assert raised.value.code == "http_502" and not raised.value.permanent


def test_close(alipay, gateway):
    gateway.answers["alipay.trade.close"] = {
        "code": "10000",
        "msg": "Success",
        "out_trade_no": "P202611300001",
    }
    assert alipay.payment_close(payment_no="P202611300001") is None
    gateway.answers["alipay.trade.close"] = {
        "code": "40004",
        "msg": "Business Failed",
        "sub_code": "ACQ.TRADE_NOT_EXIST",
    }
    assert alipay.payment_close(payment_no="P202611300001") is None
    assert len(gateway.seen) == 2 and gateway.problems == []


def refund_start(amount="5.00"):
    return RefundStart(
        payment_no="P202611300001",
        refund_no="R202611300001",
        amount=Decimal(amount),
        payment_amount=Decimal("19.90"),
        reason="退货",
    )


def test_refund_with_fund_change_is_final_otherwise_processing(alipay, gateway):
    gateway.answers["alipay.trade.refund"] = lambda biz: {
        "code": "10000",
        "msg": "Success",
        "trade_no": "2026113022001400000000000001",
        "out_trade_no": biz["out_trade_no"],
        "refund_fee": "5.00",
        "fund_change": "Y",
    }
    refund = alipay.refund_start(refund=refund_start())
    assert (refund.state, refund.amount, refund.refund_no) == (
        "succeeded",
        Decimal("5.00"),
        "R202611300001",
    )
    assert json.loads(gateway.seen[0]["biz_content"]) == {
        "out_trade_no": "P202611300001",
        "out_request_no": "R202611300001",
        "refund_amount": "5.00",
        "refund_reason": "退货",
    }
    gateway.answers["alipay.trade.refund"] = {
        "code": "10000",
        "msg": "Success",
        "refund_fee": "5.00",
        "fund_change": "N",
    }
    assert alipay.refund_start(refund=refund_start()).state == "processing"
    with pytest.raises(ProviderError):
        alipay.refund_start(refund=refund_start(amount="5.001"))
    assert len(gateway.seen) == 2  # the fraction never left


def test_refund_query(alipay, gateway):
    gateway.answers["alipay.trade.fastpay.refund.query"] = {
        "code": "10000",
        "msg": "Success",
        "trade_no": "2026113022001400000000000001",
        "out_trade_no": "P202611300001",
        "out_request_no": "R202611300001",
        "total_amount": "19.90",
        "refund_amount": "5.00",
        "refund_status": "REFUND_SUCCESS",
    }
    found = alipay.refund_query(payment_no="P202611300001", refund_no="R202611300001")
    assert (found.state, found.amount) == ("succeeded", Decimal("5.00"))
    assert '"out_request_no":"R202611300001"' in gateway.seen[0]["biz_content"]
    gateway.answers["alipay.trade.fastpay.refund.query"] = {"code": "10000", "msg": "Success"}
    found = alipay.refund_query(payment_no="P202611300001", refund_no="R202611300001")
    assert (found.state, found.amount) == ("failed", None)


def test_a_slow_or_absent_gateway_is_a_transient_provider_error(keys, gateway):
    gateway.delay = 1.0
    slow = provider_for(keys, gateway.url, timeout=0.2)
    with pytest.raises(ProviderError) as raised:
        slow.payment_query(payment_no="P202611300001")
    assert raised.value.code == "timeout" and not raised.value.permanent
    gone = provider_for(keys, "http://127.0.0.1:9")
    with pytest.raises(ProviderError) as raised:
        gone.payment_query(payment_no="P202611300001")
    assert raised.value.code == "connection"


# --- notify ------------------------------------------------------------------------------


def paid_notify(**overrides):
    params = {
        "gmt_create": "2026-11-30 12:00:30",
        "charset": "utf-8",
        "gmt_payment": "2026-11-30 12:01:02",
        "notify_time": "2026-11-30 12:01:03",
        "subject": "商品 T恤",
        "buyer_id": "2088102122524333",
        "invoice_amount": "19.90",
        "version": "1.0",
        "notify_id": "2026113000222120103073511494",
        "fund_bill_list": '[{"amount":"19.90","fundChannel":"ALIPAYACCOUNT"}]',
        "notify_type": "trade_status_sync",
        "out_trade_no": "P202611300001",
        "total_amount": "19.90",
        "trade_status": "TRADE_SUCCESS",
        "trade_no": "2026113022001400000000000001",
        "auth_app_id": APP_ID,
        "receipt_amount": "19.90",
        "point_amount": "0.00",
        "app_id": APP_ID,
        "buyer_pay_amount": "19.90",
        "seller_id": "2088102119685838",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


def test_a_valid_notify_parses(keys, alipay):
    note = alipay.notification_verify(headers={}, body=alipay_notify(paid_notify(), keys["alipay"]))
    assert note.kind == "payment" and note.state == "succeeded"
    assert note.payment_no == "P202611300001" and note.amount == Decimal("19.90")
    assert note.provider_ref == "2026113022001400000000000001"
    assert note.app_id == APP_ID and note.nonce == "2026113000222120103073511494"
    assert note.sent_at == datetime(2026, 11, 30, 4, 1, 3, tzinfo=UTC)
    assert note.paid_at == datetime(2026, 11, 30, 4, 1, 2, tzinfo=UTC)


def test_a_refund_notify_parses_as_a_refund(keys, alipay):
    params = paid_notify(
        out_biz_no="R202611300001", refund_fee="5.00", gmt_refund="2026-11-30 13:00:00.123"
    )
    note = alipay.notification_verify(headers={}, body=alipay_notify(params, keys["alipay"]))
    assert (note.kind, note.state, note.refund_no) == ("refund", "succeeded", "R202611300001")
    assert note.payment_no == "P202611300001"


def test_a_gbk_notify_verifies(keys):
    provider = AlipayProvider(
        AlipayConfig(
            app_id=APP_ID,
            private_key=private_pem(keys["app"]),
            alipay_public_key=public_pem(keys["alipay"]),
        )
    )
    params = paid_notify(charset="gbk")
    params["sign"] = rsa2_sign(keys["alipay"], alipay_content(params, exclude=("sign",)))
    params["sign_type"] = "RSA2"
    body = urlencode(params, encoding="gbk").encode()
    assert provider.notification_verify(headers={}, body=body).payment_no == "P202611300001"


def _tampered(keys):
    body = alipay_notify(paid_notify(total_amount="0.01"), keys["alipay"])
    return body.replace(b"total_amount=0.01", b"total_amount=19.90")


@pytest.mark.parametrize(
    "make, check",
    [
        (_tampered, "signature"),
        (lambda k: alipay_notify(paid_notify(), k["other"]), "signature"),
        (lambda k: alipay_notify(paid_notify(app_id="2021000999999999"), k["alipay"]), "app_id"),
        (lambda k: alipay_notify(paid_notify(total_amount="19.901"), k["alipay"]), "total_amount"),
        (lambda k: alipay_notify(paid_notify(total_amount=None), k["alipay"]), "total_amount"),
        (
            lambda k: alipay_notify(paid_notify(trade_status="TRADE_PENDING"), k["alipay"]),
            "trade_status",
        ),
        (lambda k: alipay_notify(paid_notify(notify_id=None), k["alipay"]), "notify_id"),
        (lambda k: alipay_notify(paid_notify(notify_time="yesterday"), k["alipay"]), "time"),
        (lambda k: alipay_notify(paid_notify(sign_type="RSA"), k["alipay"]), "sign_type"),
        (lambda k: alipay_notify(paid_notify(), k["alipay"]) + b"&out_trade_no=P2", "repeated"),
        (
            lambda k: alipay_notify(paid_notify(), k["alipay"]).replace(b"&sign=", b"&nosign="),
            "signature",
        ),
        (lambda k: b"\xff\xfe not a form", "form"),
    ],
)
def test_a_bad_notify_is_refused_naming_the_check(keys, alipay, make, check):
    body = make(keys)
    with pytest.raises(InvalidNotification) as raised:
        alipay.notification_verify(headers={}, body=body)
    message = str(raised.value)
    assert check in message
    assert "P202611300001" not in message and "BEGIN" not in message


def test_notification_answers():
    alipay = AlipayProvider()
    assert alipay.notification_answer(ok=True).body == b"success"
    answer = alipay.notification_answer(ok=False)
    assert (answer.status, answer.content_type, answer.body) == (200, "text/plain", b"fail")


# --- bill --------------------------------------------------------------------------------

# A detail file as Alipay writes it (tab-padded fields, `#` lines around the rows).
BILL = (Path(__file__).parent / "data" / "alipay_trade_20261130.csv").read_text("utf-8")


def test_bill_totals_from_the_downloaded_zip(alipay, gateway):
    gateway.files["/bill/20261130.zip"] = alipay_bill_zip(BILL)
    gateway.answers["alipay.data.dataservice.bill.downloadurl.query"] = lambda biz: (
        {"code": "10000", "msg": "Success", "bill_download_url": f"{gateway.url}/bill/20261130.zip"}
        if biz == {"bill_type": "trade", "bill_date": "2026-11-30"}
        else None
    )
    totals = alipay.bill_totals(day=date(2026, 11, 30))
    assert gateway.problems == []
    assert_bill_of_30_november(totals)


def test_no_bill_is_zero_and_a_broken_bill_an_error(alipay, gateway):
    method = "alipay.data.dataservice.bill.downloadurl.query"
    gateway.answers[method] = {
        "code": "40004",
        "msg": "Business Failed",
        "sub_code": "isp.bill_not_exist",
    }
    totals = alipay.bill_totals(day=date(2026, 11, 30))
    assert (totals.payment_count, totals.refund_amount) == (0, Decimal("0.00"))
    gateway.files["/bill/broken.zip"] = b"PK not really"
    gateway.answers[method] = {
        "code": "10000",
        "msg": "Success",
        "bill_download_url": f"{gateway.url}/bill/broken.zip",
    }
    with pytest.raises(ProviderError) as raised:
        alipay.bill_totals(day=date(2026, 11, 30))
    assert raised.value.code == "bad_bill"


# --- configuration -----------------------------------------------------------------------


def test_settings_are_read_when_used(keys, gateway, tmp_path):
    with override_settings(PAYMENTS_ALIPAY=None):
        provider = AlipayProvider()  # builds without settings
        with pytest.raises(ImproperlyConfigured):
            provider.payment_query(payment_no="P202611300001")
    private = tmp_path / "app.pem"
    private.write_text(private_pem(keys["app"]))
    public = tmp_path / "alipay.pem"
    public.write_text(public_pem(keys["alipay"]))
    gateway.answers["alipay.trade.query"] = trade("TRADE_SUCCESS")
    with override_settings(
        PAYMENTS_ALIPAY={
            "app_id": APP_ID,
            "private_key_path": str(private),
            "alipay_public_key_path": str(public),
            "gateway_url": f"{gateway.url}/gateway.do",
            "timeout": 3,
        }
    ):
        assert AlipayProvider().payment_query(payment_no="P202611300001").state == "succeeded"
    with override_settings(
        PAYMENTS_ALIPAY={"app_id": APP_ID, "private_key_path": str(tmp_path / "none.pem")}
    ):
        with pytest.raises(ImproperlyConfigured) as raised:
            AlipayProvider().payment_query(payment_no="P202611300001")
        assert "BEGIN" not in str(raised.value)


# --- payouts (alipay.fund.trans.uni.transfer) ------------------------------------------------


def payout(number="X202612010001", account="shop@example.com", amount="1234.56"):
    return TransferStart(
        transfer_no=number,
        amount=Decimal(amount),
        payee_account=account,
        payee_name="某某商店",
        remark="settlement S1",
    )


def test_a_transfer_is_signed_sent_once_per_number_and_succeeds(alipay, gateway):
    transfers = AlipayTransfers()
    gateway.answers["alipay.fund.trans.uni.transfer"] = transfers
    first = alipay.transfer_start(transfer=payout())
    again = alipay.transfer_start(transfer=payout())
    assert (first.state, first.transfer_no) == ("succeeded", "X202612010001")
    assert again == first and transfers.made == ["X202612010001"]
    assert gateway.problems == []  # our signature verified on both requests
    assert json.loads(gateway.seen[0]["biz_content"]) == {
        "out_biz_no": "X202612010001",
        "trans_amount": "1234.56",
        "product_code": "TRANS_ACCOUNT_NO_PWD",
        "biz_scene": "DIRECT_TRANSFER",
        "order_title": "settlement S1",
        "payee_info": {
            "identity": "shop@example.com",
            "identity_type": "ALIPAY_LOGON_ID",
            "name": "某某商店",
        },
    }


def test_a_transfer_to_an_alipay_user_id_and_a_refused_payee(alipay, gateway):
    gateway.answers["alipay.fund.trans.uni.transfer"] = AlipayTransfers()
    alipay.transfer_start(transfer=payout(account="2088123412341234"))
    assert json.loads(gateway.seen[0]["biz_content"])["payee_info"]["identity_type"] == (
        "ALIPAY_USER_ID"
    )
    refused = alipay.transfer_start(transfer=payout("X2", account="nobody@example.com"))
    assert (refused.state, refused.failure_code) == ("failed", "PAYEE_NOT_EXIST")


def test_a_transfer_answer_with_a_bad_signature_or_an_error_is_a_provider_error(
    alipay, gateway, keys
):
    gateway.answers["alipay.fund.trans.uni.transfer"] = lambda biz: gateway.respond(
        "alipay_fund_trans_uni_transfer_response",
        {"code": "10000", "msg": "Success", "out_biz_no": biz["out_biz_no"], "status": "SUCCESS"},
        sign_with=keys["other"],
    )
    with pytest.raises(ProviderError) as forged:
        alipay.transfer_start(transfer=payout())
    assert forged.value.code == "bad_signature"
    gateway.answers["alipay.fund.trans.uni.transfer"] = {
        "code": "40004",
        "msg": "Business Failed",
        "sub_code": "PAYER_BALANCE_NOT_ENOUGH",
        "sub_msg": "余额不足",
    }
    with pytest.raises(ProviderError) as refused:
        alipay.transfer_start(transfer=payout())
    assert (refused.value.code, refused.value.permanent) == ("PAYER_BALANCE_NOT_ENOUGH", True)


def test_transfer_query_settles_a_dealing_transfer_and_knows_an_unknown_one(alipay, gateway):
    transfers = AlipayTransfers(dealing=True)
    gateway.answers["alipay.fund.trans.uni.transfer"] = transfers
    gateway.answers["alipay.fund.trans.common.query"] = transfers.query
    assert alipay.transfer_start(transfer=payout()).state == "processing"
    assert alipay.transfer_query(transfer=payout()).state == "processing"
    transfers.settle("X202612010001", "SUCCESS")
    done = alipay.transfer_query(transfer=payout())
    assert (done.state, done.provider_ref) == (
        "succeeded",
        transfers.book["X202612010001"]["order_id"],
    )
    assert transfers.queried[-1] == {
        "out_biz_no": "X202612010001",
        "product_code": "TRANS_ACCOUNT_NO_PWD",
        "biz_scene": "DIRECT_TRANSFER",
    }
    assert gateway.problems == []
    alipay.transfer_start(transfer=payout("X2"))
    transfers.settle("X2", "REFUND", fail_reason="PAYEE_ACCOUNT_CLOSED")
    refunded = alipay.transfer_query(transfer=payout("X2"))
    assert (refunded.state, refunded.failure_code) == ("failed", "PAYEE_ACCOUNT_CLOSED")
    with pytest.raises(ProviderError) as unknown:
        alipay.transfer_query(transfer=payout("X-never-sent"))
    assert unknown.value.code == "TRANSFER_NOT_FOUND"


# --- agreements (周期扣款): sign, charge, unsign ---------------------------------------------


def agreement(number="PA202612010001"):
    return AgreementStart(agreement_no=number, subject="Auto-renewal", notify_url="https://n")


def charge(ref, payment_no="P202612010009", amount="19.90"):
    return AgreementCharge(
        agreement_no="PA202612010001",
        provider_ref=ref,
        payment_no=payment_no,
        amount=Decimal(amount),
        subject="Plus monthly",
        notify_url="https://n",
    )


def test_the_sign_page_is_a_signed_gateway_url(keys, alipay, gateway):
    started = alipay.agreement_sign_start(start=agreement())
    assert started.kind == "url"
    url = urlsplit(started.data["url"])
    params = dict(parse_qsl(url.query))
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{gateway.url}/gateway.do"
    assert params["method"] == "alipay.user.agreement.page.sign"
    assert params["notify_url"] == "https://n"
    assert verify(
        keys["app"].public_key(), alipay_content(params, exclude=("sign",)), params["sign"]
    )
    biz = json.loads(params["biz_content"])
    assert (biz["personal_product_code"], biz["external_agreement_no"]) == (
        "CYCLE_PAY_AUTH_P",
        "PA202612010001",
    )
    assert "period_rule_params" not in biz  # no rule given
    ruled = alipay.agreement_sign_start(
        start=AgreementStart(
            agreement_no="PA2",
            subject="s",
            notify_url="https://n",
            period_months=3,
            first_charge_on=date(2026, 12, 31),
            max_amount=Decimal("59.00"),
        )
    )
    biz = json.loads(dict(parse_qsl(urlsplit(ruled.data["url"]).query))["biz_content"])
    assert biz["period_rule_params"] == {
        "period_type": "MONTH",
        "period": 3,
        "execute_time": "2026-12-31",
        "single_amount": "59.00",
    }


def test_the_sign_and_unsign_notifies_parse_as_agreement_notifications(keys, alipay):
    fields = alipay_agreement_notify(
        app_id=APP_ID, external_agreement_no="PA202612010001", agreement_no="20261201000001"
    )
    signed = alipay.notification_verify(headers={}, body=alipay_notify(fields, keys["alipay"]))
    assert (signed.kind, signed.state, signed.agreement_no, signed.provider_ref) == (
        "agreement",
        "signed",
        "PA202612010001",
        "20261201000001",
    )
    fields = {**fields, "notify_type": "dut_user_unsign", "status": "UNSIGN"}
    ended = alipay.notification_verify(headers={}, body=alipay_notify(fields, keys["alipay"]))
    assert ended.state == "terminated"
    with pytest.raises(InvalidNotification):  # signed by someone else
        alipay.notification_verify(headers={}, body=alipay_notify(fields, keys["other"]))
    with pytest.raises(InvalidNotification):
        alipay.notification_verify(
            headers={}, body=alipay_notify({**fields, "app_id": "2021000999"}, keys["alipay"])
        )


def test_a_charge_pays_against_the_agreement_once_and_refusals_are_permanent(alipay, gateway):
    book = AlipayAgreements()
    book.install(gateway)
    ref = book.sign("PA202612010001")
    paid = alipay.agreement_charge(charge=charge(ref))
    assert (paid.state, paid.amount) == ("succeeded", Decimal("19.90")) and paid.provider_ref
    assert alipay.agreement_charge(charge=charge(ref)) == paid and len(book.trades) == 1
    sent = json.loads(gateway.seen[0]["biz_content"])
    assert sent["product_code"] == "GENERAL_WITHHOLDING"
    assert sent["agreement_params"] == {"agreement_no": ref}
    assert gateway.seen[0]["notify_url"] == "https://n" and gateway.problems == []
    book.broke.add(ref)
    with pytest.raises(ProviderError) as broke:
        alipay.agreement_charge(charge=charge(ref, payment_no="P2"))
    assert (broke.value.code, broke.value.permanent) == ("ACQ.BUYER_BALANCE_NOT_ENOUGH", True)
    book.broke.clear()
    book.processing = True
    assert alipay.agreement_charge(charge=charge(ref, payment_no="P3")).state == "pending"


def test_unsign_ends_the_agreement_once_and_again_is_not_an_error(alipay, gateway):
    book = AlipayAgreements()
    book.install(gateway)
    ref = book.sign("PA202612010001")
    alipay.agreement_end(agreement_no="PA202612010001", provider_ref=ref)
    alipay.agreement_end(agreement_no="PA202612010001", provider_ref=ref)  # idempotent
    assert book.unsigned == [ref]
    with pytest.raises(ProviderError) as ended:
        alipay.agreement_charge(charge=charge(ref))
    assert (ended.value.code, ended.value.permanent) == ("ACQ.AGREEMENT_NOT_EXIST", True)
    # before the sign callback named Alipay's number: by ours, the product and the scene
    other = book.sign("PA202612010002")
    alipay.agreement_end(agreement_no="PA202612010002", provider_ref="")
    assert book.unsigned == [ref, other]
    assert json.loads(gateway.seen[-1]["biz_content"]) == {
        "external_agreement_no": "PA202612010002",
        "personal_product_code": "CYCLE_PAY_AUTH_P",
        "sign_scene": "INDUSTRY|DIGITAL_MEDIA",
    }
