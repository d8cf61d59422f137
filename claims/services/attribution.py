"""Editors attribute quotes by hand: a span of an article becomes a Mention of a claim.

Offsets count Python `str` characters (Unicode code points) of `Article.body` (of
`Article.title` for a mention in the headline), so `body[start:end] == quote` always holds.
The reader's script counts in the same units (a browser counts UTF-16 code units: an
emoji is two of them there and one here, and the script converts).

A claim an editor creates here is `confirmed`, not `proposed`: the editor read the
sentence and named the parties, which is the review an analyst gives a machine proposal;
the review queue stays for the machine's work. It is also `locked`, so re-extraction
never touches it or its mentions. Every change bumps the claim's `version` and records a
ClaimEvent in the same transaction.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.models import Actor, Claim, ClaimEvent, ClaimLink, Mention
from claims.services.extraction import (
    LINK_KIND,
    claim_update_response_statuses,
    claims_first_seen_update,
    mention_figures_store,
)
from conflictdesk.errors import Conflict, InvalidInput, NotFound
from sources.models import Article

# Bounds of one quote: a sentence or a short paragraph, not an article.
MAX_QUOTE_LENGTH = 5000


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    quote: str


def span_check(*, text: str, start: int, end: int) -> Span:
    """The span [start, end) of `text`, without the blanks at its edges (a selection
    often takes the space after a word); raises InvalidInput with the reason."""
    if isinstance(start, bool) or isinstance(end, bool):
        raise InvalidInput(_("The offsets must be whole numbers."))
    if not isinstance(start, int) or not isinstance(end, int):
        raise InvalidInput(_("The offsets must be whole numbers."))
    if start >= end:
        raise InvalidInput(
            _("The selection is empty: its end (%(end)s) must come after its start (%(start)s).")
            % {"start": start, "end": end}
        )
    if not 0 <= start < end <= len(text):
        raise InvalidInput(
            _("The span %(start)s–%(end)s is not inside the text (%(length)s characters).")
            % {"start": start, "end": end, "length": len(text)}
        )
    quote = text[start:end]
    stripped = quote.lstrip()
    start += len(quote) - len(stripped)
    stripped = stripped.rstrip()
    end = start + len(stripped)
    if not stripped:
        raise InvalidInput(_("The selected span holds no text, only blanks."))
    if end - start > MAX_QUOTE_LENGTH:
        raise InvalidInput(_("A quote is at most %(n)s characters long.") % {"n": MAX_QUOTE_LENGTH})
    return Span(start=start, end=end, quote=stripped)


def _claim_text(quote: str) -> str:
    return " ".join(quote.split())


def _check_parties(
    *, type: str, claimant: Actor | None, speaker: Actor | None, targets: Iterable[Actor]
) -> tuple[Actor | None, list[Actor]]:
    if type not in Claim.Type.values:
        raise InvalidInput(_("Unknown claim type: %(type)s.") % {"type": type})
    if claimant is None:
        raise InvalidInput(_("A new claim needs a claimant: the party that makes it."))
    speaker = speaker if speaker is not None and speaker.pk != claimant.pk else None
    kept = {target.pk: target for target in targets if target.pk != claimant.pk}
    return speaker, list(kept.values())


def _check_answer(responds_to: Claim | None, claim: Claim | None = None) -> None:
    if responds_to is not None and claim is not None and responds_to.pk == claim.pk:
        raise InvalidInput(_("A claim cannot answer itself."))


def _answer_link(*, claim: Claim, previous: int | None, user) -> set[int]:
    """Keep the typed link that goes with `responds_to`; return the accusations whose
    response status may have changed."""
    kinds = list(LINK_KIND.values())
    if previous and previous != claim.responds_to_id:
        ClaimLink.objects.filter(source=claim, target_id=previous, kind__in=kinds).delete()
    if claim.responds_to_id and claim.type in LINK_KIND:
        ClaimLink.objects.filter(
            source=claim, target_id=claim.responds_to_id, kind__in=kinds
        ).exclude(kind=LINK_KIND[claim.type]).delete()
        ClaimLink.objects.get_or_create(
            source=claim,
            target_id=claim.responds_to_id,
            kind=LINK_KIND[claim.type],
            defaults={"created_by": user},
        )
    return {pk for pk in (previous, claim.responds_to_id) if pk}


def _statuses_refresh(accusation_ids: set[int]) -> None:
    if not accusation_ids:
        return
    was = dict(Claim.objects.filter(pk__in=accusation_ids).values_list("pk", "response_status"))
    claim_update_response_statuses(accusation_ids=sorted(accusation_ids))
    now = dict(Claim.objects.filter(pk__in=accusation_ids).values_list("pk", "response_status"))
    # API clients sync on updated_at: an accusation whose answer changed has changed.
    moved = [pk for pk in now if now[pk] != was.get(pk)]
    Claim.objects.filter(pk__in=moved).update(updated_at=timezone.now())


def _claim_create(
    *,
    article: Article,
    quote: str,
    type: str,
    claimant: Actor,
    speaker: Actor | None,
    targets: list[Actor],
    responds_to: Claim | None,
    cue: str,
) -> Claim:
    claim = Claim(
        type=type,
        status=Claim.Status.CONFIRMED,
        claimant=claimant,
        speaker=speaker,
        text=_claim_text(quote),
        story_id=article.story_id,
        responds_to=responds_to,
        rule="editor",
        cue=cue[:100],
        locked=True,
        response_status=(
            Claim.ResponseStatus.UNANSWERED
            if type == Claim.Type.ACCUSATION
            else Claim.ResponseStatus.NONE
        ),
    )
    claim.full_clean(exclude=["targets", "tags", "story", "responds_to"])
    claim.save()
    claim.targets.set(targets)
    return claim


def _mention_save(mention: Mention) -> None:
    try:
        mention.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        raise InvalidInput(" ".join(error.messages)) from error
    exists = (
        Mention.objects.filter(
            claim_id=mention.claim_id,
            article_id=mention.article_id,
            in_title=mention.in_title,
            start=mention.start,
            end=mention.end,
        )
        .exclude(pk=mention.pk)
        .exists()
    )
    if exists:
        raise Conflict(
            _("This span is already a mention of claim %(id)s.") % {"id": mention.claim_id}
        )
    try:
        with transaction.atomic():
            mention.save()
    except IntegrityError as error:  # a concurrent editor saved the same span first
        raise Conflict(
            _("This span is already a mention of claim %(id)s.") % {"id": mention.claim_id}
        ) from error


def _parties(claim: Claim) -> dict:
    return {
        "type": claim.type,
        "claimant": claim.claimant_id,
        "speaker": claim.speaker_id,
        "targets": sorted(claim.targets.values_list("pk", flat=True)),
        "responds_to": claim.responds_to_id,
    }


@transaction.atomic
def mention_attribute(
    *,
    article: Article,
    start: int,
    end: int,
    claimant: Actor | None = None,
    speaker: Actor | None = None,
    targets: Iterable[Actor] = (),
    type: str | None = None,
    claim: Claim | None = None,
    user: AbstractBaseUser | None,
    in_title: bool = False,
    direct: bool = False,
    cue: str = "",
    responds_to: Claim | None = None,
) -> Mention:
    """Make the span [start, end) of the article a mention.

    Without `claim`, a new confirmed claim is created with the given type and parties
    (and `responds_to`, the accusation it answers, if any). With `claim`, the span
    becomes one more report of that existing claim, whose parties stay as they are.
    """
    text = article.title if in_title else article.body
    span = span_check(text=text, start=start, end=end)
    created = claim is None
    if created:
        speaker, kept_targets = _check_parties(
            type=type or "", claimant=claimant, speaker=speaker, targets=targets
        )
        claim = _claim_create(
            article=article,
            quote=span.quote,
            type=type,
            claimant=claimant,
            speaker=speaker,
            targets=kept_targets,
            responds_to=responds_to,
            cue=cue,
        )
    else:
        claim = Claim.objects.select_for_update().filter(pk=claim.pk).first()
        if claim is None:
            raise NotFound(_("The claim to attach the quote to no longer exists."))
    mention = Mention(
        claim=claim,
        article=article,
        in_title=in_title,
        start=span.start,
        end=span.end,
        quote=span.quote,
        cue=cue[:100],
        direct=direct,
        attributed_by=user,
        rule="editor",
    )
    _mention_save(mention)
    mention_figures_store(claim=claim, mention=mention, quote=mention.quote)
    if not created:
        # A person added evidence to the claim: re-extraction keeps it; writers that
        # read the claim before see that it moved on.
        Claim.objects.filter(pk=claim.pk).update(
            version=F("version") + 1, locked=True, updated_at=timezone.now()
        )
    ClaimEvent.objects.create(
        claim=claim,
        user=user,
        action="attributed",
        changes={
            "mention": mention.pk,
            "article": article.pk,
            "in_title": in_title,
            "start": span.start,
            "end": span.end,
            "quote": span.quote[:300],
            "new_claim": created,
            **({"parties": _parties(claim)} if created else {}),
        },
    )
    accusations = _answer_link(claim=claim, previous=None, user=user) if created else set()
    if claim.type == Claim.Type.ACCUSATION:
        accusations.add(claim.pk)
    _statuses_refresh(accusations)
    claims_first_seen_update([claim.pk])
    return mention


@transaction.atomic
def mention_edit(
    *,
    mention_id: int,
    expected_version: int,
    start: int,
    end: int,
    claimant: Actor | None = None,
    speaker: Actor | None = None,
    targets: Iterable[Actor] = (),
    type: str | None = None,
    claim: Claim | None = None,
    responds_to: Claim | None = None,
    user: AbstractBaseUser | None,
    direct: bool | None = None,
    cue: str | None = None,
) -> Mention:
    """Change an attribution: the span, and who made the claim it reports.

    `expected_version` is the version of the mention's claim the editor read; a stale one
    raises Conflict and changes nothing. Then:
    - with `claim` (another claim): the mention moves to that claim;
    - otherwise, when the mention is its claim's only report, the claim's type and parties
      are changed in place;
    - otherwise (other outlets report the claim as it was), the mention is split off into
      a new confirmed claim with the given type and parties.
    """
    targets = list(targets)
    mention = (
        Mention.objects.select_for_update().select_related("article").filter(pk=mention_id).first()
    )
    if mention is None:
        raise NotFound(_("There is no mention %(id)s.") % {"id": mention_id})
    current = Claim.objects.select_for_update().get(pk=mention.claim_id)
    swapped = Claim.objects.filter(pk=current.pk, version=expected_version).update(
        version=F("version") + 1, locked=True, updated_at=timezone.now()
    )
    if not swapped:
        raise Conflict(
            _(
                "Claim %(id)s was changed by someone else (it is at version %(version)s, you "
                "read version %(read)s): reload the page and try again."
            )
            % {"id": current.pk, "version": current.version, "read": expected_version}
        )
    current.version, current.locked = expected_version + 1, True
    article = mention.article
    text = article.title if mention.in_title else article.body
    span = span_check(text=text, start=start, end=end)
    before = {"start": mention.start, "end": mention.end, "quote": mention.quote}
    moved_span = (span.start, span.end) != (mention.start, mention.end)
    mention.start, mention.end, mention.quote = span.start, span.end, span.quote
    if direct is not None:
        mention.direct = direct
    if cue is not None:
        mention.cue = cue[:100]
    mention.attributed_by = user
    touched = {current.pk}
    accusations: set[int] = set()
    others = Mention.objects.filter(claim=current).exclude(pk=mention.pk).exists()

    if claim is not None and claim.pk != current.pk:
        target = Claim.objects.select_for_update().filter(pk=claim.pk).first()
        if target is None:
            raise NotFound(_("The claim to move the quote to no longer exists."))
        mention.claim = target
        Claim.objects.filter(pk=target.pk).update(
            version=F("version") + 1, locked=True, updated_at=timezone.now()
        )
        ClaimEvent.objects.create(
            claim=target,
            user=user,
            action="mention_moved_in",
            changes={"mention": mention.pk, "from_claim": current.pk},
        )
        touched.add(target.pk)
        accusations |= {target.pk} if target.type == Claim.Type.ACCUSATION else set()
        action, changes = "mention_moved_out", {"mention": mention.pk, "to_claim": target.pk}
    elif (
        claim is not None
        or type is None
        or _parties(current)
        == {
            "type": type,
            "claimant": claimant.pk if claimant else None,
            "speaker": speaker.pk if speaker and claimant and speaker.pk != claimant.pk else None,
            "targets": sorted({t.pk for t in targets if not claimant or t.pk != claimant.pk}),
            "responds_to": responds_to.pk if responds_to else None,
        }
    ):
        # Only the span (or cue, direct) changes: the parties are the claim's own.
        action, changes = "mention_edited", {}
    else:
        speaker, kept_targets = _check_parties(
            type=type, claimant=claimant, speaker=speaker, targets=targets
        )
        _check_answer(responds_to, current)
        if others:
            new = _claim_create(
                article=article,
                quote=span.quote,
                type=type,
                claimant=claimant,
                speaker=speaker,
                targets=kept_targets,
                responds_to=responds_to,
                cue=mention.cue,
            )
            mention.claim = new
            ClaimEvent.objects.create(
                claim=new,
                user=user,
                action="split_from",
                changes={"mention": mention.pk, "from_claim": current.pk, "parties": _parties(new)},
            )
            accusations |= _answer_link(claim=new, previous=None, user=user)
            accusations |= {new.pk} if new.type == Claim.Type.ACCUSATION else set()
            touched.add(new.pk)
            action, changes = "mention_split", {"mention": mention.pk, "to_claim": new.pk}
        else:
            was = {**_parties(current), "status": current.status}
            previous_answer = current.responds_to_id
            if current.type == Claim.Type.ACCUSATION:
                accusations.add(current.pk)
            current.type = type
            current.claimant = claimant
            current.speaker = speaker
            current.responds_to = responds_to
            if moved_span and current.text == _claim_text(before["quote"]):
                current.text = _claim_text(span.quote)
            current.status = Claim.Status.CONFIRMED
            current.response_status = (
                (current.response_status or Claim.ResponseStatus.UNANSWERED)
                if type == Claim.Type.ACCUSATION
                else Claim.ResponseStatus.NONE
            )
            current.full_clean(exclude=["targets", "tags", "story", "responds_to"])
            current.save()
            current.targets.set(kept_targets)
            accusations |= _answer_link(claim=current, previous=previous_answer, user=user)
            accusations |= {current.pk} if type == Claim.Type.ACCUSATION else set()
            after = {**_parties(current), "status": current.status}
            action = "attribution_edited"
            changes = {k: [was[k], after[k]] for k in after if was[k] != after[k]}
    if moved_span:
        changes["span"] = [[before["start"], before["end"]], [span.start, span.end]]
    changes.setdefault("mention", mention.pk)
    _mention_save(mention)
    mention_figures_store(claim=mention.claim, mention=mention, quote=mention.quote)
    ClaimEvent.objects.create(claim=current, user=user, action=action, changes=changes)
    _statuses_refresh(accusations)
    claims_first_seen_update(touched)
    return mention
