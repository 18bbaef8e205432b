"""The catalog's pure rules, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from contexts.catalog import domain
from shared.errors import BusinessRuleViolation, Conflict, ValidationFailed

RED = domain.ValueRef(1, 10, "Colour", "Red", 0)
BLUE = domain.ValueRef(2, 10, "Colour", "Blue", 0)
SMALL = domain.ValueRef(3, 20, "Size", "S", 1)
COTTON = domain.ValueRef(4, 30, "Material", "Cotton", 2)
KNOWN = {v.value_id: v for v in (RED, BLUE, SMALL, COTTON)}


def check(value_ids, existing=()):
    return domain.sku_combination_check(
        requested_value_ids=value_ids,
        known_values=KNOWN,
        sales_attribute_ids={10, 20},
        existing_keys=set(existing),
    )


def test_a_valid_combination_gets_a_canonical_key():
    assert check([3, 1]) == "1-3"
    assert domain.spec_text([SMALL, RED]) == "Colour: Red / Size: S"


@pytest.mark.parametrize(
    ("value_ids", "error", "code"),
    [
        ([1, 99], ValidationFailed, "unknown_attribute_value"),
        ([1, 4], BusinessRuleViolation, "attribute_value_not_allowed"),
        ([1, 2, 3], BusinessRuleViolation, "duplicate_sales_attribute"),
        ([1, 1, 3], BusinessRuleViolation, "duplicate_sales_attribute"),
        ([1], BusinessRuleViolation, "sales_attribute_missing"),
    ],
)
def test_invalid_combinations_are_refused(value_ids, error, code):
    with pytest.raises(error) as exc:
        check(value_ids)
    assert exc.value.code == code


def test_an_existing_combination_is_a_conflict():
    with pytest.raises(Conflict) as exc:
        check([3, 1], existing=["1-3"])
    assert exc.value.code == "sku_combination_exists"


def test_publish_needs_an_active_sku_priced_above_zero_and_an_active_merchant():
    ok = domain.SkuState(active=True, price=Decimal("1.00"))
    free = domain.SkuState(active=True, price=Decimal("0.00"))
    off = domain.SkuState(active=False, price=Decimal("5.00"))
    domain.publish_check(merchant_active=True, skus=[free, ok])
    for skus in ([], [free], [off], [free, off]):
        with pytest.raises(BusinessRuleViolation) as exc:
            domain.publish_check(merchant_active=True, skus=skus)
        assert exc.value.code == "publish_requires_priced_sku"
    with pytest.raises(BusinessRuleViolation) as exc:
        domain.publish_check(merchant_active=False, skus=[ok])
    assert exc.value.code == "merchant_suspended"


def test_rating_average_rounds_half_up():
    assert domain.rating_average(count=0, total=0) == Decimal("0.00")
    assert domain.rating_average(count=3, total=14) == Decimal("4.67")
    assert domain.rating_average(count=8, total=36) == Decimal("4.50")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", domain.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", domain.PNG),
        (b"GIF89a\x01\x00\x01\x00", domain.GIF),
        (b"GIF87a\x01\x00\x01\x00", domain.GIF),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", domain.WEBP),
        (b"RIFF\x24\x00\x00\x00AVI LIST", None),
        (b"<?xml version='1.0'?><svg", None),
        (b"%PDF-1.7\n", None),
        (b"", None),
    ],
)
def test_images_are_recognised_by_their_magic_bytes(head, expected):
    assert domain.sniff_image_type(head) == expected


def test_content_blocks_are_checked_and_cleaned():
    blocks = domain.content_blocks_check(
        [
            {"type": "heading", "text": "Hi", "extra": 1},
            {"type": "image", "url": " https://x/y.png ", "alt": "y"},
        ]
    )
    assert blocks == [
        {"type": "heading", "text": "Hi"},
        {"type": "image", "url": "https://x/y.png", "alt": "y"},
    ]
    for bad in ([{"type": "video"}], [{"type": "image"}], [{"type": "text", "text": 5}], ["x"]):
        with pytest.raises(ValidationFailed) as exc:
            domain.content_blocks_check(bad)
        assert exc.value.code == "invalid_content"
