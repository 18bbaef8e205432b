"""The catalog's pure rules: what a valid SKU combination is, when a product may be published,
how an uploaded image is recognised, how a rating summary is computed. No Django here.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from shared.errors import BusinessRuleViolation, Conflict, ValidationFailed

RATING_MIN = 1
RATING_MAX = 5
MAX_REVIEW_IMAGES = 9


# --- SKU combinations -----------------------------------------------------------------------


@dataclass(frozen=True)
class ValueRef:
    """A sales-attribute value as the combination rule needs it."""

    value_id: int
    attribute_id: int
    attribute_name: str
    value: str
    attribute_sort: int = 0


def spec_key(value_ids: Iterable[int]) -> str:
    """The canonical key of a combination: its value ids, sorted, joined by "-"."""
    return "-".join(str(v) for v in sorted(value_ids))


def spec_text(values: Sequence[ValueRef]) -> str:
    """Human-readable combination in attribute order, e.g. "Colour: Red / Size: M"."""
    ordered = sorted(values, key=lambda v: (v.attribute_sort, v.attribute_id))
    return " / ".join(f"{v.attribute_name}: {v.value}" for v in ordered)


def sku_combination_check(
    *,
    requested_value_ids: Sequence[int],
    known_values: dict[int, ValueRef],
    sales_attribute_ids: set[int],
    existing_keys: set[str],
) -> str:
    """Validate a SKU's sales-attribute values and return its spec key.

    Rules: every value exists (400 unknown_attribute_value); each belongs to a sales attribute
    the product's category uses (422 attribute_value_not_allowed); at most one value per
    attribute (422 duplicate_sales_attribute) and one for each of the category's sales
    attributes (422 sales_attribute_missing); no other live SKU of the product has the same
    combination (409 sku_combination_exists).
    """
    unknown = sorted({v for v in requested_value_ids if v not in known_values})
    if unknown:
        raise ValidationFailed(
            "Unknown attribute value.",
            code="unknown_attribute_value",
            details={"value_ids": unknown},
        )
    if len(set(requested_value_ids)) != len(requested_value_ids):
        raise BusinessRuleViolation(
            "A value is listed twice.",
            code="duplicate_sales_attribute",
            details={"value_ids": list(requested_value_ids)},
        )
    values = [known_values[v] for v in requested_value_ids]
    not_allowed = [v.value_id for v in values if v.attribute_id not in sales_attribute_ids]
    if not_allowed:
        raise BusinessRuleViolation(
            "A value does not belong to a sales attribute of the product's category.",
            code="attribute_value_not_allowed",
            details={"value_ids": not_allowed},
        )
    seen: dict[int, int] = {}
    for v in values:
        if v.attribute_id in seen:
            raise BusinessRuleViolation(
                "Only one value per sales attribute.",
                code="duplicate_sales_attribute",
                details={"attribute_id": v.attribute_id},
            )
        seen[v.attribute_id] = v.value_id
    missing = sorted(sales_attribute_ids - set(seen))
    if missing:
        raise BusinessRuleViolation(
            "Every sales attribute of the category needs a value.",
            code="sales_attribute_missing",
            details={"attribute_ids": missing},
        )
    key = spec_key(requested_value_ids)
    if key in existing_keys:
        raise Conflict(
            "The product already has a SKU with this combination.",
            code="sku_combination_exists",
            details={"value_ids": sorted(requested_value_ids)},
        )
    return key


# --- Publishing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SkuState:
    active: bool
    price: Decimal


def has_sellable_sku(skus: Iterable[SkuState]) -> bool:
    """A product can be on sale only with at least one active SKU priced above zero."""
    return any(s.active and s.price > 0 for s in skus)


def publish_check(*, merchant_active: bool, skus: Iterable[SkuState]) -> None:
    """Publishing requires an active merchant and at least one active SKU with a price > 0."""
    if not merchant_active:
        raise BusinessRuleViolation(
            "The merchant is suspended: its products cannot be published.",
            code="merchant_suspended",
        )
    if not has_sellable_sku(skus):
        raise BusinessRuleViolation(
            "Publishing needs at least one active SKU with a price above zero.",
            code="publish_requires_priced_sku",
        )


# --- Reviews --------------------------------------------------------------------------------


def rating_average(*, count: int, total: int) -> Decimal:
    """Average rating to two decimals (half-up); 0 when there are no reviews."""
    if count <= 0:
        return Decimal("0.00")
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- Media ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImageType:
    content_type: str
    extension: str


JPEG = ImageType("image/jpeg", "jpg")
PNG = ImageType("image/png", "png")
GIF = ImageType("image/gif", "gif")
WEBP = ImageType("image/webp", "webp")
SNIFF_BYTES = 16


def sniff_image_type(head: bytes) -> ImageType | None:
    """Recognise an image by its first bytes (magic numbers), never by its name or the
    content type the client claims. Returns None for anything but JPEG, PNG, GIF or WebP."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


# --- Rich content ---------------------------------------------------------------------------

CONTENT_BLOCK_TYPES = ("heading", "text", "image")
MAX_CONTENT_BLOCKS = 200
MAX_TEXT_BLOCK_CHARS = 20_000


def content_blocks_check(blocks: Sequence[dict]) -> list[dict]:
    """A product description is a list of blocks: {"type": "heading"|"text", "text": str} or
    {"type": "image", "url": str, "alt": str}. Returns the blocks with only the known keys;
    400 invalid_content otherwise."""
    if len(blocks) > MAX_CONTENT_BLOCKS:
        raise ValidationFailed(
            f"At most {MAX_CONTENT_BLOCKS} content blocks.", code="invalid_content"
        )
    clean: list[dict] = []
    for index, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        if kind not in CONTENT_BLOCK_TYPES:
            raise ValidationFailed(
                "Unknown content block type.", code="invalid_content", details={"index": index}
            )
        if kind == "image":
            url = block.get("url")
            if not isinstance(url, str) or not url.strip():
                raise ValidationFailed(
                    "An image block needs a url.", code="invalid_content", details={"index": index}
                )
            alt = block.get("alt", "")
            clean.append({"type": "image", "url": url.strip(), "alt": str(alt)[:300]})
        else:
            text = block.get("text")
            if not isinstance(text, str) or len(text) > MAX_TEXT_BLOCK_CHARS:
                raise ValidationFailed(
                    "A text block needs text (at most 20000 characters).",
                    code="invalid_content",
                    details={"index": index},
                )
            clean.append({"type": kind, "text": text})
    return clean
