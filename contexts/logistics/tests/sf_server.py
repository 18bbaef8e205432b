"""A local stand-in for SF's open platform, started by the tests: it recomputes every request's
msgDigest from the raw form (its own URLEncoder, written from Java's rules) and answers as SF
does; it also builds pushes signed the way SF signs them."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode

KEEP = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*_")


def java_urlencoder(text: str) -> str:
    out = []
    for byte in text.encode("utf-8"):
        if byte in KEEP:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def sf_digest(msg_data: str, timestamp: str, check_word: str) -> str:
    md5 = hashlib.md5(java_urlencoder(msg_data + timestamp + check_word).encode("ascii"))
    return base64.b64encode(md5.digest()).decode("ascii")


class SfServer:
    def __init__(self, *, partner_id: str = "PARTNER1", check_word: str = "cw-secret-1") -> None:
        self.partner_id, self.check_word = partner_id, check_word
        self.requests: list[dict[str, str]] = []
        self.content_types: list[str] = []
        self.delay = 0.0
        self.routes: dict[str, list[dict]] = {}
        self.next_waybill = "SF1234567890123"
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                server.content_types.append(self.headers.get("Content-Type", ""))
                form = {k: v[0] for k, v in parse_qs(raw.decode("ascii")).items()}
                server.requests.append(form)
                if server.delay:
                    time.sleep(server.delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(server.answer(form)).encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/std/service"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SfServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, form: dict[str, str]) -> dict:
        expected = sf_digest(form.get("msgData", ""), form.get("timestamp", ""), self.check_word)
        if form.get("partnerID") != self.partner_id or form.get("msgDigest") != expected:
            return {"apiResultCode": "A1001", "apiErrorMsg": "digest", "apiResultData": None}
        msg = json.loads(form["msgData"])
        if form["serviceCode"] == "EXP_RECE_CREATE_ORDER":
            data = {
                "orderId": msg["orderId"],
                "originCode": "755",
                "destCode": "010",
                "waybillNoInfoList": [{"waybillType": 1, "waybillNo": self.next_waybill}],
                "routeLabelInfo": [
                    {"code": "1000", "routeLabelData": {"destRouteLabel": "010W-A1"}}
                ],
            }
        elif form["serviceCode"] == "EXP_RECE_SEARCH_ROUTES":
            data = {
                "routeResps": [
                    {"mailNo": number, "routes": self.routes.get(number, [])}
                    for number in msg["trackingNumber"]
                ]
            }
        else:
            return {"apiResultCode": "A1004", "apiResultData": None}
        result = {"success": True, "errorCode": "S0000", "errorMsg": None, "msgData": data}
        return {
            "apiResultCode": "A1000",
            "apiErrorMsg": "",
            "apiResponseID": "R1",
            "apiResultData": json.dumps(result, ensure_ascii=False),
        }

    def push_body(self, routes: list[dict], *, check_word: str | None = None) -> bytes:
        msg = json.dumps({"Body": {"WaybillRoute": routes}}, ensure_ascii=False)
        timestamp = str(int(time.time() * 1000))
        digest = sf_digest(msg, timestamp, check_word or self.check_word)
        return urlencode({"msgData": msg, "timestamp": timestamp, "msgDigest": digest}).encode()
