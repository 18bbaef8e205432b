"""Base classes of every input serializer: what the API accepts as text, and which keys.

`Input` is the base of a request body: a key the serializer does not declare is a 400
validation_error naming it (`"remark"` instead of `"remarks"` would otherwise be dropped
silently). `QueryInput` is the base of query-string serializers, where unknown parameters
(`page`, `page_size`, cache busters) are normal. Both:

- refuse control characters, bidirectional overrides and lone surrogates in text: a single-line
  field allows none, a field named in `Meta.multiline` (or a `multiline_text()` field) allows
  tab, line feed and carriage return; a password field (`style={"input_type": "password"}`)
  is a secret compared as sent, never shown, and left alone;
- never echo the input back in an error message (a lone surrogate echoed into the response
  cannot be encoded, and echoing arbitrary input is how reflected content gets in).
"""

from __future__ import annotations

import re
import unicodedata

from rest_framework import serializers

# C0 and C1 controls, DEL, bidi embeddings/overrides/isolates and marks that reorder text,
# zero-width joiners used to hide content, the BOM, and lone surrogates (U+D800..U+DFFF).
_ALWAYS_REFUSED = (
    "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
    "\u200b-\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff"
    "\ud800-\udfff"
)
_SINGLE_LINE_REFUSED = re.compile(f"[{_ALWAYS_REFUSED}\t\n\r\u2028\u2029]")
_MULTI_LINE_REFUSED = re.compile(f"[{_ALWAYS_REFUSED}\u2028\u2029]")

SINGLE_LINE_MESSAGE = "Must be one line of text without control or direction-override characters."
MULTI_LINE_MESSAGE = "Must not contain control or direction-override characters."

# DRF messages that quote the caller's input (`"{input}" is not a valid choice.`) are replaced;
# the rest name only types and limits.
_ECHO_PLACEHOLDERS = ("{input}", "{value}", "{pk_value}", "{data_type}")
_NO_ECHO_MESSAGES = {
    "invalid_choice": "Not a valid choice.",
    "does_not_exist": "No such object.",
    "incorrect_type": "Incorrect type.",
}


def refuse_unsafe_text(value: str, *, multiline: bool = False) -> None:
    """Raise a ValidationError when `value` holds a character a text field must not store."""
    pattern = _MULTI_LINE_REFUSED if multiline else _SINGLE_LINE_REFUSED
    if pattern.search(value) or (
        not multiline and any(unicodedata.category(ch) == "Zl" for ch in value)
    ):
        raise serializers.ValidationError(MULTI_LINE_MESSAGE if multiline else SINGLE_LINE_MESSAGE)


class MultilineCharField(serializers.CharField):
    """A CharField for prose (notes, review text, descriptions): line breaks allowed."""

    multiline = True


def multiline_text(**kwargs) -> MultilineCharField:
    return MultilineCharField(**kwargs)


def _harden(field: serializers.Field, *, multiline: bool) -> None:
    for key, message in list(field.error_messages.items()):
        if any(placeholder in str(message) for placeholder in _ECHO_PLACEHOLDERS):
            field.error_messages[key] = _NO_ECHO_MESSAGES.get(key, "Not a valid value.")
    is_secret = field.style.get("input_type") == "password"
    if isinstance(field, serializers.CharField) and not is_secret:
        multiline = multiline or getattr(field, "multiline", False)
        field.validators.append(_TextValidator(multiline=multiline))
    child = getattr(field, "child", None)
    if isinstance(child, serializers.Field):
        _harden(child, multiline=multiline)


class _TextValidator:
    def __init__(self, *, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, value: str) -> None:
        refuse_unsafe_text(value, multiline=self.multiline)


class QueryInput(serializers.Serializer):
    """Base of query-string serializers: safe text, no input echoed; extra keys ignored."""

    def get_fields(self):
        fields = super().get_fields()
        multiline = set(getattr(getattr(self, "Meta", None), "multiline", ()))
        for name, field in fields.items():
            _harden(field, multiline=name in multiline)
        return fields


class Input(QueryInput):
    """Base of request-body serializers: as QueryInput, and a key no field declares is a 400
    validation_error listing it under `details.fields`."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        # DRF hands allow_null to the list *and* to each item, so `"items": [null]` would reach
        # the service as a None line. Null may stand for the whole list, never for an item.
        allow_null = kwargs.pop("allow_null", False)
        list_serializer = super().many_init(*args, **kwargs)
        list_serializer.allow_null = allow_null
        return list_serializer

    def to_internal_value(self, data):
        unknown = (
            sorted(str(key)[:64] for key in data if key not in self.fields)
            if hasattr(data, "keys")
            else []
        )
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                exc.detail.update({key: ["Unknown field."] for key in unknown})
            raise
        if unknown:
            raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return value


def validated(serializer_class: type[serializers.Serializer], data, **kwargs) -> dict:
    """The validated data of `data` (a request's body or query parameters) through
    `serializer_class`; invalid input raises the 400 validation_error of the shared envelope."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
