"""People's edits of claims: review (status, tags) and parties (type, targets, answers)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from claims.models import Claim, ClaimEvent
from claims.services.extraction import claim_update_response_statuses
from conflictdesk.errors import Conflict, InvalidInput, NotFound

EDITABLE_FIELDS = ("type", "status", "targets", "tags", "responds_to")


def _snapshot(claim: Claim) -> dict:
    return {
        "type": claim.type,
        "status": claim.status,
        "targets": sorted(claim.targets.values_list("pk", flat=True)),
        "tags": sorted(claim.tags.values_list("slug", flat=True)),
        "responds_to": claim.responds_to_id,
    }


@transaction.atomic
def claim_update(
    *, claim_id: int, user: AbstractBaseUser | None, expected_version: int, changes: dict
) -> Claim:
    """Change a claim from the version the caller read; a stale version raises Conflict
    and changes nothing.

    `changes` holds some of: type, status (values), targets (Actors), tags (Tags),
    responds_to (a Claim or None). The claim gets locked (re-extraction keeps a person's
    edit), its version bumped and the change recorded; accusations whose answers changed
    get their response status recomputed, and their updated_at bumped so that API
    clients syncing with updated_since see it.
    """
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"These fields cannot be changed: {', '.join(sorted(unknown))}.")
    claim = Claim.objects.select_for_update().filter(pk=claim_id).first()
    if claim is None:
        raise NotFound(f"There is no claim {claim_id}.")
    # Compare-and-swap on the version: with the row locked, a second writer that read
    # the same version waits here, then finds the version moved on and fails.
    swapped = Claim.objects.filter(pk=claim_id, version=expected_version).update(
        version=expected_version + 1
    )
    if not swapped:
        raise Conflict(f"Claim {claim_id} is at version {claim.version}, not {expected_version}.")
    claim.version = expected_version + 1
    before = _snapshot(claim)
    answered = {claim.responds_to_id} - {None}

    if "type" in changes:
        claim.type = changes["type"]
    if "status" in changes:
        claim.status = changes["status"]
    if "responds_to" in changes:
        target = changes["responds_to"]
        if target is not None and target.pk == claim.pk:
            raise InvalidInput("A claim cannot answer itself.")
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
    ClaimEvent.objects.create(claim=claim, user=user, action="update", changes=diff)

    if {"type", "responds_to"} & set(diff) or claim.type == Claim.Type.ACCUSATION:
        accusations = answered | ({claim.pk} if claim.type == Claim.Type.ACCUSATION else set())
        was = dict(Claim.objects.filter(pk__in=accusations).values_list("pk", "response_status"))
        claim_update_response_statuses(accusation_ids=sorted(accusations))
        now = dict(Claim.objects.filter(pk__in=accusations).values_list("pk", "response_status"))
        moved = [pk for pk in now if now[pk] != was.get(pk) and pk != claim.pk]
        Claim.objects.filter(pk__in=moved).update(updated_at=timezone.now())
    claim.refresh_from_db()
    return claim
