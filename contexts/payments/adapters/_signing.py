"""SHA256withRSA (PKCS#1 v1.5) signing and verification and key loading, shared by the Alipay
and WeChat Pay adapters. Keys come as PEM text or a path to a PEM file; neither is ever put in
an error message."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.core.exceptions import ImproperlyConfigured


def pem_text(*, pem: str | bytes | None, path: str | None, what: str) -> bytes:
    """The PEM bytes given inline or read from `path`; ImproperlyConfigured names `what` when
    neither is usable (never the key)."""
    if pem:
        return pem.encode() if isinstance(pem, str) else bytes(pem)
    if path:
        try:
            return Path(path).read_bytes()
        except OSError as exc:
            raise ImproperlyConfigured(f"{what}: cannot read the key file") from exc
    raise ImproperlyConfigured(f"{what} is not configured")


def private_key_load(*, pem: str | bytes | None, path: str | None, what: str) -> rsa.RSAPrivateKey:
    data = pem_text(pem=pem, path=path, what=what)
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured(f"{what} is not a PEM private key") from exc
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ImproperlyConfigured(f"{what} is not an RSA key")
    return key


def public_key_load(
    *, pem: str | bytes | None, path: str | None, what: str
) -> tuple[rsa.RSAPublicKey, datetime | None]:
    """An RSA public key from a PEM public key or a PEM certificate, with the certificate's end
    of validity (None for a bare key)."""
    data = pem_text(pem=pem, path=path, what=what)
    not_after = None
    try:
        if b"BEGIN CERTIFICATE" in data:
            certificate = x509.load_pem_x509_certificate(data)
            key = certificate.public_key()
            not_after = certificate.not_valid_after_utc
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{what} is not a PEM public key or certificate") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise ImproperlyConfigured(f"{what} is not an RSA key")
    return key, not_after


def certificate_serial(pem: str | bytes) -> str:
    """A certificate's serial number as WeChat Pay writes it (upper-case hex)."""
    data = pem.encode() if isinstance(pem, str) else pem
    return format(x509.load_pem_x509_certificate(data).serial_number, "X")


def rsa2_sign(key: rsa.RSAPrivateKey, message: str | bytes) -> str:
    """Base64 of SHA256withRSA (PKCS#1 v1.5) over `message` (UTF-8)."""
    data = message.encode() if isinstance(message, str) else message
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(key: rsa.RSAPublicKey, message: str | bytes, signature: str) -> bool:
    """Whether `signature` (base64) is SHA256withRSA over `message` by `key`."""
    data = message.encode() if isinstance(message, str) else message
    try:
        raw = base64.b64decode(signature, validate=True)
        key.verify(raw, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def still_valid(not_after: datetime | None, *, now: datetime | None = None) -> bool:
    return not_after is None or (now or datetime.now(UTC)) <= not_after
