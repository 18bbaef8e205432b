"""Error pages outside DRF (unknown URLs, crashes in non-API views) use the same envelope."""

from django.conf import settings
from django.http import HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt

from shared.rest.exception_handler import envelope


def not_found(request, exception=None):
    return JsonResponse(envelope("not_found", "Not found."), status=404)


@csrf_exempt  # it writes nothing; an unknown URL is 404 for every method, never a CSRF page
def api_not_found(request, *args, **kwargs):
    """The catch-all of /api/: the JSON 404, or, as CommonMiddleware's APPEND_SLASH would have
    done without a catch-all, a redirect when the path with a trailing slash exists."""
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        try:
            match = resolve(request.path_info + "/")
        except Resolver404:
            match = None
        if match is not None and match.func is not api_not_found:
            return HttpResponsePermanentRedirect(request.get_full_path(force_append_slash=True))
    return not_found(request)


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
