from django.urls import path

from sources.views import articles, ingest, stories

app_name = "sources"

urlpatterns = [
    path("ingest/", ingest.ingest_page, name="ingest"),
    path("ingest/jobs/<uuid:job_id>/", ingest.job_page, name="job"),
    path("ingest/files/<int:file_id>/retry/", ingest.retry, name="retry"),
    path("stories/", stories.story_list, name="story_list"),
    path("stories/<int:pk>/", stories.story_detail, name="story_detail"),
    path("stories/<int:pk>/merge/", stories.story_merge, name="story_merge"),
    path("articles/", articles.article_list, name="article_list"),
    path("articles/<int:pk>/", articles.article_detail, name="article_detail"),
    path("articles/<int:pk>/move/", articles.article_move, name="article_move"),
]
