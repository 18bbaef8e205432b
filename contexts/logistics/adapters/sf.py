"""SF Express open platform (丰桥, `/std/service`), digital-signature authentication.

Every request is a form POST (UTF-8) of `partnerID`, `requestID`, `serviceCode`, `timestamp`,
`msgData` (the JSON business message) and `msgDigest`:

    msgDigest = Base64(MD5(URLEncoder.encode(msgData + timestamp + checkWord, "UTF-8")))

(Java's URLEncoder: space as "+", only letters, digits and `.-*_` kept.) The answer is JSON
`{"apiResultCode": "A1000", "apiResultData": "<JSON text>", ...}` where `apiResultData` holds
`{"success": true, "errorCode": "S0000", "errorMsg": ..., "msgData": {...}}`.

Services used: EXP_RECE_CREATE_ORDER (an order with an e-waybill: `waybillNoInfoList`, and the
route label when `isReturnRoutelabel` is 1) and EXP_RECE_SEARCH_ROUTES (`routeResps[].routes[]`
by tracking number). Route pushes come as the same signed form (`msgData` holding
`{"Body": {"WaybillRoute": [...]}}`, verified with the same digest) and are answered with
`{"return_code": "0000", "return_msg": "success"}` (any other code: SF pushes again).

Settings: `LOGISTICS_SF` = {partner_id, check_word, base_url, timeout, monthly_card, sender,
breaker_fail_max, breaker_reset_seconds}. The check word is never logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, quote_plus
from zoneinfo import ZoneInfo

from django.conf import settings

from contexts.logistics.adapters.http import GuardedHttp
from contexts.logistics.domain import RouteKind
from contexts.logistics.ports import (
    CarrierRefused,
    CarrierUnavailable,
    PushAnswer,
    PushRejected,
    RouteEvent,
    Waybill,
    WaybillRequest,
)

CREATE_ORDER = "EXP_RECE_CREATE_ORDER"
SEARCH_ROUTES = "EXP_RECE_SEARCH_ROUTES"
SF_TIME = ZoneInfo("Asia/Shanghai")  # SF reports route times as Beijing wall-clock time
SUCCESS = "A1000"

# SF operation codes (opCode) to what they mean for the parcel; others are in transit.
OP_KINDS = {
    "50": RouteKind.PICKED_UP,  # 顺丰已收取快件
    "54": RouteKind.PICKED_UP,
    "44": RouteKind.OUT_FOR_DELIVERY,  # 正在派送途中
    "204": RouteKind.OUT_FOR_DELIVERY,
    "80": RouteKind.DELIVERED,  # 已签收
    "8000": RouteKind.DELIVERED,
    "33": RouteKind.EXCEPTION,  # 派件异常
    "70": RouteKind.EXCEPTION,  # 派送不成功
    "99": RouteKind.EXCEPTION,  # 退回
    "648": RouteKind.EXCEPTION,
}


def java_url_encode(text: str) -> str:
    """URLEncoder.encode(text, "UTF-8") as Java does it (what SF's digest is computed over)."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def msg_digest(msg_data: str, timestamp: str, check_word: str) -> str:
    """Base64(MD5(urlencode(msgData + timestamp + checkWord)))."""
    encoded = java_url_encode(msg_data + timestamp + check_word).encode("utf-8")
    return base64.b64encode(hashlib.md5(encoded).digest()).decode("ascii")  # noqa: S324


def route_kind(op_code: str) -> str:
    return OP_KINDS.get(str(op_code), RouteKind.IN_TRANSIT).value


def _accept_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=SF_TIME)


class SfExpressCarrier:
    code = "sf"
    supports_push = True

    def __init__(self, config: Mapping[str, Any] | None = None) -> None:
        config = dict(settings.LOGISTICS_SF if config is None else config)
        self.partner_id = config.get("partner_id", "")
        self._check_word = config.get("check_word", "")
        self.base_url = config.get("base_url", "https://sfapi-sbox.sf-express.com/std/service")
        self.monthly_card = config.get("monthly_card", "")
        self.sender = dict(config.get("sender") or {})
        self.http = GuardedHttp(
            name="sf",
            timeout=float(config.get("timeout", 5)),
            fail_max=int(config.get("breaker_fail_max", 5)),
            reset_timeout=float(config.get("breaker_reset_seconds", 30)),
        )

    def __repr__(self) -> str:  # never the check word
        return f"SfExpressCarrier(partner_id={self.partner_id!r}, base_url={self.base_url!r})"

    # --- requests ------------------------------------------------------------------------

    def request_fields(self, service_code: str, msg_data: dict[str, Any]) -> dict[str, str]:
        """The signed form of one request."""
        data = json.dumps(msg_data, ensure_ascii=False, separators=(",", ":"))
        timestamp = str(int(time.time() * 1000))
        return {
            "partnerID": self.partner_id,
            "requestID": uuid.uuid4().hex,
            "serviceCode": service_code,
            "timestamp": timestamp,
            "msgData": data,
            "msgDigest": msg_digest(data, timestamp, self._check_word),
        }

    def call(self, service_code: str, msg_data: dict[str, Any]) -> dict[str, Any]:
        """One signed call; the `msgData` of a successful answer. CarrierUnavailable when SF
        does not answer properly, CarrierRefused when it answers that it will not."""
        response = self.http.post_form(self.base_url, self.request_fields(service_code, msg_data))
        try:
            answer = response.json()
        except ValueError as exc:
            raise CarrierUnavailable("The carrier answered something unreadable.") from exc
        if not isinstance(answer, dict) or answer.get("apiResultCode") != SUCCESS:
            code = answer.get("apiResultCode") if isinstance(answer, dict) else None
            raise CarrierUnavailable(
                "The carrier refused the call.", details={"carrier_code": str(code or "")}
            )
        try:
            result = json.loads(answer.get("apiResultData") or "{}")
        except ValueError as exc:
            raise CarrierUnavailable("The carrier answered something unreadable.") from exc
        if not result.get("success"):
            raise CarrierRefused(
                "The carrier refused the request.",
                details={"carrier_error": str(result.get("errorCode") or "")},
            )
        return result.get("msgData") or {}

    def waybill_create(self, request: WaybillRequest) -> Waybill:
        receiver = request.receiver
        sender = self.sender
        msg = {
            "language": "zh-CN",
            "orderId": request.reference,
            "monthlyCard": self.monthly_card,
            "expressTypeId": 1,
            "payMethod": 1,
            "isReturnRoutelabel": 1,
            "parcelQty": 1,
            "cargoDetails": [{"name": "goods", "count": request.pieces}],
            "contactInfoList": [
                {
                    "contactType": 1,
                    "contact": sender.get("name", ""),
                    "mobile": sender.get("phone", ""),
                    "country": "CN",
                    "province": sender.get("province", ""),
                    "city": sender.get("city", ""),
                    "county": sender.get("county", ""),
                    "address": sender.get("address", ""),
                },
                {
                    "contactType": 2,
                    "contact": receiver.name,
                    "mobile": receiver.phone,
                    "country": "CN",
                    "province": receiver.province_code,
                    "city": receiver.city_code,
                    "county": receiver.district_code,
                    "address": receiver.detail,
                },
            ],
        }
        data = self.call(CREATE_ORDER, msg)
        numbers = [
            item.get("waybillNo")
            for item in data.get("waybillNoInfoList") or []
            if item.get("waybillType", 1) == 1 and item.get("waybillNo")
        ]
        if not numbers:
            raise CarrierUnavailable("The carrier answered without a waybill number.")
        label: dict[str, str] = {"waybill_no": str(numbers[0])}
        for key, name in (("originCode", "origin_code"), ("destCode", "dest_code")):
            if data.get(key):
                label[name] = str(data[key])
        route_labels = data.get("routeLabelInfo") or []
        if route_labels:
            route = (route_labels[0] or {}).get("routeLabelData") or {}
            for key, name in (
                ("destRouteLabel", "dest_route_label"),
                ("twoDimensionCode", "two_dimension_code"),
                ("codingMapping", "coding_mapping"),
                ("proCode", "pro_code"),
            ):
                if route.get(key):
                    label[name] = str(route[key])
        return Waybill(tracking_number=str(numbers[0]), label=label)

    def route_query(self, tracking_numbers: Sequence[str]) -> list[RouteEvent]:
        events: list[RouteEvent] = []
        numbers = list(tracking_numbers)
        for start in range(0, len(numbers), 10):  # SF takes at most 10 numbers per query
            data = self.call(
                SEARCH_ROUTES,
                {
                    "language": "0",
                    "trackingType": "1",
                    "trackingNumber": numbers[start : start + 10],
                    "methodType": "1",
                },
            )
            for resp in data.get("routeResps") or []:
                number = str(resp.get("mailNo") or "")
                for route in resp.get("routes") or []:
                    events.append(self._route_event(number, route))
        return events

    @staticmethod
    def _route_event(number: str, route: Mapping[str, Any]) -> RouteEvent:
        op_code = str(route.get("opCode") or "")
        return RouteEvent(
            tracking_number=number,
            occurred_at=_accept_time(str(route.get("acceptTime"))),
            code=op_code[:16],
            kind=route_kind(op_code),
            description=str(route.get("remark") or "")[:255],
            location=str(route.get("acceptAddress") or "")[:100],
        )

    # --- pushes --------------------------------------------------------------------------

    def push_verify(self, headers: Mapping[str, str], body: bytes) -> list[RouteEvent]:
        try:
            form = {k: v[0] for k, v in parse_qs(body.decode("utf-8"), strict_parsing=True).items()}
        except (UnicodeDecodeError, ValueError) as exc:
            raise PushRejected("Not a signed SF push.") from exc
        msg_data, timestamp, digest = (form.get(k) for k in ("msgData", "timestamp", "msgDigest"))
        if not (msg_data and timestamp and digest):
            raise PushRejected("Not a signed SF push.")
        expected = msg_digest(msg_data, timestamp, self._check_word)
        if not hmac.compare_digest(expected.encode(), digest.encode()):
            raise PushRejected("The push's digest does not match.")
        try:
            routes = json.loads(msg_data)["Body"]["WaybillRoute"]
            return [
                self._route_event(str(route["mailno"]), route)
                for route in routes
                if isinstance(route, dict)
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise PushRejected("The push's message is not a route push.") from exc

    def push_answer(self, ok: bool) -> PushAnswer:
        body = (
            {"return_code": "0000", "return_msg": "success"}
            if ok
            else {
                "return_code": "1000",
                "return_msg": "failed",
            }
        )
        return PushAnswer(
            status=200, content_type="application/json", body=json.dumps(body).encode()
        )
