"""Identity's pure rules: what a valid mobile number, login identifier, region code and delivery
address look like, and the limits the services enforce. No Django here, so the rules are
readable and testable on their own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

from shared.regions import REGION_CODE

MAX_ADDRESSES_PER_USER = 20
RESET_CODE_DIGITS = 6

# Every digit pattern is ASCII-only (re.ASCII): a bare \d also accepts full-width and other
# Unicode digits, which would store a second spelling of one number.
# Chinese mainland mobile: 11 digits starting 13-19.
_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
# E.164: "+", country code (no leading zero), at most 15 digits in all.
_E164 = re.compile(r"^\+[1-9]\d{7,14}$", re.ASCII)
# Chinese landline for a receiver: area code 0xx/0xxx, 7-8 digit number, optional extension.
_CN_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$", re.ASCII)
_POSTAL_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$")
_SEPARATORS = re.compile(r"[\s\-()]")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class RuleViolation(Exception):
    """One or more fields break a rule: {field: [message, ...]}."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


def normalize_mobile(raw: str) -> str:
    """The canonical form of a mobile number, or RuleViolation.

    Spaces, dashes and brackets are dropped. A mainland number is stored as its 11 digits, with
    or without "+86"/"0086" in the input, so one phone cannot register twice under two spellings;
    any other country keeps its E.164 "+" form.
    """
    value = _SEPARATORS.sub("", raw or "")
    if value.startswith("0086"):
        value = "+86" + value[4:]
    if value.startswith("+86") and _CN_MOBILE.match(value[3:]):
        return value[3:]
    if _CN_MOBILE.match(value) or (_E164.match(value) and not value.startswith("+86")):
        return value
    raise RuleViolation(
        {"mobile": ["Enter a mainland mobile number (11 digits) or an E.164 number (+...)."]}
    )


def normalize_email(raw: str) -> str:
    """Emails are compared case-insensitively, so they are stored lower-cased and trimmed."""
    return (raw or "").strip().lower()


@dataclass(frozen=True)
class Identifier:
    """What a person types to sign in or to reset a password: an email or a mobile number."""

    kind: Literal["email", "mobile"]
    value: str


def parse_identifier(raw: str) -> Identifier:
    """An identifier containing "@" is an email, anything else must be a valid mobile number.

    What is typed to sign in is NFKC-folded first, so a full-width spelling (full-width letters
    or digits) names the same account as the ASCII one it stands for; stored
    identifiers are ASCII-canonical because sign-up does not fold (it rejects them).
    """
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if "@" in text:
        return Identifier("email", normalize_email(text))
    try:
        return Identifier("mobile", normalize_mobile(text))
    except RuleViolation as exc:
        raise RuleViolation({"identifier": ["Enter an email address or a mobile number."]}) from exc


def receiver_phone_problem(raw: str) -> str | None:
    """A receiver can be reached on a mobile (mainland or E.164) or on a mainland landline."""
    value = (raw or "").strip()
    compact = _SEPARATORS.sub("", value)
    if _CN_MOBILE.match(compact) or _E164.match(compact) or _CN_LANDLINE.match(value):
        return None
    return "Enter a mobile number or a landline such as 010-12345678."


@dataclass(frozen=True)
class AddressDraft:
    """The editable fields of a delivery address, as the buyer submitted them."""

    receiver_name: str
    receiver_phone: str
    province_code: str
    city_code: str
    district_code: str
    detail: str
    postal_code: str = ""
    tag: str = ""


def validate_address(draft: AddressDraft) -> AddressDraft:
    """Return the address trimmed, or RuleViolation listing every broken rule.

    Rules: a receiver name and a street detail that are not blank and have no control
    characters; a reachable phone; three 6-digit region codes forming one hierarchy
    (a province code ends in 0000, the city lies in the province, the district in the city);
    an optional postal code. Whether a code exists in the official list is not checked here.
    """
    clean = AddressDraft(
        receiver_name=(draft.receiver_name or "").strip(),
        receiver_phone=(draft.receiver_phone or "").strip(),
        province_code=(draft.province_code or "").strip(),
        city_code=(draft.city_code or "").strip(),
        district_code=(draft.district_code or "").strip(),
        detail=(draft.detail or "").strip(),
        postal_code=(draft.postal_code or "").strip(),
        tag=(draft.tag or "").strip(),
    )
    errors: dict[str, list[str]] = {}
    for name, limit in (("receiver_name", 50), ("detail", 200), ("tag", 20)):
        value = getattr(clean, name)
        if not value and name != "tag":
            errors[name] = ["This field may not be blank."]
        elif len(value) > limit:
            errors[name] = [f"Ensure this field has no more than {limit} characters."]
        elif _CONTROL_CHARS.search(value):
            errors[name] = ["Control characters are not allowed."]
    if problem := receiver_phone_problem(clean.receiver_phone):
        errors["receiver_phone"] = [problem]
    for name in ("province_code", "city_code", "district_code"):
        if not REGION_CODE.match(getattr(clean, name)):
            errors[name] = ["Enter a 6-digit region code."]
    if not errors.keys() & {"province_code", "city_code", "district_code"}:
        province = clean.province_code[:2]
        if not clean.province_code.endswith("0000"):
            errors["province_code"] = ["A province code ends in 0000."]
        if not clean.city_code.startswith(province):
            errors["city_code"] = ["The city must lie in the province."]
        # A district shares its city's first four digits; a city without districts
        # (Dongguan, Zhongshan) is its own district.
        if not clean.district_code.startswith(clean.city_code[:4]):
            errors["district_code"] = ["The district must lie in the city."]
    if clean.postal_code and not _POSTAL_CODE.match(clean.postal_code):
        errors["postal_code"] = ["Enter a valid postal code."]
    if errors:
        raise RuleViolation(errors)
    return clean
