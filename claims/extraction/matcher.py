"""Finding registry actors in text: longest match of normalized aliases.

Aliases and text are folded by the one normalization (`sources.text`), so "لـ”قسد”",
"وقسد" and "قسد" are all the alias "قسد", and "د1عـ.ـش" is "داعش". Matches carry
offsets into the original text, never into the folded one.
"""

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from sources.text import token_spans


@dataclass(frozen=True)
class ActorMatch:
    actor: str  # the actor's registry key
    alias: str  # the normalized alias that matched
    start: int  # [start, end) in the original text
    end: int


class AliasIndex:
    """Normalized alias (space-joined tokens) -> actor keys, searched longest first."""

    def __init__(self, aliases: Mapping[str, Iterable[str]]):
        self._actors: dict[tuple[str, ...], tuple[str, ...]] = {}
        for alias, actors in aliases.items():
            words = tuple(alias.split())
            if words:
                self._actors[words] = tuple(sorted(set(actors)))
        self.longest = max((len(words) for words in self._actors), default=0)
        # A position whose word starts no alias is passed without trying every length.
        self._first_words = frozenset(words[0] for words in self._actors)

    def __len__(self) -> int:
        return len(self._actors)

    def _occurrences(self, keys: list[str]) -> Iterator[tuple[int, int, tuple[str, ...]]]:
        """(position, length, actors) of every non-overlapping alias occurrence in the
        matching keys of a text's tokens: longest match first, left to right."""
        position, count = 0, len(keys)
        while position < count:
            if keys[position] in self._first_words:
                for size in range(min(self.longest, count - position), 0, -1):
                    actors = self._actors.get(tuple(keys[position : position + size]))
                    if actors:
                        yield position, size, actors
                        position += size
                        break
                else:
                    position += 1
            else:
                position += 1

    def find(self, text: str) -> list[ActorMatch]:
        """Every non-overlapping alias occurrence, longest match first, left to right.

        An alias shared by several actors is ambiguous: it yields one match per actor,
        for the caller to resolve from context.
        """
        spans = token_spans(text)
        keys = [span.key for span in spans]
        matches: list[ActorMatch] = []
        for position, size, actors in self._occurrences(keys):
            start, end = spans[position].start, spans[position + size - 1].end
            alias = " ".join(keys[position : position + size])
            matches.extend(ActorMatch(actor, alias, start, end) for actor in actors)
        return matches

    def actors_in(self, text: str) -> frozenset[str]:
        return self.actors_in_keys([span.key for span in token_spans(text)])

    def actors_in_keys(self, keys: list[str]) -> frozenset[str]:
        """The actors named in a text given its tokens' matching keys (`token_spans`),
        for a caller that has tokenized the text already."""
        return frozenset(actor for _, _, actors in self._occurrences(keys) for actor in actors)
