from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from conflictdesk.views import healthz

admin.site.site_header = "conflictdesk"
admin.site.site_title = "conflictdesk"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Until the analyst UI lands, the admin is the application's front page.
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
]
