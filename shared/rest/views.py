"""Error pages outside DRF (unknown URLs, crashes in non-API views) use the same envelope."""

from django.http import JsonResponse

from shared.rest.exception_handler import envelope


def not_found(request, exception=None):
    return JsonResponse(envelope("not_found", "Not found."), status=404)


def server_error(request):
    return JsonResponse(
        envelope(
            "internal_error",
            "An unexpected error occurred.",
            {"request_id": getattr(request, "request_id", None)},
        ),
        status=500,
    )


def bad_request(request, exception=None):
    return JsonResponse(envelope("bad_request", "Bad request."), status=400)


def forbidden(request, exception=None):
    return JsonResponse(envelope("permission_denied", "Forbidden."), status=403)
