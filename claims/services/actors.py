"""Editors' changes to actors: aliases, confirming what extraction proposed, merging.

Every change bumps the actor's `updated_at`: the extraction registry
(`claims.services.extraction.registry_snapshot`) and the alias matcher
(`claims.selectors.alias_index`) are cached per process and rebuilt when that stamp moves,
so the next article any worker reads sees the change. Changes to actors are written to
the admin's log (an actor's "History"); changes to claims record a ClaimEvent and bump
the claim's version, in the same transaction.
"""

import json
from dataclasses import dataclass, field

from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from claims.filters import with_descendants
from claims.models import Actor, ActorAlias, ActorRole, Claim, ClaimEvent, MergedActorKey
from conflictdesk.errors import Conflict, InvalidInput, NotFound
from sources.models import Story, StoryKey
from sources.text import normalize_for_matching


def admin_log(
    *, user: AbstractBaseUser | None, obj: models.Model, flag: int, message: dict
) -> None:
    """Record a change in the admin's log (shown as the object's history)."""
    if user is None or not user.is_authenticated:
        return
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[obj],
        action_flag=flag,
        change_message=json.dumps([message], ensure_ascii=False),
        single_object=True,
    )


def _touch(*actor_ids: int) -> None:
    # Moves the caches' stamp (newest actor update): see the module docstring.
    Actor.objects.filter(pk__in=actor_ids).update(updated_at=timezone.now())


def _actor(actor_id: int, *, lock: bool = False) -> Actor:
    rows = Actor.objects.select_for_update() if lock else Actor.objects
    actor = rows.filter(pk=actor_id).first()
    if actor is None:
        raise NotFound(_("There is no actor %(id)s.") % {"id": actor_id})
    return actor


@transaction.atomic
def alias_add(*, actor_id: int, surface: str, user: AbstractBaseUser | None) -> ActorAlias:
    """Give an actor a new surface form. It is stored with the project's normalization,
    so "لـ”قسد”" and "قَسَد" are the same alias as "قسد"; a form that already names this
    or another actor is refused (matching could not tell the two apart)."""
    actor = _actor(actor_id, lock=True)
    surface = " ".join(surface.split())
    if len(surface) > ActorAlias._meta.get_field("surface").max_length:
        raise InvalidInput(_("The alias is too long."))
    normalized = normalize_for_matching(surface)
    if not normalized:
        raise InvalidInput(_("The alias has no letters to match."))
    own = ActorAlias.objects.filter(actor=actor, normalized=normalized).first()
    if own is not None:
        raise Conflict(
            _("“%(surface)s” is already an alias of this actor (as “%(existing)s”).")
            % {"surface": surface, "existing": own.surface}
        )
    taken = ActorAlias.objects.filter(normalized=normalized).select_related("actor").first()
    if taken is not None:
        raise Conflict(
            _(
                "“%(surface)s” already names another actor, %(other)s. "
                "If they are the same party, merge them."
            )
            % {"surface": surface, "other": taken.actor.name_ar}
        )
    alias = ActorAlias.objects.create(
        actor=actor, surface=surface, normalized=normalized, origin=ActorAlias.Origin.EDITOR
    )
    _touch(actor.pk)
    admin_log(
        user=user, obj=actor, flag=CHANGE, message={"added": {"name": "alias", "object": surface}}
    )
    return alias


@transaction.atomic
def alias_remove(*, actor_id: int, alias_id: int, user: AbstractBaseUser | None) -> ActorAlias:
    actor = _actor(actor_id, lock=True)
    alias = ActorAlias.objects.filter(pk=alias_id, actor=actor).first()
    if alias is None:
        raise NotFound(_("This actor has no such alias."))
    alias.delete()
    _touch(actor.pk)
    message = {"deleted": {"name": "alias", "object": alias.surface}}
    admin_log(user=user, obj=actor, flag=CHANGE, message=message)
    return alias


@transaction.atomic
def actor_confirm(*, actor_id: int, user: AbstractBaseUser | None) -> Actor:
    """Confirm an actor extraction proposed, and the aliases proposed for it: from now
    on extraction matches them."""
    actor = _actor(actor_id, lock=True)
    aliases = ActorAlias.objects.filter(actor=actor, proposed=True)
    confirmed_aliases = sorted(aliases.values_list("surface", flat=True))
    if actor.status == Actor.Status.CONFIRMED and not confirmed_aliases:
        raise Conflict(_("This actor and its aliases are already confirmed."))
    aliases.update(proposed=False)
    actor.status = Actor.Status.CONFIRMED
    actor.save(update_fields=["status", "updated_at"])
    message = {"changed": {"fields": ["status"]}, "aliases_confirmed": confirmed_aliases}
    admin_log(user=user, obj=actor, flag=CHANGE, message=message)
    return actor


@dataclass
class MergeResult:
    target: Actor
    aliases_moved: int = 0
    roles_moved: int = 0
    members_moved: int = 0
    claims: list[int] = field(default_factory=list)


@transaction.atomic
def actor_merge(*, source_id: int, target_id: int, user: AbstractBaseUser | None) -> MergeResult:
    """Merge the source actor into the target, which stays: the source's names become
    aliases of the target, and its aliases, roles, members and claims (as claimant,
    speaker, target, outlet spoken to) move over; then the source is deleted.

    Every claim that changes gets a ClaimEvent and a new version (an analyst editing it
    from the old version gets a clear conflict), and its `updated_at` moves so that API
    clients syncing with `updated_since` see it.
    """
    if source_id == target_id:
        raise InvalidInput(_("An actor cannot be merged into itself."))
    # Lock both rows in id order, so two merges of the same pair cannot deadlock.
    rows = Actor.objects.select_for_update().filter(pk__in=[source_id, target_id])
    locked = {actor.pk: actor for actor in rows.order_by("pk")}
    source, target = locked.get(source_id), locked.get(target_id)
    if source is None or target is None:
        raise NotFound(_("There is no actor %(id)s.") % {"id": target_id if source else source_id})
    if target.pk in with_descendants({source.pk}):
        raise InvalidInput(
            _("%(target)s is a member of %(source)s: an actor cannot be merged into its own unit.")
            % {"target": target.name_ar, "source": source.name_ar}
        )
    result = MergeResult(target=target)

    result.aliases_moved = _aliases_merge(source, target)
    result.roles_moved = _roles_merge(source, target)
    result.members_moved = Actor.objects.filter(parent=source).update(parent=target)
    result.claims = _claims_merge(source, target, user)
    _stories_merge(source, target)

    if source.outlet_id and not target.outlet_id:
        outlet_id = source.outlet_id
        Actor.objects.filter(pk=source.pk).update(outlet=None)
        target.outlet_id = outlet_id
    if source.status == Actor.Status.CONFIRMED:
        # The editor says the two are one party: what the registry knew, it still knows.
        target.status = Actor.Status.CONFIRMED
    target.name_en = target.name_en or source.name_en
    target.save()
    admin_log(user=user, obj=source, flag=DELETION, message={"merged_into": target.pk})
    # The registry must not bring the source back (claims.services.registry).
    MergedActorKey.objects.filter(actor=source).update(actor=target)
    MergedActorKey.objects.update_or_create(key=source.key, defaults={"actor": target})
    source.delete()
    message = {"merged": {"id": source_id, "key": source.key, "name": source.name_ar}}
    admin_log(user=user, obj=target, flag=CHANGE, message=message)
    return result


def _aliases_merge(source: Actor, target: Actor) -> int:
    have = set(ActorAlias.objects.filter(actor=target).values_list("normalized", flat=True))
    moved = 0
    for alias in ActorAlias.objects.filter(actor=source):
        if alias.normalized in have:
            alias.delete()
            continue
        alias.actor = target
        alias.save(update_fields=["actor"])
        have.add(alias.normalized)
        moved += 1
    # The source's own names keep finding the merged party in new articles.
    for name in (source.name_ar, source.name_en):
        normalized = normalize_for_matching(name)
        if normalized and normalized not in have:
            ActorAlias.objects.create(
                actor=target, surface=name, normalized=normalized, origin=ActorAlias.Origin.EDITOR
            )
            have.add(normalized)
            moved += 1
    return moved


def _roles_merge(source: Actor, target: Actor) -> int:
    moved = 0
    for role in ActorRole.objects.filter(models.Q(person=source) | models.Q(organization=source)):
        person = target if role.person_id == source.pk else role.person
        organization = target if role.organization_id == source.pk else role.organization
        duplicate = ActorRole.objects.filter(
            person=person, organization=organization, title_ar=role.title_ar
        ).exclude(pk=role.pk)
        if person.pk == organization.pk or duplicate.exists():
            role.delete()
            continue
        role.person, role.organization = person, organization
        role.save(update_fields=["person", "organization"])
        moved += 1
    return moved


def _claims_merge(source: Actor, target: Actor, user: AbstractBaseUser | None) -> list[int]:
    changes: dict[int, dict] = {}
    for name in ("claimant", "speaker", "reported_via"):
        rows = Claim.objects.filter(**{name: source})
        for claim_id in rows.values_list("pk", flat=True):
            changes.setdefault(claim_id, {})[name] = [source.pk, target.pk]
        rows.update(**{name: target})

    through = Claim.targets.through
    targeted = list(through.objects.filter(actor=source).values_list("claim_id", flat=True))
    before: dict[int, list[int]] = {}
    for claim_id, actor_id in through.objects.filter(claim_id__in=targeted).values_list(
        "claim_id", "actor_id"
    ):
        before.setdefault(claim_id, []).append(actor_id)
    already = set(
        through.objects.filter(claim_id__in=targeted, actor=target).values_list(
            "claim_id", flat=True
        )
    )
    through.objects.filter(actor=source, claim_id__in=already).delete()
    through.objects.filter(actor=source).update(actor=target)
    for claim_id in targeted:
        old = sorted(before[claim_id])
        new = sorted({target.pk if a == source.pk else a for a in old})
        changes.setdefault(claim_id, {})["targets"] = [old, new]

    if changes:
        Claim.objects.filter(pk__in=changes).update(
            version=F("version") + 1, updated_at=timezone.now()
        )
        ClaimEvent.objects.bulk_create(
            ClaimEvent(
                claim_id=claim_id,
                user=user if user is not None and user.is_authenticated else None,
                action="actor_merge",
                changes={**diff, "merged": [source.pk, target.pk]},
            )
            for claim_id, diff in sorted(changes.items())
        )
    return sorted(changes)


def _stories_merge(source: Actor, target: Actor) -> None:
    """Stories index their parties by registry key (sources/services/stories.py):
    clustering must find the merged party under the target's key."""
    old, new = f"actor:{source.key}", f"actor:{target.key}"
    story_ids = list(StoryKey.objects.filter(key=old).values_list("story_id", flat=True))
    if not story_ids:
        return
    moved = StoryKey.objects.filter(key=new, story_id__in=story_ids)
    have = set(moved.values_list("story_id", flat=True))
    StoryKey.objects.filter(key=old, story_id__in=have).delete()
    StoryKey.objects.filter(key=old).update(key=new)
    for story in Story.objects.filter(pk__in=story_ids).only("pk", "actors"):
        story.actors = sorted({target.key if k == source.key else k for k in story.actors})
        story.save(update_fields=["actors"])
