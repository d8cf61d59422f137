from django.urls import path

from claims.views import actors, attribute, claims, dashboard, detail, dossier, review, tags

app_name = "claims"

urlpatterns = [
    path("", dashboard.dashboard, name="dashboard"),
    path("charts/claims-per-week.svg", dashboard.chart_claims_per_week, name="chart_per_week"),
    path("charts/response-profile.svg", dashboard.chart_response_profile, name="chart_responses"),
    path("claims/", claims.claim_list, name="list"),
    path("claims/export.<str:fmt>", claims.claim_export, name="export"),
    path("claims/<int:pk>/", detail.claim_detail, name="detail"),
    path("claims/<int:pk>/review/", detail.claim_review, name="review_one"),
    path("claims/<int:pk>/edit/", detail.claim_edit, name="edit"),
    path("claims/<int:pk>/tags/", detail.claim_tags, name="tags"),
    path("claims/<int:pk>/links/", detail.claim_link_add, name="link_add"),
    path(
        "claims/<int:pk>/links/<int:link_id>/remove/", detail.claim_link_remove, name="link_remove"
    ),
    path("claims/<int:pk>/merge/", detail.claim_merge, name="merge"),
    path("mentions/<int:mention_id>/split/", detail.mention_split, name="mention_split"),
    path("review/", review.review_queue, name="review"),
    path("review/bulk/", review.review_bulk, name="review_bulk"),
    path("actors/", actors.actor_list, name="actor_list"),
    path("actors/<int:pk>/", actors.actor_detail, name="actor_detail"),
    path("actors/<int:pk>/aliases/", actors.alias_add, name="alias_add"),
    path(
        "actors/<int:pk>/aliases/<int:alias_id>/remove/", actors.alias_remove, name="alias_remove"
    ),
    path("actors/<int:pk>/merge/", actors.actor_merge, name="actor_merge"),
    path("actors/<int:pk>/confirm/", actors.actor_confirm, name="actor_confirm"),
    path("actors/<int:pk>/dossier.pdf", dossier.actor_dossier, name="actor_dossier"),
    path("stories/<int:pk>/dossier.pdf", dossier.story_dossier, name="story_dossier"),
    path("tags/", tags.tag_list, name="tag_list"),
    path("tags/<int:pk>/edit/", tags.tag_edit, name="tag_edit"),
    path("articles/<int:pk>/attribute/", attribute.mention_attribute, name="attribute"),
    path("mentions/<int:mention_id>/edit/", attribute.mention_edit, name="mention_edit"),
]
