"""OpenAPI helpers: the error envelope on every endpoint, one tag scheme, tags in order, the 404
of a page past the end, and the bearer scheme of shared.rest.authentication."""

from __future__ import annotations

import inspect

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

# The query parameters of every StandardPagination listing.
PAGE_PARAMETERS = [OpenApiParameter("page", int), OpenApiParameter("page_size", int)]


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
    405: "Method not allowed.",
    406: "Not acceptable (ask for JSON).",
    409: "Conflicts with the current state.",
    413: "Request body too large (payload_too_large).",
    415: "Unsupported media type (send JSON).",
    422: "Breaks a business rule.",
    423: "Locked.",
    429: "Throttled.",
    503: "A store the operation needs is unavailable (service_unavailable); retry shortly.",
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """`responses={200: Out, **error_responses(400, 401)}` in `extend_schema`."""
    return {
        status: OpenApiResponse(response=ErrorEnvelopeSerializer, description=_DESCRIPTIONS[status])
        for status in statuses
    }


class JWTScheme(SimpleJWTScheme):
    """The bearer scheme, for the subclass that serves stale tokens anonymously on public views."""

    target_class = "shared.rest.authentication.JWTAuthentication"


PAGE_NOT_FOUND = "Page out of range (not_found), or not found."


def document_page_not_found(result, generator, request, public):
    """Postprocessing hook: every paginated operation (a `page` query parameter) documents the
    404 not_found that a page past the last one answers, in the error envelope."""
    envelope = {"$ref": "#/components/schemas/ErrorEnvelope"}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict) or not any(
                p.get("name") == "page" and p.get("in") == "query"
                for p in operation.get("parameters", [])
            ):
                continue
            operation.setdefault("responses", {}).setdefault(
                "404",
                {
                    "description": PAGE_NOT_FOUND,
                    "content": {"application/json": {"schema": envelope}},
                },
            )
    return result


class ContextAutoSchema(AutoSchema):
    """Tags every operation `<context>` (storefront) or `<context>-admin` (under /admin/), from
    the module the view lives in, and describes it only by extend_schema or the handler method's
    own docstring: class docstrings (inherited ones included) are notes for developers."""

    def get_tags(self) -> list[str]:
        module = self.view.__class__.__module__.split(".")
        if module[0] != "contexts":
            return super().get_tags()
        return [f"{module[1]}-admin" if "/admin/" in self.path else module[1]]

    def get_description(self) -> str:
        handler = getattr(self.view, getattr(self.view, "action", None) or self.method.lower())
        own = getattr(handler, "__func__", handler).__doc__
        return inspect.cleandoc(own) if own else ""


def tags_storefront_first(result, generator, request, public):
    """Postprocessing hook: list the tags in the schema, storefront groups before staff groups."""
    used = {tag for ops in result["paths"].values() for op in ops.values() for tag in op["tags"]}
    ordered = sorted(used, key=lambda tag: (tag.endswith("-admin"), tag))
    result["tags"] = [{"name": tag} for tag in ordered]
    return result
