"""/api/v1/ (the ingest endpoints are in sources/api.py)."""

from django.urls import path

from claims import api
from sources import api as sources_api

urlpatterns = [
    path("claims/", api.ClaimListView.as_view(), name="api-claims"),
    path("claims/<int:pk>/", api.ClaimDetailView.as_view(), name="api-claim"),
    path("actors/", api.ActorListView.as_view(), name="api-actors"),
    path("actors/<int:pk>/", api.ActorDetailView.as_view(), name="api-actor"),
    path("articles/", api.ArticleListView.as_view(), name="api-articles"),
    path("articles/<int:pk>/", api.ArticleDetailView.as_view(), name="api-article"),
    path("stories/", api.StoryListView.as_view(), name="api-stories"),
    path("stories/<int:pk>/", api.StoryDetailView.as_view(), name="api-story"),
    path("tags/", api.TagListView.as_view(), name="api-tags"),
    path("ingest/", sources_api.UploadView.as_view(), name="api-ingest"),
    path("ingest/jobs/<uuid:job_id>/", sources_api.JobView.as_view(), name="api-ingest-job"),
]
