"""Sources of a claim kept as reported: anonymous and vague sources, and reporting chains.

"مصدر عسكري في قسد"، "ناشطون"، "مصادر محلية"، "مراقبون"، "شهود عيان": each becomes a
`ReportedSource` with its description as written, the party the text ties it to, the
registry's collective actor it names, and the outlet it spoke to ("قال لـ“نورث برس”").
`reporting_chain` lists the outlets the information passed through, from the one the source
spoke to, outwards ("... نقلاً عن نورث برس"). Pure Python, no Django import.

Registry actors are found with the alias index, never by hard-coded keys: "ناشطون" is
whatever actor the registry gives that alias (the activists). Without the registry's kinds,
an actor counts as an outlet where the text puts an outlet: after "قال ... لـ", "في حديث
لـ", "نقلاً عن", "نقلت ... عن", or behind a media noun ("وكالة"، "صحيفة"، "موقع" ...). Pass
`outlets` (the keys of media actors) to accept only those.

A security, military, official or government source with a state's adjective belongs to
that state's side: "مصدر أمني سوري" is the Syrian government's (the corpus convention: an
unnamed Syrian security source speaks for the government), "مصدر عسكري تركي" Turkey's.
"""

from collections.abc import Collection
from dataclasses import dataclass

from claims.extraction.matcher import AliasIndex
from claims.extraction.parties import (
    RANKS,
    Span,
    Words,
    is_stop,
    name_after,
    quoted,
    strip_conjunction,
)
from sources.text import normalize_for_matching

__all__ = ["ReportedSource", "find_sources", "reporting_chain"]


@dataclass(frozen=True)
class ReportedSource:
    description: str  # as written: "مصدر عسكري في قسد فضّل عدم الكشف عن اسمه"
    anonymous: bool  # no name given (every source here but "الناشط السياسي فلان")
    party: str | None  # registry key of the party the text ties the source to
    collective: str | None  # registry key of the collective actor it names ("ناشطون")
    via: str | None  # registry key of the outlet the source spoke to
    start: int  # [start, end) of the description in the original text
    end: int


def _forms(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Word lists are folded (see `sources.text.fold`): ا for أ/إ/آ, ي for ى, ه for ة.
_SOURCE_HEADS = _forms("مصدر مصدرا مصادر")  # "أن مصدراً عسكرياً قال"
# Groups that report: "ناشطون"، "مراقبون"، "شهود عيان" ...
_GROUP_HEADS = _forms(
    "ناشطون ناشطين نشطاء ناشطو مراقبون مراقبين محللون محللين شهود شاهد سكان وسائل"
)
_NAMED_HEADS = _forms("الناشط المحلل الخبير الباحث المعلق")

_NISBA_STEMS = [
    *("عسكر", "امن", "محل", "طب", "ميدان", "اهل", "رسم", "حكوم", "اعلام", "دبلوماس"),
    *("كرد", "عشائر", "حقوق", "قضائ", "استخبارات", "استخبار", "سياس", "اغاث", "انسان"),
    *("جهاد", "شرع", "عرب", "غرب", "اجنب", "اوروب", "دول", "امم"),
]
_NATIONALITIES = {
    # adjective stem -> the name the party is looked up by in the registry
    "سور": "الحكومة السورية",
    "ترك": "تركيا",
    "روس": "روسيا",
    "عراق": "العراق",
    "ايران": "إيران",
    "امريك": "الولايات المتحدة",
    "اميرك": "الولايات المتحدة",
    "اسرائيل": "إسرائيل",
    "اردن": "الأردن",
    "لبنان": "لبنان",
}
# Sources whose state adjective makes them speak for that state.
_OFFICIAL_STEMS = frozenset({"امن", "عسكر", "رسم", "حكوم", "استخبارات", "استخبار", "دبلوماس"})


def _nisba_forms(stems: list[str] | dict[str, str]) -> dict[str, str]:
    """Every form of a relative adjective → its stem: عسكري، عسكرية، العسكري، عسكريون ..."""
    forms: dict[str, str] = {}
    for stem in stems:
        for ending in ("ي", "يا", "يه", "يون", "يين", "يان"):
            forms[stem + ending] = stem
            forms["ال" + stem + ending] = stem
    return forms


_NISBA = _nisba_forms(_NISBA_STEMS)
_NATIONALITY = _nisba_forms(_NATIONALITIES)
_OTHER_ADJECTIVES = frozenset(
    form
    for word in _forms(
        "مطلع مقرب قريب خاص موثوق متطابق متطاق مسؤول رفيع مختلف متعدد مستقل معارض بارز كبير عديد"
    )
    for form in (
        *(word, word + "ا", word + "ه", word + "ون", word + "ين"),
        *("ال" + word, "ال" + word + "ه"),
    )
) | _forms("المستوي موال مواليه موالون موالين الموالي المواليه")
# Adjectives after which "لـ"/"من" + an actor names the source's side: "مقربة من قسد".
_AFFINITY = frozenset(
    form
    for word in ("مقرب", "قريب", "موال", "موالي", "تابع")
    for form in (word, word + "ه", word + "ون", word + "ين", "ال" + word, "ال" + word + "ه")
)
_OUTLET_NOUNS = _forms("وكاله صحيفه موقع قناه منصه شبكه تلفزيون اذاعه راديو مراسل جريده مجله")
_REPORT_BASES = _forms(
    "قال اكد اضاف اشار اوضح ذكر افاد صرح اعلن كشف بين نقل وثق تداول رصد رجح توقع اعتبر"
    " اتهم زعم حذر قدر تحدث ابلغ اخبر نشر اورد شدد لفت تابع"
)
# Verbs that make a vague source report ("قال ناشطون"، "يرى مراقبون"), in their forms; not
# every verb: "اعتقل ناشطين" and "مطالباً وسائل الإعلام" are no sources.
_REPORT_VERBS = {
    form for base in _REPORT_BASES for form in (base, base + "ت", base + "وا")
} | _forms(
    "نفي نفت نفوا روي روت رووا ادعي ادعت يقول تقول يقولون يؤكد تؤكد يؤكدون يضيف يشير"
    " تشير يشيرون يوضح يذكر تذكر يفيد تفيد يعلن يكشف يري تري يرون رات راي يخشي تخشي"
    " يخشون يرجح يرجحون يتوقع يتوقعون يعتبر يعتبرون يتهم يتهمون يزعم ينقل تنقل"
    " يتداول يتحدث مؤكدا مشيرا مضيفا موضحا لافتا مؤكده مشيره مضيفه موضحه"
)
_ATTRIBUTION = _forms("حسب بحسب وفق وفقا طبقا نقلا عن لدي حسبما")
_ACCORDING_TO = _forms("حسب بحسب وفق وفقا حسبما طبقا")
_WITHHELD_STARTS = _forms("فضل فضلت طلب طلبت رفض رفضت مفضلا مفضله طالبا طالبه رافضا رافضه اشترط")
_WITHHELD_ENDS = _forms("اسمه اسمها اسمهم هويته هويتها هويتهم")
_TALK_NOUNS = _forms("حديث تصريح تصريحات اتصال مقابله لقاء")
_ATTACHMENTS = _forms("في من داخل لدي ضمن")


def _nominative(word: str) -> str:
    """ "مصدراً عسكرياً" are looked up as "مصدر عسكري"."""
    if word.endswith("ا") and (
        word[:-1] in _SOURCE_HEADS or word[:-1] in _NISBA or word[:-1] in _OTHER_ADJECTIVES
    ):
        return word[:-1]
    return word


def _media_noun(word: str) -> bool:
    """ "وكالة"، "لوكالة"، "وصحيفة" ...: a noun that names an outlet after it."""
    return word in _OUTLET_NOUNS or (word[:1] in ("ل", "ب", "و") and word[1:] in _OUTLET_NOUNS)


def _attribution(word: str) -> bool:
    """ "حسب"، "بحسب"، "وفق"، "وفقاً" and "وبحسب" ("وفق" itself starts with و)."""
    return word in _ACCORDING_TO or strip_conjunction(word) in _ACCORDING_TO


def _is_report_verb(word: str) -> bool:
    return word in _REPORT_VERBS or strip_conjunction(word) in _REPORT_VERBS


def _adjective(word: str) -> str | None:
    """ "nisba:<stem>", "nationality:<stem>" or "other" for a source adjective, else None."""
    if word in _NISBA:
        return "nisba:" + _NISBA[word]
    if word in _NATIONALITY:
        return "nationality:" + _NATIONALITY[word]
    if word in _OTHER_ADJECTIVES:
        return "other"
    return None


def _head(word: str) -> tuple[str, int, bool] | None:
    """(head, proclitic length, definite) for a source noun: "ومصادر" → (مصادر, 1, False)."""
    for prefix in ("", "و", "ف", "ب", "ل", "ك", "وب", "ول"):
        if not word.startswith(prefix):
            continue
        rest = word[len(prefix) :]
        definite = rest.startswith("ال")
        bare = rest[2:] if definite else rest
        if bare in _SOURCE_HEADS or bare in _GROUP_HEADS:
            return bare, len(prefix), definite
        if rest in _NAMED_HEADS:
            return rest, len(prefix), True
    return None


class _Finder:
    def __init__(self, text: str, index: AliasIndex, outlets: Collection[str] | None):
        self.words = Words(text, index)
        self.index = index
        self.outlets = frozenset(outlets) if outlets is not None else None

    # -- registry look-ups -------------------------------------------------------------

    def lookup(self, phrase: str) -> str | None:
        """The registry key of `phrase` as a whole alias, if it is one."""
        key = normalize_for_matching(phrase)
        for found in self.index.find(phrase):
            if found.alias == key:
                return found.actor
        return None

    def is_outlet(self, span: Span, *, by_position: bool) -> bool:
        """Whether an actor can be read as an outlet: listed in `outlets` when given, else
        named after a media noun or in a position only an outlet takes (`by_position`)."""
        if self.outlets is not None:
            return span.key in self.outlets
        words = self.words
        if by_position:
            return True
        first = words.word(span.first)
        before = words.word(span.first - 1)
        while before in ('"', "(") and span.first > 1:
            before = words.word(span.first - 2)
        return _media_noun(first) or _media_noun(before)

    def outlet_at(self, position: int, *, by_position: bool) -> Span | None:
        """An outlet at `position`, past a media noun ("لوكالة “نورث برس”") and quotes."""
        words = self.words
        if words.actor_at(position) is None and _media_noun(words.word(position)):
            position += 1
        span = words.actor_at(position)
        in_quotes = quoted(words, position)
        if in_quotes is not None:
            # The whole quoted name must be the alias: "موقع “صوت العاصمة”" is not "الصوت".
            first, last = in_quotes[0][0]
            if span is None or (span.first, span.last) != (first, last):
                return None
        if span is None:
            return None
        opens_quote = any(words.word(k) in ('"', "(") for k in range(span.first, span.last + 1))
        if opens_quote and words.word(span.last + 1) not in ('"', ")"):
            return None  # the alias stops inside the quotes: "موقع “صوت العاصمة”"
        return span if self.is_outlet(span, by_position=by_position) else None

    # -- a source's parts ----------------------------------------------------------------

    def context_reports(self, first: int, last: int) -> bool:
        """Whether the words around a vague source make it report: a speech verb or an
        attribution before it ("قال ناشطون"، "حسب مراقبين"), or one after it ("ناشطون:")."""
        words = self.words
        for back in range(1, 5):
            position = first - back
            if position < 0 or words.breaks_before(position + 1):
                break
            word = words.word(position)
            if _is_report_verb(word) or _ATTRIBUTION & {word, strip_conjunction(word)}:
                return True
            if position in words.span_of or word in ('"', "(", ")"):
                continue  # "قال لنورث برس مصدر ..."
            if words.words[position].kind != "word" or back >= 3:
                break
        for ahead in range(1, 3):
            position = last + ahead
            if position >= len(words) or words.breaks_before(position):
                return words.word(position) == ":" and ahead == 1
            word = words.word(position)
            if word == ":" or _is_report_verb(word) or word in ("ان", "بان", "انه", "انها"):
                return True
            if word not in ("،", ","):
                break
        return False

    def attachment(self, position: int, *, affinity: bool) -> tuple[int, str | None] | None:
        """What a source belongs to or comes from, at `position`: (last word, party key).

        "في قسد"، "من قسد"، "بقسد" give a party, and so does "لـ" after an adjective of
        affinity ("مقربة من"، "موالية لـ"); "من تل رفعت" (no actor) is kept in the
        description, with no party, when a comma or a verb follows it.
        """
        words = self.words
        word = words.word(position)
        if word in ("تابع", "التابع", "تابعه", "التابعه"):
            position, affinity = position + 1, True
            word = words.word(position)
        if affinity and word == "ل":  # "موالية لـ “...”": ل stands alone
            span = words.actor_from(position + 1)
            if span is not None:
                return self._end_with_repeats(span), span.key
        if affinity and word[:1] == "ل":
            span = words.actor_from(position)
            if span is not None and words.glued(span):
                return self._end_with_repeats(span), span.key
        if word in _ATTACHMENTS:
            span = words.actor_from(position + 1)
            if span is not None:
                return self._end_with_repeats(span), span.key
            # A place: one to three words, then a comma or a verb.
            for last in range(position + 1, min(position + 4, len(words))):
                candidate = words.words[last]
                if (
                    candidate.kind != "word"
                    or is_stop(candidate.text)
                    or candidate.text in _TALK_NOUNS
                    or _media_noun(candidate.text)
                    or last in words.span_of
                ):
                    return None  # "مصادر خاصة في حديث لـ ...": the outlet, not a place
                following = words.word(last + 1)
                if following in ("،", ",", "ان", "بان") or _is_report_verb(following):
                    return last, None
            return None
        span = words.actor_from(position)
        if span is not None and words.glued(span) and words.word(position)[:1] == "ب":
            return self._end_with_repeats(span), span.key  # "مصدر عسكري بقسد"
        return None

    def _end_with_repeats(self, span: Span) -> int:
        """The last word of an actor, with a bracketed repeat: "قوات سوريا الديمقراطية (قسد)"."""
        words = self.words
        end = span.last
        while words.word(end + 1) in ('"', ")"):
            end += 1
        if words.word(end + 1) in ("(", '"'):
            repeat = words.actor_at(end + 1)
            if repeat is not None and repeat.keys == span.keys:
                end = repeat.last
                while words.word(end + 1) in ('"', ")"):
                    end += 1
        return end

    def withheld(self, position: int) -> int | None:
        """The last word of "فضّل عدم الكشف عن اسمه" starting at `position` (after a comma)."""
        words = self.words
        if words.word(position) in ("،", ",", "("):
            position += 1
        word = words.word(position)
        if word not in _WITHHELD_STARTS and strip_conjunction(word) not in _WITHHELD_STARTS:
            return None  # ("فضّل" itself starts with ف)
        for last in range(position + 1, min(position + 7, len(words))):
            if words.word(last) in _WITHHELD_ENDS:
                if words.word(last + 1) == ")":
                    return last + 1
                return last
            if words.breaks_before(last):
                return None
        return None

    def via_after(self, position: int) -> str | None:
        """The outlet a source spoke to, named after it in its clause: "لـ“نورث برس”"، "في
        حديث لعنب بلدي"، "لوكالة الأناضول"، "حسب رويترز"."""
        words = self.words
        for ahead in range(position, min(position + 9, len(words))):
            if ahead > position and words.breaks_before(ahead):
                return None
            word = words.word(ahead)
            if word in ("ان", "بان", "انه", "انها", ":") or (
                word == '"' and ahead > position and words.word(ahead - 1) in (":", "،")
            ):
                return None  # the reported words start
            span = self._outlet_to(ahead)
            if span is not None:
                return span.key
        return None

    def _outlet_to(self, position: int) -> Span | None:
        """An outlet that something is said to, at `position`."""
        words = self.words
        word = words.word(position)
        span = words.span_at.get(position)
        if span is not None and words.glued(span) and word[:1] == "ل":
            return span if self.is_outlet(span, by_position=True) else None  # "لـ“نورث برس”"
        if word in ("ل", "لـ"):
            return self.outlet_at(position + 1, by_position=True)
        if word in _TALK_NOUNS:  # "في حديث (خاص) لـ/مع ..."
            for step in (1, 2):
                link = words.word(position + step)
                if link in ("ل", "مع"):
                    return self.outlet_at(position + step + 1, by_position=True)
                span = words.actor_at(position + step)
                if span is not None and words.glued(span):
                    return span if self.is_outlet(span, by_position=True) else None
                if link[:1] == "ل" and link[1:] in _OUTLET_NOUNS:
                    return self.outlet_at(position + step + 1, by_position=True)
            return None
        if word[:1] == "ل" and word[1:] in _OUTLET_NOUNS:  # "لوكالة الأناضول"
            return self.outlet_at(position + 1, by_position=True)
        if _attribution(word):
            # "بحسب ما نقل مراسل “سمارت”"
            ahead = 3 if words.word(position + 1) in ("ما", "لما") else 1
            return self.outlet_at(position + ahead, by_position=False)
        return None

    def via_before(self, first: int) -> str | None:
        """The outlet named before a source: "نقلت وكالة “رويترز” عن مصدر ..."، "قال
        لنورث برس مصدر ..."."""
        words = self.words
        end = first - 1
        if words.word(end) == "عن":
            end -= 1
            while words.word(end) in ('"', ")", "،", ","):
                end -= 1
            span = words.span_of.get(end)
            if span is not None and span.last == end:
                verb = words.word(span.first - 1)
                if words.word(span.first - 1) in _OUTLET_NOUNS:
                    verb = words.word(span.first - 2)
                if strip_conjunction(verb) in ("نقل", "نقلت", "ينقل", "تنقل", "نقلا"):
                    return span.key if self.is_outlet(span, by_position=True) else None
            return None
        while words.word(end) in ('"', ")", "،", ","):
            end -= 1
        span = words.span_of.get(end)
        if span is None or span.last != end:
            return None
        verb = span.first - 1
        if words.word(verb) in ('"', "("):
            verb -= 1
        if words.glued(span) and words.word(span.first)[:1] == "ل":
            pass  # "قال لنورث برس مصدر ..."
        elif words.word(verb) == "ل":
            verb -= 1  # "أفاد لـ SY24 مصدر ..."
        else:
            return None
        if _is_report_verb(words.word(verb)) and self.is_outlet(span, by_position=True):
            return span.key
        return None

    # -- sources ---------------------------------------------------------------------------

    def collective(
        self, first: int, head_last: int, adjectives: list[int], skip: int
    ) -> str | None:
        """The registry's actor for the source's head and adjectives: the longest run of
        them that is a whole alias ("مصادر طبية محلية" → local medical sources)."""
        words = self.words
        head = [_nominative(words.word(k)) for k in range(first, head_last + 1)]
        head[0] = _head(head[0])[0] if _head(head[0]) else head[0]  # without و or ال
        for count in range(len(adjectives), -1, -1):
            phrase = head + [_nominative(words.word(k)) for k in adjectives[:count]]
            key = self.lookup(" ".join(phrase))
            if key is not None:
                return key
        return None

    def source_at(self, position: int) -> tuple[ReportedSource, int] | None:
        words = self.words
        found = _head(words.word(position))
        if found is None:
            return None
        head, skip, definite = found
        if head in _NAMED_HEADS:
            return self.named_source_at(position, skip)
        cursor = position + 1
        if head in ("شهود", "شاهد"):
            if words.word(cursor) != "عيان":
                return None
            cursor += 1
        elif head == "وسائل":
            if strip_conjunction(words.word(cursor)) not in ("اعلام", "الاعلام"):
                return None
            cursor += 1
        elif head == "سكان" and words.word(cursor) not in ("محليون", "محليين"):
            return None
        head_last = cursor - 1
        adjectives: list[int] = []  # word indexes, nationality ones included
        official = False
        nationality: str | None = None
        while len(adjectives) < 4 and not words.breaks_before(cursor):
            kind = _adjective(words.word(cursor))
            if kind is None:
                break
            if kind.startswith("nationality:"):
                nationality = kind.split(":")[1]
            elif kind.startswith("nisba:") and kind.split(":")[1] in _OFFICIAL_STEMS:
                official = True
            adjectives.append(cursor)
            cursor += 1
        last = adjectives[-1] if adjectives else head_last
        party: str | None = None
        affinity = bool(adjectives) and words.word(adjectives[-1]) in _AFFINITY
        attached = (
            None if words.breaks_before(last + 1) else self.attachment(last + 1, affinity=affinity)
        )
        if attached is None and head in _SOURCE_HEADS and not adjectives:
            span = words.actor_from(last + 1)  # "مصادر قسد": the SDF's sources
            if span is not None and not words.breaks_before(last + 1):
                attached = self._end_with_repeats(span), span.key
        if attached is not None:
            last, party = attached
        if head in _SOURCE_HEADS:
            following = words.words[position + 1] if position + 1 < len(words) else None
            if not adjectives and attached is None:
                if following is not None and following.text.startswith("ال"):
                    return None  # "مصدر القذائف": the origin of the shells
                if definite or not self.context_reports(position, last):
                    return None  # "وأضاف المصدر": an anaphor, resolved by the claim
        elif not self.context_reports(position, last):
            return None  # "تهديد الناشطين": activists as the object, not a source
        if party is None and official and nationality is not None:
            party = self.lookup(_NATIONALITIES[nationality])
        withheld = None if words.breaks_before(last + 1) else self.withheld(last + 1)
        if withheld is not None:
            last = withheld
        plain = [k for k in adjectives if not _adjective(words.word(k)).startswith("national")]
        looked_up = plain if (official and nationality) else adjectives
        collective = None
        if affinity and party is not None:
            # "موالية لـ X" means X's side: the whole phrase may be a registry alias
            # ("وسائل إعلام موالية للنظام السوري"), but "وسائل الإعلام الموالية" alone is
            # the registry's pro-government media, not the side of X.
            phrase_start, phrase_end = words.original(position, attached[0], skip=skip)
            collective = self.lookup(words.text[phrase_start:phrase_end])
            looked_up = looked_up[: [words.word(k) in _AFFINITY for k in looked_up].index(True)]
        collective = collective or self.collective(position, head_last, looked_up, skip)
        if collective == party:
            collective = None
        via = self.via_after(last + 1) or self.via_before(position)
        start, end = words.original(position, last, skip=skip)
        source = ReportedSource(
            description=words.text[start:end],
            anonymous=True,
            party=party,
            collective=collective,
            via=via,
            start=start,
            end=end,
        )
        return source, last

    def named_source_at(self, position: int, skip: int) -> tuple[ReportedSource, int] | None:
        """ "الناشط السياسي يوسف الشامي": a described and named source, not anonymous."""
        words = self.words
        cursor = position + 1
        while _adjective(words.word(cursor)) is not None or words.word(cursor) in RANKS:
            cursor += 1
        names = name_after(words, cursor)
        if names is None or (names[0][0][0] != cursor and words.word(cursor) not in ('"', "(")):
            return None
        last = names[1]
        if not self.context_reports(position, last):
            return None  # "ضحايا القصف، الناشط الإعلامي فلان": named, but not a source
        via = self.via_after(last + 1) or self.via_before(position)
        start, end = words.original(position, last, skip=skip)
        source = ReportedSource(
            description=words.text[start:end],
            anonymous=False,
            party=None,
            collective=None,
            via=via,
            start=start,
            end=end,
        )
        return source, last

    def sources(self) -> list[ReportedSource]:
        found: list[ReportedSource] = []
        position = 0
        while position < len(self.words):
            result = self.source_at(position)
            if result is None:
                position += 1
                continue
            source, last = result
            found.append(source)
            position = last + 1
        return found

    # -- chains ----------------------------------------------------------------------------

    def quoted_outlets(self) -> tuple[list[tuple[int, str]], list[tuple[str, str]]]:
        """Outlets named as relaying (position, key), and (inner, outer) pairs: "نقلت Y عن X"
        and "Y، نقلاً عن X" make X inner to Y."""
        words = self.words
        named: list[tuple[int, str]] = []
        pairs: list[tuple[str, str]] = []
        for position, word in enumerate(words.words):
            text = strip_conjunction(word.text)
            if text == "نقلا" and words.word(position + 1) == "عن":
                inner = self.relayed_outlet(position + 2)
                if inner is None:
                    continue
                named.append((position, inner.key))
                outer = self._outlet_before(position)
                if outer is not None:
                    named.append((outer.first, outer.key))
                    pairs.append((inner.key, outer.key))
            elif text in ("نقلت", "نقل", "تنقل", "ينقل"):
                outer = self.outlet_at(position + 1, by_position=False)
                if outer is None:
                    continue
                named.append((position, outer.key))
                after = outer.last + 1
                while words.word(after) in ('"', ")"):
                    after += 1
                if words.word(after) == "عن":
                    inner = self.relayed_outlet(after + 1)
                    if inner is not None:
                        named.append((after, inner.key))
                        pairs.append((inner.key, outer.key))
            elif _attribution(word.text):
                span = self.outlet_at(position + 1, by_position=False)
                if span is None and words.word(position + 1) in ("لما", "ما"):
                    span = self.outlet_at(position + 3, by_position=False)
                if span is not None:
                    named.append((position, span.key))
        return named, pairs

    def relayed_outlet(self, position: int) -> Span | None:
        """The outlet after "نقلاً عن" / "نقلت ... عن", unless a source is named there
        ("نقلاً عن مصادر محلية" names a source, not an outlet)."""
        if _head(self.words.word(position)) is not None:
            return None
        return self.outlet_at(position, by_position=True)

    def _outlet_before(self, position: int) -> Span | None:
        """An outlet named in the words just before `position`, in the same clause."""
        words = self.words
        for back in range(1, 6):
            end = position - back
            if end < 0 or words.breaks_before(end + 1):
                return None
            span = words.span_of.get(end)
            if span is not None and span.last == end and self.is_outlet(span, by_position=False):
                return span
        return None


def find_sources(
    text: str, index: AliasIndex, *, outlets: Collection[str] | None = None
) -> list[ReportedSource]:
    """Every anonymous, vague or described source in `text`, left to right.

    `outlets`: registry keys of media actors; when given, only those count as the outlet a
    source spoke to.
    """
    return _Finder(text, index, outlets).sources()


def reporting_chain(
    text: str, index: AliasIndex, *, outlets: Collection[str] | None = None
) -> list[str]:
    """The outlets `text` says its information passed through, the innermost first.

    The outlet a source spoke to comes before the outlet that quoted it: "قال مصدر عسكري
    في قسد لنورث برس" and "... نقلاً عن نورث برس" in an Enab Baladi report give
    [north_press, enab_baladi]. Outlets not tied to each other keep their text order.
    """
    finder = _Finder(text, index, outlets)
    named: list[tuple[int, str]] = []
    for source in finder.sources():
        if source.via is not None:
            named.append((source.start, source.via))
    relayed, pairs = finder.quoted_outlets()
    words = finder.words
    named += [(words.words[position].start, key) for position, key in relayed]
    chain: list[str] = []
    for _, key in sorted(named, key=lambda item: item[0]):
        if key not in chain:
            chain.append(key)
    for inner, outer in pairs:
        if inner in chain and outer in chain and chain.index(inner) > chain.index(outer):
            chain.remove(inner)
            chain.insert(chain.index(outer), inner)
    return chain
