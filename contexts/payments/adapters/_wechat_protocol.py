"""WeChat Pay API v3's protocol: configuration, keys (merchant key, platform certificates or the
WeChat Pay public key, the APIv3 key), the Authorization header we sign, the Wechatpay-Signature
check of its answers and callbacks, the AEAD_AES_256_GCM resource. wechatpay.py builds on these."""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from contexts.payments.adapters._signing import (
    certificate_serial,
    pem_text,
    private_key_load,
    public_key_load,
    rsa2_sign,
    rsa2_verify,
    still_valid,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_BASE_URL = "https://api.mch.weixin.qq.com"
WINDOW_SECONDS = 300


@dataclass(frozen=True)
class WechatPayConfig:
    mchid: str
    appid: str
    serial_no: str
    apiv3_key: str
    private_key: str = ""
    private_key_path: str = ""
    platform_keys: Any = field(default=())  # {serial or key id: PEM or path}
    platform_certificates: Any = field(default=())  # [PEM or path]
    public_key_id: str = ""
    public_key: str = ""
    public_key_path: str = ""
    base_url: str = DEFAULT_BASE_URL
    timeout: float = 10.0
    notify_url: str = ""
    # 委托代扣 (auto-renew): the deduction template WeChat Pay approved for the merchant.
    papay_plan_id: int = 0

    def __post_init__(self) -> None:
        # Hashable, so the loaded keys can be cached per configuration.
        keys = self.platform_keys
        pairs = keys.items() if isinstance(keys, Mapping) else keys
        object.__setattr__(self, "platform_keys", tuple(sorted((str(k), v) for k, v in pairs)))
        object.__setattr__(self, "platform_certificates", tuple(self.platform_certificates))

    @classmethod
    def from_settings(cls) -> WechatPayConfig:
        values = getattr(settings, "PAYMENTS_WECHAT", None) or {}
        required = ("mchid", "appid", "serial_no", "apiv3_key")
        if not isinstance(values, Mapping) or not all(values.get(k) for k in required):
            raise ImproperlyConfigured(
                "settings.PAYMENTS_WECHAT needs mchid, appid, serial_no and apiv3_key"
            )
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known and v is not None})


@dataclass(frozen=True)
class WechatKeys:
    merchant: rsa.RSAPrivateKey
    platform: Mapping[str, tuple[rsa.RSAPublicKey, datetime | None]]
    apiv3: bytes


def _pem_or_path(value: str) -> dict[str, str | None]:
    return {"pem": value, "path": None} if "-----BEGIN" in value else {"pem": None, "path": value}


@lru_cache(maxsize=8)
def keys_for(config: WechatPayConfig) -> WechatKeys:
    merchant = private_key_load(
        pem=config.private_key, path=config.private_key_path, what="WeChat Pay merchant key"
    )
    apiv3 = config.apiv3_key.encode()
    if len(apiv3) != 32:
        raise ImproperlyConfigured("the WeChat Pay APIv3 key must be 32 bytes")
    platform: dict[str, tuple[rsa.RSAPublicKey, datetime | None]] = {}
    for serial, value in config.platform_keys:
        platform[serial] = public_key_load(**_pem_or_path(value), what="WeChat Pay platform key")
    for value in config.platform_certificates:
        pem = pem_text(**_pem_or_path(value), what="WeChat Pay platform certificate")
        platform[certificate_serial(pem)] = public_key_load(
            pem=pem, path=None, what="WeChat Pay platform certificate"
        )
    if config.public_key_id:
        platform[config.public_key_id] = public_key_load(
            pem=config.public_key, path=config.public_key_path, what="WeChat Pay public key"
        )
    if not platform:
        raise ImproperlyConfigured("no WeChat Pay platform certificate or public key configured")
    return WechatKeys(merchant=merchant, platform=platform, apiv3=apiv3)


def authorization(
    *,
    config: WechatPayConfig,
    key: rsa.RSAPrivateKey,
    method: str,
    path: str,
    body: str,
    timestamp: str | None = None,
    nonce: str | None = None,
) -> str:
    """The Authorization header for one request (`path` with its query, `body` as sent)."""
    timestamp = timestamp or str(int(time.time()))
    nonce = nonce or secrets.token_hex(16).upper()
    signature = rsa2_sign(key, f"{method}\n{path}\n{timestamp}\n{nonce}\n{body}\n")
    return (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{config.mchid}",nonce_str="{nonce}",'
        f'signature="{signature}",timestamp="{timestamp}",serial_no="{config.serial_no}"'
    )


def signature_problem(keys: WechatKeys, headers: Mapping[str, str], body: bytes) -> str | None:
    """Which check of a WeChat-signed message fails (None when it verifies): the headers are
    looked up case-insensitively; the timestamp must be within 5 minutes of now."""
    found = {name.lower(): value for name, value in headers.items()}
    names = ("wechatpay-timestamp", "wechatpay-nonce", "wechatpay-signature", "wechatpay-serial")
    if not all(found.get(name) for name in names):
        return "Wechatpay-* headers are missing"
    timestamp, nonce, signature, serial = (found[name] for name in names)
    try:
        stamp = int(timestamp)
    except ValueError:
        return "Wechatpay-Timestamp is malformed"
    if abs(time.time() - stamp) > WINDOW_SECONDS:
        return "timestamp outside the 5-minute window"
    if serial not in keys.platform:
        return "Wechatpay-Serial is unknown"
    key, not_after = keys.platform[serial]
    if not still_valid(not_after):
        return "the platform certificate has expired"
    if not rsa2_verify(key, f"{timestamp}\n{nonce}\n".encode() + body + b"\n", signature):
        return "signature does not verify"
    return None


def resource_decrypt(keys: WechatKeys, resource: Mapping[str, Any]) -> bytes:
    """A callback's resource in clear: AES-256-GCM with the APIv3 key, its nonce and
    associated data; raises cryptography's InvalidTag when it was not sealed with our key."""
    associated = str(resource.get("associated_data") or "").encode()
    return AESGCM(keys.apiv3).decrypt(
        str(resource["nonce"]).encode(),
        base64.b64decode(str(resource["ciphertext"]), validate=True),
        associated or None,
    )
