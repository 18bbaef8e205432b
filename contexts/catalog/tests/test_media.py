"""Media uploads: type by content (magic bytes), size limit, local storage and S3 (moto)."""

from __future__ import annotations

import os
from pathlib import Path
from uuid import uuid4

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contexts.catalog.tests.support import client_for, error_code, make_user

URL = "/api/v1/admin/media"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 64
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 32
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32


@pytest.fixture
def local_media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": "/media/"},
        },
    }
    return tmp_path


def _upload(api, name: str, content: bytes, content_type: str = "image/png"):
    return api.post(
        URL, {"file": SimpleUploadedFile(name, content, content_type)}, format="multipart"
    )


@pytest.mark.parametrize(
    ("content", "extension", "content_type"),
    [
        (PNG, "png", "image/png"),
        (JPEG, "jpg", "image/jpeg"),
        (GIF, "gif", "image/gif"),
        (WEBP, "webp", "image/webp"),
    ],
)
def test_images_are_stored_under_the_type_their_content_has(
    cat, owner_api, local_media, content, extension, content_type
):
    # The client's name and content type are wrong on purpose: only the bytes count.
    response = _upload(owner_api, "photo.txt", content, "application/octet-stream")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["content_type"] == content_type
    assert body["name"].endswith(f".{extension}") and body["name"].startswith("catalog/")
    assert body["url"].startswith("/media/catalog/")
    assert (Path(local_media) / body["name"]).read_bytes() == content


@pytest.mark.parametrize(
    "content",
    [b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", b"%PDF-1.7 fake", b"MZ\x90\x00exe"],
)
def test_a_fake_extension_with_other_content_is_refused(cat, owner_api, local_media, content):
    response = _upload(owner_api, "innocent.png", content, "image/png")
    assert response.status_code == 400
    assert error_code(response) == "unsupported_media"
    assert not any(Path(local_media).rglob("*.*"))


def test_the_size_limit_is_enforced(cat, owner_api, local_media, settings):
    settings.MEDIA_MAX_UPLOAD_BYTES = 100
    assert _upload(owner_api, "ok.png", PNG[:100]).status_code == 201
    response = _upload(owner_api, "big.png", PNG + b"\x00" * 100)
    assert response.status_code == 400
    assert error_code(response) == "file_too_large"
    assert response.json()["error"]["details"] == {"max_bytes": 100}


def test_uploads_are_for_staff_and_merchants_only(cat, staff_api, anon_api, local_media):
    assert _upload(staff_api, "a.png", PNG).status_code == 201
    assert _upload(client_for(make_user()), "a.png", PNG).status_code == 403
    assert _upload(anon_api, "a.png", PNG).status_code == 401
    missing = staff_api.post(URL, {}, format="multipart")
    assert missing.status_code == 400


@pytest.mark.s3
def test_upload_lands_in_the_s3_bucket(cat, owner_api, settings):
    endpoint = os.environ.get("TEST_S3_ENDPOINT_URL")
    if not endpoint:
        pytest.skip("TEST_S3_ENDPOINT_URL is not set")
    import boto3

    bucket = f"catalog-test-{uuid4().hex[:12]}"
    credentials = {
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
        "region_name": "us-east-1",
    }
    s3 = boto3.client("s3", endpoint_url=endpoint, **credentials)
    s3.create_bucket(Bucket=bucket)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "endpoint_url": endpoint,
                "bucket_name": bucket,
                "access_key": "testing",
                "secret_key": "testing",
                "region_name": "us-east-1",
                "default_acl": None,
                "querystring_auth": False,
            },
        },
    }
    response = _upload(owner_api, "shot.bin", JPEG, "application/octet-stream")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["url"].startswith(f"{endpoint}/{bucket}/catalog/")
    stored = s3.get_object(Bucket=bucket, Key=body["name"])
    assert stored["Body"].read() == JPEG
    assert stored["ContentType"] == "image/jpeg"

    refused = _upload(owner_api, "fake.jpg", b"not an image at all", "image/jpeg")
    assert refused.status_code == 400
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == [body["name"]]
