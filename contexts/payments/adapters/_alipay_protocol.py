"""Alipay's open-platform protocol: configuration, keys, the RSA2 string to sign, the signed
part of a gateway answer, the async notify's form. The adapter (alipay.py) builds on these."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from contexts.payments.adapters._signing import private_key_load, public_key_load
from contexts.payments.domain.amounts import AmountError, from_yuan_string
from contexts.payments.ports import InvalidNotification

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


@dataclass(frozen=True)
class AlipayConfig:
    app_id: str
    private_key: str = ""  # PEM (PKCS#8 or PKCS#1)
    private_key_path: str = ""
    alipay_public_key: str = ""  # PEM
    alipay_public_key_path: str = ""
    gateway: str = DEFAULT_GATEWAY
    timeout: float = 10.0
    notify_url: str = ""
    # 周期扣款 (auto-renew agreements): the scene Alipay approved for the app.
    agreement_sign_scene: str = "INDUSTRY|DIGITAL_MEDIA"

    @classmethod
    def from_settings(cls) -> AlipayConfig:
        values = getattr(settings, "PAYMENTS_ALIPAY", None) or {}
        if not isinstance(values, Mapping) or not values.get("app_id"):
            raise ImproperlyConfigured("settings.PAYMENTS_ALIPAY needs at least an app_id")
        values = dict(values)
        if "gateway_url" in values:
            values.setdefault("gateway", values.pop("gateway_url"))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known and v is not None})


@dataclass(frozen=True)
class _Keys:
    private: rsa.RSAPrivateKey
    alipay: rsa.RSAPublicKey


@lru_cache(maxsize=8)
def keys_for(config: AlipayConfig) -> _Keys:
    private = private_key_load(
        pem=config.private_key, path=config.private_key_path, what="Alipay app private key"
    )
    public, _ = public_key_load(
        pem=config.alipay_public_key,
        path=config.alipay_public_key_path,
        what="Alipay public key",
    )
    return _Keys(private=private, alipay=public)


def sign_content(params: Mapping[str, str], *, exclude: tuple[str, ...] = ("sign",)) -> str:
    """The string Alipay signs: non-empty parameters but `exclude`, sorted by name, `k=v&...`."""
    return "&".join(
        f"{k}={params[k]}"
        for k in sorted(params)
        if k not in exclude and params[k] not in ("", None)
    )


def shanghai_time(text: str) -> datetime:
    return datetime.strptime(text, TIME_FORMAT).replace(tzinfo=SHANGHAI)


def response_object(text: str, key: str) -> tuple[str, dict[str, Any], str]:
    """The raw JSON text of `key`'s object (what Alipay signed), that object, and the sign."""
    whole = json.loads(text)
    if not isinstance(whole, dict):
        raise ValueError("not an object")
    name = key if key in whole else "error_response"
    marker = f'"{name}"'
    start = text.index(marker) + len(marker)
    while text[start] in " \t\r\n:":
        start += 1
    obj, end = json.JSONDecoder().raw_decode(text, start)
    if obj != whole.get(name) or not isinstance(obj, dict):
        raise ValueError("the response object is ambiguous")
    return text[start:end], obj, str(whole.get("sign") or "")


def form_params(body: bytes) -> dict[str, str]:
    """The notify's form parameters, decoded in the charset it names; duplicates refused."""
    try:
        text = body.decode("ascii")  # percent-encoded
        # latin-1 decodes any byte: enough to read the charset the notify is encoded in.
        charset = dict(parse_qsl(text, encoding="latin-1")).get("charset") or "utf-8"
        pairs = parse_qsl(
            text, keep_blank_values=True, strict_parsing=True, encoding=charset, errors="strict"
        )
    except (UnicodeDecodeError, ValueError, LookupError) as exc:
        raise InvalidNotification("body is not form-encoded") from exc
    params = dict(pairs)
    if len(params) != len(pairs):
        raise InvalidNotification("a parameter is repeated")
    return params


def notify_amount(params: Mapping[str, str], name: str) -> Decimal:
    if not params.get(name):
        raise InvalidNotification(f"{name} is missing")
    try:
        return from_yuan_string(params[name])
    except (AmountError, InvalidOperation) as exc:
        raise InvalidNotification(f"{name} is not an exact amount") from exc
