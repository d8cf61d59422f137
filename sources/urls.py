from django.urls import path

from sources import views

app_name = "sources"

urlpatterns = [
    path("ingest/", views.ingest_page, name="ingest"),
    path("ingest/jobs/<uuid:job_id>/", views.job_page, name="job"),
    path("ingest/files/<int:file_id>/retry/", views.retry, name="retry"),
]
