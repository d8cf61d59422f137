"""The project's one Arabic normalization, used by matching, dedup and search alike.

Pure Python (stdlib only, no Django) so it can be tested and benchmarked alone.

- `normalize` gives the search/dedup form of a text.
- `normalize_for_matching` / `tokens` give the keys actor aliases are matched on.
- `fold` gives the same character folding as matching, with a map back to the original
  string: extraction searches folded text and reports offsets into the stored body, which
  normalization never alters.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from itertools import pairwise, repeat

__all__ = [
    "Folded",
    "TokenSpan",
    "contains_arabic",
    "fold",
    "normalize",
    "normalize_for_matching",
    "strip_proclitics",
    "token_spans",
    "tokens",
]

# Marks a deleted character in the 1:1 (same length) variants of the tables, so `fold` can
# keep each surviving character's original index. NUL itself is deleted from every input,
# so the sentinel never collides with real text.
_GONE = "\x00"
_TATWEEL = "\u0640"
_ALEF = "\u0627"
_TA_MARBUTA = "\u0629"
_HA = "\u0647"


def _code_points(*ranges: tuple[int, int]) -> list[int]:
    return [cp for first, last in ranges for cp in range(first, last + 1)]


# Hamza above/below and maddah compose with a preceding letter under NFKC
# (و + ٔ → ؤ, ا + ٓ → آ). They are kept until composition has happened, so a decomposed
# "ؤ" folds like the precomposed one instead of losing its hamza.
_COMPOSING_MARKS = frozenset(_code_points((0x0653, 0x0655)))

_REMOVED = frozenset(
    _code_points(
        (0x064B, 0x065F),  # tashkeel: فَتْحَة، ضَمَّة، تنوين، شدّة، سكون and rarer marks
        (0x0670, 0x0670),  # superscript alef: هٰذا → هذا
        (0x0610, 0x061A),  # honorific marks (ﷺ-style small signs above letters)
        (0x06D6, 0x06ED),  # Quranic annotation marks
        (0x08D3, 0x08E1),  # extended Arabic marks
        (0x08E3, 0x08FF),
        # Zero-width and bidi controls are invisible, so they can sit inside a word
        # ("دا\u200bعش") without the reader seeing them.
        (0x200B, 0x200F),
        (0x202A, 0x202E),
        (0x2060, 0x2064),
        (0x2066, 0x2069),
        (0xFEFF, 0xFEFF),
        (0x061C, 0x061C),
        (0x00AD, 0x00AD),  # soft hyphen
        (0x180E, 0x180E),
        # C0/C1 controls that are not whitespace (whitespace ones become a space below).
        (0x0000, 0x0008),
        (0x000E, 0x001B),
        (0x007F, 0x0084),
        (0x0086, 0x009F),
        # Isolated/medial presentation forms of tashkeel and shadda ligatures: NFKC would
        # turn them into a space plus a mark and so split the word they sit in.
        (0xFE70, 0xFE7F),
        (0xFC5E, 0xFC63),
    )
)


def _mapped_characters() -> dict[int, str]:
    mapped: dict[int, str] = {}
    for cp in (0x0622, 0x0623, 0x0625, 0x0671, 0x0672, 0x0673):  # آ أ إ ٱ ٲ ٳ → ا
        mapped[cp] = _ALEF
    mapped[0x0649] = "\u064a"  # ى → ي: "مستشفى" and "مستشفي" are one word in the press
    # Persian keyboards type ی and ک for ي and ك.
    mapped[0x06CC] = "\u064a"
    mapped[0x06A9] = "\u0643"
    for digit in range(10):
        mapped[0x0660 + digit] = str(digit)  # ٠-٩
        mapped[0x06F0 + digit] = str(digit)  # ۰-۹
    mapped[0x066B] = "."  # Arabic decimal separator: ٢٫٥ → 2.5
    mapped[0x066C] = ","  # Arabic thousands separator
    mapped[0x066A] = "%"  # Arabic percent sign
    # "قسد" is quoted as “قسد”، «قسد» or "قسد" depending on the outlet.
    double_quotes = (0x201C, 0x201D, 0x201E, 0x201F, 0x00AB, 0x00BB, 0x2039, 0x203A)
    for cp in (*double_quotes, 0x2033, 0x02EE, 0x301D, 0x301E, 0x301F):
        mapped[cp] = '"'
    for cp in (0x2018, 0x2019, 0x201A, 0x201B, 0x2032):
        mapped[cp] = "'"
    for cp in range(0x3001):
        if chr(cp).isspace() and cp != 0x20:  # NBSP, newlines, thin spaces...
            mapped[cp] = " "
    for cp in (*range(0x41, 0x5B), *range(0xC0, 0x590), *range(0x1E00, 0x2000)):
        # Per-character lower-casing: context-free (no final-sigma rule), so `fold` can
        # apply it character by character; characters whose lower case is longer stay.
        lower = chr(cp).lower()
        if lower != chr(cp) and len(lower) == 1 and cp not in mapped:
            mapped[cp] = lower
    return mapped


_MAPPED = _mapped_characters()


def _char_class(code_points: Iterable[int]) -> str:
    points = sorted(code_points)
    ranges: list[list[int]] = []
    for cp in points:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    escape = "\\U{:08x}".format
    return "[" + "".join(f"{escape(first)}-{escape(last)}" for first, last in ranges) + "]"


class _CharTable:
    """`str.translate` with `_MAPPED` and a set of removed characters, only faster.

    A translate dict costs a lookup per character (~50 ns, most of normalize's time);
    instead removals are one regex pass, the frequent mappings `str.replace` passes and the
    rest a regex that finds the rare characters. Every mapping is one character to one, and
    a removed character becomes `deleted` ("" or the sentinel, for `fold`).
    """

    # Frequent in Arabic news: أ إ آ ى, line breaks, quotes and Arabic-Indic digits.
    _FREQUENT = (0x0623, 0x0625, 0x0622, 0x0649, 0x0A, 0x201C, 0x201D, 0xAB, 0xBB)
    _FREQUENT += tuple(range(0x0660, 0x066A))

    def __init__(self, removed: frozenset[int]) -> None:
        self._removed_re = re.compile(_char_class(removed))
        self._frequent = [(chr(cp), _MAPPED[cp]) for cp in self._FREQUENT]
        self._rare = {cp: char for cp, char in _MAPPED.items() if cp not in self._FREQUENT}
        self._rare_re = re.compile(_char_class(self._rare) + "+")

    def _map_rare(self, match: re.Match[str]) -> str:
        return match.group().translate(self._rare)

    def apply(self, text: str, *, deleted: str = "") -> str:
        text = self._removed_re.sub(deleted, text)
        for old, new in self._frequent:
            text = text.replace(old, new)
        return self._rare_re.sub(self._map_rare, text)


# Applied before NFKC: everything except the composing marks (and ″ → ", which NFKC would
# turn into two primes).
_PRE_FOLDING = _CharTable(_REMOVED - _COMPOSING_MARKS)
# Applied after NFKC, which may have produced new forms to fold (ﻷ → لأ → لا).
_FOLDING = _CharTable(_REMOVED | _COMPOSING_MARKS)
_COMPOSING_MARKS_RE = re.compile("[\u0653-\u0655]")
# Folding passes before giving up on reaching an NFKC-stable text; more than one happens
# only for exotic mixes (an Indic vowel sign split from its base by an Arabic mark).
_MAX_PASSES = 3

# Arabic letters as they can appear after the tables above (alef variants already folded).
_LETTERS = (
    "\u0620-\u063f\u0641-\u064a\u066e\u066f\u0671-\u06d3\u06d5\u06ee\u06ef"
    "\u06fa-\u06fc\u06ff\u0750-\u077f\u08a0-\u08c9"
)
_ARABIC_LETTER_RE = re.compile(f"[{_LETTERS}]")

# Obfuscation: writers split a name so filters and searches miss it ("ق.س.د", "د1عـ.ـش").
# A chain is Arabic fragments (each with at least one letter, tatweel allowed) glued by
# single joiners with no space. Within a chain:
#   - a digit joiner used as a letter is read as one (the table below);
#   - a separator joiner (. - _ * · • ‐) is removed when tatweel touches it ("عـ.ـش"), or
#     when every fragment is a single letter ("ق.س.د").
# Other separators stay: a missing space after a full stop ("الرقة.وقال") or a hashtag
# ("#تل_رفعت") must not glue two words, nor an initial ("د.محمد").
#
# Digits read as letters, only between two Arabic letters (tatweel allowed):
#   1, ١, ۱ → ا   (their shape is the alef's: "د1عش" → "داعش")
# Arabizi digits (3 → ع, 7 → ح, 5 → خ) are deliberately left out: they belong to Latin
# script, and between Arabic letters they are more likely a number glued to its words
# ("من3إلى") than a letter. Digits at a word edge are never touched ("20غيرهم",
# "عربي21", "F16"); so are multi-digit numbers ("ب11ب").
_DIGIT_AS_LETTER = {"1": _ALEF}
_SEPARATORS = ".\\-_*\u00b7\u2022\u2010\u2011"
_FRAGMENT = f"\u0640*[{_LETTERS}][{_LETTERS}\u0640]*"
_JOINER = f"[{_SEPARATORS}{''.join(_DIGIT_AS_LETTER)}]"
_CHAIN_RE = re.compile(f"(?<![{_LETTERS}\u0640]){_FRAGMENT}(?:{_JOINER}{_FRAGMENT})+")
_MAYBE_CHAIN_RE = re.compile(f"[{_LETTERS}\u0640]{_JOINER}[{_LETTERS}\u0640]")
_JOINER_SPLIT_RE = re.compile(f"({_JOINER})")


def _deobfuscate_chain(match: re.Match[str]) -> str:
    # Returns a string of the same length (a removed joiner becomes the sentinel), so the
    # same rewrite serves `normalize` and the offset-keeping `fold`.
    parts = _JOINER_SPLIT_RE.split(match.group())
    fragments = parts[0::2]
    spelled_out = all(len(fragment.replace(_TATWEEL, "")) == 1 for fragment in fragments)
    out = [parts[0]]
    for index in range(1, len(parts), 2):
        joiner, before, after = parts[index], parts[index - 1], parts[index + 1]
        if joiner in _DIGIT_AS_LETTER:
            out.append(_DIGIT_AS_LETTER[joiner])
        elif spelled_out or before.endswith(_TATWEEL) or after.startswith(_TATWEEL):
            out.append(_GONE)
        else:
            out.append(joiner)
        out.append(after)
    return "".join(out)


def _deobfuscate(text: str) -> str:
    # The chain regex is tried only on the space-delimited words around a candidate joiner:
    # running it over a whole article costs more than all the other steps together. Chains
    # never contain a space (every whitespace is a plain space by now), so cutting at spaces
    # finds the same chains.
    candidate = _MAYBE_CHAIN_RE.search(text)
    if candidate is None:
        return text
    pieces = []
    done = 0
    while candidate is not None:
        word_start = text.rfind(" ", 0, candidate.start()) + 1
        word_end = text.find(" ", candidate.end())
        if word_end < 0:
            word_end = len(text)
        pieces.append(text[done:word_start])
        pieces.append(_CHAIN_RE.sub(_deobfuscate_chain, text[word_start:word_end]))
        done = word_end
        candidate = _MAYBE_CHAIN_RE.search(text, word_end)
    pieces.append(text[done:])
    return "".join(pieces)


def _fold_chars(text: str) -> str:
    """Character folding shared by `normalize` and matching, before whitespace collapsing."""
    folded = _PRE_FOLDING.apply(text)
    if unicodedata.is_normalized("NFKC", folded):
        # Nothing can compose any more; remaining hamza/maddah marks are just dropped.
        if _COMPOSING_MARKS_RE.search(folded):
            folded = _COMPOSING_MARKS_RE.sub("", folded)
    else:
        # Presentation forms (ﻻ، ﺃ), full-width Latin, composable marks...
        folded = _FOLDING.apply(unicodedata.normalize("NFKC", folded))
    for _ in range(_MAX_PASSES):
        folded = _deobfuscate(folded)
        # Tatweel only stretches a letter ("قـسـد"); it is dropped after the obfuscation
        # pass because a separator touching it is what gives "عـ.ـش" away.
        folded = folded.replace(_TATWEEL, "").replace(_GONE, "")
        if unicodedata.is_normalized("NFKC", folded):
            break
        # Removing a mark or a tatweel let two characters compose; fold the result again
        # so that normalizing twice changes nothing.
        folded = _FOLDING.apply(unicodedata.normalize("NFKC", folded))
    return folded


def normalize(text: str) -> str:
    """Search/dedup form: folded characters, one space between words. Keeps ة."""
    return " ".join(_fold_chars(text).split())


_PROCLITIC_LETTERS = frozenset("وفبكل")  # و ف (and, so) then ب ك ل (with, like, for)
# Tokens made only of proclitics: they appear when tatweel or a quote separates the
# proclitic from its word (لـ”قسد” → ل، قسد; الـ”تحالف” → ال، تحالف).
_LONE_PROCLITICS = frozenset(
    ["و", "ف", "ب", "ك", "ل", "وب", "ول", "وك", "فب", "فل", "ال", "لل", "ولل", "فلل"]
)
# Runs of letters or of digits: "20غيرهم" gives 20 and غيرهم, "F-16" and "F16" both f 16.
_TOKEN_RE = re.compile(r"[^\W\d_]+|\d+")


def strip_proclitics(token: str) -> str:
    """Strip leading و ف ب ك ل ال لل from one normalized token: "وبالجيش" → "جيش"."""
    # ال and لل (ل + ال with its alef dropped: للمركز) go when 2 letters remain, a
    # one-letter proclitic when 3 remain, so short words survive ("لا", "في", "ولد", "بلد").
    # Stripping repeats until nothing more can go, so every prefixed form of a word reduces
    # to what its bare form reduces to: a single pass would give "وزارة" → "زارة" but
    # "لوزارة" → "وزارة", and the alias would miss half of the article's forms.
    # Known over-stripping, accepted because aliases and articles go through this same
    # function: a word that starts with one of these letters loses it ("وزارة" → "زارة",
    # "لبنان" → "نان", "الله" → "له"), so two words can share a key ("ولاية" and "آية" both
    # give "اية"); and ل + ال + a three-letter word starting with ل is written "للغم" and
    # gives "غم" where "اللغم" gives "لغم".
    while len(token) >= 4:
        first = token[0]
        if first == "ل" and token[1] == "ل":
            token = token[2:]
        elif first in _PROCLITIC_LETTERS:
            token = token[1:]
        elif first == "ا" and token[1] == "ل":
            token = token[2:]
        else:
            break
    return token


def tokens(text: str) -> list[str]:
    """Matching keys of `text`: normalized, ة → ه, split, proclitics stripped."""
    folded = normalize(text).replace(_TA_MARBUTA, _HA)
    keys = (strip_proclitics(token) for token in _TOKEN_RE.findall(folded))
    return [key for key in keys if key not in _LONE_PROCLITICS]


def normalize_for_matching(text: str) -> str:
    """Matching key: "لـ”قسد”", "وقسد", "لقسد" and "قسد" all give "قسد"."""
    return " ".join(tokens(text))


def contains_arabic(text: str) -> bool:
    """Whether `text` has at least one Arabic letter (after folding presentation forms)."""
    return _ARABIC_LETTER_RE.search(normalize(text)) is not None


@dataclass(frozen=True, slots=True)
class Folded:
    """Folded text plus, for each folded character, the index of its source character."""

    text: str
    offsets: tuple[int, ...]
    source: str = field(repr=False)
    # Source end of each folded character when NFKC merged several source characters into
    # one (ا + ٓ → آ); None when every folded character came from exactly one.
    _ends: tuple[int, ...] | None = field(default=None, repr=False)

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """The [start, end) range of `source` that produced folded characters [start, end)."""
        if not 0 <= start <= end <= len(self.text):
            raise IndexError(f"span {start}:{end} outside folded text of {len(self.text)}")
        next_start = self.offsets[end] if end < len(self.offsets) else len(self.source)
        if start == end:
            return next_start, next_start
        last = end - 1
        original_end = self._ends[last] if self._ends is not None else self.offsets[last] + 1
        # Take the marks written on the last letter along ("قسدٌ"), so a highlight never
        # cuts a letter from its diacritics; stop before anything that produced output.
        while original_end < next_start and unicodedata.category(self.source[original_end]) == "Mn":
            original_end += 1
        return self.offsets[start], original_end


_GONE_RUN_RE = re.compile(f"{_GONE}+")


def _keep(
    marked: str, starts: list[int], ends: list[int] | None
) -> tuple[str, list[int], list[int] | None]:
    # Drops sentinel characters from a 1:1 rewritten string together with their offsets.
    # Deletions are few (a diacritic here, a tatweel there), so the kept offsets are copied
    # as slices between them rather than character by character.
    if _GONE not in marked:
        return marked, starts, ends
    kept_starts: list[int] = []
    kept_ends: list[int] = []
    done = 0
    for run in _GONE_RUN_RE.finditer(marked):
        kept_starts += starts[done : run.start()]
        if ends is not None:
            kept_ends += ends[done : run.start()]
        done = run.end()
    kept_starts += starts[done:]
    if ends is not None:
        kept_ends += ends[done:]
    return marked.replace(_GONE, ""), kept_starts, kept_ends if ends is not None else None


@cache
def _composing_starters() -> frozenset[int]:
    # Computed on first need only (about 0.1 s): plain Arabic text never gets here.
    starters = {*range(0x1161, 0x1176), *range(0x11A8, 0x11C3)}  # Hangul vowels, finals
    for cp in range(0x110000):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            second = int(parts[1], 16)
            if unicodedata.combining(chr(second)) == 0:
                starters.add(second)
    return frozenset(starters)


def _nfkc_clusters(
    text: str, starts: list[int], ends: list[int]
) -> tuple[str, list[int], list[int]]:
    expected = unicodedata.normalize("NFKC", text)
    # Normalize each cluster (a base character and its marks) alone, so each output
    # character knows its source cluster. A few starters compose with the character before
    # them (Hangul jamo, some Indic vowel signs); if that happened, keep them in the
    # preceding cluster, and at worst treat the whole text as one cluster.
    for boundary in (
        lambda ch: unicodedata.combining(ch) == 0,
        lambda ch: unicodedata.combining(ch) == 0 and ord(ch) not in _composing_starters(),
        lambda ch: False,
    ):
        cuts = [0, *(i for i, ch in enumerate(text) if i and boundary(ch)), len(text)]
        chars: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        for first, stop in pairwise(cuts):
            piece = text[first:stop]
            normalized = unicodedata.normalize("NFKC", piece)
            chars.append(normalized)
            if normalized == piece:
                new_starts += starts[first:stop]
                new_ends += ends[first:stop]
            else:
                new_starts.extend(repeat(starts[first], len(normalized)))
                new_ends.extend(repeat(max(ends[first:stop]), len(normalized)))
        if "".join(chars) == expected:
            break
    return expected, new_starts, new_ends


def _nfkc_with_offsets(
    text: str, starts: list[int], ends: list[int] | None
) -> tuple[str, list[int], list[int]]:
    if ends is None:
        ends = [start + 1 for start in starts]
    chars: list[str] = []
    new_starts: list[int] = []
    new_ends: list[int] = []

    # Usually one character of the article needs NFKC ("…", a ligature): halve the text at
    # a space until the pieces are normal or a single word, which is done cluster by
    # cluster. Cutting just before a space is exact: nothing composes across a space.
    def visit(first: int, stop: int) -> None:
        nonlocal new_starts, new_ends
        piece = text[first:stop]
        if unicodedata.is_normalized("NFKC", piece):
            chars.append(piece)
            new_starts += starts[first:stop]
            new_ends += ends[first:stop]
            return
        middle = (first + stop) // 2
        cut = text.rfind(" ", first + 1, middle + 1)
        if cut < 0:
            cut = text.find(" ", middle + 1, stop)
        if cut < 0:
            normalized, word_starts, word_ends = _nfkc_clusters(
                piece, starts[first:stop], ends[first:stop]
            )
            chars.append(normalized)
            new_starts += word_starts
            new_ends += word_ends
            return
        visit(first, cut)
        visit(cut, stop)

    visit(0, len(text))
    return "".join(chars), new_starts, new_ends


def fold(text: str, *, ta_marbuta: bool = True) -> Folded:
    """Matching-level character folding of `text` with offsets back into `text`.

    Same characters as `normalize` (plus ة → ه unless `ta_marbuta` is False), but whitespace
    is not collapsed: each whitespace character becomes one space.
    """
    marked = _PRE_FOLDING.apply(text, deleted=_GONE)
    folded, starts, ends = _keep(marked, list(range(len(text))), None)
    if not unicodedata.is_normalized("NFKC", folded):
        folded, starts, ends = _nfkc_with_offsets(folded, starts, ends)
        folded, starts, ends = _keep(_FOLDING.apply(folded, deleted=_GONE), starts, ends)
    elif _COMPOSING_MARKS_RE.search(folded):
        folded, starts, ends = _keep(_FOLDING.apply(folded, deleted=_GONE), starts, ends)
    for _ in range(_MAX_PASSES):
        folded = _deobfuscate(folded)
        if _TATWEEL in folded or _GONE in folded:
            folded, starts, ends = _keep(folded.replace(_TATWEEL, _GONE), starts, ends)
        if unicodedata.is_normalized("NFKC", folded):
            break
        folded, starts, ends = _nfkc_with_offsets(folded, starts, ends)
        folded, starts, ends = _keep(_FOLDING.apply(folded, deleted=_GONE), starts, ends)
    if ta_marbuta:
        folded = folded.replace(_TA_MARBUTA, _HA)
    return Folded(
        text=folded,
        offsets=tuple(starts),
        source=text,
        _ends=tuple(ends) if ends is not None else None,
    )


@dataclass(frozen=True, slots=True)
class TokenSpan:
    """One matching key and the [start, end) range of the original text it comes from."""

    key: str
    start: int
    end: int


def token_spans(text: str) -> list[TokenSpan]:
    """`tokens(text)` with where each key stands in `text` (proclitics excluded)."""
    folded = fold(text)
    spans = []
    for match in _TOKEN_RE.finditer(folded.text):
        key = strip_proclitics(match.group())
        if key in _LONE_PROCLITICS:
            continue
        # Stripping only removes a prefix, so the key is the end of the token.
        start, end = folded.span_to_original(match.end() - len(key), match.end())
        spans.append(TokenSpan(key=key, start=start, end=end))
    return spans
