"""Media uploads (product images) through Django's default storage: the local filesystem, or
S3/MinIO when S3_ENDPOINT_URL is set (settings.STORAGES)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from contexts.catalog import domain
from shared.auth import Principal
from shared.errors import ValidationFailed


@dataclass(frozen=True)
class StoredMedia:
    name: str
    url: str
    content_type: str
    size: int


def media_upload(*, principal: Principal, upload: UploadedFile) -> StoredMedia:
    """Store an image for staff or a merchant's staff.

    Rules: at most settings.MEDIA_MAX_UPLOAD_BYTES (400 file_too_large); the content itself
    must be a JPEG, PNG, GIF or WebP image, recognised by its magic bytes; the file name and
    the content type the client sent are ignored (400 unsupported_media). The stored name is
    random, with the extension of the sniffed type.
    """
    principal.require("catalog.media.upload")
    return image_store(upload=upload, folder="catalog")


def image_store(*, upload: UploadedFile, folder: str) -> StoredMedia:
    """Store an image under `folder/YYYY/MM/<random hex>.<ext>` by the rules of media_upload
    (size, content sniffed); the caller has checked who may upload."""
    limit = settings.MEDIA_MAX_UPLOAD_BYTES
    if upload.size is None or upload.size > limit:
        raise ValidationFailed(
            f"The file is larger than {limit} bytes.",
            code="file_too_large",
            details={"max_bytes": limit},
        )
    upload.seek(0)
    kind = domain.sniff_image_type(upload.read(domain.SNIFF_BYTES))
    upload.seek(0)
    if kind is None:
        raise ValidationFailed(
            "Only JPEG, PNG, GIF and WebP images are accepted.", code="unsupported_media"
        )
    # Storages that record a content type (S3) take it from the file: use the sniffed one,
    # never the one the client claimed.
    upload.content_type = kind.content_type
    storage = storages["default"]
    name = storage.save(
        f"{folder}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{kind.extension}", upload
    )
    return StoredMedia(
        name=name, url=storage.url(name), content_type=kind.content_type, size=upload.size
    )
