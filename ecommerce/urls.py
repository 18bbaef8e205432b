"""Root routes: versioned API, docs, health, metrics, admin."""

from importlib.util import find_spec

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django_prometheus.exports import ExportToDjangoView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ecommerce.health import healthz, readyz
from shared.rest.views import api_not_found

# Each context owns its routes in contexts/<name>/rest/urls.py (storefront paths and admin/...).
api_v1 = [
    path("", include(f"{app}.rest.urls"))
    for app in settings.CONTEXT_APPS
    if find_spec(f"{app}.rest.urls") is not None
]

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", ExportToDjangoView, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include(api_v1)),
    path("admin/", admin.site.urls),
]

if settings.BENCHMARK_ENDPOINTS:
    from ecommerce.bench import BareView

    urlpatterns.append(path("bench/bare", BareView.as_view(), name="bench-bare"))

# Last: an unmatched path under /api/ is the JSON 404 envelope even with DEBUG on (Django's
# handler404 is replaced by its HTML debug page then).
urlpatterns.append(re_path(r"^api/", api_not_found, name="api-not-found"))

handler400 = "shared.rest.views.bad_request"
handler403 = "shared.rest.views.forbidden"
handler404 = "shared.rest.views.not_found"
handler500 = "shared.rest.views.server_error"
