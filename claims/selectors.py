"""Reading claims data: query sets with their related rows, and cached lookups."""

from collections import defaultdict
from collections.abc import Iterator

from django.db import connection
from django.db.models import Count, IntegerField, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from claims.extraction.matcher import AliasIndex
from claims.models import Actor, ActorAlias, ActorRole, Claim, Tag
from claims.records import claims_with_record_data, export_snapshot, record_lines
from conflictdesk.caching import cache_bump

_alias_index_cache: dict[str, tuple[tuple, AliasIndex, dict[str, int]]] = {}


def alias_index() -> AliasIndex:
    """The registry's aliases as a matcher, rebuilt only when the aliases changed.

    The cache key is cheap to read (count and newest id of aliases, newest actor
    update), so a worker notices an editor's new alias on its next article.
    """
    return alias_index_with_ids()[0]


def alias_index_with_ids() -> tuple[AliasIndex, dict[str, int]]:
    """alias_index(), and the ids of the actors it names by key (read with it)."""
    stamp = _alias_index_stamp()
    cached = _alias_index_cache.get("index")
    if cached and cached[0] == stamp:
        return cached[1], cached[2]
    mapping: dict[str, set[str]] = defaultdict(set)
    ids: dict[str, int] = {}
    confirmed = ActorAlias.objects.filter(proposed=False, actor__status=Actor.Status.CONFIRMED)
    for normalized, key, actor_id in confirmed.values_list("normalized", "actor__key", "actor_id"):
        mapping[normalized].add(key)
        ids[key] = actor_id
    index = AliasIndex(mapping)
    _alias_index_cache["index"] = (stamp, index, ids)
    return index, ids


def _alias_index_stamp() -> tuple:
    """(count and newest id of aliases, newest actor update), read in one statement:
    alias_index() runs for every search."""
    quote = connection.ops.quote_name
    aliases, actors = quote(ActorAlias._meta.db_table), quote(Actor._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*), MAX({quote('id')}), "
            f"(SELECT MAX({quote('updated_at')}) FROM {actors}) FROM {aliases}"
        )
        return tuple(cursor.fetchone())


def claim_list() -> QuerySet[Claim]:
    """Every claim with what its record needs (claims.records), for lists and details."""
    return claims_with_record_data(Claim.objects.all())


RESPONSE_PROFILE = [s.value for s in Claim.ResponseStatus if s.value]


def _count(queryset: QuerySet, group_by: str):
    # COUNT(*), not COUNT(id): PostgreSQL can then answer from an index alone.
    counted = queryset.order_by().values(group_by).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def actor_list() -> QuerySet[Actor]:
    """Actors with their aliases and parent. Their counts come from `with_actor_counts()`,
    for the rows shown only."""
    return Actor.objects.select_related("parent").prefetch_related("aliases")


# Actor counts are cached this long (seconds), under a key that changes with the data.
ACTOR_COUNTS_TTL = 60
_COUNT_FIELDS = ("made", "against", "voiced", "members")


DELETIONS_KEY = "conflictdesk:claim-actor-deletions"


def deletions_count(**_) -> None:
    """Count a claim or actor deleted (post_delete, claims.apps): no row is left whose
    `updated_at` or id would tell the cached counts they are stale."""
    cache_bump(DELETIONS_KEY)


def _actor_counts_stamp() -> str:
    """Changes when a claim is added or edited (every service bumps `updated_at`), an
    actor changes, or either is deleted (deletions_count); read from indexes."""
    import hashlib

    from django.core.cache import cache

    claims = Claim.objects.aggregate(last=Max("updated_at"), top=Max("pk"))
    actors = Actor.objects.aggregate(last=Max("updated_at"), top=Max("pk"))
    deleted = cache.get(DELETIONS_KEY)
    stamp = repr((claims["last"], claims["top"], actors["last"], actors["top"], deleted))
    return hashlib.sha256(stamp.encode()).hexdigest()[:24]


def actor_counts(actor_ids) -> dict[int, dict]:
    """For each actor: claims made (claimant), against it (target), voiced (speaker), its
    members, and how the accusations against it were answered (`profile`:
    {response_status: count}). One GROUP BY per count for all the actors asked, not a
    subquery per actor and count; cached per actor (ACTOR_COUNTS_TTL) under a key that
    changes with the data, since a large party's profile reads every accusation
    against it (the SDF: 150k at 1M claims)."""
    from django.core.cache import cache

    ids = sorted({int(pk) for pk in actor_ids})
    if not ids:
        return {}
    stamp = _actor_counts_stamp()
    keys = {pk: f"conflictdesk:actor-counts:{stamp}:{pk}" for pk in ids}
    cached = cache.get_many(keys.values())
    found = {pk: cached[key] for pk, key in keys.items() if key in cached}
    missing = [pk for pk in ids if pk not in found]
    if not missing:
        return found
    computed = {pk: {**dict.fromkeys(_COUNT_FIELDS, 0), "profile": {}} for pk in missing}
    targets = Claim.targets.through.objects.filter(actor_id__in=missing).order_by()
    grouped = {
        "made": Claim.objects.filter(claimant_id__in=missing).values_list("claimant_id"),
        "against": targets.values_list("actor_id"),
        "voiced": Claim.objects.filter(speaker_id__in=missing).values_list("speaker_id"),
        "members": Actor.objects.filter(parent_id__in=missing).values_list("parent_id"),
    }
    for field, rows in grouped.items():
        for pk, n in rows.order_by().annotate(n=Count("*")):
            computed[pk][field] = n
    for pk, status, n in (
        targets.filter(claim__type=Claim.Type.ACCUSATION)
        .values_list("actor_id", "claim__response_status")
        .annotate(n=Count("*"))
    ):
        computed[pk]["profile"][status] = n
    cache.set_many({keys[pk]: counts for pk, counts in computed.items()}, ACTOR_COUNTS_TTL)
    return {**found, **computed}


def with_actor_counts(actors) -> list[Actor]:
    """The actors (as a list), each given its counts as attributes: `claims_made_count`,
    `claims_against_count`, `claims_voiced_count`, `members_count`, `accused_<status>`
    for each response status, and `response_profile` ({status: count})."""
    actors = list(actors)
    counts = actor_counts(actor.pk for actor in actors)
    for actor in actors:
        mine = counts[actor.pk]
        actor.claims_made_count = mine["made"]
        actor.claims_against_count = mine["against"]
        actor.claims_voiced_count = mine["voiced"]
        actor.members_count = mine["members"]
        actor.response_profile = mine["profile"]
        for status in RESPONSE_PROFILE:
            setattr(actor, f"accused_{status}", mine["profile"].get(status, 0))
    return actors


def actor_detail() -> QuerySet[Actor]:
    return actor_list().prefetch_related(
        Prefetch("roles", queryset=ActorRole.objects.select_related("organization")),
        Prefetch("people_roles", queryset=ActorRole.objects.select_related("person")),
    )


def tag_list() -> QuerySet[Tag]:
    return Tag.objects.all()


def actor_parties() -> dict[int, int]:
    """Each actor's party: the top of its parent chain; a person belongs to the party of
    the organisation of their first role (Farhad Shami → SDF media center → SDF).
    Two small queries over the whole registry; the story pages group claims by it."""
    parents = dict(Actor.objects.values_list("pk", "parent_id"))
    orgs: dict[int, int] = {}
    for person_id, org_id in ActorRole.objects.order_by("pk").values_list(
        "person_id", "organization_id"
    ):
        orgs.setdefault(person_id, org_id)

    def top(actor_id: int) -> int:
        seen = {actor_id}
        if parents.get(actor_id) is None and actor_id in orgs:
            actor_id = orgs[actor_id]
        while parents.get(actor_id) is not None and parents[actor_id] not in seen:
            seen.add(actor_id)
            actor_id = parents[actor_id]
        return actor_id

    return {actor_id: top(actor_id) for actor_id in parents}


def actor_choices() -> QuerySet[Actor]:
    """Actors an editor may pick as claimant, speaker or target (names only)."""
    return (
        Actor.objects.filter(status=Actor.Status.CONFIRMED)
        .only("pk", "name_ar", "name_en", "kind")
        .order_by("name_ar")
    )


def actor_by_name(name: str) -> list[Actor]:
    """The actors a typed name designates: a registry key, a name or an alias, compared
    after the registry's normalization ("لـ”قسد”" and "قسد" find the SDF). Confirmed
    actors win over proposed ones; more than one result means the name is ambiguous."""
    from sources.text import normalize_for_matching

    name = name.strip()
    if not name:
        return []
    exact = list(
        Actor.objects.filter(Q(key=name) | Q(name_ar=name) | Q(name_en__iexact=name)).order_by("pk")
    )
    folded = normalize_for_matching(name)
    found = exact or list(
        Actor.objects.filter(aliases__normalized=folded, aliases__proposed=False)
        .distinct()
        .order_by("pk")
    )
    if not found and folded:
        actors = Actor.objects.only("pk", "name_ar", "name_en", "status", "kind")
        found = [
            actor
            for actor in actors
            if normalize_for_matching(actor.name_ar) == folded
            or normalize_for_matching(actor.name_en) == folded
        ]
    confirmed = [actor for actor in found if actor.status == Actor.Status.CONFIRMED]
    return confirmed or found


def claim_detail() -> QuerySet[Claim]:
    """One claim's page: its record's rows, its story and the claim it answers."""
    return claim_list().select_related(
        "story", "responds_to__claimant", "responds_to__first_outlet"
    )


def _first_appearance_key(claim: Claim) -> tuple:
    return (claim.first_seen_at or claim.created_at, claim.pk)


def claim_thread(claim: Claim) -> list[dict]:
    """The claims around this one — what it answers, what answers it, its links in and
    out — one entry per other claim, holding every relation between the two, in order
    of first appearance. A fixed number of queries, however long the thread."""
    from claims.models import ClaimLink

    entries: dict[int, dict] = {}

    def add(other: Claim, relation: str, link=None) -> None:
        entry = entries.setdefault(other.pk, {"claim": other, "relations": []})
        entry["relations"].append({"relation": relation, "link": link})

    if claim.responds_to_id:
        add(claim.responds_to, "answers")
    answers = Claim.objects.filter(responds_to=claim).select_related("claimant", "first_outlet")
    for response in answers.order_by("created_at", "id"):
        add(response, "answered_by")
    outgoing = ClaimLink.objects.filter(source=claim).select_related(
        "target__claimant", "target__first_outlet"
    )
    for link in outgoing.order_by("id"):
        add(link.target, "out", link)
    incoming = ClaimLink.objects.filter(target=claim).select_related(
        "source__claimant", "source__first_outlet"
    )
    for link in incoming.order_by("id"):
        add(link.source, "in", link)
    return sorted(entries.values(), key=lambda entry: _first_appearance_key(entry["claim"]))


def claim_events(claim: Claim) -> QuerySet:
    """A claim's history, oldest first, with who did each change."""
    from claims.models import ClaimEvent

    return ClaimEvent.objects.filter(claim=claim).select_related("user").order_by("at", "id")


def review_queue(*, status: str | None = Claim.Status.PROPOSED) -> QuerySet[Claim]:
    """Proposed claims (or any, with status=None), oldest first, with what the review
    queue shows of each: parties, tags and the mentions with their article's text (to
    show the quote in context)."""
    from claims.models import Mention

    mentions = (
        Mention.objects.select_related("article__outlet")
        .defer("article__raw_text", "article__normalized")
        .order_by("article__published_at", "article_id", "in_title", "start", "id")
    )
    claims = Claim.objects.filter(status=status) if status else Claim.objects.all()
    return (
        claims.select_related("claimant", "speaker", "story", "first_outlet")
        .prefetch_related("targets", "tags", Prefetch("mentions", queryset=mentions))
        .order_by("created_at", "id")
    )


def claim_list_rows(claims: QuerySet[Claim]) -> QuerySet[Claim]:
    """The claim list's rows: parties, first outlet, tags and the number of mentions, in
    a fixed number of queries (the count is a subquery, run for the page's rows only)."""
    from claims.models import Mention

    mentions = Mention.objects.filter(claim_id=OuterRef("pk"))
    return (
        claims.select_related("claimant", "speaker", "first_outlet")
        .prefetch_related("targets", "tags")
        .annotate(mention_count=_count(mentions, "claim_id"))
    )


# Lines of an export sent in one piece of the response.
EXPORT_LINES_PER_CHUNK = 500


def claim_export_lines(
    claims: QuerySet[Claim], *, fmt: str, with_version: bool = False, chunk_size: int = 2000
) -> Iterator[str]:
    """The claims as the chunks of an export file, in the queryset's order, read in
    chunks so memory stays flat (claims.records.record_lines: JSON lines of the claim
    record, or CSV). Only the ids are read from `claims`; `with_version` adds `version`,
    as the API's records have it."""
    from django.db import connections

    buffer: list[str] = []
    # One transaction: the file is one snapshot (shared with a second connection that
    # writes every other batch of records: claims.records.export_snapshot), and
    # PostgreSQL streams the cursor (out of a transaction it would be WITH HOLD, computed
    # whole before the first row).
    with export_snapshot(claims.db) as snapshot:
        if connections[claims.db].vendor == "postgresql":
            with connections[claims.db].cursor() as cursor:
                # Plan for every row, not for the first tenth (a cursor's default), which
                # can mean testing claim after claim along the sort order's index.
                cursor.execute("SET LOCAL cursor_tuple_fraction = 1")
        ids = claims.prefetch_related(None).values_list("pk", flat=True)
        lines = record_lines(
            ids.iterator(chunk_size=chunk_size),
            fmt=fmt,
            with_version=with_version,
            using=claims.db,
            snapshot=snapshot,
        )
        for line in lines:
            buffer.append(line)
            if len(buffer) >= EXPORT_LINES_PER_CHUNK:
                yield "".join(buffer)
                buffer.clear()
    if buffer:
        yield "".join(buffer)


def dashboard_counts() -> dict:
    """The dashboard's counts. Every claim count comes from one GROUP BY (type × status ×
    response status); articles and stories are one aggregate each."""
    from sources.models import Article, Story

    by_type = dict.fromkeys(Claim.Type.values, 0)
    by_status = dict.fromkeys(Claim.Status.values, 0)
    unanswered = 0
    grouped = (
        Claim.objects.order_by()
        .values_list("type", "status", "response_status")
        .annotate(n=Count("pk"))
    )
    for type_, status, response_status, n in grouped:
        by_type[type_] = by_type.get(type_, 0) + n
        by_status[status] = by_status.get(status, 0) + n
        if type_ == Claim.Type.ACCUSATION and response_status == Claim.ResponseStatus.UNANSWERED:
            unanswered += n
    articles = Article.objects.aggregate(
        total=Count("pk"), duplicates=Count("pk", filter=Q(duplicate_of__isnull=False))
    )
    return {
        "claims": sum(by_status.values()),
        "claims_by_type": [(v, label, by_type.get(v, 0)) for v, label in Claim.Type.choices],
        "claims_by_status": [(v, label, by_status.get(v, 0)) for v, label in Claim.Status.choices],
        "unanswered_accusations": unanswered,
        "articles": articles["total"],
        "duplicate_articles": articles["duplicates"],
        "stories": Story.objects.filter(merged_into__isnull=True).count(),
    }


def ingest_health(*, failures: int = 5) -> dict:
    """Received files by status (one GROUP BY) and the latest failures with their reason."""
    from sources.models import IngestedFile

    counts = dict(IngestedFile.objects.order_by().values_list("status").annotate(n=Count("pk")))
    latest = (
        IngestedFile.objects.filter(status=IngestedFile.Status.FAILED)
        .order_by("-updated_at", "-pk")
        .only("pk", "original_name", "line", "error", "attempts", "updated_at")[:failures]
    )
    return {
        "by_status": [
            (value, label, counts.get(value, 0)) for value, label in IngestedFile.Status.choices
        ],
        "failures": list(latest),
    }


def claims_newest(*, limit: int = 10) -> list[Claim]:
    return list(
        Claim.objects.select_related("claimant")
        .prefetch_related("targets")
        .order_by("-created_at", "-pk")[:limit]
    )


def accusations_unanswered(*, limit: int = 5) -> list[Claim]:
    """The newest accusations nobody has answered (rejected ones left out)."""
    return list(
        Claim.objects.filter(
            type=Claim.Type.ACCUSATION, response_status=Claim.ResponseStatus.UNANSWERED
        )
        .exclude(status=Claim.Status.REJECTED)
        .select_related("claimant")
        .prefetch_related("targets")
        .order_by("-created_at", "-pk")[:limit]
    )


def charts_stamp() -> tuple:
    """What the dashboard charts depend on, cheap to read: it keys their cache."""
    claims = Claim.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    actors = Actor.objects.aggregate(last=Max("updated_at"))
    return (claims["n"], claims["last"], actors["last"])


def claims_per_week(*, top: int = 5, weeks: int = 12, min_weeks: int = 4) -> dict:
    """Claims (not rejected) per week of first appearance, by claimant, over at most
    `weeks` weeks up to the latest claim: the `top` claimants by number of claims, and
    the rest summed as "others". One aggregate for the latest week, one GROUP BY."""
    from datetime import datetime, time, timedelta

    from django.db.models.functions import TruncWeek
    from django.utils import timezone

    claims = Claim.objects.exclude(status=Claim.Status.REJECTED).annotate(
        seen=Coalesce("first_seen_at", "created_at")
    )
    latest = claims.aggregate(last=Max("seen"))["last"]
    if latest is None:
        return {"weeks": [], "series": [], "others": []}
    last_day = timezone.localtime(latest).date()
    last_monday = last_day - timedelta(days=last_day.weekday())
    week_starts = [last_monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]
    since = timezone.make_aware(datetime.combine(week_starts[0], time.min))
    grouped = (
        claims.filter(seen__gte=since)
        .annotate(week=TruncWeek("seen"))
        .order_by()
        .values_list("week", "claimant_id", "claimant__name_ar", "claimant__name_en")
        .annotate(n=Count("pk"))
    )
    position = {day: i for i, day in enumerate(week_starts)}
    counts: dict[int, list[int]] = {}
    names: dict[int, dict] = {}
    for week, claimant_id, name_ar, name_en, n in grouped:
        day = timezone.localtime(week).date() if isinstance(week, datetime) else week
        if day not in position:
            continue
        counts.setdefault(claimant_id, [0] * weeks)[position[day]] += n
        names[claimant_id] = {"id": claimant_id, "name_ar": name_ar, "name_en": name_en}
    ranked = sorted(counts, key=lambda pk: (-sum(counts[pk]), names[pk]["name_ar"], pk))
    others = [0] * weeks
    for pk in ranked[top:]:
        others = [a + b for a, b in zip(others, counts[pk], strict=True)]
    # Start at the first week with claims (but show a few weeks at least).
    first = min((row.index(next(n for n in row if n)) for row in counts.values()), default=0)
    cut = max(0, min(first, weeks - min_weeks))
    return {
        "weeks": week_starts[cut:],
        "series": [(names[pk], counts[pk][cut:]) for pk in ranked[:top]],
        "others": others[cut:],
    }


def response_profiles(*, top: int = 8) -> list[dict]:
    """How each accused party answered the accusations against it (not rejected), for
    the `top` most accused: one GROUP BY over (target, response status)."""
    grouped = (
        Claim.targets.through.objects.filter(claim__type=Claim.Type.ACCUSATION)
        .exclude(claim__status=Claim.Status.REJECTED)
        .order_by()
        .values_list("actor_id", "actor__name_ar", "actor__name_en", "claim__response_status")
        .annotate(n=Count("claim_id"))
    )
    actors: dict[int, dict] = {}
    for actor_id, name_ar, name_en, response_status, n in grouped:
        if actor_id not in actors:
            actors[actor_id] = {
                "id": actor_id,
                "name_ar": name_ar,
                "name_en": name_en,
                "counts": dict.fromkeys(RESPONSE_PROFILE, 0),
                "total": 0,
            }
        entry = actors[actor_id]
        status = response_status or Claim.ResponseStatus.UNANSWERED
        entry["counts"][status] = entry["counts"].get(status, 0) + n
        entry["total"] += n
    ranked = sorted(actors.values(), key=lambda e: (-e["total"], e["name_ar"], e["id"]))
    return ranked[:top]


ACTOR_STATUS_FILTERS = ("confirmed", "proposed", "proposed_aliases")


def actor_directory(
    *, q: str = "", kind: str = "", status: str = "", language: str = "ar"
) -> QuerySet[Actor]:
    """The actor list (`actor_list()`; counts for the page's rows: `with_actor_counts()`),
    filtered and ordered. `q` matches any alias in
    any spelling, folded by the project's normalization ("قَسَد"، "لقسد"، "د1عـ.ـش");
    actors it names exactly come first, then by name in the UI language."""
    from django.db.models import Case, Value, When
    from django.db.models.functions import Lower, NullIf

    from sources.text import normalize_for_matching

    actors = actor_list()
    q = q.strip()
    if q:
        folded = normalize_for_matching(q)
        matching = Q(name_ar__icontains=q) | Q(name_en__icontains=q) | Q(key__iexact=q)
        exact = Q(key__iexact=q)
        if folded:
            aliases = ActorAlias.objects.filter(normalized__contains=folded)
            matching |= Q(pk__in=aliases.values("actor_id"))
            named = ActorAlias.objects.filter(normalized=folded)
            exact |= Q(pk__in=named.values("actor_id"))
        actors = actors.filter(matching).annotate(
            search_rank=Case(When(exact, then=Value(0)), default=Value(1))
        )
    if kind:
        actors = actors.filter(kind=kind)
    if status == "confirmed":
        actors = actors.filter(status=Actor.Status.CONFIRMED)
    elif status == "proposed":
        actors = actors.filter(status=Actor.Status.PROPOSED)
    elif status == "proposed_aliases":
        proposed = ActorAlias.objects.filter(proposed=True).values("actor_id")
        actors = actors.filter(pk__in=proposed)
    order = ["search_rank"] if q else []
    if language == "en":
        # English names first; an actor without one sorts by its Arabic name.
        order += [Lower(Coalesce(NullIf("name_en", Value("")), "name_ar")), "pk"]
    else:
        order += ["name_ar", "pk"]
    return actors.order_by(*order)


def actor_claims(*, actor_id: int, limit: int = 15) -> dict[str, list[Claim]]:
    """An actor's newest claims: made (claimant), against it (target), voiced (speaker)."""
    claims = (
        Claim.objects.select_related("claimant", "speaker")
        .prefetch_related("targets")
        .order_by("-created_at", "-pk")
    )
    targeted = Claim.targets.through.objects.filter(actor_id=actor_id).values("claim_id")
    return {
        "made": list(claims.filter(claimant_id=actor_id)[:limit]),
        "against": list(claims.filter(pk__in=targeted)[:limit]),
        "voiced": list(claims.filter(speaker_id=actor_id)[:limit]),
    }


def accusations_against(*, actor_id: int, limit: int = 20) -> list[Claim]:
    """The accusations against an actor with the claims that answer them."""
    targeted = Claim.targets.through.objects.filter(actor_id=actor_id).values("claim_id")
    answers = Claim.objects.select_related("claimant").order_by("created_at", "pk")
    return list(
        Claim.objects.filter(pk__in=targeted, type=Claim.Type.ACCUSATION)
        .select_related("claimant")
        .prefetch_related(Prefetch("responses", queryset=answers))
        .order_by("-created_at", "-pk")[:limit]
    )


def tag_directory() -> QuerySet[Tag]:
    """Tags with how many claims carry each (a subquery, for the page's rows only)."""
    tagged = Claim.tags.through.objects.filter(tag_id=OuterRef("pk"))
    return (
        Tag.objects.select_related("created_by")
        .annotate(claim_count=_count(tagged, "tag_id"))
        .order_by("label_ar", "pk")
    )


def actor_page() -> QuerySet[Actor]:
    """One actor's page: its directory row with its people and members (its counts:
    `with_actor_counts()`)."""
    return actor_list().prefetch_related(
        Prefetch("roles", queryset=ActorRole.objects.select_related("organization")),
        Prefetch("people_roles", queryset=ActorRole.objects.select_related("person")),
        Prefetch("members", queryset=Actor.objects.order_by("name_ar", "pk")),
    )


def actor_merge_choices(*, exclude: int) -> QuerySet[Actor]:
    """The actors another one may be merged into (names and keys only)."""
    return (
        Actor.objects.exclude(pk=exclude)
        .only("pk", "key", "name_ar", "name_en")
        .order_by("name_ar", "pk")
    )
