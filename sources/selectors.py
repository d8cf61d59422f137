"""Reading articles and stories, with their related rows loaded."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from claims.models import Claim, Mention
from sources.models import Article, Story


def article_list() -> QuerySet[Article]:
    """Articles without their bodies (a list page must stay light), with the outlet."""
    return Article.objects.select_related("outlet").defer("body", "raw_text", "normalized")


def article_detail() -> QuerySet[Article]:
    return Article.objects.select_related("outlet").prefetch_related(
        Prefetch(
            "mentions",
            queryset=Mention.objects.select_related("claim__claimant", "attributed_by").order_by(
                "in_title", "start", "id"
            ),
        )
    )


def _count(queryset: QuerySet, group_by: str):
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def story_list() -> QuerySet[Story]:
    return Story.objects.annotate(
        article_count=_count(Article.objects.filter(story_id=OuterRef("pk")), "story_id"),
        claim_count=_count(Claim.objects.filter(story_id=OuterRef("pk")), "story_id"),
    )


def story_detail() -> QuerySet[Story]:
    """A story with its articles and its claims, each claim with its claimant and the
    claims that answer it: what the story view sets side by side."""
    answers = Claim.objects.select_related("claimant").order_by("created_at", "id")
    return story_list().prefetch_related(
        Prefetch(
            "articles",
            queryset=Article.objects.select_related("outlet")
            .defer("body", "raw_text", "normalized")
            .order_by("published_at", "id"),
        ),
        Prefetch(
            "claims",
            queryset=Claim.objects.select_related("claimant")
            .prefetch_related("targets", Prefetch("responses", queryset=answers))
            .order_by("created_at", "id"),
        ),
    )
