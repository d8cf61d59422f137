"""Loading the project's actor registry (claims/data/actors.toml) into the database.

Loading is idempotent and keyed on each actor's `key`: re-running updates names, kinds,
parents, roles and registry aliases, and never duplicates anything. Aliases added by
editors are left alone; registry aliases that left the file are removed. The entry of an
actor an editor merged into another (MergedActorKey) is folded into that actor: its
names and aliases are the merged actor's aliases, its roles and members are the merged
actor's; it is not created again.
"""

import tomllib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from claims.models import Actor, ActorAlias, ActorRole, MergedActorKey
from conflictdesk.errors import InvalidInput
from sources.models import Outlet
from sources.text import normalize_for_matching

_KINDS = frozenset(Actor.Kind.values)
_ALIGNMENTS = frozenset(Outlet.Alignment.values)


@dataclass
class RegistryLoadResult:
    actors_created: int = 0
    actors_updated: int = 0
    actors_folded: int = 0  # entries of merged actors, folded into the actor they became
    aliases_added: int = 0
    aliases_removed: int = 0
    roles: int = 0
    # Normalized forms shared by several actors: matching cannot tell them apart.
    ambiguous_aliases: dict[str, list[str]] = field(default_factory=dict)

    @property
    def actors(self) -> int:
        return self.actors_created + self.actors_updated


def registry_read(*, path: Path) -> list[dict]:
    """Parse and check the registry file; raise InvalidInput naming the first problem."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise InvalidInput(f"The registry file {path} does not exist.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"The registry file {path} is not valid TOML: {exc}") from exc

    entries = data.get("actor", [])
    keys = Counter(entry.get("key", "") for entry in entries)
    for key, count in keys.items():
        if not key:
            raise InvalidInput("Every registry actor needs a key.")
        if count > 1:
            raise InvalidInput(f"The registry key {key!r} is used {count} times.")
    for entry in entries:
        key = entry["key"]
        if not entry.get("name_ar"):
            raise InvalidInput(f"Registry actor {key!r} has no Arabic name.")
        if entry.get("kind") not in _KINDS:
            raise InvalidInput(f"Registry actor {key!r} has an unknown kind {entry.get('kind')!r}.")
        parent = entry.get("parent", "")
        if parent and parent not in keys:
            raise InvalidInput(f"Registry actor {key!r} names an unknown parent {parent!r}.")
        alignment = entry.get("alignment", "")
        if alignment and alignment not in _ALIGNMENTS:
            raise InvalidInput(f"Registry actor {key!r} has an unknown alignment {alignment!r}.")
        for role in entry.get("role", []):
            if role.get("org") not in keys:
                raise InvalidInput(
                    f"Registry person {key!r} has a role in an unknown organisation "
                    f"{role.get('org')!r}."
                )
    _check_no_cycles(entries)
    return entries


def _check_no_cycles(entries: list[dict]) -> None:
    parents = {entry["key"]: entry.get("parent", "") for entry in entries}
    for key in parents:
        seen, current = set(), key
        while current:
            if current in seen:
                raise InvalidInput(f"The registry's parents form a cycle through {key!r}.")
            seen.add(current)
            current = parents[current]


def registry_load(*, path: Path) -> RegistryLoadResult:
    """Load or update the registry in one transaction."""
    entries = registry_read(path=path)
    result = RegistryLoadResult()
    with transaction.atomic():
        existing = {actor.key: actor for actor in Actor.objects.select_related("outlet")}
        merged = dict(MergedActorKey.objects.values_list("key", "actor_id"))
        actors: dict[str, Actor] = {}
        folded: set[str] = set()
        for entry in entries:
            actor = existing.get(entry["key"])
            if actor is None and entry["key"] in merged:
                folded.add(entry["key"])
                continue
            if actor is None:
                actor = Actor(key=entry["key"])
                result.actors_created += 1
            else:
                result.actors_updated += 1
            actor.name_ar = entry["name_ar"]
            actor.name_en = entry.get("name_en", "")
            actor.kind = entry["kind"]
            actor.country = entry.get("country", "")
            actor.status = Actor.Status.CONFIRMED
            actor.parent = None
            actor.save()
            actors[actor.key] = actor
        into = Actor.objects.in_bulk({merged[key] for key in folded})
        for key in folded:
            actors[key] = into[merged[key]]
        result.actors_folded = len(folded)
        for entry in entries:
            if entry["key"] in folded:
                continue  # the actor it became keeps its own parent and outlet
            actor = actors[entry["key"]]
            parent_key = entry.get("parent", "")
            if parent_key and actors[parent_key].pk != actor.pk:
                Actor.objects.filter(pk=actor.pk).update(parent=actors[parent_key])
            if actor.kind == Actor.Kind.MEDIA:
                _outlet_sync(actor=actor, alignment=entry.get("alignment", ""))
        _aliases_sync(entries=entries, actors=actors, result=result)
        result.roles = _roles_sync(entries=entries, actors=actors)
    result.ambiguous_aliases = _ambiguous_aliases()
    return result


def _outlet_sync(*, actor: Actor, alignment: str) -> None:
    outlet = actor.outlet or Outlet()
    outlet.name_ar = actor.name_ar
    outlet.name_en = actor.name_en
    outlet.alignment = alignment or Outlet.Alignment.UNKNOWN
    outlet.save()
    if actor.outlet_id != outlet.pk:
        Actor.objects.filter(pk=actor.pk).update(outlet=outlet)


def _aliases_sync(*, entries: list[dict], actors: dict[str, Actor], result) -> None:
    wanted: dict[int, dict[str, str]] = defaultdict(dict)
    for entry in entries:
        actor = actors[entry["key"]]
        forms = [entry["name_ar"], entry.get("name_en", ""), *entry.get("aliases", [])]
        for surface in forms:
            normalized = normalize_for_matching(surface)
            if normalized:
                wanted[actor.pk].setdefault(normalized, surface.strip())

    have: dict[int, dict[str, ActorAlias]] = defaultdict(dict)
    for alias in ActorAlias.objects.filter(actor_id__in=[a.pk for a in actors.values()]):
        have[alias.actor_id][alias.normalized] = alias

    to_create, to_delete = [], []
    for actor_id, forms in wanted.items():
        for normalized, surface in forms.items():
            if normalized not in have[actor_id]:
                to_create.append(
                    ActorAlias(
                        actor_id=actor_id,
                        surface=surface,
                        normalized=normalized,
                        origin=ActorAlias.Origin.REGISTRY,
                    )
                )
    for actor_id, aliases in have.items():
        for normalized, alias in aliases.items():
            if alias.origin == ActorAlias.Origin.REGISTRY and normalized not in wanted[actor_id]:
                to_delete.append(alias.pk)
    ActorAlias.objects.bulk_create(to_create)
    ActorAlias.objects.filter(pk__in=to_delete).delete()
    result.aliases_added = len(to_create)
    result.aliases_removed = len(to_delete)


def _roles_sync(*, entries: list[dict], actors: dict[str, Actor]) -> int:
    count = 0
    for entry in entries:
        for role in entry.get("role", []):
            person, organization = actors[entry["key"]], actors[role["org"]]
            if person.pk == organization.pk:  # one of them was merged into the other
                continue
            ActorRole.objects.update_or_create(
                person=person,
                organization=organization,
                title_ar=role["title_ar"],
                defaults={"title_en": role.get("title_en", "")},
            )
            count += 1
    return count


def _ambiguous_aliases() -> dict[str, list[str]]:
    owners: dict[str, set[str]] = defaultdict(set)
    for normalized, key in ActorAlias.objects.values_list("normalized", "actor__key"):
        owners[normalized].add(key)
    return {form: sorted(keys) for form, keys in owners.items() if len(keys) > 1}
