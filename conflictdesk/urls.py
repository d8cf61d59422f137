from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from conflictdesk.views import healthz

admin.site.site_header = "conflictdesk"
admin.site.site_title = "conflictdesk"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", include("sources.urls")),
    path("api/v1/", include("conflictdesk.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its script as a file: the CSP allows no inline script.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Until the analyst UI lands, the admin is the application's front page.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
