"""The cue lexicon: words and phrasings that introduce an attributed claim, by class.

The lexicon is data: each entry lists the written forms of one cue (past and present, masculine
and feminine, singular and plural, the active participle that opens a second clause, the verbal
noun), and the matcher adds what every form may take around it: the conjunctions و / ف in front,
an object pronoun behind (نفته، اتهمها، حمّلها). Forms are written as the press writes them and
folded with the project's one normalization, so "أكّد"، "اكد" and "أكـد" are one cue.

Classes:
- accuse: اتهم، حمّل ... المسؤولية، استنكر، أدان
- deny: نفى، كذّب، فنّد، تبرّأ، رفض ... الاتهامات، "عارٍ عن الصحة"
- say: قال، أكد، أضاف، أشار، أوضح، ذكر، أفاد، صرّح، كشف، أعلن، بيّن، لفت، تابع، شدد، حذّر، رجّح،
  رأى، اعتبر، زعم، ادّعى ... (the content decides the claim type)
- confirm: أكد صحة ...، اعترف، أقرّ
- claim_responsibility: تبنى، أعلن مسؤوليته (an attack claimed: an assertion)
- demand: طالب، دعا، ناشد، حثّ
- no_comment: لم تعلق، لم يصدر ... تعليق، رفض التعليق، لم يرد، لم يتسنّ ...
- attrib: بحسب، حسب، وفق، وفقاً لـ، نقلاً عن، على لسان (the claimant follows, the content is
  the rest of the clause)

`form` says how the cue sits in the sentence, which decides where its subject is:
- "verb": a finite verb, its subject after it (VSO) or before it (SVO);
- "participle": مؤكداً، مشيرةً ... continues the clause before it, same claimant;
- "noun": اتهامات، نفي ... (the party follows as a genitive: "اتهامات نظام الأسد");
- "attrib": the party follows the preposition;
- "no_comment": the party is inside or right after the phrase.
"""

import re
from dataclasses import dataclass
from functools import cache

from sources.text import Folded, fold

__all__ = ["CUE_CLASSES", "CueMatch", "find_cues"]

CUE_CLASSES = (
    "accuse",
    "deny",
    "counter",
    "say",
    "confirm",
    "claim_responsibility",
    "demand",
    "no_comment",
    "attrib",
)

# Arabic letters after folding (hamza forms kept), used for word edges.
_L = "\u0621-\u064a\u0671-\u06d3"
_PRONOUN = "(?:ه|ها|هم|هما|هن|كم|نا)?"  # object pronoun: نفته، اتهمها، حمّلهم


# (class, lemma, forms by kind). Lemmas are stable ids recorded on machine claims.
_VERBS: list[tuple[str, str, str, str]] = [
    # class, lemma, finite forms, participles
    ("accuse", "اتهم", "اتهم اتهمت اتهموا يتهم تتهم يتهمون نتهم", "متهما متهمة متهمين متهمًا"),
    ("accuse", "استنكر", "استنكر استنكرت استنكروا يستنكر تستنكر", "مستنكرا مستنكرة"),
    # No participle: "مدينة" is "city".
    ("accuse", "أدان", "أدان أدانت دان دانت يدين تدين ندين", ""),
    ("deny", "نفى", "نفى نفت نفوا ينفي تنفي ينفون ننفي", "نافيا نافية نافين"),
    ("deny", "كذّب", "كذّبت كذبت يكذب تكذب يكذبون", "مكذبا مكذبة"),
    ("deny", "فنّد", "فنّد فندت يفند تفند", "مفندا مفندة"),
    ("deny", "تبرّأ", "تبرأ تبرأت يتبرأ تتبرأ", "متبرئا متبرئة"),
    (
        "say",
        "قال",
        "قال قالت قالوا يقول تقول يقولون نقول",
        "قائلا قائلة",
    ),
    ("say", "أكد", "أكد أكدت أكدوا يؤكد تؤكد يؤكدون نؤكد", "مؤكدا مؤكدة مؤكدين"),
    ("say", "أضاف", "أضاف أضافت أضافوا يضيف تضيف", "مضيفا مضيفة مضيفين"),
    ("say", "أشار", "أشار أشارت أشاروا يشير تشير يشيرون", "مشيرا مشيرة مشيرين"),
    ("say", "أوضح", "أوضح أوضحت أوضحوا يوضح توضح", "موضحا موضحة"),
    ("say", "ذكر", "ذكر ذكرت ذكروا يذكر تذكر", "ذاكرا ذاكرة"),
    ("say", "أفاد", "أفاد أفادت أفادوا يفيد تفيد", "مفيدا مفيدة"),
    ("say", "صرّح", "صرح صرحت صرحوا يصرح تصرح", "مصرحا مصرحة"),
    ("say", "كشف", "كشف كشفت كشفوا يكشف تكشف", "كاشفا كاشفة"),
    ("say", "أعلن", "أعلن أعلنت أعلنوا يعلن تعلن نعلن", "معلنا معلنة"),
    # "بين" alone is the preposition "between".
    ("say", "بيّن", "بينت بينوا يبين تبين", "مبينا مبينة"),
    ("say", "لفت", "لفت لفتت يلفت تلفت", "لافتا لافتة"),
    # "تابع" alone is also "affiliated to" (عنصر تابع للتنظيم): only "وتابع" continues speech.
    ("say", "تابع", "وتابع وتابعت", ""),
    ("say", "شدد", "شدد شددت شددوا يشدد تشدد", "مشددا مشددة"),
    ("say", "حذّر", "حذر حذرت حذروا يحذر تحذر", "محذرا محذرة"),
    ("say", "رجّح", "رجح رجحت رجحوا يرجح ترجح", "مرجحا مرجحة"),
    ("say", "رأى", "رأى رأت رأوا يرى ترى نرى", ""),
    ("say", "اعتبر", "اعتبر اعتبرت اعتبروا يعتبر تعتبر يعتبرون نعتبر", "معتبرا معتبرة معتبرين"),
    # "زعم" and "ادّعى" report an allegation (the journalist distancing himself from it).
    ("accuse", "زعم", "زعم زعمت زعموا يزعم تزعم", "زاعما زاعمة"),
    ("accuse", "ادّعى", "ادعى ادعت ادعوا يدعي تدعي", "مدعيا مدعية"),
    ("say", "وثّق", "وثق وثقت وثقوا يوثق توثق", ""),
    ("say", "توقّع", "توقع توقعت توقعوا يتوقع تتوقع", "متوقعا متوقعة"),
    ("say", "أورد", "أورد أوردت", ""),
    ("say", "نشر", "نشر نشرت", ""),
    ("say", "وصف", "وصف وصفت", "واصفا واصفة"),
    ("say", "نقل", "نقل نقلت ينقل تنقل", ""),
    ("confirm", "اعترف", "اعترف اعترفت اعترفوا يعترف تعترف", "معترفا معترفة"),
    ("confirm", "أقرّ", "أقر أقرت أقروا يقر تقر", "مقرا مقرة"),
    ("claim_responsibility", "تبنّى", "تبنى تبنت تبنوا يتبنى تتبنى", "متبنيا متبنية"),
    ("demand", "طالب", "طالب طالبت طالبوا يطالب تطالب يطالبون نطالب", "مطالبا مطالبة مطالبين"),
    ("demand", "دعا", "دعا دعت دعوا يدعو تدعو يدعون ندعو", "داعيا داعية"),
    ("demand", "ناشد", "ناشد ناشدت ناشدوا يناشد تناشد نناشد", "مناشدا مناشدة"),
    ("demand", "حثّ", "حثت يحث تحث", ""),
]

# Verbal nouns that carry an attributed claim when a party follows them as a genitive
# ("اتهامات نظام الأسد له"، "نفي قسد").
_NOUNS: list[tuple[str, str, str]] = [
    ("accuse", "اتهام", "اتهام اتهامات الاتهام الاتهامات"),
    ("deny", "نفي", "نفي نفيه نفيها نفينا"),
    ("accuse", "زعم", "زعم مزاعم الزعم"),
    ("accuse", "ادعاء", "ادعاء ادعاءات الادعاء"),
    ("say", "إعلان", "إعلان"),
    ("say", "تأكيد", "تأكيد تأكيدها تأكيده تأكيدنا"),
    ("demand", "دعوة", "دعوة مطالبة"),
]

# Verbs whose claim needs a second word to be a claim at all: "حمّل" (carry) blames only
# with "المسؤولية" after it; "رفض" (refuse) denies only an accusation.
_CONDITIONAL: list[tuple[str, str, str, str, str]] = [
    # class, lemma, forms, participles, regex (folded text) required within the clause
    ("accuse", "حمّل المسؤولية", "حمل حملت حملوا يحمل تحمل نحمل", "محملا محملة", r"مسؤولي|مسوولي"),
    ("deny", "رفض الاتهامات", "رفض رفضت رفضوا يرفض ترفض", "رافضا رافضة", r"اتهام|مزاعم|ادعاء"),
    (
        "confirm",
        "أكد صحة",
        "أكد أكدت يؤكد تؤكد",
        "مؤكدا مؤكدة",
        r"^\s*(?:\S+\s+){0,4}?(?:صحه|حصيله|نبا|الانباء|التقارير|الخبر)",
    ),
]

# Fixed phrasings, matched on folded text as regexes (… = up to a few words between).
_GAP = r"(?:\s+\S+){0,6}?\s+"
_PHRASES: list[tuple[str, str, str]] = [
    # no comment: "لم تُصدر الحكومة السورية تعليقاً"، "لم يصدر تعليق عن تركيا"
    ("no_comment", "لم يصدر تعليق", rf"لم\s+[يت]صدر(?:{_GAP}|\s+)(?:اي\s+)?(?:تعليق|رد|بيان)"),
    ("no_comment", "لم يعلق", r"لم\s+[يتن]علق"),
    (
        "no_comment",
        "رفض التعليق",
        r"(?:رفض|رفضت|يرفض|ترفض|امتنع|امتنعت)(?:\s+\S+){0,4}?\s+(?:عن\s+)?التعليق",
    ),
    ("no_comment", "لم يرد", r"لم\s+[يت]رد(?=\s)(?!\s+(?:ذكر|اسم|في|ضمن))"),
    ("no_comment", "لم يعقب", r"لم\s+[يت]عقب"),
    ("no_comment", "لم يتسن", r"لم\s+يتسن(?:ى)?\s+\S+(?:\s+\S+){0,4}?\s+(?:تعليق|رد|التعليق)"),
    ("no_comment", "غياب تعليق", r"(?:غياب|دون|بلا)\s+(?:اي\s+)?(?:تعليق|رد)"),
    # "ولم يُعلن التنظيم مسؤوليته": a named party that has not claimed an attack.
    ("no_comment", "لم يعلن مسؤوليته", rf"لم\s+[يت]علن(?:{_GAP}|\s+)مسؤوليت|لم\s+[يت]تبن"),
    # claim of responsibility: "أعلن تنظيم داعش مسؤوليته عن الهجوم"
    (
        "claim_responsibility",
        "أعلن مسؤوليته",
        rf"(?<!لم\s)(?:[وف])?(?:اعلن|اعلنت|يعلن|تعلن){_GAP}مسؤوليت",
    ),
    # denial phrasings
    ("deny", "عار عن الصحة", r"عار(?:يه|ي)?\s+(?:تماما\s+)?(?:عن|من)\s+الصحه"),
    ("deny", "لا أساس له", r"لا\s+اساس\s+(?:لها|له)"),
    # attribution prepositions: "بحسب قسد"، "وفقاً لشامي"، "نقلاً عن مصدر"
    ("attrib", "بحسب", r"(?:[وف])?(?:ب)?حسب"),
    ("attrib", "وفق", r"(?:و)?(?:وفقا|وفق|طبقا)"),
    ("attrib", "نقلا عن", r"(?:و)?نقلا\s+عن"),
    ("attrib", "على لسان", r"(?:و)?علي\s+لسان"),
]


@dataclass(frozen=True, slots=True)
class CueMatch:
    cls: str  # one of CUE_CLASSES
    lemma: str  # stable id of the cue: "نفى", "حمّل المسؤولية", "بحسب"
    form: str  # "verb", "participle", "noun", "phrase", "attrib", "no_comment"
    start: int  # [start, end) in the original text
    end: int
    surface: str  # the cue as written in the text


def _folded(word: str) -> str:
    return fold(word).text


@dataclass(frozen=True)
class _Entry:
    cls: str
    lemma: str
    form: str
    pattern: re.Pattern[str] | None = None  # phrases only; words are looked up
    requires: re.Pattern[str] | None = None
    pronoun: bool = False  # the form may carry an object pronoun: نفته، اتهمها


_PRONOUNS = ("هما", "هم", "هن", "ها", "كم", "نا", "ه")
_WORD_RE = re.compile(f"[{_L}]+")


@cache
def _lexicon() -> tuple[dict[str, list[_Entry]], tuple[_Entry, ...]]:
    """Single words by folded form (one dict lookup per word), and the phrase patterns."""
    words: dict[str, list[_Entry]] = {}

    def add(forms: str, entry: _Entry) -> None:
        for form in forms.split():
            words.setdefault(_folded(form), []).append(entry)

    for cls, lemma, finite, participles in _VERBS:
        add(finite, _Entry(cls, lemma, "verb", pronoun=True))
        add(participles, _Entry(cls, lemma, "participle"))
    for cls, lemma, forms in _NOUNS:
        add(forms, _Entry(cls, lemma, "noun"))
    for cls, lemma, finite, participles, requires in _CONDITIONAL:
        needed = re.compile(requires)
        add(finite, _Entry(cls, lemma, "verb", requires=needed, pronoun=True))
        add(participles, _Entry(cls, lemma, "participle", requires=needed))
    phrases = []
    for cls, lemma, regex in _PHRASES:
        form = {"attrib": "attrib", "no_comment": "no_comment"}.get(cls, "phrase")
        # A phrase ends wherever its last word does ("تعليقاً"، "مسؤوليتها"); "فحسب" is
        # "only", never "according to".
        pattern = re.compile(rf"(?<![{_L}])(?:[وف](?=لم|رفض|امتنع))?(?:{regex})[{_L}]*")
        phrases.append(_Entry(cls, lemma, form, pattern))
    return words, tuple(phrases)


def _word_entries(word: str, words: dict[str, list[_Entry]]) -> list[_Entry]:
    # The word as written, without a leading و / ف ("وأضاف"، "فيما"), and without an object
    # pronoun for verbs ("نفته"، "اتهمها").
    found: list[_Entry] = []
    stems = [word]
    if len(word) > 3 and word[0] in "وف":
        stems.append(word[1:])
    for stem in stems:
        found.extend(words.get(stem, ()))
        if found:
            return found
        for pronoun in _PRONOUNS:
            if stem.endswith(pronoun) and len(stem) - len(pronoun) >= 3:
                found.extend(
                    entry for entry in words.get(stem[: -len(pronoun)], ()) if entry.pronoun
                )
        if found:
            return found
    return found


# A word spelled both as a verb and as a noun ("زعم"، "نفي") is the noun after the
# prepositions that name what a statement answers: "ردّ على زعم النظام"، "تحدث عن ادعاء".
_PREPOSITIONS = frozenset({"علي", "عن", "حول", "بشان"})

# How far (folded characters) a conditional cue looks for its second word.
_REQUIRES_WINDOW = 80


def find_cues(text: str, folded: Folded | None = None) -> list[CueMatch]:
    """Every cue in `text`, left to right; overlapping matches keep the longest."""
    folded = folded or fold(text)
    words, phrases = _lexicon()
    found: list[tuple[int, int, _Entry, int]] = []
    ftext = folded.text
    previous = ""
    for match in _WORD_RE.finditer(ftext):
        after_preposition = previous in _PREPOSITIONS
        previous = match.group()
        for entry in _word_entries(match.group(), words):
            if entry.requires is not None:
                window = ftext[match.end() : match.end() + _REQUIRES_WINDOW].split(".")[0]
                if not entry.requires.search(window):
                    continue
            rank = _priority(entry)
            if after_preposition and entry.form == "noun":
                rank = 3  # "ردّ على زعم النظام": after a preposition the word is a noun
            found.append((match.start(), match.end(), entry, rank))
    for entry in phrases:
        assert entry.pattern is not None
        for match in entry.pattern.finditer(ftext):
            found.append((match.start(), match.end(), entry, _priority(entry)))
    found.sort(key=lambda item: (item[0], -(item[1] - item[0]), -item[3]))
    kept: list[CueMatch] = []
    last_end = -1
    for start, end, entry, _rank in found:
        if start < last_end:
            continue
        original_start, original_end = folded.span_to_original(start, end)
        kept.append(
            CueMatch(
                cls=entry.cls,
                lemma=entry.lemma,
                form=entry.form,
                start=original_start,
                end=original_end,
                surface=text[original_start:original_end],
            )
        )
        last_end = end
    return kept


def _priority(entry: _Entry) -> int:
    # A noun spelled like a verb ("نفى"/"نفي"، "زعم") is read as the verb; a conditional or
    # multiword cue ("أكد صحة"، "رفض التعليق") wins over the plain verb it starts with.
    if entry.form == "noun":
        return 0
    if entry.requires is not None or entry.form in {"phrase", "no_comment", "attrib"}:
        return 2
    return 1
