"""Request parsing and response rendering that cannot be driven into a 500 by the payload."""

from __future__ import annotations

from rest_framework import parsers, renderers
from rest_framework.exceptions import ParseError

# Deeper than any body the API accepts; deep enough input would otherwise reach the interpreter's
# recursion limit in the decoder, a validator or the renderer (a 500).
MAX_JSON_DEPTH = 32


def _depth_exceeds(value, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested deeper than MAX_JSON_DEPTH is a 400 malformed_request."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.") from None
        if _depth_exceeds(data, MAX_JSON_DEPTH):
            raise ParseError(f"JSON nested deeper than {MAX_JSON_DEPTH} levels.")
        return data


class _AsciiJSONRenderer(renderers.JSONRenderer):
    ensure_ascii = True


class JSONRenderer(renderers.JSONRenderer):
    """UTF-8 JSON; a string that UTF-8 cannot encode (a lone surrogate) is written \\u-escaped
    instead of failing the response."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        try:
            return super().render(data, accepted_media_type, renderer_context)
        except UnicodeEncodeError:
            return _AsciiJSONRenderer().render(data, accepted_media_type, renderer_context)
