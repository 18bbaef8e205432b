"""identity.domain: the pure rules, without a database."""

from __future__ import annotations

import pytest

from contexts.identity.domain import (
    AddressDraft,
    RuleViolation,
    normalize_mobile,
    parse_identifier,
    receiver_phone_problem,
    validate_address,
)

GOOD = AddressDraft(
    receiver_name=" Li Lei ",
    receiver_phone="13800138000",
    province_code="440000",
    city_code="440300",
    district_code="440305",
    detail=" Keji Road ",
)


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("13800138000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("138 0013-8000", "13800138000"),
        ("+14155552671", "+14155552671"),
        ("+447911123456", "+447911123456"),
    ],
)
def test_mobile_numbers_have_one_canonical_form(raw, canonical):
    assert normalize_mobile(raw) == canonical


@pytest.mark.parametrize(
    "raw", ["", "1380013800", "12800138000", "+8612800138000", "+0123456789", "+1234567890123456"]
)
def test_invalid_mobile_numbers(raw):
    with pytest.raises(RuleViolation) as excinfo:
        normalize_mobile(raw)
    assert "mobile" in excinfo.value.errors


def test_identifiers():
    assert parse_identifier(" A@B.com ").value == "a@b.com"
    assert parse_identifier("+86 13800138000").kind == "mobile"
    with pytest.raises(RuleViolation):
        parse_identifier("someone")


@pytest.mark.parametrize("phone", ["13800138000", "+14155552671", "010-12345678", "02112345678"])
def test_reachable_receiver_phones(phone):
    assert receiver_phone_problem(phone) is None


@pytest.mark.parametrize("phone", ["", "123", "1-800-FLOWERS", "110"])
def test_unreachable_receiver_phones(phone):
    assert receiver_phone_problem(phone)


def test_a_valid_address_is_trimmed():
    clean = validate_address(GOOD)

    assert clean.receiver_name == "Li Lei"
    assert clean.detail == "Keji Road"


def test_city_without_districts_is_its_own_district():
    draft = AddressDraft(**{**GOOD.__dict__, "city_code": "441900", "district_code": "441900"})

    assert validate_address(draft).district_code == "441900"


def test_every_broken_rule_is_reported():
    draft = AddressDraft(
        receiver_name="",
        receiver_phone="x",
        province_code="440300",
        city_code="110100",
        district_code="440399",
        detail="a\x00b",
        postal_code="#",
    )

    with pytest.raises(RuleViolation) as excinfo:
        validate_address(draft)

    assert set(excinfo.value.errors) == {
        "receiver_name",
        "receiver_phone",
        "province_code",
        "city_code",
        "district_code",
        "detail",
        "postal_code",
    }
