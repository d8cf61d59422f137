"""Articles: the list and the reader with mentions highlighted.

The reader renders the body paragraph by paragraph, each paragraph cut into segments at
mention boundaries. Every segment carries `data-offset`/`data-end`: its [start, end) in
`Article.body`, in Python characters (code points). static/js/attribute.js maps a
selection back to body offsets through them, so an editor's span is exact.
"""

import itertools
import re
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from claims.models import Claim, Mention
from claims.selectors import actor_choices
from conflictdesk.access import member_required, permission_needed
from sources import selectors
from sources.models import Article, ArticleOverlap, Outlet, Story
from sources.services.stories import article_move as article_move_service
from sources.text import normalize

PAGE_SIZE = 30
# Columns a page about other articles never needs.
HEAVY = ("body", "raw_text", "normalized")


def live_story(story: Story) -> Story:
    """A merged story lives on in the one it was merged into."""
    seen = {story.pk}
    while story.merged_into_id and story.merged_into_id not in seen:
        seen.add(story.merged_into_id)
        story = Story.objects.get(pk=story.merged_into_id)
    return story


# A paragraph is a run of characters other than a line break.
_PARAGRAPH = re.compile(r"[^\n]+")


@dataclass
class Piece:
    """A run of text covered by the same mentions; `mention` is the one it shows (the
    innermost), `first` says the piece opens that mention (it gets the anchor id)."""

    start: int
    end: int
    text: str
    mentions: list[Mention] = field(default_factory=list)
    mention: Mention | None = None
    first: bool = False


@dataclass
class Paragraph:
    start: int
    end: int
    pieces: list[Piece]


def paragraphs_with_mentions(text: str, mentions: list[Mention]) -> list[Paragraph]:
    """Cut `text` into paragraphs, and each paragraph into pieces at mention boundaries.
    Overlapping mentions are fine: a piece lists every mention covering it."""
    spans = sorted(mentions, key=lambda m: (m.start, -m.end, m.pk or 0))
    opened: set[int] = set()
    result = []
    for match in _PARAGRAPH.finditer(text):
        p_start, p_end = match.span()
        inside = [m for m in spans if m.start < p_end and m.end > p_start]
        cuts = {p_start, p_end}
        for m in inside:
            cuts.update(x for x in (m.start, m.end) if p_start < x < p_end)
        bounds = sorted(cuts)
        pieces = []
        for start, end in itertools.pairwise(bounds):
            covering = [m for m in inside if m.start <= start and m.end >= end]
            # The innermost mention shows; ties go to the one that starts last.
            shown = min(covering, key=lambda m: (m.end - m.start, -m.start), default=None)
            first = shown is not None and shown.pk not in opened
            if shown is not None:
                opened.add(shown.pk)
            pieces.append(Piece(start, end, text[start:end], covering, shown, first))
        result.append(Paragraph(p_start, p_end, pieces))
    return result


class ArticleFilterForm(forms.Form):
    DUPLICATE_CHOICES = [
        ("", gettext_lazy("All articles")),
        ("original", gettext_lazy("Originals only")),
        ("duplicate", gettext_lazy("Duplicates only")),
    ]
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=200)
    outlet = forms.ModelChoiceField(
        label=gettext_lazy("Outlet"),
        queryset=Outlet.objects.order_by("name_ar"),
        required=False,
        empty_label=gettext_lazy("All outlets"),
    )
    story = forms.IntegerField(label=gettext_lazy("Story"), required=False, min_value=1)
    duplicates = forms.ChoiceField(
        label=gettext_lazy("Duplicates"), choices=DUPLICATE_CHOICES, required=False
    )


@member_required
def article_list(request):
    form = ArticleFilterForm(request.GET or None)
    articles = selectors.article_rows()
    story = None
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            folded = normalize(data["q"])
            articles = articles.filter(
                Q(title__icontains=data["q"]) | Q(normalized__contains=folded)
            )
        if data["outlet"]:
            articles = articles.filter(outlet=data["outlet"])
        if data["story"]:
            story = Story.objects.filter(pk=data["story"]).only("pk", "title").first()
            articles = articles.filter(story_id=data["story"])
        if data["duplicates"] == "original":
            articles = articles.filter(duplicate_of__isnull=True)
        elif data["duplicates"] == "duplicate":
            articles = articles.filter(duplicate_of__isnull=False)
    articles = articles.order_by(F("published_at").desc(nulls_last=True), "-pk")
    page = Paginator(articles, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "articles/list.html",
        {"form": form, "page": page, "story": story, "query": query.urlencode()},
    )


@member_required
def article_detail(request, pk):
    article = get_object_or_404(selectors.article_reader(), pk=pk)
    # The headline's mentions first, then the body's, in reading order.
    mentions = sorted(article.mentions.all(), key=lambda m: (not m.in_title, m.start, m.pk))
    body_mentions = [m for m in mentions if not m.in_title]
    title_mentions = [m for m in mentions if m.in_title]
    current = request.GET.get("m", "")
    context = {
        "article": article,
        "paragraphs": paragraphs_with_mentions(article.body, body_mentions),
        "title_paragraphs": paragraphs_with_mentions(article.title, title_mentions),
        "mentions": mentions,
        "current_mention": int(current) if current.isdigit() else None,
        "duplicates": list(
            article.duplicates.select_related("outlet").defer(*HEAVY).order_by("pk")
        ),
        "overlaps": list(
            ArticleOverlap.objects.filter(article=article)
            .select_related("original__outlet")
            .defer(*(f"original__{name}" for name in HEAVY))
        ),
        "copies": list(
            ArticleOverlap.objects.filter(original=article)
            .select_related("article__outlet")
            .defer(*(f"article__{name}" for name in HEAVY))
        ),
        "safe_url": article.url if article.url.startswith(("http://", "https://")) else "",
        "claim_type_legend": Claim.Type.choices,
    }
    context["copy_ids"] = {overlap.article_id for overlap in context["copies"]}
    if request.user.has_perm("sources.change_story"):
        context["move_choices"] = list(selectors.story_choices(exclude=article.story_id))
    if request.user.has_perms(["claims.add_mention", "claims.add_claim"]):
        story_claims = (
            list(
                Claim.objects.filter(story_id=article.story_id)
                .select_related("claimant")
                .only("pk", "type", "text", "version", "claimant__name_ar", "claimant__name_en")
                .order_by("pk")
            )
            if article.story_id
            else []
        )
        context.update(
            can_attribute=True,
            actors=list(actor_choices()),
            story_claims=story_claims,
            accusations=[c for c in story_claims if c.type == Claim.Type.ACCUSATION],
            claim_types=Claim.Type.choices,
        )
    return render(request, "articles/detail.html", context)


@require_POST
@permission_needed("sources.change_story")
def article_move(request, pk):
    article = get_object_or_404(Article.objects.only("pk", "story_id", "title"), pk=pk)
    raw = request.POST.get("story", "")
    story = Story.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if story is None:
        messages.error(request, _("Choose the story to move the article to."))
        return redirect("sources:article_detail", pk=article.pk)
    story = live_story(story)
    if story.pk == article.story_id:
        messages.info(request, _("The article is already in this story."))
    else:
        article_move_service(article=article, story=story)
        messages.success(
            request, _("The article was moved to the story “%(title)s”.") % {"title": story.title}
        )
    return redirect("sources:article_detail", pk=article.pk)
