"""Turning an article's text into claims and mentions, and linking answers to
accusations.

`article_extract` runs the pure engine (claims/extraction/) on the headline and the body,
then, in one transaction:
- replaces the article's machine mentions (re-extraction is safe: claims a person
  edited, confirmed or rejected, and their mentions, are never touched);
- finds for each candidate the claim it reports again — same story, same claimant, same
  type, similar content — or creates one, so three outlets give one claim with three
  mentions;
- links denials, counterclaims and silences to the accusation they answer (same story;
  the one who answers is the accused) and derives every accusation's response status;
- proposes the unknown parties the text introduces ("المدعو ..."), for an editor.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.text import slugify

from claims.extraction.engine import Candidate, extract
from claims.extraction.figures import extract_figures
from claims.extraction.parties import propose_parties
from claims.extraction.registry import Party, Registry
from claims.extraction.sources import find_sources
from claims.models import (
    Actor,
    ActorAlias,
    ActorRole,
    Claim,
    ClaimEvent,
    ClaimLink,
    Figure,
    Mention,
)
from sources.models import Article, Story
from sources.text import normalize, normalize_for_matching

logger = logging.getLogger(__name__)

Type = Claim.Type
RESPONSE_TYPES = {Type.DENIAL, Type.COUNTERCLAIM, Type.NO_COMMENT, Type.CONFIRMATION}
LINK_KIND = {
    Type.DENIAL: ClaimLink.Kind.DENIES,
    Type.COUNTERCLAIM: ClaimLink.Kind.COUNTERS,
    Type.CONFIRMATION: ClaimLink.Kind.CONFIRMS,
}
# Two reports are the same claim when their content words overlap this much.
SAME_CLAIM_SIMILARITY = 0.5

_registry_cache: dict[str, tuple[tuple, Registry]] = {}


def registry_snapshot() -> Registry:
    """The registry as the engine sees it, rebuilt only when actors or aliases changed."""
    stamp = (
        tuple(
            ActorAlias.objects.filter(proposed=False)
            .aggregate(n=Count("id"), last=Max("id"))
            .values()
        ),
        Actor.objects.aggregate(last=Max("updated_at"))["last"],
        ActorRole.objects.count(),
    )
    cached = _registry_cache.get("registry")
    if cached and cached[0] == stamp:
        return cached[1]
    aliases: dict[int, list[str]] = defaultdict(list)
    for actor_id, surface in ActorAlias.objects.filter(proposed=False).values_list(
        "actor_id", "surface"
    ):
        aliases[actor_id].append(surface)
    orgs: dict[int, list[str]] = defaultdict(list)
    for person_id, org_key in ActorRole.objects.order_by("pk").values_list(
        "person_id", "organization__key"
    ):
        orgs[person_id].append(org_key)
    parties = [
        Party(
            key=actor.key,
            name_ar=actor.name_ar,
            name_en=actor.name_en,
            kind=actor.kind,
            parent=actor.parent.key if actor.parent_id else None,
            orgs=tuple(orgs[actor.pk]),
            aliases=tuple(aliases[actor.pk]),
        )
        for actor in Actor.objects.select_related("parent").exclude(status=Actor.Status.PROPOSED)
    ]
    registry = Registry.from_rows(parties)
    _registry_cache["registry"] = (stamp, registry)
    return registry


@dataclass
class ExtractionResult:
    article_id: int
    mentions: int = 0
    claims_created: int = 0
    claims_reused: int = 0
    removed_mentions: int = 0
    proposed_actors: list[str] = field(default_factory=list)


def _words(text: str) -> set[str]:
    return {word for word in normalize_for_matching(text).split() if len(word) > 2}


def _similarity(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def article_extract(*, article_id: int) -> ExtractionResult | None:
    """Extract (or re-extract) one article's claims. Safe to run twice."""
    article = Article.objects.select_related("story", "outlet").filter(pk=article_id).first()
    if article is None:
        return None
    registry = registry_snapshot()
    found = [(True, c) for c in extract(article.title, registry)] + [
        (False, c) for c in extract(article.body, registry)
    ]
    result = ExtractionResult(article_id=article.pk)
    with transaction.atomic():
        result.removed_mentions = _clear_machine_mentions(article)
        # Spans whose claim a person confirmed, rejected or edited stay theirs.
        kept_spans = set(
            Mention.objects.filter(article=article).values_list("in_title", "start", "end")
        )
        actors = {a.key: a for a in Actor.objects.filter(key__in=_keys_of(found))}
        pool = _story_claims(article)
        seen_quotes: set[tuple[str, str]] = set()
        touched: set[int] = set()
        text_of = {True: article.title, False: article.body}
        outlets = {key for key, party in registry.parties.items() if party.kind == "media"}
        sources = {
            in_title: find_sources(text_of[in_title], registry.index, outlets=outlets)
            for in_title in (True, False)
        }
        actors.update(
            (a.key, a)
            for a in Actor.objects.filter(
                key__in={s.via for found_sources in sources.values() for s in found_sources}
                - set(actors)
            )
        )
        for in_title, candidate in found:
            claimant = actors.get(candidate.claimant or "")
            if claimant is None or (in_title, candidate.start, candidate.end) in kept_spans:
                continue
            # A headline repeated in the text, or a sentence printed twice, is one mention.
            quote_key = (normalize(candidate.quote), candidate.type)
            if quote_key in seen_quotes:
                continue
            seen_quotes.add(quote_key)
            via = _via(candidate, sources[in_title])
            claim, created = _claim_for(
                article, candidate, claimant, actors, pool, via=actors.get(via)
            )
            result.claims_created += created
            result.claims_reused += not created
            mention, made = Mention.objects.get_or_create(
                claim=claim,
                article=article,
                in_title=in_title,
                start=candidate.start,
                end=candidate.end,
                defaults={
                    "quote": candidate.quote,
                    "cue": candidate.cue[:100],
                    "direct": candidate.direct,
                    "rule": candidate.rule[:100],
                },
            )
            result.mentions += made
            mention_figures_store(claim=claim, mention=mention, quote=candidate.quote)
            touched.add(claim.pk)
        _orphans_delete(article)
        result.proposed_actors = _parties_propose(article, registry)
        if article.story_id:
            story_link_responses(story=article.story)
        claims_first_seen_update(touched)
    return result


def _keys_of(found: list[tuple[bool, Candidate]]) -> set[str]:
    keys: set[str] = set()
    for _, candidate in found:
        keys.update(filter(None, [candidate.claimant, candidate.speaker]))
        keys.update(candidate.targets)
    return keys


def _clear_machine_mentions(article: Article) -> int:
    """Drop the article's machine mentions of claims nobody edited: re-extraction then
    writes them again from the current rules and registry."""
    stale = Mention.objects.filter(
        article=article, attributed_by__isnull=True, claim__locked=False
    ).exclude(claim__status__in=[Claim.Status.CONFIRMED, Claim.Status.REJECTED])
    count, _ = stale.delete()
    return count


def _orphans_delete(article: Article) -> None:
    """Machine claims left with no mention at all (the rules no longer find them)."""
    Claim.objects.filter(mentions__isnull=True, locked=False, status=Claim.Status.PROPOSED).filter(
        Q(story=article.story) if article.story_id else Q(story__isnull=True)
    ).delete()


def _via(candidate: Candidate, sources) -> str | None:
    """The outlet the claim's source spoke to, when a reported source lies in its span
    or just before it ("قال مصدر عسكري في قسد لنورث برس إن ...")."""
    for source in sources:
        if source.via and source.start < candidate.end and source.end > candidate.start - 120:
            return source.via
    return None


def _parties_propose(article: Article, registry: Registry) -> list[str]:
    """Unknown people and groups the text introduces become proposed actors; a new name
    of a known one becomes a proposed alias. An editor confirms either."""
    proposed = []
    for party in propose_parties(f"{article.title}\n{article.body}", registry.index):
        known = party.alias_of and registry.party(party.alias_of) and party.alias_of
        known = known or party.known
        normalized = normalize_for_matching(party.surface)
        if not normalized or len(normalized) > 300:
            continue
        if known:
            actor = Actor.objects.filter(key=known).first()
            if actor and not actor.aliases.filter(normalized=normalized).exists():
                ActorAlias.objects.create(
                    actor=actor, surface=party.surface[:300], normalized=normalized,
                    origin=ActorAlias.Origin.MACHINE, proposed=True,
                )  # fmt: skip
                proposed.append(party.surface)
            continue
        if ActorAlias.objects.filter(normalized=normalized).exists():
            continue
        key = f"proposed-{slugify(party.surface, allow_unicode=True)[:60]}-{article.pk}"
        parent = Actor.objects.filter(key=party.parent_hint).first() if party.parent_hint else None
        actor, created = Actor.objects.get_or_create(
            key=key[:100],
            defaults={
                "name_ar": party.surface[:300],
                "kind": party.kind if party.kind in Actor.Kind.values else Actor.Kind.ORGANIZATION,
                "status": Actor.Status.PROPOSED,
                "parent": parent,
            },
        )
        if created:
            ActorAlias.objects.create(
                actor=actor, surface=party.surface[:300], normalized=normalized,
                origin=ActorAlias.Origin.MACHINE,
            )  # fmt: skip
            proposed.append(party.surface)
    return proposed


def _story_claims(article: Article) -> dict[tuple[int, str], list[tuple[Claim, set, set]]]:
    """The story's claims by (claimant, type), with their content words and targets,
    loaded once per article: candidates are matched against them in memory."""
    pool: dict[tuple[int, str], list[tuple[Claim, set, set]]] = defaultdict(list)
    if not article.story_id:
        return pool
    for claim in (
        Claim.objects.filter(story=article.story).prefetch_related("targets").order_by("pk")
    ):
        targets = {target.key for target in claim.targets.all()}
        pool[(claim.claimant_id, claim.type)].append((claim, _words(claim.text), targets))
    return pool


def _claim_for(
    article: Article,
    candidate: Candidate,
    claimant: Actor,
    actors: dict[str, Actor],
    pool: dict[tuple[int, str], list[tuple[Claim, set, set]]],
    *,
    via: Actor | None = None,
) -> tuple[Claim, bool]:
    """The claim this candidate reports again (same story, claimant, type and similar
    content), or a new one (added to the pool, so a later report finds it)."""
    words = _words(candidate.quote)
    targets = {key for key in candidate.targets if key in actors}
    for claim, claim_words, claim_targets in pool[(claimant.pk, candidate.type)]:
        if targets and claim_targets and not targets & claim_targets:
            continue
        if _similarity(words, claim_words) >= SAME_CLAIM_SIMILARITY:
            return claim, False
    speaker = actors.get(candidate.speaker or "")
    claim = Claim(
        type=candidate.type,
        claimant=claimant,
        speaker=speaker if speaker and speaker.pk != claimant.pk else None,
        speaker_description=(candidate.speaker_description or "")[:300],
        reported_via=via,
        text=candidate.quote,
        story=article.story,
        rule=candidate.rule[:100],
        cue=candidate.cue[:100],
        response_status=(
            Claim.ResponseStatus.UNANSWERED
            if candidate.type == Type.ACCUSATION
            else Claim.ResponseStatus.NONE
        ),
    )
    claim.full_clean(exclude=["targets", "tags"])
    claim.save()
    kept_targets = [actors[key] for key in targets if key != claimant.key]
    claim.targets.set(kept_targets)
    ClaimEvent.objects.create(
        claim=claim, action="extracted", changes={"rule": claim.rule, "cue": claim.cue}
    )
    if article.story_id:
        pool[(claimant.pk, candidate.type)].append(
            (claim, words, {target.key for target in kept_targets})
        )
    return claim, True


def mention_figures_store(*, claim: Claim, mention: Mention, quote: str) -> None:
    """The figures a mention's quote gives (killed, arrested, ...), replacing any it had:
    extraction and hand attribution store them alike."""
    Figure.objects.filter(mention=mention).delete()
    valid = set(Figure.Counts.values)
    Figure.objects.bulk_create(
        Figure(
            claim=claim,
            mention=mention,
            low=figure.low,
            high=figure.high,
            approx=figure.approx,
            counts=figure.counts if figure.counts in valid else Figure.Counts.OTHER,
            subject=figure.subject[:100],
        )
        for figure in extract_figures(quote)
    )


def claims_first_seen_update(claim_ids: Iterable[int]) -> None:
    """Keep each claim's first appearance: its earliest report's date and outlet. Every
    service that adds, moves or removes a mention calls it."""
    for claim in Claim.objects.filter(pk__in=set(claim_ids)):
        first = (
            Mention.objects.filter(claim=claim)
            .select_related("article")
            .order_by("article__published_at", "article__created_at", "article_id")
            .first()
        )
        if first is None:
            continue
        article = first.article
        # Every write bumps updated_at: API clients sync on it.
        Claim.objects.filter(pk=claim.pk).exclude(
            first_seen_at=article.published_at or article.created_at,
            first_outlet_id=article.outlet_id,
        ).update(
            first_seen_at=article.published_at or article.created_at,
            first_outlet_id=article.outlet_id,
            updated_at=timezone.now(),
        )


def _related(a: Actor, b: Actor, parents: dict[int, int | None]) -> bool:
    """The same party, or one is part of the other (a ministry of a government)."""

    def chain(actor_id: int) -> list[int]:
        seen = [actor_id]
        while parents.get(seen[-1]) and parents[seen[-1]] not in seen:
            seen.append(parents[seen[-1]])
        return seen

    return a.pk in chain(b.pk) or b.pk in chain(a.pk)


def story_link_responses(*, story: Story) -> None:
    """Link each machine response in the story to the accusation it answers, and set
    every accusation's response status."""
    claims = list(
        Claim.objects.filter(story=story)
        .select_related("claimant")
        .prefetch_related("targets", "mentions")
        .order_by("pk")
    )
    parents = dict(Actor.objects.values_list("pk", "parent_id"))
    accusations = [c for c in claims if c.type == Type.ACCUSATION]
    for response in claims:
        if response.type not in RESPONSE_TYPES or response.locked:
            continue
        answered = _accusation_answered(response, accusations, parents)
        if answered is None or answered.pk == response.responds_to_id:
            continue
        Claim.objects.filter(pk=response.pk).update(responds_to=answered, updated_at=timezone.now())
        response.responds_to = answered
        if response.type in LINK_KIND:
            ClaimLink.objects.get_or_create(
                source=response, target=answered, kind=LINK_KIND[response.type]
            )
    claim_update_response_statuses(accusation_ids=[a.pk for a in accusations])


def _accusation_answered(response: Claim, accusations: list[Claim], parents) -> Claim | None:
    accusers = set(response.targets.all())
    best, best_rank = None, None
    for accusation in accusations:
        accused = list(accusation.targets.all())
        if not any(_related(response.claimant, target, parents) for target in accused):
            continue
        # Prefer the accusation by the party the response names, then the same article.
        named = any(_related(accusation.claimant, a, parents) for a in accusers)
        same_article = bool(
            {m.article_id for m in accusation.mentions.all()}
            & {m.article_id for m in response.mentions.all()}
        )
        rank = (not named, not same_article, accusation.pk)
        if best_rank is None or rank < best_rank:
            best, best_rank = accusation, rank
    return best


# What a link says of the claim it points at, as the type of an answer.
LINK_ANSWERS = {
    ClaimLink.Kind.DENIES: Type.DENIAL,
    ClaimLink.Kind.COUNTERS: Type.COUNTERCLAIM,
    ClaimLink.Kind.CONFIRMS: Type.CONFIRMATION,
}


def claim_update_response_statuses(*, accusation_ids: list[int]) -> None:
    """Derive each accusation's response status from the claims answering it: those
    whose `responds_to` is the accusation, by their type, and those an analyst linked to
    it as denying, countering or confirming it (a ClaimLink), by the link's kind."""
    answers: dict[int, set[str]] = defaultdict(set)
    for target, kind in Claim.objects.filter(responds_to_id__in=accusation_ids).values_list(
        "responds_to_id", "type"
    ):
        answers[target].add(kind)
    linked = ClaimLink.objects.filter(target_id__in=accusation_ids, kind__in=LINK_ANSWERS)
    for target, kind in linked.values_list("target_id", "kind"):
        answers[target].add(LINK_ANSWERS[kind])
    # What the accused said to the charge itself comes first: a denial, a confirmation,
    # or the reported silence ("لم تصدر الحكومة تعليقاً على هذه الاتهامات"). A counter-version
    # of the events (the accused's own story of the clashes) answers the charge only when
    # it is all there is: a ministry that narrates an attack by the accuser has still not
    # addressed "coordinating with ISIS". The thread keeps every answer either way.
    order = [
        (Type.DENIAL, Claim.ResponseStatus.DENIED),
        (Type.CONFIRMATION, Claim.ResponseStatus.CONFIRMED),
        (Type.NO_COMMENT, Claim.ResponseStatus.NO_COMMENT),
        (Type.COUNTERCLAIM, Claim.ResponseStatus.COUNTERED),
    ]
    for accusation_id in accusation_ids:
        status = next(
            (status for kind, status in order if kind in answers[accusation_id]),
            Claim.ResponseStatus.UNANSWERED,
        )
        Claim.objects.filter(pk=accusation_id, type=Type.ACCUSATION).exclude(
            response_status=status
        ).update(response_status=status, updated_at=timezone.now())


def articles_extract(*, article_ids) -> list[ExtractionResult]:
    """Re-extract several articles (a story, or all), oldest first."""
    results = []
    for article_id in sorted(article_ids):
        result = article_extract(article_id=article_id)
        if result is not None:
            results.append(result)
    return results
