"""OpenAPI helpers: the error envelope as a documented response of every endpoint."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable machine-readable error code, e.g. out_of_stock.")
    message = serializers.CharField(help_text="Human-readable explanation.")
    details = serializers.DictField(help_text="Structured context, e.g. per-field errors.")


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


_DESCRIPTIONS = {
    400: "Invalid input (validation_error, malformed_request).",
    401: "Missing or invalid credentials.",
    403: "Authenticated but not allowed.",
    404: "Not found (or not yours).",
    409: "Conflicts with the current state.",
    415: "Unsupported media type (send JSON).",
    422: "Breaks a business rule.",
    423: "Locked.",
    429: "Throttled.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """`responses={200: Out, **error_responses(400, 401)}` in `extend_schema`."""
    return {
        status: OpenApiResponse(response=ErrorEnvelopeSerializer, description=_DESCRIPTIONS[status])
        for status in statuses
    }
