"""The one application error type. Services raise it; the REST layer maps it to the envelope
`{"error": {"code", "message", "details"}}` with its HTTP status."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    status_code = 400
    default_code = "bad_request"
    default_message = "The request could not be processed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.details = details or {}
        if status is not None:
            self.status_code = status
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class ValidationFailed(AppError):
    status_code = 400
    default_code = "validation_error"
    default_message = "The request is invalid."


class NotAuthenticated(AppError):
    status_code = 401
    default_code = "not_authenticated"
    default_message = "Authentication credentials were not provided or are invalid."


class PermissionDenied(AppError):
    status_code = 403
    default_code = "permission_denied"
    default_message = "You do not have permission to perform this action."


class NotFound(AppError):
    status_code = 404
    default_code = "not_found"
    default_message = "Not found."


class Conflict(AppError):
    status_code = 409
    default_code = "conflict"
    default_message = "The request conflicts with the current state."


class BusinessRuleViolation(AppError):
    status_code = 422
    default_code = "business_rule_violation"
    default_message = "The request breaks a business rule."


class Throttled(AppError):
    status_code = 429
    default_code = "throttled"
    default_message = "Too many requests."


class ServiceUnavailable(AppError):
    """A store the operation cannot be done safely without (e.g. the lockout counters) is down."""

    status_code = 503
    default_code = "service_unavailable"
    default_message = "The service is temporarily unavailable; try again shortly."
