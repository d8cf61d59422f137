"""Features that tell whether two articles report the same event (one Story).

Pure Python (no Django), so it can be tested and tuned alone. An event is a place, a time
and parties; the text around them varies from outlet to outlet. So two articles are scored
on:
- the places they name (`place_names`): the strongest signal. A village or neighbourhood
  ("قرية غانم العلي", "حي القصور") is nearly an event on its own; a well-known town
  ("تل رفعت") less so, and a governorate ("دير الزور", "حلب") is shared by many events in
  the same week.
- their keywords (`keyword_vector`, `cosine`): words an outlet cannot avoid when telling
  this event ("انشقاق طلال سلو", "براميل تفتناز", "مستشفى الشفاء").
- their actors (passed in by the caller, who matches the registry): a weak signal, since the
  SDF, ISIS or the government are in almost every article of this desk.
- their publication dates: events are reported within days; beyond TIME_WINDOW, no match.

`story_score` combines them (weights below) and `SAME_STORY_THRESHOLD` decides. Every key
is in the matching form of `sources.text.normalize` (ة → ه, proclitics stripped), so
"بريف دير الزور" and "ريف ديرالزور" give the same place "دير زور".
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple

from sources.text.normalize import (
    TokenSpan,
    normalize,
    normalize_for_matching,
    token_spans,
    tokens,
)

__all__ = [
    "ACTOR_WEIGHT",
    "BROAD_PLACE_WEIGHT",
    "KEYWORD_WEIGHT",
    "SAME_STORY_THRESHOLD",
    "TIME_WINDOW",
    "TOWN_WEIGHT",
    "VILLAGE_WEIGHT",
    "StoryFeatures",
    "cosine",
    "features",
    "keyword_vector",
    "place_names",
    "place_weight",
    "story_score",
    "time_factor",
]


def _keys(*words: str) -> frozenset[str]:
    """The matching keys of words written naturally (the lists below stay readable)."""
    return frozenset(key for word in words for key in tokens(word))


# Stopwords: particles, pronouns, demonstratives, auxiliaries, time words and the verbs of
# attribution that every article uses ("قال"، "أكد"، "أضاف"، "أشار"...). Written naturally
# and folded with the project's normalization at import.
_STOPWORD_WORDS = (
    # prepositions, conjunctions, particles
    "في", "من", "إلى", "الى", "على", "عن", "مع", "عند", "منذ", "حتى", "خلال", "بعد", "قبل",
    "بين", "حول", "ضد", "عبر", "نحو", "لدى", "دون", "غير", "سوى", "أن", "إن", "أنّ", "إنّ",
    "لأن", "كما", "كذلك", "أيضا", "أيضاً", "ثم", "أو", "أم", "بل", "لكن", "لكنه", "لكنها",
    "لا", "لم", "لن", "ما", "ماذا", "هل", "قد", "لقد", "سوف", "إذ", "إذا", "إلا", "أي", "كل",
    "بعض", "جميع", "كافة", "عدة", "عدد", "أكثر", "أقل", "أول", "آخر", "أخرى", "آخرين",
    "فيما", "بينما", "حيث", "وفق", "وفقا", "وفقاً", "بحسب", "حسب", "نحو", "إثر", "جراء",
    "بسبب", "ضمن", "لدى", "تجاه", "أمام", "وراء", "فوق", "تحت", "داخل", "خارج", "جهة",
    "جانب", "ذلك", "ذات", "إطار", "بشأن", "خصوص", "مقابل", "منها", "منه", "عليه", "عليها",
    "فيه", "فيها", "إليه", "إليها", "عنه", "عنها", "به", "بها", "له", "لها", "لهم", "بهم",
    "فيهم", "منهم", "عليهم", "إنه", "إنها", "أنه", "أنها", "أنهم", "إنهم", "كونه", "كونها",
    # pronouns, demonstratives, relatives
    "هو", "هي", "هم", "هن", "نحن", "أنا", "أنت", "هذا", "هذه", "هؤلاء", "ذلك", "تلك",
    "أولئك", "هناك", "هنا", "الذي", "التي", "الذين", "اللذين", "اللتين", "اللواتي", "من",
    # auxiliaries and very common verbs of news prose
    "كان", "كانت", "كانوا", "يكون", "تكون", "ليس", "ليست", "أصبح", "بات", "ظل", "لايزال",
    "يزال", "تزال", "زال", "يتم", "تم", "تمت", "جرى", "يجري", "يأتي", "تأتي", "وقع",
    "قال", "قالت", "يقول", "تقول", "قالوا", "أكد", "أكدت", "يؤكد", "تؤكد", "مؤكدا", "مؤكداً",
    "مؤكدة", "أضاف", "أضافت", "يضيف", "مضيفا", "مضيفاً", "أشار", "أشارت", "يشير", "تشير",
    "مشيرا", "مشيراً", "أوضح", "أوضحت", "موضحا", "ذكر", "ذكرت", "يذكر", "أفاد", "أفادت",
    "أعلن", "أعلنت", "يعلن", "تابع", "تابعت", "لفت", "لفتت", "بين", "بينت", "اعتبر",
    "اعتبرت", "معتبرا", "معتبرة", "نقل", "نقلت", "نقلا", "نقلاً", "وصف", "وصفت", "شدد", "شددت",
    # time words
    "اليوم", "أمس", "غدا", "الأمس", "صباح", "مساء", "ليلة", "الليلة", "يوم", "أيام", "الأيام",
    "ساعة", "ساعات", "الماضي", "الماضية", "الحالي", "الجاري", "المقبل", "المقبلة", "الأخير",
    "الأخيرة", "الاثنين", "الإثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت",
    "الأحد", "عام", "العام", "شهر", "الشهر", "أسبوع", "الأسبوع", "دقيقة",
    # months, Levantine and Egyptian names
    "كانون", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول", "تشرين",
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس", "سبتمبر",
    "أكتوبر", "نوفمبر", "ديسمبر",
    # page furniture that survives cleaning
    "اقرأ", "أيضا", "مشاركة", "تعليق", "تعليقاً",
)  # fmt: skip
_STOPWORDS = _keys(*_STOPWORD_WORDS)
_STOPWORDS_WITH_ARTICLE = _keys(*(word for word in _STOPWORD_WORDS if word.startswith("ال")))
# Words of conflict news in general: they say an article is about the war, not which event.
# Kept, at a quarter of the weight of a word that names the event.
_GENERIC_WORDS = _keys(
    "سوريا", "سورية", "السوري", "السورية", "السوريين", "قوات", "القوات", "الديمقراطية",
    "قسد", "داعش", "تنظيم", "التنظيم", "الدولة", "الإسلامية", "عناصر", "عنصر", "مقاتلين",
    "مقتل", "قتل", "قتلى", "إصابة", "جرحى", "هجوم", "هجمات", "الهجوم", "قصف", "استهداف",
    "اشتباكات", "عملية", "عمليات", "عسكري", "عسكرية", "أمني", "أمنية", "الأمن", "مصدر",
    "مصادر", "محلية", "بيان", "البيان", "وكالة", "الوكالة", "الأنباء", "وسائل", "الإعلام",
    "إعلام", "الإعلامي", "المركز", "الحكومة", "حكومة", "الحكومية", "النظام", "وزارة",
    "الدفاع", "الداخلية", "الجيش", "فصائل", "الفصائل", "المدنيين", "مدنيين", "منطقة",
    "المنطقة", "مناطق", "المناطق", "سيطرة", "مدينة", "المدينة", "ريف", "شرق", "غرب", "شمال",
    "جنوب", "شرقي", "غربي", "شمالي", "جنوبي", "المتحدث", "باسم", "اتهم", "اتهمت", "اتهامات",
    "نفى", "نفت", "تنفي", "ينفي", "مزاعم", "الاتهامات", "التحالف", "الدولي", "المسؤولية",
    "مسؤوليته", "مسؤوليتها", "الأخبار", "أخبار", "خبر", "نشطاء", "ناشطون", "المرصد",
    "لحقوق", "الإنسان", "الولايات", "المتحدة", "التركية", "تركيا", "الروسية", "دمشق",
)  # fmt: skip
_GENERIC_WEIGHT = 0.25
_KEYWORD_TOKEN_RE = re.compile(r"^[^\W\d_]{3,}$")


# "قرية X"، "بلدة X"، "مدينة X"، "حي X"، "مخيم X"... A definite trigger ("المدينة"،
# "في القرية") points back to a place already named, so only the indefinite form, the
# first term of an idafa, introduces a name.
_SETTLEMENT_TRIGGERS = _keys(
    "قرية", "قرى", "بلدة", "بلدتي", "مدينة", "حي", "بحي", "وحي", "مخيم", "ناحية", "منطقة",
    "محافظة", "ريف", "نهر",
)  # fmt: skip
# "شرق X"، "شرقي X"... also introduce a place: "شرقي حلب"، "شمال شرق الحسكة".
_DIRECTIONS = _keys("شرق", "شرقي", "غرب", "غربي", "شمال", "شمالي", "جنوب", "جنوبي")
# Adjectives after "ريف X": "ريف حلب الشمالي". They end the name, never start one.
_DIRECTION_ADJECTIVES = _keys(
    "الشرقي", "الغربي", "الشمالي", "الجنوبي", "الشرقية", "الغربية", "الشمالية", "الجنوبية",
)  # fmt: skip
# First words of two-word names that carry no article: "تل رفعت"، "عين عيسى"، "رأس العين".
_NAME_PREFIXES = _keys(
    "تل", "عين", "رأس", "دير", "أبو", "أم", "جسر", "خان", "كفر", "بئر", "سد", "الشيخ",
)  # fmt: skip
# Words a trigger is followed by when it does not introduce a name: "منطقة سيطرة قسد"،
# "منطقة عمليات"، "مدينة سورية"، "شمال البلاد"، "شرق سوريا".
_NOT_NAMES = _keys(
    "سيطرة", "عمليات", "اشتباكات", "نفوذ", "تماس", "عازلة", "آمنة", "أمنية", "عسكرية",
    "حدودية", "سكنية", "صناعية", "واسعة", "قريبة", "مجاورة", "مذكورة", "تابعة", "التابعة",
    "الواقعة", "ذاتها", "نفسها", "سورية", "سوري", "البلاد", "بلاد", "البلد", "الحدود",
    "المنطقة", "المدينة", "ضمن", "قرب", "بالقرب", "محيط", "أطراف", "كل", "أي", "هذه", "تلك",
    "التي", "الذي", "حيث", "عدة", "عدد", "جديدة", "كبيرة", "أخرى", "خاضع", "خاضعة",
    "الخاضع", "الخاضعة", "تواجد", "وجود", "عملية",
)  # fmt: skip
# Countries are too broad to tell events apart: nearly every article here is in Syria.
_COUNTRIES = _keys(
    "سوريا", "سورية", "العراق", "تركيا", "لبنان", "الأردن", "إيران", "روسيا", "إسرائيل",
)  # fmt: skip

# Well-known governorates, cities and regions, recognised without a settlement word when
# they follow a locative preposition ("في الرقة"، "من منبج"، "على تل رفعت"), carry the
# proclitic ب ("بعفرين"), are a hashtag ("#تل_رفعت") or are coordinated with such a place
# ("في حلب وإدلب"). Matched on the written words (article included), not on matching keys:
# the key of "البوكمال" is "مال", which "بالمال" (with money) also gives.
# Governorates (their capitals share the name) and wide regions are shared by many events
# in the same week, so they count less than a town or a village in `story_score`.
_BROAD_PLACES = {
    "الرقة": "الرقة",
    "دير الزور": "دير الزور",
    "ديرالزور": "دير الزور",
    "الحسكة": "الحسكة",
    "حلب": "حلب",
    "إدلب": "إدلب",
    "دمشق": "دمشق",
    "درعا": "درعا",
    "حمص": "حمص",
    "حماة": "حماة",
    "اللاذقية": "اللاذقية",
    "طرطوس": "طرطوس",
    "السويداء": "السويداء",
    "القنيطرة": "القنيطرة",
    "الفرات": "الفرات",
    "البادية": "البادية",
}
_TOWNS = {
    "القامشلي": "القامشلي",
    "قامشلو": "القامشلي",
    "منبج": "منبج",
    "عين العرب": "عين العرب",
    "كوباني": "عين العرب",
    "تل رفعت": "تل رفعت",
    "عفرين": "عفرين",
    "الطبقة": "الطبقة",
    "الشدادي": "الشدادي",
    "البوكمال": "البوكمال",
    "الميادين": "الميادين",
    "هجين": "هجين",
    "الباغوز": "الباغوز",
    "جرابلس": "جرابلس",
    "أعزاز": "أعزاز",
    "تل أبيض": "تل أبيض",
    "رأس العين": "رأس العين",
    "عين عيسى": "عين عيسى",
    "دير حافر": "دير حافر",
    "مسكنة": "مسكنة",
    "تدمر": "تدمر",
    "معرة النعمان": "معرة النعمان",
    "سراقب": "سراقب",
    "تفتناز": "تفتناز",
    "ذيبان": "ذيبان",
    "الشحيل": "الشحيل",
}


# Letters `normalize` leaves as they are, one by one and together: no mark, tatweel,
# joiner or presentation form, nothing NFKC changes. A word made only of these and of
# أ إ آ ى (folded one to one) needs no `normalize` call; every other word takes it.
_PLAIN_WORD_RE = re.compile("[\u0621-\u063a\u0641-\u064a]+")
_PLAIN_FOLDING = str.maketrans(
    {"\u0622": "\u0627", "\u0623": "\u0627", "\u0625": "\u0627", "\u0649": "\u064a"}
)


# Cached: a word is folded the same way each time, and news vocabulary repeats (a place
# name is cut from the text ~300 times per article).
@lru_cache(maxsize=1 << 16)
def _surface(word: str) -> str:
    plain = _PLAIN_WORD_RE.fullmatch(word) is not None
    folded = word.translate(_PLAIN_FOLDING) if plain else normalize(word)
    return folded.replace("\u0629", "\u0647")  # ة → ه, as in matching


_KNOWN_PLACES: dict[tuple[str, ...], str] = {
    tuple(_surface(name).split()): normalize_for_matching(canonical)
    for name, canonical in (_BROAD_PLACES | _TOWNS).items()
}
_KNOWN_FIRST_WORDS = frozenset(words[0] for words in _KNOWN_PLACES)
_KNOWN_PLACE_KEYS = frozenset(_KNOWN_PLACES.values())
BROAD_PLACE_KEYS = frozenset(normalize_for_matching(name) for name in _BROAD_PLACES.values())
_LOCATIVES = _keys("في", "من", "إلى", "الى", "على", "قرب", "نحو", "داخل", "حول", "بين", "عند")
# Clause punctuation between two words ends a name ("قرية غانم العلي، وتؤكد"); quotes
# around a name do not ("بلدة “مراط”"), nor the underscore of a hashtag ("#تل_رفعت").
_NAME_BREAK_RE = re.compile(r"[^\s_\"'«»“”‘’]")
_QUOTES_RE = re.compile(r"[\s\"'«»“”‘’]*")


class _Word(NamedTuple):
    key: str  # matching key: "مدينه" for "بالمدينة"
    surface: str  # written word, normalized, proclitics kept: "بالمدينه"
    start: int  # where the written word starts in the text (its proclitics included)
    end: int


def _words(text: str, spans: Sequence[TokenSpan] | None = None) -> list[_Word]:
    """The words of `text`; `spans` are its `token_spans` when the caller has them."""
    words = []
    for span in token_spans(text) if spans is None else spans:
        start = span.start
        # Walk back over the proclitics the key left out ("بال" of "بالمدينة").
        while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "\u0640"):
            start -= 1
        words.append(_Word(span.key, _surface(text[start : span.end]), start, span.end))
    return words


def _is_definite(word: _Word) -> bool:
    # "المدينة"، "بالمدينة"، "للمدينة" (ل + ال with its alef dropped); not "لمدينة".
    surface = word.surface
    if surface[:1] in ("و", "ف") and len(surface) > 3:
        surface = surface[1:]
    if surface[:1] in ("ب", "ك") and len(surface) > 3:
        surface = surface[1:]
    return surface.startswith("ال") or surface.startswith("لل")


def _surface_readings(surface: str) -> list[tuple[str, bool]]:
    """The word without its possible one-letter proclitics, and whether ب (in) was one:
    "وبالرقه" → "وبالرقه", "بالرقه" (False), "الرقه" (True)."""
    readings = [(surface, False)]
    if surface[:1] in ("و", "ف") and len(surface) > 3:
        surface = surface[1:]
        readings.append((surface, False))
    if surface.startswith("لل") and len(surface) > 3:
        readings.append(("ال" + surface[2:], False))
    elif surface[:1] in ("ب", "ك", "ل") and len(surface) > 3:
        readings.append((surface[1:], surface[0] == "ب"))
    return readings


def _joined(text: str, before: _Word, after: _Word, *, quotes_allowed: bool) -> bool:
    gap = text[before.end : after.start]
    if quotes_allowed:
        return _QUOTES_RE.fullmatch(gap) is not None
    return _NAME_BREAK_RE.search(gap) is None


def _known_place_at(words: list[_Word], index: int, text: str) -> tuple[str, int, bool] | None:
    """The known place written at words[index]: its key, its length in words, and whether
    its first word carries the proclitic ب."""
    for first, has_b in _surface_readings(words[index].surface):
        if first not in _KNOWN_FIRST_WORDS:
            continue
        following = index + 1 < len(words) and _joined(
            text, words[index], words[index + 1], quotes_allowed=False
        )
        if following and (first, words[index + 1].surface) in _KNOWN_PLACES:
            return _KNOWN_PLACES[(first, words[index + 1].surface)], 2, has_b
        if (first,) in _KNOWN_PLACES:
            return _KNOWN_PLACES[(first,)], 1, has_b
    return None


def _name_after_trigger(words: list[_Word], index: int, text: str) -> tuple[str, int] | None:
    """The 1-2 word name introduced by the trigger at words[index - 1], and its length."""
    if index >= len(words):
        return None
    first = words[index]
    if not _joined(text, words[index - 1], first, quotes_allowed=True):
        return None
    known = _known_place_at(words, index, text)
    if known is not None:
        return known[0], known[1]
    if not _can_be_name(first):
        return None
    if index + 1 < len(words) and _joined(text, first, words[index + 1], quotes_allowed=False):
        second = words[index + 1]
        # An idafa name: "غانم العلي"، "معرة النعمان" (the second word takes the article
        # and no other proclitic, the first word no article: not "كفريا والفوعة"), or a
        # known first word: "تل رفعت"، "عين عيسى"، "الشيخ ناصر".
        if not _is_definite(first) and second.surface.startswith("ال"):
            if second.key not in _STOPWORDS_WITH_ARTICLE and _can_be_name(second, article=True):
                return f"{first.key} {second.key}", 2
        elif first.key in _NAME_PREFIXES and _can_be_name(second):
            return f"{first.key} {second.key}", 2
    return first.key, 1


def _can_be_name(word: _Word, *, article: bool = False) -> bool:
    key = word.key
    return (
        len(key) >= 2
        and key.isalpha()
        and key not in _SETTLEMENT_TRIGGERS
        and key not in _DIRECTIONS
        and key not in _DIRECTION_ADJECTIVES
        and key not in _NOT_NAMES
        and key not in _COUNTRIES
        # Prepositions take no article, so "العلي" is a name even though "على" and "علي"
        # share a key; a word written with the article is checked against the stopwords
        # written with it ("اليوم"، "الماضي").
        and (article or key not in _STOPWORDS)
    )


def place_names(text: str, *, spans: Sequence[TokenSpan] | None = None) -> set[str]:
    """Places named in `text`, as matching keys: "مدينة معرة النعمان" → "معره نعمان".

    Patterns of Arabic news, each a rule a reader can check:
    - a settlement word then the name: قرية، بلدة، مدينة، حي، مخيم، ناحية، منطقة، محافظة،
      ريف ("ريف حلب الشمالي" → حلب), indefinite only ("المدينة" refers back);
    - a direction then the name: شرق/شرقي/غرب/غربي/شمال/جنوب... ("شرقي حلب" → حلب,
      "شمال شرق الحسكة" → الحسكة);
    - a well-known governorate, city or region (الرقة، دير الزور، منبج، تل رفعت...) after
      a locative preposition, with the proclitic ب, as a hashtag, or coordinated with one;
    - a name is 1 word, or 2 when it is an idafa ("غانم العلي") or starts with تل/عين/رأس/
      دير/أبو... ("تل رفعت"); clause punctuation ends it, quotes around it do not;
    - countries are left out (too broad), and so are generic words after a trigger
      ("منطقة سيطرة"، "شمال البلاد").

    `spans` are `token_spans(text)` when the caller has computed them already.
    """
    words = _words(text, spans)
    places: set[str] = set()
    after_place = -1  # index of the word after the last place found
    for index, word in enumerate(words):
        if word.key in _SETTLEMENT_TRIGGERS or word.key in _DIRECTIONS:
            named = None if _is_definite(word) else _name_after_trigger(words, index + 1, text)
            if named is not None:
                places.add(named[0])
                after_place = index + 1 + named[1]
            continue
        known = _known_place_at(words, index, text)
        if known is None:
            continue
        place, length, has_b = known
        previous = words[index - 1] if index else None
        after_locative = previous is not None and (
            previous.key in _LOCATIVES and _joined(text, previous, word, quotes_allowed=True)
        )
        hashtag = text[word.start - 1 : word.start] == "#"
        # "في حلب وإدلب"، "مدينتي منبج وجرابلس": a known place right after another.
        coordinated = index == after_place and word.surface.startswith("و")
        if after_locative or has_b or hashtag or coordinated:
            places.add(place)
            after_place = index + length
    return places


def keyword_vector(text: str, *, keys: Sequence[str] | None = None) -> dict[str, float]:
    """Keyword weights of `text`, tf-idf-like, unit length (so cosine is a dot product).

    tf: 1 + log(count). idf, without a reference corpus: 1 for a word that can name the
    event, 0.25 for the generic vocabulary of conflict news (قوات، مقتل، قصف، بيان...),
    0 for stopwords. Numbers and words under 3 letters are left out: casualty figures
    differ between outlets' versions of one event (9 or 10 killed in Tal Rifaat) and
    years are shared by unrelated ones.

    `keys` are `tokens(text)` when the caller has them (the keys of `token_spans(text)`).
    """
    counts = Counter(
        key
        for key in (tokens(text) if keys is None else keys)
        if key not in _STOPWORDS and _KEYWORD_TOKEN_RE.match(key)
    )
    weights = {
        key: (1 + math.log(count)) * (_GENERIC_WEIGHT if key in _GENERIC_WORDS else 1.0)
        for key, count in counts.items()
    }
    norm = math.sqrt(sum(weight * weight for weight in weights.values()))
    if norm == 0:
        return {}
    return {key: weight / norm for key, weight in weights.items()}


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    """Cosine similarity of two sparse vectors (0 when either is empty).

    The sums are exactly rounded (`math.fsum`), so the result does not depend on the order
    of the keys: a story's keywords read back from PostgreSQL's jsonb come in another
    order than the ones kept in memory, and a score at the threshold must not tip."""
    if len(a) > len(b):
        a, b = b, a
    dot = math.fsum(weight * b.get(key, 0.0) for key, weight in a.items())
    if dot == 0:
        return 0.0
    norm_a = math.sqrt(math.fsum(weight * weight for weight in a.values()))
    norm_b = math.sqrt(math.fsum(weight * weight for weight in b.values()))
    return dot / (norm_a * norm_b)


@dataclass
class StoryFeatures:
    """What clustering compares: an article's, or a story's accumulated features."""

    actors: frozenset[str] = field(default_factory=frozenset)
    places: frozenset[str] = field(default_factory=frozenset)
    keywords: dict[str, float] = field(default_factory=dict)
    published: datetime | None = None


def features(
    text: str,
    actors: frozenset[str],
    published: datetime | None,
    *,
    spans: Sequence[TokenSpan] | None = None,
) -> StoryFeatures:
    """Features of an article's title and body; `actors` come from the registry match.
    `spans` are `token_spans(text)` when the caller has them (the actor match needs them
    too)."""
    return StoryFeatures(
        actors=frozenset(actors),
        places=frozenset(place_names(text, spans=spans)),
        keywords=keyword_vector(text, keys=None if spans is None else [s.key for s in spans]),
        published=published,
    )


# Weights and threshold, tuned on the dev corpus (40 articles, 24 stories) and the seeds;
# tests/sources/test_similarity.py prints the pairwise precision and recall. The keyword
# cosine (0-1) counts in full. A shared place adds a bonus by how specific it is:
# - a village or neighbourhood found by a settlement word and not in the well-known list
#   ("قرية غانم العلي"، "حي القصور"، "بلدة راغب"): VILLAGE_WEIGHT, nearly an event alone;
# - a well-known town ("تل رفعت"، "عفرين"، "منبج"): TOWN_WEIGHT; a front-line town sees
#   many events, and an article names the towns around its event too (where the shells
#   came from, where the victims were displaced from);
# - a governorate or region ("دير الزور"، "حلب"، "الفرات"): BROAD_PLACE_WEIGHT, little
#   more than the topic of the desk.
# Actor overlap (Jaccard, 0-1) adds ACTOR_WEIGHT at most: weak, most articles share the SDF.
# The sum is multiplied by `time_factor`. At the threshold, two articles whose whole
# overlap is a governorate, the usual actors and war vocabulary stay apart (cosine about
# 0.2-0.3), while two outlets' versions of one event that share its village join even when
# they tell it from different sides (cosine 0.1 + 0.5).
VILLAGE_WEIGHT = 0.5
TOWN_WEIGHT = 0.2
BROAD_PLACE_WEIGHT = 0.05
KEYWORD_WEIGHT = 1.0
ACTOR_WEIGHT = 0.1
SAME_STORY_THRESHOLD = 0.36
# Outlets report an event within days; a story's articles come within TIME_WINDOW of it.
FULL_WEIGHT_WITHIN = timedelta(days=2)
TIME_WINDOW = timedelta(days=10)


def time_factor(a: datetime | None, b: datetime | None) -> float:
    """1 within two days, down to 0.5 at ten days, 0 beyond; 1 when a date is unknown."""
    if a is None or b is None:
        return 1.0
    if (a.tzinfo is None) != (b.tzinfo is None):
        # One date came without a zone: compare wall-clock times, days matter, not hours.
        a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
    gap = abs(a - b)
    if gap > TIME_WINDOW:
        return 0.0
    if gap <= FULL_WEIGHT_WITHIN:
        return 1.0
    return 1.0 - 0.5 * (gap - FULL_WEIGHT_WITHIN) / (TIME_WINDOW - FULL_WEIGHT_WITHIN)


def place_weight(place: str) -> float:
    """How much sharing this place says about two articles telling one event."""
    if place in BROAD_PLACE_KEYS:
        return BROAD_PLACE_WEIGHT
    if place in _KNOWN_PLACE_KEYS:
        return TOWN_WEIGHT
    return VILLAGE_WEIGHT


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


def story_score(a: StoryFeatures, b: StoryFeatures) -> float:
    """How likely a and b tell the same event; >= SAME_STORY_THRESHOLD means the same story."""
    factor = time_factor(a.published, b.published)
    if factor == 0.0:
        return 0.0
    score = (
        max(map(place_weight, a.places & b.places), default=0.0)
        + KEYWORD_WEIGHT * cosine(a.keywords, b.keywords)
        + ACTOR_WEIGHT * _jaccard(a.actors, b.actors)
    )
    return score * factor
