"""Stories: the list and the story view, each party's claims side by side.

The story view is a board (DESIGN.md, "The web UI"): one column per party — a claimant
grouped under the top of its registry family (the Ministry of Defense and Division 86
under the Syrian government; a spokesman under the organisation of his role) — and rows
that line each accusation up with the denials, counterclaims, confirmations and silences
that answer it (`responds_to`, or a typed ClaimLink). Then each party's other
statements, then the figures each side gives, row by row.

A story can hold hundreds of claims (646 in the largest of the 1M-claim benchmark), so
the board is laid out from light rows of every claim (parties, targets, what answers
what, figures), and only the cards shown — a page of THREADS_PER_PAGE answer rows and at
most STATEMENTS_SHOWN statements per party — load their speakers and every report of
them (the spread). The rest are one click away: the next page, or the claim list
filtered by the story.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Prefetch, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from claims.models import Actor, Claim, ClaimLink, Figure, Mention
from claims.selectors import actor_parties
from conflictdesk.access import member_required, permission_needed
from sources import selectors
from sources.models import Article, Story
from sources.services.stories import story_merge as story_merge_service

PAGE_SIZE = 25
# The story board: answer rows (threads) per page, and each party's other statements shown
# (the rest are counted and linked to the claim list).
THREADS_PER_PAGE = 10
STATEMENTS_SHOWN = 4
FIGURES_SHOWN = 6
# Unnamed sources ("ناشطون"، "مصادر محلية") that belong to no party share one column.
UNNAMED = "unnamed"
ANSWER_LINKS = (ClaimLink.Kind.DENIES, ClaimLink.Kind.COUNTERS, ClaimLink.Kind.CONFIRMS)
ANSWER_TYPES = {
    Claim.Type.DENIAL,
    Claim.Type.COUNTERCLAIM,
    Claim.Type.CONFIRMATION,
    Claim.Type.NO_COMMENT,
}


def actor_name(actor: Actor | None) -> str:
    if actor is None:
        return ""
    if get_language() == "en" and actor.name_en:
        return actor.name_en
    return actor.name_ar or actor.name_en


@dataclass
class Party:
    key: str
    actor: Actor | None
    name: str
    members: dict[int, Actor] = field(default_factory=dict)

    @property
    def member_names(self) -> list[str]:
        return [
            actor_name(m)
            for pk, m in self.members.items()
            if self.actor is None or pk != self.actor.pk
        ]


@dataclass
class Spread:
    """One report of a claim: when, where, and whether the article re-publishes another."""

    at: datetime | None
    article: Article
    mention_id: int


@dataclass
class Card:
    claim: Claim
    party: Party
    figures: list[Figure]
    answers_claim: Claim | None = None
    # Filled for the cards shown only (story_board).
    spread: list[Spread] = field(default_factory=list)
    outlet_count: int = 0

    @property
    def first(self) -> Spread | None:
        return self.spread[0] if self.spread else None

    @property
    def shows_claimant(self) -> bool:
        return self.party.actor is None or self.party.actor.pk != self.claim.claimant_id


@dataclass
class Cell:
    party: Party
    cards: list[Card] = field(default_factory=list)
    # The party is accused in this row and has not answered.
    silent: bool = False
    # Statements not shown (beyond STATEMENTS_SHOWN).
    more: int = 0


@dataclass
class Row:
    root: Card
    cells: list[Cell]


@dataclass
class FigureCell:
    party: Party
    figures: list[tuple[Figure, Card]] = field(default_factory=list)
    more: int = 0  # figures not shown (beyond FIGURES_SHOWN)


@dataclass
class FigureRow:
    counts: str
    label: str
    cells: list[FigureCell]


@dataclass
class Board:
    parties: list[Party]
    rows: list[Row]
    statements: list[Cell]
    figure_rows: list[FigureRow]
    claim_count: int
    # The page of answer rows shown (a django.core.paginator.Page).
    page: object = None


def _moment(article: Article) -> datetime | None:
    return article.published_at or article.created_at


def _sort_key(moment: datetime | None) -> tuple:
    return (moment is None, moment.timestamp() if moment else 0)


def story_board(*, story: Story, include_rejected: bool = False, page: str | None = None) -> Board:
    """Arrange the story's claims into party columns and answer rows; `page` is the page
    of answer rows to show."""
    claims = list(selectors.story_board_claims(story=story, include_rejected=include_rejected))
    by_id = {claim.pk: claim for claim in claims}
    # Read from the prefetch once (each .all() would build a query set).
    targets = {claim.pk: list(claim.targets.all()) for claim in claims}

    def targets_of(claim: Claim) -> list[Actor]:
        return targets[claim.pk]

    tops = actor_parties()
    actors: dict[int, Actor] = {}
    for claim in claims:
        actors[claim.claimant_id] = claim.claimant
        for target in targets_of(claim):
            actors[target.pk] = target
    missing = {tops.get(pk, pk) for pk in actors} - set(actors)
    actors.update(Actor.objects.in_bulk(missing))

    parties: dict[str, Party] = {}

    def party_of(actor: Actor) -> Party:
        top = actors.get(tops.get(actor.pk, actor.pk), actor)
        if top.kind == Actor.Kind.COLLECTIVE:
            key = UNNAMED
            party = parties.get(key) or Party(key, None, _("Unnamed sources"))
        else:
            key = f"actor-{top.pk}"
            party = parties.get(key) or Party(key, top, actor_name(top))
        party.members.setdefault(actor.pk, actor)
        return parties.setdefault(key, party)

    cards: dict[int, Card] = {}
    for claim in claims:
        seen_figures, figures = set(), []
        for figure in claim.figures.all():
            shape = (figure.low, figure.high, figure.approx, figure.counts)
            if shape not in seen_figures:
                seen_figures.add(shape)
                figures.append(figure)
        cards[claim.pk] = Card(claim=claim, party=party_of(claim.claimant), figures=figures)

    # What each claim answers: its responds_to, else a typed answer link, within the story.
    answers: dict[int, int] = {}
    for claim in claims:
        if claim.responds_to_id in by_id:
            answers[claim.pk] = claim.responds_to_id
    for source, target in ClaimLink.objects.filter(
        source__in=by_id, target__in=by_id, kind__in=ANSWER_LINKS
    ).values_list("source_id", "target_id"):
        answers.setdefault(source, target)
    for claim_pk, target in answers.items():
        cards[claim_pk].answers_claim = by_id[target]

    def thread_root(claim_pk: int) -> int:
        seen = {claim_pk}
        while claim_pk in answers and answers[claim_pk] not in seen:
            claim_pk = answers[claim_pk]
            seen.add(claim_pk)
        return claim_pk

    threads: dict[int, list[int]] = defaultdict(list)
    for claim in claims:
        root = thread_root(claim.pk)
        if root != claim.pk:
            threads[root].append(claim.pk)
    roots = [
        claim
        for claim in claims
        if claim.pk not in answers and (claim.type == Claim.Type.ACCUSATION or threads[claim.pk])
    ]

    def first_seen(claim: Claim) -> tuple:
        # The services keep first_seen_at: the date of the claim's earliest report.
        return (*_sort_key(claim.first_seen_at or claim.created_at), claim.pk)

    roots.sort(key=first_seen)

    # Columns: the parties of the accusations and their answers first, in the order they
    # come up, with the accused; then everyone else by how much they said.
    order: list[str] = []

    def involve(party: Party) -> None:
        if party.key not in order:
            order.append(party.key)

    for root in roots:
        involve(cards[root.pk].party)
        for pk in threads[root.pk]:
            involve(cards[pk].party)
        for target in targets_of(root):
            involve(party_of(target))
    said = defaultdict(int)
    for card in cards.values():
        said[card.party.key] += 1
    rest = sorted(
        (key for key in parties if key not in order),
        key=lambda key: (key == UNNAMED, -said[key], parties[key].name),
    )
    # An accused party that never speaks in the story still gets its column (its silence
    # is the point), but parties named only as targets of non-accusations do not.
    columns = [parties[key] for key in order + [k for k in rest if said[k]]]
    index = {party.key: i for i, party in enumerate(columns)}

    threads_page = Paginator(roots, THREADS_PER_PAGE).get_page(page)
    rows = []
    for root in threads_page.object_list:
        cells = [Cell(party) for party in columns]
        cells[index[cards[root.pk].party.key]].cards.append(cards[root.pk])
        answered = set()
        for pk in sorted(threads[root.pk], key=lambda pk: first_seen(by_id[pk])):
            card = cards[pk]
            cells[index[card.party.key]].cards.append(card)
            answered.add(card.party.key)
        if root.type == Claim.Type.ACCUSATION:
            for target in targets_of(root):
                key = party_of(target).key
                if key not in answered and key != cards[root.pk].party.key:
                    cells[index[key]].silent = True
        rows.append(Row(root=cards[root.pk], cells=cells))

    in_rows = {root.pk for root in roots} | {pk for pks in threads.values() for pk in pks}
    statements = [Cell(party) for party in columns]
    for claim in sorted(claims, key=first_seen):
        if claim.pk not in in_rows:
            cell = statements[index[cards[claim.pk].party.key]]
            if len(cell.cards) < STATEMENTS_SHOWN:
                cell.cards.append(cards[claim.pk])
            else:
                cell.more += 1
    _load_spread(
        [card for row in rows for cell in row.cells for card in cell.cards]
        + [card for cell in statements for card in cell.cards]
    )

    figure_rows = []
    for counts, label in Figure.Counts.choices:
        figure_cells = [FigureCell(party) for party in columns]
        for card in cards.values():
            for figure in card.figures:
                if figure.counts != counts:
                    continue
                cell = figure_cells[index[card.party.key]]
                if len(cell.figures) < FIGURES_SHOWN:
                    cell.figures.append((figure, card))
                else:
                    cell.more += 1
        if any(cell.figures for cell in figure_cells):
            figure_rows.append(FigureRow(counts=counts, label=str(label), cells=figure_cells))

    return Board(
        parties=columns,
        rows=rows,
        statements=statements if any(cell.cards for cell in statements) else [],
        figure_rows=figure_rows,
        claim_count=len(claims),
        page=threads_page,
    )


def _load_spread(shown: list[Card]) -> None:
    """The cards shown get their speakers and every report of them (the spread: when and
    where each article reported the claim), in three queries."""
    claims = [card.claim for card in shown]
    prefetch_related_objects(
        claims,
        "speaker",
        "reported_via",
        Prefetch(
            "mentions",
            queryset=Mention.objects.select_related("article__outlet")
            .defer("quote", "article__body", "article__raw_text", "article__normalized")
            .order_by("article__published_at", "article__created_at", "article_id", "start"),
        ),
    )
    for card in shown:
        card.spread = sorted(
            (Spread(_moment(m.article), m.article, m.pk) for m in card.claim.mentions.all()),
            key=lambda s: (_sort_key(s.at), s.article.pk),
        )
        card.outlet_count = len({s.article.outlet_id or -s.article.pk for s in card.spread})


def _live(story: Story) -> Story:
    seen = {story.pk}
    while story.merged_into_id and story.merged_into_id not in seen:
        seen.add(story.merged_into_id)
        story = Story.objects.get(pk=story.merged_into_id)
    return story


@member_required
def story_list(request):
    stories = selectors.story_list().filter(merged_into__isnull=True)
    query = request.GET.get("q", "").strip()[:200]
    if query:
        stories = stories.filter(title__icontains=query)
    stories = stories.defer("keywords", "places", "actors", "summary").order_by(
        F("last_seen").desc(nulls_last=True), "-updated_at", "-pk"
    )
    page = Paginator(stories, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    # The parties involved: the families of the claimants of each story's claims.
    pairs = set(
        Claim.objects.filter(story__in=[story.pk for story in rows])
        .exclude(status=Claim.Status.REJECTED)
        .values_list("story_id", "claimant_id")
        .distinct()
    )
    tops = actor_parties() if pairs else {}
    top_of = {(story_id, tops.get(actor, actor)) for story_id, actor in pairs}
    named = Actor.objects.in_bulk({actor for _story, actor in top_of})
    parties: dict[int, list[Actor]] = defaultdict(list)
    for story_id, actor in sorted(top_of):
        if named.get(actor) and named[actor].kind != Actor.Kind.COLLECTIVE:
            parties[story_id].append(named[actor])
    for story in rows:
        story.party_names = sorted(actor_name(actor) for actor in parties[story.pk])
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "stories/list.html",
        {"page": page, "stories": rows, "q": query, "query": params.urlencode()},
    )


@member_required
def story_detail(request, pk):
    story = get_object_or_404(Story, pk=pk)
    if story.merged_into_id:
        live = _live(story)
        messages.info(
            request,
            _("The story “%(old)s” was merged into this one.") % {"old": story.title},
        )
        return redirect("sources:story_detail", pk=live.pk)
    include_rejected = request.GET.get("rejected") == "1"
    board = story_board(
        story=story, include_rejected=include_rejected, page=request.GET.get("page")
    )
    context = {
        "story": story,
        "board": board,
        "articles": list(
            Article.objects.filter(story=story)
            .select_related("outlet")
            .defer("body", "raw_text", "normalized")
            .order_by(F("published_at").asc(nulls_last=True), "created_at", "pk")
        ),
        "include_rejected": include_rejected,
        "rows_query": "rejected=1" if include_rejected else "",
        "rejected_count": Claim.objects.filter(story=story, status=Claim.Status.REJECTED).count(),
    }
    if request.user.has_perm("sources.change_story"):
        context["merge_choices"] = list(selectors.story_choices(exclude=story.pk))
    return render(request, "stories/detail.html", context)


@require_POST
@permission_needed("sources.change_story")
def story_merge(request, pk):
    source = get_object_or_404(Story, pk=pk)
    raw = request.POST.get("target", "")
    target = Story.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
    if target is None:
        messages.error(request, _("Choose the story to merge this one into."))
        return redirect("sources:story_detail", pk=source.pk)
    target = _live(target)
    if source.merged_into_id:
        messages.error(request, _("This story was already merged into another one."))
        return redirect("sources:story_detail", pk=_live(source).pk)
    if target.pk == source.pk:
        messages.error(request, _("A story cannot be merged into itself."))
        return redirect("sources:story_detail", pk=source.pk)
    story_merge_service(source=source, target=target)
    messages.success(
        request,
        _("“%(source)s” was merged into this story.") % {"source": source.title},
    )
    return redirect("sources:story_detail", pk=target.pk)
