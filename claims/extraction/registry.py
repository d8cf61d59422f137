"""The actor registry as extraction sees it: parties, their names and the alias index.

Pure Python, no Django: built from `claims/data/actors.toml` (`Registry.from_toml`) or, on the
database side, from rows (`Registry.from_rows`). Every alias and both names of a party are
indexed under their `normalize_for_matching` key, so "لـ”قسد”", "وقسد" and "SDF" all find the
SDF.
"""

import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from claims.extraction.matcher import AliasIndex
from sources.text import normalize_for_matching

__all__ = ["Party", "Registry"]


@dataclass(frozen=True)
class Party:
    key: str
    name_ar: str
    name_en: str
    kind: str
    parent: str | None = None
    # Organisations of a person's roles, in the registry's order: the first is the one the
    # person speaks for (Farhad Shami → the SDF media center).
    orgs: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()

    @property
    def surfaces(self) -> tuple[str, ...]:
        return (self.name_ar, self.name_en, *self.aliases)


@dataclass(frozen=True)
class Registry:
    parties: Mapping[str, Party]
    index: AliasIndex

    @classmethod
    def from_rows(cls, parties: Iterable[Party]) -> "Registry":
        by_key = {party.key: party for party in parties}
        aliases: dict[str, set[str]] = defaultdict(set)
        for party in by_key.values():
            for surface in party.surfaces:
                normalized = normalize_for_matching(surface)
                if normalized:
                    aliases[normalized].add(party.key)
        return cls(parties=MappingProxyType(by_key), index=AliasIndex(aliases))

    @classmethod
    def from_toml(cls, path: str | Path) -> "Registry":
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
        return cls.from_rows(
            Party(
                key=row["key"],
                name_ar=row.get("name_ar", ""),
                name_en=row.get("name_en", ""),
                kind=row.get("kind", ""),
                parent=row.get("parent") or None,
                orgs=tuple(role["org"] for role in row.get("role", ()) if role.get("org")),
                aliases=tuple(row.get("aliases", ())),
            )
            for row in data.get("actor", ())
        )

    def party(self, key: str) -> Party | None:
        return self.parties.get(key)

    def kind(self, key: str) -> str:
        party = self.parties.get(key)
        return party.kind if party else ""

    def ancestors(self, key: str) -> list[str]:
        """Parent, grandparent... of `key`, nearest first (cycles cut)."""
        chain: list[str] = []
        party = self.parties.get(key)
        while party is not None and party.parent and party.parent not in chain:
            if party.parent == key:
                break
            chain.append(party.parent)
            party = self.parties.get(party.parent)
        return chain

    def related(self, first: str, second: str) -> bool:
        """Whether one party is the other or part of it (Division 86 and the MoD)."""
        return first == second or first in self.ancestors(second) or second in self.ancestors(first)

    def speaks_for(self, person_key: str) -> str | None:
        """The organisation a person speaks for: the first organisation of their roles."""
        party = self.parties.get(person_key)
        if party is None or not party.orgs:
            return None
        return party.orgs[0]

    def names(self, key: str) -> set[str]:
        """Every name of a party: English and Arabic names and aliases (used for scoring)."""
        party = self.parties.get(key)
        if party is None:
            return set()
        return {surface for surface in party.surfaces if surface}
