"""People's edits of claims: review (status, tags, links) and parties (type, claimant,
speaker, targets, answers), merging and splitting.

Every write here runs in one transaction, checks the version the person read
(compare-and-swap: a stale version raises Conflict and changes nothing), bumps it, bumps
`updated_at` (API clients sync on it) and records a ClaimEvent saying who did what.
"""

from dataclasses import dataclass, field

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from claims.models import Claim, ClaimEvent, ClaimLink, Figure, Mention, Tag

# The first appearance (earliest mention's outlet and date) is derived by extraction's own
# rule; merging and splitting move mentions, so they derive it again the same way.
from claims.services.extraction import (
    LINK_ANSWERS,
    claim_update_response_statuses,
    claims_first_seen_update,
)
from conflictdesk.errors import Conflict, InvalidInput, NotFound

EDITABLE_FIELDS = (
    "type",
    "status",
    "targets",
    "tags",
    "responds_to",
    "text",
    "claimant",
    "speaker",
    "speaker_description",
)
# ClaimEvent.action of the claim another one was merged into, and of the merged one.
MERGE_ACTION, MERGED_INTO_ACTION = "merge", "merged_into"


def _snapshot(claim: Claim) -> dict:
    return {
        "type": claim.type,
        "status": claim.status,
        "targets": sorted(claim.targets.values_list("pk", flat=True)),
        "tags": sorted(claim.tags.values_list("slug", flat=True)),
        "responds_to": claim.responds_to_id,
        "text": claim.text,
        "claimant": claim.claimant_id,
        "speaker": claim.speaker_id,
        "speaker_description": claim.speaker_description,
    }


def _claim_swap(*, claim_id: int, expected_version: int) -> Claim:
    """Lock the claim and move its version on from the one the caller read.

    With the row locked, a second writer that read the same version waits here, then
    finds the version moved on and fails: nobody overwrites a change they never saw.
    """
    claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(_("There is no claim %(id)s.") % {"id": claim_id})
    swapped = Claim.objects.filter(pk=claim_id, version=expected_version).update(
        version=expected_version + 1, updated_at=timezone.now()
    )
    if not swapped:
        raise Conflict(
            _("Claim %(id)s is at version %(now)s, not %(read)s.")
            % {"id": claim_id, "now": claim.version, "read": expected_version}
        )
    claim.version = expected_version + 1
    return claim


def _claims_touch(claim_ids: set[int]) -> None:
    """Claims changed as a side effect (the other end of a link): a new version and
    updated_at, so that an open page or an API client notices."""
    if claim_ids:
        Claim.objects.filter(pk__in=claim_ids).update(
            version=F("version") + 1, updated_at=timezone.now()
        )


def _recompute_answers(accusation_ids: set[int], *, except_id: int | None = None) -> None:
    """Derive the response status of these accusations again; bump updated_at of those
    whose status moved (the extraction function does), except the claim being saved."""
    accusation_ids = accusation_ids - {None}
    if not accusation_ids:
        return
    was = dict(Claim.objects.filter(pk__in=accusation_ids).values_list("pk", "response_status"))
    claim_update_response_statuses(accusation_ids=sorted(accusation_ids))
    now = dict(Claim.objects.filter(pk__in=accusation_ids).values_list("pk", "response_status"))
    moved = [pk for pk in now if now[pk] != was.get(pk) and pk != except_id]
    Claim.objects.filter(pk__in=moved).update(updated_at=timezone.now())


@transaction.atomic
def claim_update(
    *,
    claim_id: int,
    user: AbstractBaseUser | None,
    expected_version: int,
    changes: dict,
    action: str = "update",
) -> Claim:
    """Change a claim from the version the caller read; a stale version raises Conflict
    and changes nothing.

    `changes` holds some of: type, status (values), targets (Actors), tags (Tags),
    responds_to (a Claim or None), text, claimant (an Actor), speaker (an Actor or None),
    speaker_description. The claim gets locked (re-extraction keeps a person's edit), its
    version bumped and the change recorded as a ClaimEvent with `action`; accusations
    whose answers changed get their response status recomputed, and their updated_at
    bumped so that API clients syncing with updated_since see it.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(
            _("These fields cannot be changed: %(fields)s.")
            % {"fields": ", ".join(sorted(unknown))}
        )
    claim = _claim_swap(claim_id=claim_id, expected_version=expected_version)
    before = _snapshot(claim)
    answered = {claim.responds_to_id} - {None}

    if "type" in changes:
        claim.type = changes["type"]
    if "status" in changes:
        claim.status = changes["status"]
    if "text" in changes:
        text = changes["text"].strip()
        if not text:
            raise InvalidInput(_("A claim needs a text."))
        claim.text = text
        claim.clean()
    if "claimant" in changes:
        if changes["claimant"] is None:
            raise InvalidInput(_("A claim needs a claimant."))
        claim.claimant = changes["claimant"]
    if "speaker" in changes:
        claim.speaker = changes["speaker"]
    if "speaker_description" in changes:
        claim.speaker_description = changes["speaker_description"].strip()[:300]
    if "responds_to" in changes:
        target = changes["responds_to"]
        if target is not None and target.pk == claim.pk:
            raise InvalidInput(_("A claim cannot answer itself."))
        claim.responds_to = target
        answered |= {target.pk} if target is not None else set()
    if claim.type != Claim.Type.ACCUSATION:
        claim.response_status = Claim.ResponseStatus.NONE
    elif not claim.response_status:
        claim.response_status = Claim.ResponseStatus.UNANSWERED
    claim.locked = True
    claim.save()
    if "targets" in changes:
        claim.targets.set([actor.pk for actor in changes["targets"]])
    if "tags" in changes:
        claim.tags.set([tag.pk for tag in changes["tags"]])

    after = _snapshot(claim)
    diff = {
        field: [before[field], after[field]] for field in after if before[field] != after[field]
    }
    ClaimEvent.objects.create(claim=claim, user=user, action=action, changes=diff)

    if {"type", "responds_to"} & set(diff) or claim.type == Claim.Type.ACCUSATION:
        accusations = answered | ({claim.pk} if claim.type == Claim.Type.ACCUSATION else set())
        _recompute_answers(accusations, except_id=claim.pk)
    claim.refresh_from_db()
    return claim


def claim_confirm(*, claim_id: int, user: AbstractBaseUser | None, expected_version: int) -> Claim:
    return claim_update(
        claim_id=claim_id,
        user=user,
        expected_version=expected_version,
        changes={"status": Claim.Status.CONFIRMED},
        action="confirm",
    )


def claim_reject(*, claim_id: int, user: AbstractBaseUser | None, expected_version: int) -> Claim:
    return claim_update(
        claim_id=claim_id,
        user=user,
        expected_version=expected_version,
        changes={"status": Claim.Status.REJECTED},
        action="reject",
    )


def claim_tags_set(
    *, claim_id: int, user: AbstractBaseUser | None, expected_version: int, tags: list[Tag]
) -> Claim:
    return claim_update(
        claim_id=claim_id,
        user=user,
        expected_version=expected_version,
        changes={"tags": tags},
        action="tag",
    )


@transaction.atomic
def claim_tags_change(
    *,
    claim_id: int,
    user: AbstractBaseUser | None,
    expected_version: int,
    names: list[str] | None = None,
    add: list[str] | None = None,
    remove: list[str] | None = None,
    create: bool = False,
) -> Claim:
    """Set the claim's tags to `names`, or add `add`, or remove the slugs in `remove`.

    Tags are named as people type them (tags_for_names); a tag coined here exists only
    if the change is saved: a stale version rolls back the new tag too.
    """
    current = list(Tag.objects.filter(claims=claim_id))
    if remove is not None:
        wanted = [tag for tag in current if tag.slug not in remove]
    elif add is not None:
        wanted = [*current, *tags_for_names(names=add, user=user, create=create)]
    else:
        wanted = tags_for_names(names=names or [], user=user, create=create)
    return claim_tags_set(
        claim_id=claim_id,
        user=user,
        expected_version=expected_version,
        tags=list({tag.pk: tag for tag in wanted}.values()),
    )


def tags_for_names(*, names: list[str], user: AbstractBaseUser | None, create: bool) -> list[Tag]:
    """The tags named by slug or label (Arabic or English); unknown names become new tags
    when `create` (the person may add to the vocabulary), else InvalidInput."""
    found: dict[int, Tag] = {}
    for raw in names:
        name = " ".join(raw.split())
        if not name:
            continue
        slug = slugify(name, allow_unicode=True)
        tag = (
            Tag.objects.filter(slug=name).first()
            or Tag.objects.filter(label_ar=name).first()
            or Tag.objects.filter(label_en__iexact=name).first()
            or (Tag.objects.filter(slug=slug).first() if slug else None)
        )
        if tag is None:
            if not create or not slug:
                raise InvalidInput(_("There is no tag “%(name)s”.") % {"name": name})
            tag = Tag.objects.create(
                slug=slug[:80],
                label_ar=name[:120],
                created_by=user if user and user.is_authenticated else None,
            )
        found[tag.pk] = tag
    return list(found.values())


@transaction.atomic
def claim_link_add(
    *,
    claim_id: int,
    user: AbstractBaseUser | None,
    expected_version: int,
    other_id: int,
    kind: str,
    incoming: bool = False,
) -> ClaimLink:
    """Link this claim to another: "this claim <kind> the other" (or, `incoming`, "the
    other <kind> this claim"). Both claims record it and get a new version. A link that
    denies, counters or confirms an accusation answers it: its response status follows."""
    if kind not in ClaimLink.Kind.values:
        raise InvalidInput(_("“%(kind)s” is not a kind of link.") % {"kind": kind})
    if other_id == claim_id:
        raise InvalidInput(_("A claim cannot be linked to itself."))
    if not Claim.objects.filter(pk=other_id).exists():
        raise NotFound(_("There is no claim %(id)s.") % {"id": other_id})
    claim = _claim_swap(claim_id=claim_id, expected_version=expected_version)
    source, target = (other_id, claim.pk) if incoming else (claim.pk, other_id)
    if ClaimLink.objects.filter(source_id=source, target_id=target, kind=kind).exists():
        raise InvalidInput(_("These claims are already linked this way."))
    link = ClaimLink.objects.create(source_id=source, target_id=target, kind=kind, created_by=user)
    change = {"link": [None, {"source": source, "kind": kind, "target": target}]}
    ClaimEvent.objects.create(claim=claim, user=user, action="link", changes=change)
    ClaimEvent.objects.create(claim_id=other_id, user=user, action="link", changes=change)
    _claims_touch({other_id})
    if kind in LINK_ANSWERS:  # a denial, counter or confirmation of the target
        _recompute_answers({target})
    return link


@transaction.atomic
def claim_link_remove(
    *, claim_id: int, user: AbstractBaseUser | None, expected_version: int, link_id: int
) -> None:
    """Remove a link in or out of this claim; both claims record it."""
    link = ClaimLink.objects.filter(pk=link_id).first()
    if link is None or claim_id not in (link.source_id, link.target_id):
        raise NotFound(_("Claim %(id)s has no link %(link)s.") % {"id": claim_id, "link": link_id})
    claim = _claim_swap(claim_id=claim_id, expected_version=expected_version)
    other_id = link.target_id if link.source_id == claim.pk else link.source_id
    change = {
        "link": [{"source": link.source_id, "kind": link.kind, "target": link.target_id}, None]
    }
    link.delete()
    ClaimEvent.objects.create(claim=claim, user=user, action="unlink", changes=change)
    ClaimEvent.objects.create(claim_id=other_id, user=user, action="unlink", changes=change)
    _claims_touch({other_id})
    if link.kind in LINK_ANSWERS:
        _recompute_answers({link.target_id})


def claim_merged_into(claim: Claim) -> int | None:
    """The claim this one was merged into, if it was."""
    event = claim.events.filter(action=MERGED_INTO_ACTION).order_by("-at", "-id").first()
    return event.changes["merged_into"][1] if event else None


def _links_move(*, from_id: int, to_id: int) -> int:
    """Re-point the links of one claim to another; a link that would join the claim to
    itself, or repeat one it already has, is dropped. Returns how many moved."""
    moved = 0
    for link in ClaimLink.objects.filter(source_id=from_id):
        duplicate = ClaimLink.objects.filter(
            source_id=to_id, target_id=link.target_id, kind=link.kind
        )
        if link.target_id == to_id or duplicate.exists():
            link.delete()
        else:
            ClaimLink.objects.filter(pk=link.pk).update(source_id=to_id)
            moved += 1
    for link in ClaimLink.objects.filter(target_id=from_id):
        duplicate = ClaimLink.objects.filter(
            source_id=link.source_id, target_id=to_id, kind=link.kind
        )
        if link.source_id == to_id or duplicate.exists():
            link.delete()
        else:
            ClaimLink.objects.filter(pk=link.pk).update(target_id=to_id)
            moved += 1
    return moved


def _mentions_move(*, from_id: int, to_id: int) -> int:
    """Move every mention (and its figures) of one claim to another. A span both claims
    already cite is one mention: the other's copy gives its figures to ours and goes."""
    moved = 0
    for mention in Mention.objects.filter(claim_id=from_id):
        same = Mention.objects.filter(
            claim_id=to_id,
            article_id=mention.article_id,
            in_title=mention.in_title,
            start=mention.start,
            end=mention.end,
        ).first()
        if same is None:
            Mention.objects.filter(pk=mention.pk).update(claim_id=to_id)
            moved += 1
        else:
            Figure.objects.filter(mention=mention).update(mention=same)
            mention.delete()
    Figure.objects.filter(claim_id=from_id).update(claim_id=to_id)
    return moved


@transaction.atomic
def claim_merge(
    *, claim_id: int, other_id: int, user: AbstractBaseUser | None, expected_version: int
) -> Claim:
    """Merge another claim into this one (the same proposition found twice).

    This claim takes the other's mentions (with their figures), tags, links and the
    claims answering it. The other one stays, for the record and for links pointing at
    it from outside: rejected, answering nothing, linked to this one as "repeats", and
    both histories say so. No schema change needed: "merged" is that event.
    """
    if other_id == claim_id:
        raise InvalidInput(_("A claim cannot be merged into itself."))
    # Lock both rows in id order so that two merges of the same pair cannot deadlock.
    locked = {
        c.pk: c
        for c in Claim.objects.select_for_update()
        .filter(pk__in=[claim_id, other_id])
        .order_by("pk")
    }
    if other_id not in locked:
        raise NotFound(_("There is no claim %(id)s.") % {"id": other_id})
    claim = _claim_swap(claim_id=claim_id, expected_version=expected_version)
    other = locked[other_id]
    for merged in (claim, other):
        into = claim_merged_into(merged)
        if into is not None:
            raise InvalidInput(
                _("Claim %(id)s was already merged into claim %(into)s.")
                % {"id": merged.pk, "into": into}
            )

    mentions = _mentions_move(from_id=other.pk, to_id=claim.pk)
    tags = sorted(other.tags.values_list("slug", flat=True))
    claim.tags.add(*other.tags.all())
    links = _links_move(from_id=other.pk, to_id=claim.pk)
    answers = list(
        Claim.objects.filter(responds_to=other).exclude(pk=claim.pk).values_list("pk", flat=True)
    )
    Claim.objects.filter(pk__in=answers).update(responds_to=claim, updated_at=timezone.now())
    answered = {claim.responds_to_id, other.responds_to_id}
    if claim.responds_to_id is None and other.responds_to_id not in (None, claim.pk):
        claim.responds_to_id = other.responds_to_id
    if claim.story_id is None:
        claim.story_id = other.story_id
    claim.locked = True
    claim.save(update_fields=["responds_to", "story", "locked", "updated_at"])
    ClaimLink.objects.get_or_create(
        source=other, target=claim, kind=ClaimLink.Kind.REPEATS, defaults={"created_by": user}
    )

    other_before = {"status": other.status, "responds_to": other.responds_to_id}
    Claim.objects.filter(pk=other.pk).update(
        status=Claim.Status.REJECTED,
        responds_to=None,
        locked=True,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    ClaimEvent.objects.create(
        claim=claim,
        user=user,
        action=MERGE_ACTION,
        changes={
            "merged": [None, other.pk],
            "mentions": [None, mentions],
            "tags": [None, tags],
            "links": [None, links],
            "answers": [None, answers],
        },
    )
    ClaimEvent.objects.create(
        claim=other,
        user=user,
        action=MERGED_INTO_ACTION,
        changes={
            "merged_into": [None, claim.pk],
            "status": [other_before["status"], Claim.Status.REJECTED],
            "responds_to": [other_before["responds_to"], None],
        },
    )
    claims_first_seen_update({claim.pk})
    accusations = answered | ({claim.pk} if claim.type == Claim.Type.ACCUSATION else set())
    _recompute_answers(accusations)
    _claims_touch(set(answers))
    claim.refresh_from_db()
    return claim


@transaction.atomic
def mention_split(
    *, mention_id: int, user: AbstractBaseUser | None, expected_version: int
) -> Claim:
    """Split one mention off its claim into a new claim (the machine joined two different
    propositions). The new claim starts as a copy of the old one's parties, with the
    quote as its text; an editor then corrects it. Returns the new claim."""
    found = Mention.objects.filter(pk=mention_id).values_list("claim_id", flat=True).first()
    if found is None:
        raise NotFound(_("There is no mention %(id)s.") % {"id": mention_id})
    claim = _claim_swap(claim_id=found, expected_version=expected_version)
    # Read again under the claim's lock: the mention may have moved meanwhile.
    mention = Mention.objects.select_related("article").filter(pk=mention_id, claim=claim).first()
    if mention is None:
        raise Conflict(_("Mention %(id)s moved to another claim meanwhile.") % {"id": mention_id})
    if claim.mentions.count() < 2:
        raise InvalidInput(_("This is the claim’s only mention: edit the claim instead."))

    new = Claim(
        type=claim.type,
        status=Claim.Status.PROPOSED,
        claimant_id=claim.claimant_id,
        speaker_id=claim.speaker_id,
        speaker_description=claim.speaker_description,
        reported_via_id=claim.reported_via_id,
        text=mention.quote,
        responds_to_id=claim.responds_to_id,
        story_id=mention.article.story_id or claim.story_id,
        rule=mention.rule or claim.rule,
        cue=mention.cue or claim.cue,
        response_status=(
            Claim.ResponseStatus.UNANSWERED
            if claim.type == Claim.Type.ACCUSATION
            else Claim.ResponseStatus.NONE
        ),
        locked=True,
    )
    new.clean()
    new.save()
    new.targets.set(claim.targets.all())
    new.tags.set(claim.tags.all())
    Mention.objects.filter(pk=mention.pk).update(claim=new)
    Figure.objects.filter(mention=mention).update(claim=new)
    claim.locked = True
    claim.save(update_fields=["locked", "updated_at"])
    ClaimEvent.objects.create(
        claim=claim,
        user=user,
        action="split",
        changes={"mention": [mention.pk, None], "split_into": [None, new.pk]},
    )
    ClaimEvent.objects.create(
        claim=new,
        user=user,
        action="split_from",
        changes={"split_from": [None, claim.pk], "mention": [None, mention.pk]},
    )
    claims_first_seen_update({claim.pk, new.pk})
    _recompute_answers({claim.responds_to_id})
    new.refresh_from_db()
    return new


@dataclass
class BulkResult:
    done: list[int] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)


def claims_review_bulk(
    *,
    items: list[tuple[int, int]],
    user: AbstractBaseUser | None,
    status: str | None = None,
    add_tags: list[Tag] | None = None,
) -> BulkResult:
    """Confirm, reject and/or tag several claims, each from the version the person saw.

    Each claim is its own transaction: a claim someone else changed meanwhile is left
    alone and reported as stale, the others are done.
    """
    if status not in (None, Claim.Status.CONFIRMED, Claim.Status.REJECTED):
        raise InvalidInput(_("“%(status)s” is not a review decision.") % {"status": status})
    if status is None and not add_tags:
        raise InvalidInput(_("Choose confirm, reject or tags to add."))
    action = {Claim.Status.CONFIRMED: "confirm", Claim.Status.REJECTED: "reject"}.get(status, "tag")
    result = BulkResult()
    for claim_id, version in items:
        changes: dict = {}
        if status is not None:
            changes["status"] = status
        if add_tags:
            current = list(Tag.objects.filter(claims=claim_id))
            changes["tags"] = list({t.pk: t for t in [*current, *add_tags]}.values())
        try:
            claim_update(
                claim_id=claim_id,
                user=user,
                expected_version=version,
                changes=changes,
                action=action,
            )
        except Conflict:
            result.stale.append(claim_id)
        except NotFound:
            result.missing.append(claim_id)
        else:
            result.done.append(claim_id)
    return result
