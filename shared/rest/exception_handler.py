"""Every error leaves the API as `{"error": {"code", "message", "details"}}`.

DRF's own exceptions (validation, authentication, permission, 404, throttling, parse errors),
Django's Http404/PermissionDenied, Django's suspicious-request family (too many fields: 400,
a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413) and our AppError all pass through here. Anything
else is a bug:
it is logged with the request id and answered as a 500 in the same envelope, without internals.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from shared.errors import AppError
from shared.request_context import current_request_id

logger = logging.getLogger("ecommerce.errors")

_DRF_CODES = {
    drf.ValidationError: "validation_error",
    drf.ParseError: "malformed_request",
    drf.AuthenticationFailed: "not_authenticated",
    drf.NotAuthenticated: "not_authenticated",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
}


def envelope(code: str, message: str, details: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _drf_code(exc: drf.APIException) -> str:
    for klass in type(exc).__mro__:
        if klass in _DRF_CODES:
            return _DRF_CODES[klass]
    return str(getattr(exc, "default_code", "error"))


def _message_of(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _message_of(detail[0])
    if isinstance(detail, dict) and detail:
        return _message_of(next(iter(detail.values())))
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )

    elif isinstance(exc, RequestDataTooBig):
        exc = AppError("The request body is too large.", code="payload_too_large", status=413)
    elif isinstance(exc, SuspiciousOperation):
        # TooManyFieldsSent, TooManyFilesSent, DisallowedHost...: the caller's request is at fault.
        exc = AppError("The request was refused as malformed.", code="malformed_request")

    if isinstance(exc, AppError):
        set_rollback()
        return Response(exc.as_dict(), status=exc.status_code)

    if isinstance(exc, drf.APIException):
        set_rollback()
        headers = {}
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header
        if getattr(exc, "wait", None) is not None:
            headers["Retry-After"] = str(int(exc.wait))
        code = _drf_code(exc)
        if isinstance(exc, drf.ValidationError):
            detail = (
                exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
            )
            message = "The request is invalid: " + _message_of(detail)
            details = {"fields": detail}
        else:
            message = _message_of(exc.detail)
            details = (
                {"wait_seconds": int(exc.wait)}
                if isinstance(exc, drf.Throttled) and exc.wait
                else {}
            )
        return Response(envelope(code, message, details), status=exc.status_code, headers=headers)

    set_rollback()
    request = context.get("request")
    logger.exception(
        "unhandled error",
        extra={"path": getattr(request, "path", None), "request_id": current_request_id()},
    )
    return Response(
        envelope(
            "internal_error",
            "An unexpected error occurred.",
            {"request_id": current_request_id()},
        ),
        status=500,
    )
