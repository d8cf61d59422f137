"""Unknown parties proposed from the patterns that introduce them.

News texts introduce the people and groups they name: "المدعو ..."، "القيادي في داعش ..."،
"المتحدث باسم التحالف، ..."، "فصيل ..."، "لواء ..."، "... الملقب بـ ...". Each such name
becomes a `ProposedParty` for an editor to confirm: a new actor, or a new alias of a known one.
Pure Python, no Django import.

A name is 1-4 words (2-4 when it is not in quotes, since a lone unquoted word after a title
is usually not a name: "المتحدث باسم التحالف، مسؤوليته ..."); it stops at punctuation, at a
verb ("قال"، "أكد" ... also with و: "وأضاف"), at "إن/أن" and other function words, and at
the next title. A name in quotes or brackets is taken as quoted; "أ/ ب" in quotes are two
names of one party. Spans always point into the original text.

`Words` and `Span` are also used by `sources.py`.
"""

import re
from bisect import bisect_right
from dataclasses import dataclass

from claims.extraction.matcher import AliasIndex
from sources.text import fold

__all__ = ["ProposedParty", "propose_parties"]


@dataclass(frozen=True)
class ProposedParty:
    surface: str  # the name as written
    kind: str  # "person" | "organization" | "armed_group" | "unit"
    pattern: str  # the cue that introduced it: "المدعو"، "القيادي"، "فصيل"، "الملقب" ...
    start: int  # [start, end) in the original text
    end: int
    parent_hint: str | None  # registry key of the organisation named with it
    # Registry key of the party the surface names: the surface is a known alias, or the text
    # gives it as another name of a known party ("أبو شقرا الملقب بـ ..."). The caller adds
    # it as an alias when its normalized form is not one already.
    known: str | None
    # The surface of the name this one is another name of: "X الملقب بـ Y" → Y.alias_of = X,
    # and the second name in "المدعو “أ/ ب”".
    alias_of: str | None = None


def _forms(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Word lists are in folded form (see `sources.text.fold`): ا for أ/إ/آ, ي for ى, ه for ة.
STOP = _forms(
    "في من علي الي عن مع ضد بين عند لدي حول خلال بعد قبل منذ حتي ان انه انها انهم انما كان"
    " كانت يكون قد لقد لم لن لا ما هو هي هم هما هذا هذه ذلك تلك الذي التي الذين اللذين كما"
    " ايضا او ثم بل لكن لكنه غير كل بعض اي تم عبر وفق وفقا حسب بحسب نحو قرب داخل خارج"
    " بينما فيما حيث اذ اذا عقب اثر جراء بسبب ضمن تحت فوق عليه عليها فيه فيها منه منها له"
    " لها لهم الا باسم بان بانه بانها وان وانه وهو وهي وهم والذي والتي اليوم امس غدا مساء"
    " صباح ليله ليل فجر ظهر يوم الاحد الاثنين الثلاثاء الاربعاء الخميس الجمعه السبت مثل"
    " ومنهم منهم ولا بعدما قبيل"
)
# Titles: they introduce a name, and a name stops before the next one.
TITLES = _forms(
    "القيادي قيادي قائد القائد قائدا مسؤول المسؤول امير الامير زعيم الزعيم المتحدث متحدث"
    " الناطق ناطق القاضي مدير المدير رئيس الرئيس نائب وزير الوزير عضو مؤسس الشرعي والي"
    " مرافق مساعد المدعو المدعوه يدعي تدعي المسمي المسماه الملقب الملقبه يلقب ويلقب"
    " المعروف المعروفه يعرف ويعرف المكني"
)
# Ranks and honorifics before a name: skipped, never part of it ("الرائد يوسف حمود").
RANKS = _forms(
    "العميد العقيد الرائد النقيب المقدم الملازم اللواء العماد الفريق الجنرال الكولونيل"
    " الميجر الكابتن الشيخ الدكتور المهندس الحاج السيد الاستاذ الصحفي الناشط الاعلامي"
    " المحامي الامين"
)
_KUNYA = _forms("ابو ابي ابا ام")
_VERB_BASES = _forms(
    "قال اكد اضاف اشار اوضح ذكر افاد صرح اتهم زعم اعلن كشف شدد بين اعتبر حمل طالب حذر تابع"
    " لفت نقل رد رجح تحدث اعرب ختم نشر قتل اعتقل لقي توعد هدد ظهر اعترف ابلغ اشاد ندد ادان"
    " استنكر رفض نفذ شارك وصل انشق تبني اصدر وصف دان"
)
_VERB_FORMS = (
    {form for base in _VERB_BASES for form in (base, base + "ت", base + "وا")}
    | _forms(
        "نفي نفت نفوا دعا دعت ادعي ادعت روي روت يقول تقول يؤكد تؤكد يضيف تضيف يشير تشير"
        " يوضح توضح يذكر تذكر يفيد تفيد ينفي تنفي يتهم تتهم يزعم تزعم يعلن تعلن يكشف تكشف"
        " يعتبر تعتبر يطالب تطالب يدعو تدعو يحذر تحذر يري تري يرون يتابع يقود تقود"
        " مؤكدا مشيرا مضيفا موضحا لافتا متهما نافيا معتبرا محذرا مطالبا قائلا"
        " مؤكده مشيره مضيفه موضحه لافته متهمه نافيه معتبره"
    )
)  # fmt: skip
# Organisation nouns. Generic ones describe the group and are not part of its name
# ("فصيل “جيش الثوار”" → جيش الثوار); the others are ("لواء الفاتحين").
_GENERIC_ORG_NOUNS = {
    "فصيل": "armed_group", "فصائل": "armed_group", "ميليشيا": "armed_group",
    "مليشيا": "armed_group", "ميليشيات": "armed_group", "مليشيات": "armed_group",
    "جماعه": "armed_group",
}  # fmt: skip
_NAMED_ORG_NOUNS = {
    "لواء": "unit", "كتيبه": "unit", "فرقه": "unit", "فيلق": "unit",
    "تجمع": "armed_group", "جيش": "armed_group", "حركه": "armed_group",
    "جبهه": "armed_group", "كتائب": "armed_group", "الويه": "armed_group",
    "سرايا": "armed_group", "منظمه": "organization", "هيئه": "organization",
    "جمعيه": "organization", "مؤسسه": "organization",
}  # fmt: skip
_ORG_NOUNS = {**_GENERIC_ORG_NOUNS, **_NAMED_ORG_NOUNS}
# Words that end an organisation's name: "لواء الفاتحين التابع لـ ..."
_ORG_NAME_STOP = _forms(
    "التابع التابعه التابعين المنضوي المنضويه المنضوين المدعوم المدعومه الموالي المواليه"
    " الموالين المقرب المقربه المعارض المعارضه المسلح المسلحه المتشدد المتشدده المرتبط"
    " المرتبطه المتهم المتهمه الذي التي الذين العامل العامله المسيطر المسيطره"
)
# Common nouns after "حركة"، "فرقة"... that do not name a group: "حركة النزوح".
_NOT_ORG_NAMES = _forms(
    "النزوح التنقل المرور السير النقل التجاره الاسواق البيع الشراء الاحتجاجات الاحتجاج"
    " الطيران السكان الاهالي المياه البحث الانقاذ الاسعاف الاطفاء الاعمار التاريخ"
    " العمليات السوق الملاحه"
)
_PERSON_TITLES = {
    "القيادي": "القيادي", "قيادي": "القيادي", "قائد": "قائد", "القائد": "قائد",
    "مسؤول": "مسؤول", "المسؤول": "مسؤول", "امير": "أمير", "الامير": "أمير",
    "زعيم": "زعيم", "الزعيم": "زعيم", "المتحدث": "المتحدث باسم", "متحدث": "المتحدث باسم",
    "الناطق": "الناطق باسم", "ناطق": "الناطق باسم",
}  # fmt: skip
# Adjectives between a title and its organisation: "القائد العام لـ"، "مسؤول كبير في".
_TITLE_ADJECTIVES = _forms(
    "العام الرسمي العسكري الميداني الاعلامي الامني السابق البارز الكبير كبير بارز ميداني"
    " عسكري امني اعلامي رفيع الرفيع الشرعي شرعي المحلي محلي اخر الاخر"
)
_CALLED = {
    "المدعو": "المدعو", "المدعوه": "المدعو", "يدعي": "يدعى", "تدعي": "يدعى",
    "المسمي": "المسمى", "المسماه": "المسمى",
}  # fmt: skip
_NICKNAMED = {
    "الملقب": "الملقب", "الملقبه": "الملقب", "يلقب": "الملقب", "ويلقب": "الملقب",
    "المعروف": "المعروف ب", "المعروفه": "المعروف ب", "يعرف": "المعروف ب",
    "ويعرف": "المعروف ب", "المكني": "المكنى",
}  # fmt: skip
# Words that tie a name to the organisation after or before it ("ل" and "ب" stand alone
# once the tatweel of "لـ”قسد”" is gone).
_PREPOSITIONS = _forms("في من لدي داخل ضمن الي تحت عن ل ب")
_MEMBERSHIP = _forms(
    "عنصر عناصر احد قيادي القيادي قياديي مقاتل مقاتلي امير عضو اعضاء مسؤول قائد التابع"
    " التابعه المنضوي المنضويه يتبع تتبع"
)
_OPENERS = frozenset({'"', "(", "'", "[", "«"})
_CLOSERS = frozenset({'"', ")", "'", "]", "»"})
_SENTENCE_END = frozenset(".!?؟؛:\n")


_WORD_RE = re.compile(r"[^\W\d_]+|\d+|[^\w\s]")


@dataclass(frozen=True, slots=True)
class Word:
    text: str  # folded, ة → ه
    start: int  # [start, end) in the original text
    end: int
    folded_start: int
    kind: str  # "word", "num" or "mark"
    line_break: bool  # a line break before this word


@dataclass(frozen=True, slots=True)
class Span:
    """A registry alias found in the text, over words first..last."""

    first: int
    last: int
    start: int  # original offset where the alias starts (after a glued "لـ" or "ب")
    keys: tuple[str, ...]  # several when the alias is ambiguous

    @property
    def key(self) -> str:
        # An ambiguous alias gives the first key in the index's (sorted) order.
        return self.keys[0]


class Words:
    """The words of a text (folded, with original offsets) and the registry actors in it."""

    def __init__(self, text: str, index: AliasIndex):
        self.text = text
        self._index = index
        self.folded = fold(text)
        self.words: list[Word] = []
        previous = 0
        for match in _WORD_RE.finditer(self.folded.text):
            token = match.group()
            kind = "num" if token[0].isdigit() else "word" if token[0].isalpha() else "mark"
            start, end = self.folded.span_to_original(match.start(), match.end())
            line_break = "\n" in text[previous:start]
            self.words.append(Word(token, start, end, match.start(), kind, line_break))
            previous = end
        self._starts = [word.start for word in self.words]
        self.span_at: dict[int, Span] = {}  # first word -> span
        self.span_of: dict[int, Span] = {}  # every word of a span -> span
        by_range: dict[tuple[int, int], list[str]] = {}
        for found in index.find(text):
            by_range.setdefault((found.start, found.end), []).append(found.actor)
        for (start, end), keys in sorted(by_range.items()):
            first = self._containing(start)
            last = self._containing(end - 1)
            if first is None or last is None:
                continue
            span = Span(first, last, start, tuple(keys))
            self.span_at.setdefault(first, span)
            for position in range(first, last + 1):
                self.span_of.setdefault(position, span)

    def __len__(self) -> int:
        return len(self.words)

    def word(self, position: int) -> str:
        return self.words[position].text if 0 <= position < len(self.words) else ""

    def breaks_before(self, position: int) -> bool:
        """Whether a sentence or a line ends right before word `position`."""
        if position <= 0 or position >= len(self.words):
            return True
        return self.words[position].line_break or self.words[position - 1].text in _SENTENCE_END

    def original(self, first: int, last: int, *, skip: int = 0) -> tuple[int, int]:
        """Original [start, end) of words first..last, leaving out `skip` leading letters."""
        start = self.words[first].start
        if skip:
            folded_start = self.words[first].folded_start + skip
            start = self.folded.span_to_original(folded_start, folded_start)[0]
        return start, self.words[last].end

    def surface(self, first: int, last: int) -> str:
        start, end = self.original(first, last)
        return self.text[start:end]

    def known(self, first: int, last: int) -> str | None:
        """The registry key when words first..last are one known alias, or lie inside one
        ("ريان ديلون" inside the alias "الكولونيل ريان ديلون")."""
        span = self.span_of.get(first)
        if span is None or self.span_of.get(last) is not span:
            return None
        return span.key

    def touches_other_actor(self, first: int, last: int) -> bool:
        """Whether words first..last hold a known alias that is not the whole of them:
        "إطلاق سراح معتقلين لداعش" is no name."""
        spans = {id(self.span_of[k]) for k in range(first, last + 1) if k in self.span_of}
        return bool(spans) and self.known(first, last) is None

    def actor_at(self, position: int) -> Span | None:
        """The known actor starting at `position`, past opening quotes."""
        while self.word(position) in _OPENERS:
            position += 1
        return self.span_at.get(position)

    def actor_from(self, position: int, *, reach: int = 8) -> Span | None:
        """The known actor starting at `position`, even inside a longer alias found there.

        The registry knows "مصدر عسكري في قسد" as an alias of the SDF, so the index gives
        that whole phrase and not "قسد" alone; looking the words from `position` up on their
        own finds "قسد".
        """
        span = self.actor_at(position)
        if span is not None or position >= len(self.words):
            return span
        while self.word(position) in _OPENERS:
            position += 1
        if position >= len(self.words) or self.words[position].kind == "mark":
            return None
        stop = position
        while stop + 1 < len(self.words) and stop - position < reach:
            if self.breaks_before(stop + 1):
                break
            stop += 1
        start = self.words[position].start
        matches = self._index.find(self.text[start : self.words[stop].end])
        if not matches:
            return None
        found = matches[0]
        first = self._containing(start + found.start)
        last = self._containing(start + found.end - 1)
        if first != position or last is None:
            return None
        keys = tuple(match.actor for match in matches if match.start == found.start)
        return Span(first, last, start + found.start, keys)

    def _containing(self, offset: int) -> int | None:
        """The word that holds original offset `offset`."""
        position = bisect_right(self._starts, offset) - 1
        if position >= 0 and self.words[position].start <= offset < self.words[position].end:
            return position
        return None

    def glued(self, span: Span) -> bool:
        """Whether a "لـ" or "ب" is glued to the actor: "لـ”قسد”"، "بداعش"."""
        first = self.words[span.first]
        prefix = self.folded.text[first.folded_start : first.folded_start + 1]
        return span.start > first.start and prefix in ("ب", "ل")


def strip_conjunction(word: str) -> str:
    return word[1:] if len(word) > 2 and word[0] in "وف" else word


def is_verb(word: str) -> bool:
    return word in _VERB_FORMS or strip_conjunction(word) in _VERB_FORMS


def is_stop(word: str) -> bool:
    """Function words, titles and verbs: never part of a name."""
    bare = strip_conjunction(word)
    return word in STOP or word in TITLES or bare in STOP or bare in TITLES or is_verb(word)


def _name_word(word: Word, *, first: bool) -> bool:
    text = word.text
    if word.kind != "word" or (len(text) < 2 and not text.isascii()):
        return False
    if is_stop(text) or text in RANKS or text in _ORG_NAME_STOP or text in _NICKNAMED:
        return False
    return not (first and text.startswith("ال"))


def _ali(words: Words, position: int, *, first: bool) -> bool:
    """Whether "علي" at `position` is the name Ali, not the preposition "على" (one spelling
    once folded): in a name unless a definite word follows ("على الحدود"); first in a name
    only when a name word follows ("علي حسن")."""
    if words.word(position) != "علي":
        return False
    following = words.word(position + 1)
    if first:
        return position + 1 < len(words) and _name_word(words.words[position + 1], first=False)
    return not following.startswith("ال")


def quoted(words: Words, position: int) -> tuple[list[tuple[int, int]], int] | None:
    """Names in quotes or brackets opening at `position`: ([(first, last)...], closer).

    "“أبو حاتم شقرا/ أحمد فياض الهايس”" gives two names of one person.
    """
    if words.word(position) not in _OPENERS:
        return None
    groups: list[tuple[int, int]] = []
    start = position + 1
    for closing in range(position + 1, min(position + 14, len(words))):
        if words.words[closing].line_break:
            return None
        text = words.word(closing)
        if text in _CLOSERS or text == "/":
            if closing > start:
                groups.append((start, closing - 1))
            if text in _CLOSERS:
                return (groups, closing) if groups else None
            start = closing + 1
        elif words.words[closing].kind == "mark" and text not in ("-", "."):
            return None
    return None


def _unquoted_name(words: Words, position: int, *, single: bool) -> tuple[int, int] | None:
    """Name words from `position`: 2-4 of them (1 allowed when `single`), then a stop."""
    last = position - 1
    while last + 1 < len(words) and last - position < 3:
        candidate = words.words[last + 1]
        if last >= position and candidate.line_break:
            break
        if not _name_word(candidate, first=last < position and not single) and not _ali(
            words, last + 1, first=last < position
        ):
            break
        if last >= position and last + 1 in words.span_at:
            break  # a known actor after the name: "سامر الخليل لعنب بلدي"
        last += 1
    if last < position or (last == position and not single):
        return None  # one unquoted word: "مسؤوليته"، "أمس" ... is not a name
    if words.touches_other_actor(position, last):
        return None
    following = last + 1
    if (
        following < len(words)
        and not words.words[following].line_break
        and following not in words.span_at
        and _name_word(words.words[following], first=False)
    ):
        return None  # more than four words: where the name ends is not clear
    return position, last


def name_after(
    words: Words, position: int, *, single: bool = False
) -> tuple[list[tuple[int, int]], int] | None:
    """A name at `position`, after a comma and ranks: (names, last word consumed)."""
    if words.word(position) in ("،", ","):
        position += 1
    while words.word(position) in RANKS:
        position += 1
    if position >= len(words) or words.words[position].line_break:
        return None
    found = quoted(words, position)
    if found is not None:
        return found
    name = _unquoted_name(words, position, single=single)
    return ([name], name[1]) if name is not None else None


def name_before(words: Words, position: int) -> tuple[list[tuple[int, int]], int] | None:
    """A name ending right before word `position`: (names, first word).

    Unquoted, it must follow a rank, a verb or a clause start: "وذكر الكولونيل ريان ديلون
    المتحدث ..." gives ريان ديلون.
    """
    end = position - 1
    if words.word(end) in ("،", ","):
        end -= 1
    if words.word(end) in _CLOSERS:
        for opening in range(end - 1, max(end - 14, -1), -1):
            if words.word(opening) in _OPENERS:
                found = quoted(words, opening)
                return (found[0], opening) if found is not None and found[1] == end else None
        return None
    first = end + 1
    while first - 1 >= 0 and end - first < 3:
        candidate = words.words[first - 1]
        if not _name_word(candidate, first=False):
            break
        span = words.span_of.get(first - 1)
        if span is not None and span.last < end and span.last == first - 1:
            break  # an actor just before the name: "أعلن داعش مقتل قيادي"
        first -= 1
        if candidate.line_break:
            break
    if end - first < 1 or words.word(first).startswith("ال"):
        return None
    if words.touches_other_actor(first, end):
        return None
    before = first - 1
    introduced = (
        before < 0
        or words.words[first].line_break
        or words.words[before].kind == "mark"
        or words.word(before) in RANKS
        or is_verb(words.word(before))
    )
    return ([(first, end)], first) if introduced else None


def org_noun(word: str) -> tuple[str, int] | None:
    """(noun, length of its proclitic) when `word` is an indefinite organisation noun."""
    for prefix in ("", "و", "ب", "ل", "ف", "وب", "ول"):
        rest = word[len(prefix) :]
        if word.startswith(prefix) and rest in _ORG_NOUNS:
            return rest, len(prefix)
    return None


@dataclass(frozen=True)
class _OrgName:
    first: int  # the name's words, inclusive
    last: int
    end: int  # the last word consumed (a closing quote included)
    key: str | None


def org_name(words: Words, position: int) -> _OrgName | None:
    """The organisation named at `position`, right after an organisation noun."""
    found = quoted(words, position)
    if found is not None:  # the whole quote, even when a known word is inside it
        (first, last), closing = found[0][0], found[1]
        return _OrgName(first, last, closing, words.known(first, last))
    span = words.actor_at(position)
    if span is not None:
        end = span.last + 1 if words.word(span.last + 1) in _CLOSERS else span.last
        return _OrgName(span.first, span.last, end, span.key)
    last = position - 1
    while last + 1 < len(words) and last - position < 2:
        candidate = words.words[last + 1]
        text = candidate.text
        if (
            candidate.kind != "word"
            or candidate.line_break
            or is_stop(text)
            or text in _ORG_NAME_STOP
            or text in RANKS
            or text in _KUNYA
            or text.startswith("و")
            or last + 1 in words.span_of
        ):
            break
        last += 1
    # A name ends on a definite word: "صقور الجبل"، "نور الدين الزنكي"; what follows
    # undefined is the next thing ("فصيل صقور الجبل حسن علي": a person).
    while last >= position and not words.word(last).startswith("ال"):
        last -= 1
    if last < position or words.word(position) in _NOT_ORG_NAMES:
        return None  # "حركة نزوح"، "منظمة إرهابية": a description, not a name
    return _OrgName(position, last, last, None)


def _introduced(words: Words, span: Span) -> bool:
    """Whether a preposition or a membership word ties what follows to this actor."""
    before = span.first - 1
    while words.word(before) in _OPENERS:
        before -= 1
    word = words.word(before)
    return word in _PREPOSITIONS or word in _MEMBERSHIP or words.glued(span)


def org_before(words: Words, position: int) -> str | None:
    """The organisation named just before `position` that a name belongs to: "القيادي في
    داعش المدعو ..." → داعش; "عنصر من قسد يدعى ..." → قسد; not "اعتقلت قسد المدعو ..."."""
    end = position - 1
    while words.word(end) in _CLOSERS:
        end -= 1
    span = words.span_of.get(end)
    if span is None or span.last != end or not _introduced(words, span):
        return None
    return span.key


def org_after(words: Words, position: int) -> str | None:
    """The parent named after an organisation: "التابع لـقسد"، "وهو يتبع إلى قسد"."""
    while words.word(position) in ("،", ",", *_CLOSERS):
        position += 1
    if words.word(position) in ("وهو", "وهي"):
        position += 1
    tied = False
    if words.word(position) in _MEMBERSHIP:
        position, tied = position + 1, True
    if words.word(position) in _PREPOSITIONS:
        position, tied = position + 1, True
        if words.word(position) == "رايه":
            position += 1
    span = words.actor_from(position)
    if span is None or not (tied or words.glued(span)):
        return None
    return span.key


class _Proposals:
    def __init__(self, words: Words):
        self.words = words
        self.found: dict[tuple[int, int], ProposedParty] = {}
        self.ending_at: dict[int, ProposedParty] = {}  # last word -> proposal

    def add(
        self,
        first: int,
        last: int,
        *,
        kind: str,
        pattern: str,
        parent: str | None,
        known: str | None = None,
        alias_of: str | None = None,
        skip: int = 0,
    ) -> ProposedParty:
        own = self.words.known(first, last)
        inner = [self.words.word(k) for k in range(first, last + 1)]
        if sum(word in _OPENERS for word in inner) % 2 and self.words.word(last + 1) in _CLOSERS:
            last += 1  # keep the quotes balanced: "حركة “أحرار الشام”"
        start, end = self.words.original(first, last, skip=skip)
        existing = self.found.get((start, end))
        if existing is not None:
            return existing
        party = ProposedParty(
            surface=self.words.text[start:end],
            kind=kind,
            pattern=pattern,
            start=start,
            end=end,
            parent_hint=parent if parent != (own or known) else None,
            known=own or known,
            alias_of=alias_of,
        )
        self.found[(start, end)] = party
        self.ending_at[last] = party
        return party

    def add_names(
        self, names: list[tuple[int, int]], *, kind: str, pattern: str, parent: str | None
    ) -> list[ProposedParty]:
        """A name and its other names ("أ/ ب"): the second is an alias of the first."""
        added: list[ProposedParty] = []
        for first, last in names:
            main = added[0] if added else None
            added.append(
                self.add(
                    first,
                    last,
                    kind=kind,
                    pattern=pattern,
                    parent=parent,
                    known=main.known if main else None,
                    alias_of=main.surface if main else None,
                )
            )
        return added

    def result(self) -> list[ProposedParty]:
        return sorted(self.found.values(), key=lambda party: (party.start, party.end))


def _title_org(words: Words, position: int, *, preposition: bool) -> tuple[int, str | None] | None:
    """The organisation after a title: (last word consumed, its key or None).

    Quoted words are an organisation after a preposition ("القيادي في “...”") or when they
    are one ("قائد “لواء ...”"); right after the title they are the person ("القائد “أبو
    جاسم”").
    """
    span = words.actor_from(position)
    if span is not None:
        end = span.last
        while True:  # "(قسد)"، "“قسد”" repeating the organisation right after it
            repeat = words.actor_at(end + 1) if words.word(end + 1) in _OPENERS else None
            if repeat is None or repeat.keys != span.keys:
                break
            end = repeat.last
        while words.word(end + 1) in _CLOSERS:
            end += 1
        return end, span.key
    if org_noun(words.word(position)) is not None:
        found = org_name(words, position + 1)
        if found is not None:
            return found.end, found.key
    found_quoted = quoted(words, position)
    if found_quoted is not None:
        (first, last), closing = found_quoted[0][0], found_quoted[1]
        known = words.known(first, last)
        if preposition or known is not None or org_noun(words.word(first)) is not None:
            return closing, known
    word = words.word(position)
    if word.startswith("ال") and words.words[position].kind == "word" and not is_stop(word):
        return position, None  # "القيادي في التنظيم": an anaphor, no key
    return None


def _person_titles(words: Words, proposals: _Proposals) -> None:
    """ "القيادي في ORG X"، "قائد ORG X"، "مسؤول ... في ORG X"، "المتحدث باسم ORG، X"،
    "أمير ORG X", and "X المتحدث باسم ORG" with the name before the title."""
    for position, word in enumerate(words.words):
        title = _PERSON_TITLES.get(strip_conjunction(word.text))
        if title is None:
            continue
        inside = words.span_of.get(position)
        if inside is not None and inside.first < position:
            continue  # a title inside a longer known name
        # The registry may know the whole phrase ("المتحدث باسم قسد") as an alias of the
        # organisation; the organisation is looked up on its own after the title.
        cursor = position + 1
        while words.word(cursor) in _TITLE_ADJECTIVES:
            cursor += 1
        if title in ("المتحدث باسم", "الناطق باسم"):
            if words.word(cursor) != "باسم":
                continue
            cursor += 1
        elif title == "مسؤول":
            # "مسؤول العلاقات العامة في قسد": a few words before the preposition
            for ahead in range(cursor, min(cursor + 4, len(words))):
                if words.word(ahead) in _PREPOSITIONS:
                    cursor = ahead
                    break
                if words.words[ahead].kind != "word" or is_stop(words.word(ahead)):
                    break
        preposition = words.word(cursor) in _PREPOSITIONS
        if preposition:
            cursor += 1
        org = _title_org(words, cursor, preposition=preposition or title.endswith("باسم"))
        parent = None
        names = None
        if org is not None:
            end, parent = org
            after = end + 1
            if words.word(after) in _CALLED:
                after += 1
            names = name_after(words, after)
            if names is None and words.word(after) in ("في", "ب"):
                # "أمير داعش في الرقة “أبو لقمان”": a place, then a name in quotes
                for place_words in (2, 3):
                    names = quoted(words, after + place_words)
                    if names is not None:
                        break
        elif title not in ("المتحدث باسم", "الناطق باسم"):
            names = name_after(words, cursor)  # "القيادي أبو محمد الحلبي"
        if names is None:
            names = name_before(words, position)
        if names is not None:
            proposals.add_names(names[0], kind="person", pattern=title, parent=parent)


def _called(words: Words, proposals: _Proposals) -> None:
    """ "المدعو X"، "يُدعى X"، "المسمى X"."""
    for position, word in enumerate(words.words):
        pattern = _CALLED.get(word.text)
        if pattern is None or words.word(position - 1) == "ما":
            continue  # "ما يسمى": so-called, not a name
        names = name_after(words, position + 1)
        if (
            names is not None
            and pattern == "يدعى"
            and words.word(position + 1) not in _OPENERS
            and words.word(names[0][0][0]) not in _KUNYA
        ):
            # "يُدعى" and "يدّعي" (claims) are one spelling without diacritics: an unquoted
            # name after it must be a kunya ("يدعى أبو علي"), not "تدعي إطلاق سراح ..."
            names = None
        if names is not None:
            parent = org_before(words, position)
            proposals.add_names(names[0], kind="person", pattern=pattern, parent=parent)


def _organisations(words: Words, proposals: _Proposals) -> None:
    """ "فصيل X"، "لواء X"، "كتيبة X"، "تجمع X"، "ميليشيا X"، "فرقة X"، "جيش X"، "حركة X"...
    and "مجلس X العسكري"."""
    for position, word in enumerate(words.words):
        noun = org_noun(word.text)
        if noun is None:
            if strip_conjunction(word.text) == "مجلس":
                _military_council(words, proposals, position)
            continue
        name, skip = noun
        pattern = name[:-1] + "ة" if name.endswith("ه") else name
        covering = words.span_of.get(position)
        if covering is not None:
            if covering.first != position or covering.last == position:
                continue  # inside a longer known name
            # A known name with its noun: "جيش الشرقية"; "ميليشيا “قسد”" names قسد.
            first, proclitic = position, skip
            if name in _GENERIC_ORG_NOUNS:
                first, proclitic = position + 1, 0
                while words.word(first) in _OPENERS:
                    first += 1
            if first <= covering.last:
                proposals.add(
                    first,
                    covering.last,
                    kind=_ORG_NOUNS[name],
                    pattern=pattern,
                    parent=org_after(words, covering.last + 1),
                    known=covering.key,
                    skip=proclitic,
                )
            continue
        found = org_name(words, position + 1)
        if found is None:
            continue
        generic = name in _GENERIC_ORG_NOUNS or found.key is not None
        first = found.first if generic else position
        proposals.add(
            first,
            found.last,
            kind=_ORG_NOUNS[name],
            pattern=pattern,
            parent=org_after(words, found.end + 1),
            known=found.key if first == found.first else None,
            skip=0 if generic else skip,
        )


def _military_council(words: Words, proposals: _Proposals, position: int) -> None:
    """ "مجلس الباب العسكري": the council's town between مجلس and العسكري."""
    if words.span_of.get(position) is not None:
        covering = words.span_of[position]
        if covering.first == position:
            proposals.add(position, covering.last, kind="unit", pattern="مجلس عسكري", parent=None)
        return
    for last in range(position + 2, min(position + 5, len(words))):
        if words.word(last) == "العسكري":
            proposals.add(
                position,
                last,
                kind="unit",
                pattern="مجلس عسكري",
                parent=org_after(words, last + 1),
                skip=len(words.word(position)) - len("مجلس"),
            )
            return
        if words.words[last].kind != "word" or is_stop(words.word(last)):
            return


def _nickname_at(words: Words, position: int) -> tuple[list[tuple[int, int]], int, int] | None:
    """The nickname after "الملقب"/"المعروف" at `position`: (names, skip, first word).

    These cues take بـ: "الملقب بأبي علي", "المعروف باسم ...", "الملقب بـ“الذباح”".
    A nickname may be one word.
    """
    after = position + 1
    following = words.word(after)
    if following in ("ب", "باسم", "بلقب", "بكنيه", "بلقبه"):
        after += 1
        names = name_after(words, after, single=True)
        return (names[0], 0, after) if names is not None else None
    if following.startswith("ب") and len(following) > 2 and words.words[after].kind == "word":
        if is_stop(following[1:]) or following[1:] in RANKS:
            return None
        last = after
        while last + 1 < len(words) and last - after < 3:
            candidate = words.words[last + 1]
            if candidate.line_break or not _name_word(candidate, first=False):
                break
            last += 1
        return [(after, last)], 1, after
    names = name_after(words, after, single=True)
    return (names[0], 0, after) if names is not None else None


def _nicknames(words: Words, proposals: _Proposals) -> None:
    """ "X الملقب بـ Y"، "X المعروف باسم Y"، "فصيل يعرف باسم Y": Y is another name of X."""
    for position, word in enumerate(words.words):
        pattern = _NICKNAMED.get(word.text)
        if pattern is None or words.word(position - 1) == "ما":
            continue  # "ما يُعرف بـ": so-called
        found = _nickname_at(words, position)
        if found is None:
            continue
        names, skip, first_word = found
        before = position - 1
        while words.word(before) in ("،", ",", *_CLOSERS):
            before -= 1
        owner = proposals.ending_at.get(before)
        kind, alias_of, known, parent = "person", None, None, None
        if owner is not None:
            kind, alias_of, known = owner.kind, owner.surface, owner.known
            parent = owner.parent_hint
        elif (noun := org_noun(words.word(before))) is not None:
            kind = _ORG_NOUNS[noun[0]]  # "فصيل يعرف باسم “...”": the name of that group
            parent = org_after(words, names[-1][1] + 1)
        elif (span := words.span_of.get(before)) is not None and span.last == before:
            alias_of, known = words.surface(span.first, span.last), span.key
        elif (previous := name_before(words, position)) is not None:
            added = proposals.add_names(previous[0], kind="person", pattern=pattern, parent=None)
            alias_of, known = added[0].surface, added[0].known
        for first, last in names:
            proposals.add(
                first,
                last,
                kind=kind,
                pattern=pattern,
                parent=parent,
                known=known,
                alias_of=alias_of,
                skip=skip if first == first_word else 0,
            )


def propose_parties(text: str, index: AliasIndex) -> list[ProposedParty]:
    """People and groups that `text` introduces by pattern, left to right.

    Names already in the registry come back too, with `known` set, so that the caller can add
    the surface as an alias when it is not one already.
    """
    words = Words(text, index)
    proposals = _Proposals(words)
    _person_titles(words, proposals)
    _called(words, proposals)
    _organisations(words, proposals)
    _nicknames(words, proposals)
    return proposals.result()
