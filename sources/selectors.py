"""Reading articles and stories, with their related rows loaded."""

from django.db.models import Count, F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery
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


def story_board_claims(*, story: Story, include_rejected: bool = False) -> QuerySet[Claim]:
    """The story's claims with what the story board lays out: claimant, targets and
    figures (the cards shown load the rest: sources.views.stories)."""
    claims = Claim.objects.filter(story=story)
    if not include_rejected:
        claims = claims.exclude(status=Claim.Status.REJECTED)
    return (
        claims.select_related("claimant")
        .defer("normalized_text")
        .prefetch_related("targets", "figures")
        .order_by("first_seen_at", "created_at", "id")
    )


def story_choices(*, exclude: int | None = None, limit: int = 100) -> QuerySet[Story]:
    """Live stories (not merged away), most recently active first, for move/merge pickers."""
    stories = Story.objects.filter(merged_into__isnull=True).only("pk", "title", "last_seen")
    if exclude is not None:
        stories = stories.exclude(pk=exclude)
    return stories.order_by(F("last_seen").desc(nulls_last=True), "-pk")[:limit]


def article_rows() -> QuerySet[Article]:
    """The article list: light rows with outlet, story and their mention counts."""
    return (
        article_list()
        .select_related("story")
        .defer("story__summary", "story__places", "story__actors", "story__keywords")
        .annotate(
            mention_count=_count(Mention.objects.filter(article_id=OuterRef("pk")), "article_id")
        )
    )


def article_reader() -> QuerySet[Article]:
    """An article for the reader: outlet, story, the article it re-publishes, and its
    mentions in reading order with their claims' parties."""
    return (
        Article.objects.select_related("outlet", "story", "duplicate_of__outlet")
        .defer(
            "duplicate_of__body",
            "duplicate_of__raw_text",
            "duplicate_of__normalized",
            "story__keywords",
            "story__places",
            "story__actors",
        )
        .prefetch_related(
            Prefetch(
                "mentions",
                queryset=Mention.objects.select_related(
                    "claim__claimant", "claim__speaker", "attributed_by"
                )
                .prefetch_related("claim__targets")
                .order_by("in_title", "start", "id"),
            )
        )
    )
