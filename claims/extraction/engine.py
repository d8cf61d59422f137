"""Rule-based claim extraction: from an Arabic news text to candidate claims.

Per sentence: cue words (cues.py) and registry actors (the alias index) are found on the
text folded once; each cue that opens a clause gives one candidate whose
- claimant is the subject after the cue (VSO: "اتهمت قسد ..."، "قال فرهاد شامي ...") or before
  it (SVO and headlines: "قسد تتهم ..."، "الدفاع السورية: ..."), the party after an
  attribution ("بحسب قسد"، "وفقاً لشامي"), or, for a clause with no subject of its own
  ("وأضاف أن"، "مشيراً إلى"), the claimant of the clause it continues;
- speaker is a person named as the subject; the claimant is then the organisation named in
  the apposition ("فرهاد شامي، مدير المركز الإعلامي لـ”قسد”") or the one the person speaks for;
- quote is the clause from the cue (or the subject before it) to the next clause cue or the
  end of the sentence: `text[start:end] == quote`, always;
- type comes from the cue class and, for neutral cues (قال، أكد ...), from the content.

Every candidate records the rule and the cue that produced it, for analysts to see.
"""

import re
from dataclasses import dataclass, replace

from claims.extraction.cues import CueMatch, find_cues
from claims.extraction.matcher import ActorMatch
from claims.extraction.registry import Registry
from claims.extraction.sentences import split_sentences
from sources.text import fold

__all__ = ["Candidate", "extract"]


@dataclass(frozen=True)
class Candidate:
    type: str
    claimant: str | None  # party key
    claimant_surface: str
    speaker: str | None  # person key
    speaker_description: str
    targets: tuple[str, ...]
    start: int
    end: int
    quote: str
    cue: str
    cue_class: str
    direct: bool
    rule: str


_L = "\u0621-\u064a"

# Words that end the search for a verb's subject: the content clause has begun.
# Folded forms (أ إ → ا, ة → ه).
# "نفى كل من X و Y": "من" after "كل" lists the subjects, it does not end them.
# A relative pronoun ends it too: in "نفت خلاله صحة المعلومات التي أوردتها الصحيفة" the
# newspaper is the subject of the relative clause, not of "نفت".
_SUBJECT_STOP_RE = re.compile(
    rf"(?<![{_L}])(?:[وف]?ب?[اإأ]ن(?:ه|ها|هم|نا)?|الي|علي|عن|(?<!كل )من|بان(?:ه|ها)?|ضد|حول|بشان"
    rf"|التي|الذي|الذين|اللتين|اللذين)(?![{_L}])"
    r"|[،,:;؛\"“”«»]"
)
# "لـ"، "لوكالة"، "لموقع" before an outlet: the outlet a statement was given to.
_ADDRESSEE_RE = re.compile(r"ل(?:وكاله|موقع|صحيفه|منصه|قناه|شبكه|تلفزيون)")
# A party named after these words is a place or a territory, not an actor of the claim.
_PLACE_WORD_RE = re.compile(r"[وب]?(?:ريف|مدينه|محافظه|العاصمه|بلده|حي)")
_CONTROL_WORD_RE = re.compile(r"[ول]?ل?(?:سيطره|نفوذ)|تسيطر|يسيطر|تحت")
# Where the fire came from: the party holding that ground is accused.
_ORIGIN_RE = re.compile(
    r"(?<![\u0621-\u064a])(?:تنطلق|انطلقت|ينطلق|اطلقت|اطلق|مصدر|مصدرها|قادمه|مصدره)(?![\u0621-\u064a])"
)
# Words that carry no claim between a speech verb and the clause it introduces.
_EMPTY_WORDS = frozenset({"ان", "بان", "انه", "انها", "وان", "ايضا", "كذلك", "موقع", "وكاله"})
_QUOTE_MARKS = '"“”«»'
# Small words allowed between a subject and its verb (SVO): "قسد تتهم"، "وكانت الخارجية قد ذكرت".
_SVO_GAP_RE = re.compile(rf"^(?:[\s\"“”«»()،,\-–]|قد|فقد|بدورها|بدوره|(?<![{_L}])لا(?![{_L}]))*$")
# What may stand between a word and the party right after it: white space, quotes, and the
# proclitics the alias index strips from the party's first word ("نفى الجيش"، "لـ”قسد”").
_TIGHT_GAP_RE = re.compile(r'^[\s"“”«»()\-–،,ـ]*(?:[وفبلك]?(?:ال|لل)?|[وفبلك])?[\s"“”«»()ـ]*$')
_PROCLITIC_ONLY_RE = re.compile(r"^[\"“”«(]*(?:[وفبلك]?(?:ال|لل)|[وفبلك])[\"“”«(ـ]*$")
_SOURCE_WORD_RE = re.compile(r"^(?:مصدر|مصادر|ناشط|نشطاء|شهود|شاهد|مسوول|مسؤول)")
# Bare nouns that refer back to a party named earlier: "وذكر البيان"، "وأوضحت المصادر".
_ANAPHORS: dict[str, tuple[str, ...]] = {
    # the noun: the kinds of party it can refer to ("" = the claimant of the last claim)
    "البيان": ("",),
    "المتحدث": ("",),
    "الناطق": ("",),
    "المصدر": ("", "collective"),
    "المصادر": ("collective",),
    "الناشطون": ("collective",),
    "الوكاله": ("media",),
    "الصحيفه": ("media",),
    "الموقع": ("media", "tribe", ""),
    "التنظيم": ("armed_group",),
    "الوزاره": ("ministry",),
    "المجلس": ("unit", "political"),
    "القوات": ("armed_group", "unit"),
    "المركز": ("organization",),
    "التحالف": ("coalition",),
    "المرصد": ("organization",),
    "التجمع": ("armed_group",),
    "الحركه": ("armed_group",),
    "الفصيل": ("armed_group",),
    "النظام": ("government",),
    "الحكومه": ("government",),
    "الاخيره": ("",),
}
_ANAPHOR_RE = re.compile(
    rf"(?<![{_L}])[وف]?(?:{'|'.join(sorted(_ANAPHORS, key=len, reverse=True))})(?![{_L}])"
)

# Content markers, on folded text.
_DEMAND_RE = re.compile(r"(?<![\u0621-\u064a])(?:يجب|يتعين|ينبغي|لا بد|تتطلب|يتطلب|ضروره)")
_FALSITY_RE = re.compile(
    r"كاذب|مزور|مفبرك|مضلل|غير صحيح|عار(?:يه)? (?:تماما )?عن الصحه|لا اساس|لا صحه|"
    r"اخبارا غير|اشاعات|افتراء|باطل|تلفيق"
)
# A negated act of the speaker ("لم تنفذ"، "لم نقصف"، "ليس لدينا تواجد") denies; a negated
# state ("لم يكن عفوياً") does not.
_NEGATED_ACT_RE = re.compile(
    r"(?<![\u0621-\u064a])(?:لم [نتي](?:نفذ|قم|قصف|شارك|ستهدف|رتكب|طلق|تورط)|لم يتم استهداف|"
    r"ليس لدي|ليس لنا|ليس هناك|لا توجد|لا يوجد|ما من|لا علاقه|عدم مشارك|"
    # A party that declares itself innocent: "أعلن الفصيل براءته من الحادثة".
    r"براءت(?:ه|ها|هم|هما|نا)? من|براءه [\u0621-\u064a]+ من)"
)
# "...، وأن هذه الادعاءات مفبركة": a second content clause of the same statement.
_COORDINATED_RE = re.compile(
    r"[،,]\s*[\"“”«]?\s*(?:و|[اإ]لا\s+)[أإا]ن(?:ه|ها|هم)?(?![\u0621-\u0652])"
    r"(?!\s*ما(?![\u0621-\u064a]))"
)
_MOTIVE_RE = re.compile(r"تهدف|بهدف|الهدف من|خلق ذرائع|ذرائع|فخ")
_INSINUATION_RE = re.compile(
    r"(?:لم يكن|لم تكن|ليس|ليست|غير) [\"“”«]?عفوي|(?<![\u0621-\u064a])[وب]?(?:ال)?تحريض|ممنهج|مدبر"
)
_RECAST_RE = re.compile(r"(?<![\u0621-\u064a])[وف]?(?:انما|بل) (?:هي|هو|هم|هن)(?![\u0621-\u064a])")
_BUT_RE = re.compile(r"^[\s،,]*(?:بل|وانما|انما|لكن)(?![\u0621-\u064a])")
_BLAME_RE = re.compile(
    r"تنسيق|بالتنسيق|تعاون|وراء|خلف|مسؤولي|تورط|ضلوع|يقود|قصف|استهدف|هاجم|هجوم|هجمات|"
    r"ارتكب|مجزر|سرق|مسروق|نهب|انتهاك|خرق|تحريض|ارهابي|تهديد|اعدام|اعتقل|اوقف|"
    r"تتجاهل|يتجاهل|تكتفي|عفوي|مرتزق|اختطاف|تهجير|"
    # Deaths caused by a named party: "قتلى في غارات قادتها ..."، "طائرات التحالف قتلت ...".
    r"غاره|غارات|شنها|شنته|قادتها|قتلت|قتلوا"
)
# The speaker's own operation, as the main predicate of the content ("أحبطت تسلل ..."،
# "أنه تم إحباط الهجمات"، "نفذت قواتنا عملية"): an assertion even when the enemy is named.
_OWN_OPERATION_RE = re.compile(
    r"(?<![\u0621-\u064a])(?:[وف]?(?:احبط|احبطت|احباط|تمكن|تمكنت|نفذت|حيد|حيدت|تحييد|اسقط|"
    r"اسقطت|ضبط|داهمت|قواتنا|القضاء علي|القبض|تفكيك|استعاد|حررت|تحرير|ردت|الرد|انزال|"
    # "مقتل قيادي في التنظيم خلال عملية أمنية": the speaker's operation, by its name.
    r"(?:خلال|في|اثر|اثناء|ب)\s?عمليه (?:امنيه|عسكريه|نوعيه|دقيقه|خاصه)))"
    r"(?![\u0621-\u064a])"
)
_OWN_OPERATION_REACH = 60
# The act a content clause reports, to find who did it: the party named before it.
_ACT_RE = re.compile(
    r"(?<![\u0621-\u064a])[وف]?(?:هاجم|استهدف|قصف|نفذ|شن|ارتكب|قتل|اعتقل|احبط|حيد|اسقط|داهم|"
    r"تمكن|اطلق|اغتال|خطف|اختطف|فجر|دمر)(?:ت|وا|تا|ا)?(?:ه|ها|هم)?(?![\u0621-\u064a])"
)
_ACT_REACH = 120
# The speaker's own men: "إن عناصره هاجموا دورية"، "قواتنا أسقطت".
_SELF_RE = re.compile(
    r"(?<![\u0621-\u064a])[وف]?(?:عناصر|مقاتلي|جنود|قوات|افراد|وحدات|مجموعات)(?:ه|ها|هم|نا)"
    r"(?![\u0621-\u064a])|مقاتلونا|جنودنا"
)
# A party named in these phrases helps, it does not act: "بمساندة من التحالف الدولي".
_SUPPORT_RE = re.compile(r"مسانده|بمسانده|دعم|بدعم|اسناد|باسناد|مشارك|بمشارك|غطاء|بغطاء")
# Participle cues continue the clause before them; these finite verbs may too.
_CONTINUATION_LEMMAS = frozenset(
    {"أضاف", "أكد", "أشار", "أوضح", "تابع", "شدد", "لفت", "بيّن", "حذّر", "اعتبر", "قال", "ذكر"}
)
# How far (characters) the subject may stand from its verb.
_VSO_WINDOW = 70
_SVO_WINDOW = 30
_NO_COMMENT_WINDOW = 30
# "ونقلت الصحيفة البريطانية عن المتحدث باسم قسد": how far the source may stand from the verb.
_CHAIN_REACH = 40
_MAX_QUOTE = 400
_MIN_QUOTE = 12
_SHORT_SENTENCE = 120
# A clause with no subject continues a claim at most this many sentences back.
_CARRY_SENTENCES = 3


@dataclass
class _Claimant:
    party: str
    surface: str
    speaker: str | None = None
    description: str = ""
    start: int = 0  # where the subject stands
    end: int = 0


@dataclass
class _State:
    """What the previous clauses said, for continuations and anaphors."""

    last: _Claimant | None = None
    last_sentence: int = -10
    denied_by: set[str] | None = None
    accused_by: dict[str, set[str]] | None = None  # accused party -> its accusers

    def __post_init__(self) -> None:
        self.denied_by = set()
        self.accused_by = {}


def _clause_initial(text: str, position: int, sentence_start: int, surface: str) -> bool:
    """Whether a cue at `position` opens a clause (a relative "التي نشرتها" does not)."""
    if surface[:1] in "وف" and fold(surface).text not in {"وصف", "وصفت", "فند", "فندت"}:
        return True
    before = text[sentence_start:position].rstrip()
    words = before.split()
    if words and _PROCLITIC_ONLY_RE.match(fold(words[-1]).text):
        # The proclitic the alias index left out of a party's span: "الداخلية" starts at "د".
        before = before[: len(before) - len(words[-1])].rstrip()
    if not before:
        return True
    if before[-1] in '،,:;؛"“”«»(-–—.':
        return True
    last_word = fold(before.split()[-1]).text
    if last_word in _STATEMENT_NOUNS:
        # "أصدرت بياناً نفت فيه ..." reports the statement; "تقرير نشرته صحيفة" (the verb
        # carries a pronoun back to the noun) is a relative clause describing it.
        return not re.search(r"(?:ه|ها|هم)$", fold(surface.split()[0]).text)
    return last_word in {
        "كما",
        "فيما",
        "بينما",
        "حيث",
        "ثم",
        "قد",
        "وقد",
        "فقد",
        "كان",
        "كانت",
        "وكان",
        "وكانت",
        "بعدما",
        "لكنه",
        "لكنها",
        "لكن",
        "اذ",
        "حين",
        "عندما",
        "كذلك",
        "بدوره",
        "بدورها",
        "ايضا",
        "حتي",
        # A reported clause: "ذكر الموقع أن الكولونيل X قال ..."
        "ان",
        "بان",
        "وان",
    }


# A statement and the clause that reports it: "أصدرت بياناً نفت فيه ..."
_STATEMENT_NOUNS = frozenset({"بيانا", "بيان", "تصريحا", "تصريح", "تقرير", "تقريرا", "تغريده"})


# A quotation that reports speech: opened after a colon, a comma or a speech verb, closed by
# its mark (” opens as often as it closes in this press). It may run over several sentences.
_DIRECT_SPEECH_RE = re.compile(r"(?:[:،,]|[اإ]ن|[\u0621-\u064a]{2,})\s*([“«\"”])")
_CLOSING = {"“": "”", "«": "»", '"': '"', "”": "”"}
_MAX_SPEECH = 700


def _direct_speech(text: str) -> list[tuple[int, int]]:
    """[start, end) of the quoted statements of `text` (after the opening mark)."""
    spans: list[tuple[int, int]] = []
    position = 0
    while True:
        found = _DIRECT_SPEECH_RE.search(text, position)
        if found is None:
            return spans
        mark = found.group(1)
        start = found.end()
        line_end = text.find("\n", start)
        line_end = len(text) if line_end < 0 else line_end
        end = text.find(_CLOSING[mark], start, min(line_end, start + _MAX_SPEECH))
        if end < 0:
            # An excerpt cut off inside the quotation: it runs to the end of the paragraph.
            if line_end - start > _MAX_SPEECH or _CLOSING[mark] in text[line_end : line_end + 2]:
                position = start
                continue
            end = line_end
        # A quoted name ("لـ”قسد”"، "بـ“التنسيق”") is not a statement: three words at least.
        if len(text[start:end].split()) >= 3 and _speech_opener(text, found):
            spans.append((start, end))
        position = end + 1


def _speech_opener(text: str, found: re.Match[str]) -> bool:
    before = found.group()[: -len(found.group(1))].rstrip()
    if before[-1:] in ":،,":
        return True
    word = fold(before.split()[-1]).text if before.split() else ""
    return word in {"ان", "بان", "انه", "انها"} or word.lstrip("وف") in _SPEECH_WORDS


_SPEECH_WORDS = frozenset(
    {"قال", "قالت", "اكد", "اكدت", "اضاف", "اضافت", "تابع", "تابعت", "البيان", "بيان", "بيانا"}
)


def _persons_and_orgs(
    matches: list[ActorMatch], registry: Registry
) -> tuple[list[ActorMatch], list[ActorMatch]]:
    persons = [m for m in matches if registry.kind(m.actor) == "person"]
    others = [m for m in matches if registry.kind(m.actor) != "person"]
    return persons, others


def _resolve_subject(
    text: str,
    matches: list[ActorMatch],
    registry: Registry,
    window_end: int,
) -> _Claimant | None:
    """Claimant and speaker from the mentions of a subject phrase (first mention first)."""
    if not matches:
        return None
    first = matches[0]
    kind = registry.kind(first.actor)
    if kind == "person":
        speaker = first.actor
        # "فرهاد شامي، مدير المركز الإعلامي لـ”قسد”": the apposition names the organisation.
        orgs = [m for m in matches[1:] if registry.kind(m.actor) not in {"person", "collective"}]
        party = orgs[0].actor if orgs else (registry.speaks_for(speaker) or speaker)
        party = _office_owner(party, registry)
        end = orgs[0].end if orgs else first.end
        return _Claimant(
            party, text[first.start : end], speaker, text[first.start : end], first.start, end
        )
    if kind == "collective":
        # "مصدر عسكري في قسد": an anonymous source belongs to the party the text names.
        for other in matches[1:]:
            if registry.kind(other.actor) in {"person", "collective", "media"}:
                continue
            between = fold(text[first.end : other.start]).text.split()
            if len(between) <= 3 and any(
                word in {"في", "من", "لدي", "داخل", "ب", "مقرب", "مقربه", "التابع", "تابع"}
                for word in between
            ):
                return _Claimant(
                    other.actor,
                    text[other.start : other.end],
                    None,
                    text[first.start : other.end],
                    first.start,
                    other.end,
                )
        return _Claimant(
            first.actor,
            text[first.start : first.end],
            None,
            text[first.start : first.end],
            first.start,
            first.end,
        )
    speaker = None
    persons = [m for m in matches[1:] if registry.kind(m.actor) == "person"]
    if persons:
        speaker = persons[0].actor
    surface = text[first.start : first.end]
    # "مصدر عسكري في قسد"، "مصدر أمني سوري": a source the registry ties to its party.
    description = surface if _SOURCE_WORD_RE.match(fold(surface).text) else ""
    party = _office_owner(first.actor, registry)
    return _Claimant(party, surface, speaker, description, first.start, first.end)


def _office_owner(party: str, registry: Registry) -> str:
    """An office of an organisation speaks for it: the SDF media center → the SDF."""
    found = registry.party(party)
    if found is None or found.kind != "organization" or not found.parent:
        return party
    parent_kind = registry.kind(found.parent)
    if parent_kind in {"armed_group", "government", "ministry", "political", "state"}:
        return found.parent
    return party


def _dedupe_matches(matches: list[ActorMatch]) -> list[ActorMatch]:
    # An ambiguous alias gives one match per actor at the same place: keep the first.
    seen: set[tuple[int, int]] = set()
    kept = []
    for match in matches:
        if (match.start, match.end) in seen:
            continue
        seen.add((match.start, match.end))
        kept.append(match)
    return kept


class _Extractor:
    def __init__(self, text: str, registry: Registry) -> None:
        self.text = text
        self.registry = registry
        self.folded = fold(text)
        self.cues = find_cues(text, self.folded)
        self.matches = _dedupe_matches(registry.index.find(text))
        self.state = _State()
        self.candidates: list[Candidate] = []
        self.recent_parties: list[str] = []  # every party mentioned so far, in order
        self.direct_speech = _direct_speech(text)
        self.colon_speakers: dict[int, list[ActorMatch]] = {}

    def folded_slice(self, start: int, end: int) -> str:
        return fold(self.text[start:end]).text

    def run(self) -> list[Candidate]:
        for index, (start, end) in enumerate(split_sentences(self.text)):
            self.sentence(index, start, end)
        return self.candidates

    # --- one sentence ---

    def sentence(self, index: int, start: int, end: int) -> None:
        cues = [c for c in self.cues if start <= c.start < end]
        matches = [m for m in self.matches if start <= m.start < end]
        openers = [
            c
            for position, c in enumerate(cues)
            if self.opens_clause(c, start, matches)
            and not (position and self.object_of(cues[position - 1], c))
        ]
        openers = sorted(
            openers + self.reported_colons(start, end, matches, cues), key=lambda c: c.start
        )
        # Each clause runs from its cue to the next clause's cue, or the end of the sentence.
        bounds = [c.start for c in openers[1:]] + [end] if openers else []
        claimed_here = False
        first_candidate = len(self.candidates)
        colon = self.colon_headline(start, end, matches, openers)
        if colon is not None:
            self.emit(colon, index)
            claimed_here = True
        for position, (cue, clause_end) in enumerate(zip(openers, bounds, strict=True)):
            candidate = self.clause(index, start, end, cue, clause_end, matches, claimed_here)
            if candidate is not None and self.introduces_quotation(cue, openers[position + 1 :]):
                # "وقالت قسد في بيان: “نشرت بعض وسائل الإعلام ...”": the claims are in the
                # quotation; the clause before it only names who speaks.
                self.remember(candidate, index)
                continue
            if candidate is not None:
                self.yield_subject(first_candidate, candidate)
                for part in self.split_coordinated(candidate, cue, matches):
                    self.emit(part, index)
                claimed_here = True
                embedded = self.embedded_allegation(candidate, cue, clause_end, matches)
                if embedded is not None:
                    self.candidates.append(embedded)
        for match in matches:
            self.recent_parties.append(match.actor)
        self.quote_short_sentence(first_candidate, start, end)

    def reported_colons(
        self, start: int, end: int, matches: list[ActorMatch], cues: list[CueMatch]
    ) -> list[CueMatch]:
        """ "ذكر الموقع أن الكولونيل X المتحدث باسم التحالف: اطلعنا على ...": a speaker named
        in a reported clause, then a colon and the words, with no verb of saying between."""
        found = []
        for colon in (m.start() for m in re.finditer(":", self.text[start:end])):
            colon += start
            window_start = max(start, colon - 100)
            opener = None
            for word in re.finditer(r"[\u0621-\u064a]+", self.text[window_start:colon]):
                if fold(word.group()).text in {"ان", "بان", "وان"}:
                    opener = window_start + word.end()
            if opener is None or any(opener <= c.start < colon for c in cues):
                continue
            group = [m for m in matches if opener <= m.start < colon]
            head = _word_start(self.text, group[0].start, opener) if group else opener
            if not group or not _TIGHT_GAP_RE.match(self.text[opener:head]):
                continue
            if self.registry.kind(group[0].actor) not in {"person", "collective"} and not any(
                self.registry.kind(m.actor) == "person" for m in group
            ):
                continue  # "أن قسد: ..." is rare; a named speaker is the sure sign
            self.colon_speakers[colon] = group
            found.append(CueMatch("say", ":", "colon", colon, colon + 1, ":"))
        return found

    def quote_short_sentence(self, first: int, start: int, end: int) -> None:
        # A headline or a short sentence with one claim is quoted whole: the claim is all of it
        # ("مقتل عنصر أمن و”داعش” يتبنى الهجوم").
        if len(self.candidates) - first != 1 or end - start > _SHORT_SENTENCE:
            return
        self.candidates[-1] = replace(
            self.candidates[-1], start=start, end=end, quote=self.text[start:end]
        )

    def split_denials(self, candidate: Candidate, cue: CueMatch) -> list[Candidate]:
        """ "ليس هناك أي تغيير في وضع المعتقلين، وكل ما يشاع عن نقلهم معلومات مضللة": two
        denials joined by "، و", each with its own negation or falsity, are two claims."""
        if candidate.type != "denial":
            return [candidate]
        body = self.text[candidate.start : candidate.end]
        for joint in re.finditer(r"[،,]\s*(?=و[\u0621-\u064a])", body):
            boundary = candidate.start + joint.start()
            if boundary <= cue.end:
                continue
            first_start, first_end = _trim(self.text, candidate.start, boundary)
            second_start, end = _trim(self.text, boundary, candidate.end)
            if first_end - max(cue.end, first_start) < 20 or end - second_start < 20:
                continue
            first = self.folded_slice(max(cue.end, first_start), first_end)
            second = self.folded_slice(second_start, end)
            if all(
                _FALSITY_RE.search(part) or _NEGATED_ACT_RE.search(part) for part in (first, second)
            ):
                return [
                    replace(candidate, end=first_end, quote=self.text[first_start:first_end]),
                    replace(
                        candidate,
                        start=second_start,
                        end=end,
                        quote=self.text[second_start:end],
                        rule=f"coordinated_{candidate.cue_class}",
                    ),
                ]
        return [candidate]

    def split_coordinated(
        self, candidate: Candidate, cue: CueMatch, matches: list[ActorMatch]
    ) -> list[Candidate]:
        """One statement, two kinds of claim: "أكد أنه لا توجد أي عمليات لقواتنا هناك، وأن
        هذه الادعاءات مفبركة بهدف خلق ذرائع" denies, then counters. A second content clause
        ("، وأن ...") that changes the claim type is a claim of its own; one that goes on with
        the same kind of claim stays in the quote.
        """
        if candidate.claimant is None or candidate.cue_class not in {"say", "deny"}:
            return [candidate]
        body = self.text[candidate.start : candidate.end]
        found = _COORDINATED_RE.search(body, max(0, cue.end - candidate.start))
        if found is None:
            return self.split_denials(candidate, cue)
        boundary = candidate.start + found.start()
        second_start, end = _trim(self.text, boundary, candidate.end)
        first_start, first_end = _trim(self.text, candidate.start, boundary)
        if second_start - first_start < 20 or end - second_start < 20:
            return [candidate]
        party = candidate.claimant
        first_type = candidate.type
        if candidate.cue_class == "say":
            content = self.folded_slice(max(cue.end, first_start), first_end)
            first_type = self.claim_type(
                cue,
                party,
                content,
                self.targets(matches, party, candidate.speaker, first_start, first_end),
            )
        denied = first_type in {"denial", "counterclaim"}
        if denied:
            self.state.denied_by.add(party)
        targets = self.targets(matches, party, candidate.speaker, second_start, end)
        say = replace(cue, cls="say") if cue.cls == "deny" else cue
        second_type = self.claim_type(say, party, self.folded_slice(second_start, end), targets)
        if first_type == "denial" and second_type == "assertion":
            # "نفى الفصيل علاقته بالحادثة، وأن المشاجرة مدنية": the fact the denier puts in
            # the place of the allegation is its own version of events.
            second_type = "counterclaim"
        if second_type == first_type or not {first_type, second_type} & {"denial", "counterclaim"}:
            return [candidate]
        first = replace(
            candidate,
            type=first_type,
            end=first_end,
            quote=self.text[first_start:first_end],
            targets=self.targets(matches, party, candidate.speaker, first_start, first_end),
        )
        second = replace(
            candidate,
            type=second_type,
            start=second_start,
            end=end,
            quote=self.text[second_start:end],
            targets=targets,
            rule=f"coordinated_{candidate.cue_class}",
        )
        return [first, second]

    def targets(
        self, matches: list[ActorMatch], party: str, speaker: str | None, start: int, end: int
    ) -> tuple[str, ...]:
        """Parties named in the content, other than the claimant's own side, the outlet the
        claimant spoke to ("قال مصدر لوكالة نورث برس إن ...") and the places a party only
        controls ("سقطت قذائف على الأحياء الخاضعة لسيطرة قسد")."""
        return tuple(
            dict.fromkeys(
                m.actor
                for m in matches
                if start <= m.start < end
                and not self.registry.related(m.actor, party)
                and m.actor != speaker
                and self.registry.kind(m.actor) != "collective"
                and not self.addressee(m, start)
                and not self.place_only(m, start)
            )
        )

    def place_only(self, match: ActorMatch, content_start: int) -> bool:
        """Whether `match` only locates the event: "بريف دمشق"، "الأحياء الخاضعة لسيطرة قسد".
        Territory is held against the party only when the fire came from it ("الهجمات تنطلق
        من البادية الخاضعة لسيطرة الحكومة")."""
        head = _word_start(self.text, match.start, content_start)
        before = self.folded_slice(max(content_start, head - 40), head)
        words = re.sub(r"[ـ\"“”«»()]", " ", before).split()
        if words and _PLACE_WORD_RE.fullmatch(words[-1]):
            return True
        if len(words) >= 2 and words[-1] == "مع" and "حدود" in words[-2]:
            return True  # "قرب بلدة هجين الحدودية مع العراق"
        if not any(_CONTROL_WORD_RE.fullmatch(word) for word in words[-3:]):
            return False
        origin = self.folded_slice(content_start, match.start)
        return not _ORIGIN_RE.search(origin)

    def addressee(self, match: ActorMatch, content_start: int) -> bool:
        """Whether `match` is the outlet a statement was given to: "أفاد لحلب اليوم بأن"،
        "في تصريح لوكالة “نورث برس”، إن". An outlet after "لـ" before the content clause
        is who listened, never who is accused."""
        if self.registry.kind(match.actor) != "media":
            return False
        head = _word_start(self.text, match.start, max(0, match.start - 30))
        before = self.text[max(0, head - 25) : head]
        words = re.sub(r"[ـ\"“”«»()]", " ", fold(before).text).split()
        word = fold(self.text[head : match.end]).text.split()[0].strip('ـ"“”«»')
        prefix = fold(self.text[head : match.start]).text.strip(' ـ"“”«»')
        if not (
            prefix in {"ل", "لل"}
            or _ADDRESSEE_RE.match(word)
            or (words and (words[-1] == "ل" or _ADDRESSEE_RE.fullmatch(words[-1])))
        ):
            return False
        # Before the content clause: "أن"، "إن"، a colon.
        gap = self.folded_slice(content_start, match.start)
        return not re.search(r"(?<![\u0621-\u064a])[وف]?ب?ان(?:ه|ها|هم)?(?![\u0621-\u064a])|:", gap)

    def yield_subject(self, first: int, candidate: Candidate) -> None:
        """The clause before gives up the subject of this one: in "ذكرت سانا أن الكولونيل X
        قال إن ..." the colonel opens the second claim. Left with no content of its own
        ("ذكرت سانا أن"), the first clause is no claim at all."""
        if len(self.candidates) <= first:
            return
        before = self.candidates[-1]
        if not before.start < candidate.start < before.end:
            return
        start, end = _trim(self.text, before.start, candidate.start)
        rest = fold(self.text[start:end]).text
        for surface in (before.claimant_surface, before.cue):
            rest = rest.replace(fold(surface).text, " ") if surface else rest
        words = [w for w in re.findall(r"[\u0621-\u064a]+", rest) if w not in _EMPTY_WORDS]
        if len(words) <= 1:
            self.candidates.pop()
        else:
            self.candidates[-1] = replace(before, end=end, quote=self.text[start:end])

    def introduces_quotation(self, cue: CueMatch, following: list[CueMatch]) -> bool:
        if not following or cue.cls != "say" or self.in_direct_speech(cue.start):
            return False
        quoted = following[0]
        if quoted.form == "colon":
            return True  # "ذكر الموقع أن الكولونيل X: ..." only names who speaks
        # The quotation must open with the cue ("“نشرت بعض وسائل الإعلام ..."): a cue further
        # into it leaves the words before it to this clause.
        opening = [start for start, end in self.direct_speech if start <= quoted.start < end]
        if not opening or len(self.text[opening[0] : quoted.start].split()) > 1:
            return False
        between = self.folded_slice(cue.end, quoted.start)
        return not re.search(
            r"(?<![\u0621-\u064a])[وف]?ب?ان(?:ه|ها|هم)?(?![\u0621-\u064a])", between
        )

    def emit(self, candidate: Candidate, index: int) -> None:
        self.candidates.append(candidate)
        self.remember(candidate, index)

    def remember(self, candidate: Candidate, index: int) -> None:
        if candidate.rule.startswith("noun_genitive"):
            # "ردّ شامي على زعم النظام ...، مؤكداً": the party of an allegation named in
            # passing is not who goes on speaking.
            if candidate.type == "accusation":
                for target in candidate.targets:
                    self.state.accused_by.setdefault(target, set()).add(candidate.claimant or "")
            return
        if candidate.claimant is not None and candidate.type != "no_comment":
            self.state.last = _Claimant(
                candidate.claimant,
                candidate.claimant_surface,
                candidate.speaker,
                candidate.speaker_description,
            )
            self.state.last_sentence = index
            if candidate.type in {"denial", "counterclaim"} and (
                self.registry.kind(candidate.claimant) != "collective"
            ):
                self.state.denied_by.add(candidate.claimant)
            if candidate.type == "accusation":
                for target in candidate.targets:
                    self.state.accused_by.setdefault(target, set()).add(candidate.claimant)

    def sentence_subject(self, match: ActorMatch, sentence_start: int) -> bool:
        """Whether `match` is the subject of the verb that opens the sentence: "ردّ المتحدث
        باسم قسد ..."، "وأصدرت الوزارة ..." (one word, a verb, before it)."""
        head = _word_start(self.text, match.start, sentence_start)
        words = re.findall(r"[\u0621-\u064a]+", self.folded_slice(sentence_start, head))
        return len(words) == 1 or (len(words) == 2 and words[1] in {"ال", "لل"})

    def first_person_noun(self, cue: CueMatch) -> bool:
        return cue.form == "noun" and fold(cue.surface.split()[-1]).text.endswith("نا")

    def first_person(self, cue: CueMatch) -> bool:
        """ "نؤكد"، "ندين"، "وننفي": the speaker talks of itself (a quotation goes on)."""
        word = fold(cue.surface.split()[0]).text
        if word[:1] in "وف" and len(word) > 3:
            word = word[1:]
        lemma = fold(cue.lemma).text
        return cue.form == "verb" and word.startswith("نن" if lemma[:1] == "ن" else "ن")

    def in_direct_speech(self, position: int) -> bool:
        return any(start <= position < end for start, end in self.direct_speech)

    def opens_clause(self, cue: CueMatch, sentence_start: int, matches: list[ActorMatch]) -> bool:
        if cue.form in {"participle", "no_comment", "attrib"}:
            return True
        if self.first_person(cue):
            return True
        if cue.form == "noun":
            # "اتهامات نظام الأسد له ..."، "على زعم النظام السوري": a party right after;
            # "عبر الادعاء بأن ...": the content right after, the party earlier in the sentence.
            if self.first_person_noun(cue):
                # "وتأكيدنا للصحفية بأن الوثيقة مزورة": the quoted speaker's own statement,
                # a claim when its content clause follows.
                content = re.search(
                    r"(?<![\u0621-\u064a])ب?[اأإ]ن(?:ه|ها|هم)?(?![\u0621-\u064a])",
                    self.text[cue.end : cue.end + 80],
                )
                return (
                    self.in_direct_speech(cue.start)
                    and content is not None
                    and not any(
                        cue.end <= other.start < cue.end + content.start() for other in self.cues
                    )
                )
            party = self.party_right_after(cue.end, matches)
            if party is not None and cue.cls == "accuse" and self.against(party):
                # "نقاط الاتهام للحكومة السورية": the party after "لـ" is the accused one;
                # the accusation is what the sentence talks about, not a claim of its own.
                return False
            return party is not None or self.content_right_after(cue.end)
        if _clause_initial(self.text, cue.start, sentence_start, cue.surface):
            return True
        # SVO: "قسد تتهم"، "“قسد” تنفي": a party right before the verb.
        return self.party_right_before(cue.start, sentence_start, matches) is not None

    def object_of(self, verb: CueMatch, noun: CueMatch) -> bool:
        """Whether a noun cue is the object of the verb cue before it.

        "قسد تكذّب مزاعم وزارة الدفاع"، "نفت قسد اتهامات النظام": the allegation is what is
        denied, not a claim of its own (its content, "حول ..."، is the accuser's claim).
        """
        if noun.form != "noun" or verb.form not in {"verb", "participle"}:
            return False
        if verb.cls not in {"deny", "accuse", "confirm"}:
            return False
        gap = self.folded_slice(verb.end, noun.start)
        if re.search(r"[،,.:؛]|(?<![\u0621-\u064a])[وف]?ب?ان(?:ه|ها)?(?![\u0621-\u064a])", gap):
            return False
        return len(gap.split()) <= 6

    def against(self, match: ActorMatch) -> bool:
        """Whether the party is introduced by "لـ" (the one a noun is aimed at)."""
        head = _word_start(self.text, match.start, max(0, match.start - 20))
        prefix = fold(self.text[head : match.start]).text.strip(' ـ"“”«»')
        return prefix in {"ل", "لل"}

    def content_right_after(self, position: int) -> bool:
        return bool(
            re.match(
                r"\s*[وف]?ب?[اأإ]ن(?:ه|ها|هم)?(?![\u0621-\u064a])",
                self.text[position : position + 12],
            )
        )

    def party_right_after(self, position: int, matches: list[ActorMatch]) -> ActorMatch | None:
        for match in matches:
            if match.start >= position:
                if _TIGHT_GAP_RE.match(self.text[position : match.start]):
                    return match
                return None
        return None

    def party_right_before(
        self, position: int, sentence_start: int, matches: list[ActorMatch]
    ) -> ActorMatch | None:
        before = [m for m in matches if m.end <= position and position - m.end <= _SVO_WINDOW]
        if not before:
            return None
        last = before[-1]
        if not _SVO_GAP_RE.match(self.folded_slice(last.end, position)):
            return None
        # The subject must itself open the clause: "... قرب الحدود قسد تتهم" is not SVO.
        head = self.subject_head(last, before, sentence_start)
        head_start = _word_start(self.text, head.start, sentence_start)
        if not _clause_initial(self.text, head_start, sentence_start, self.text[head_start:]):
            return None
        return head

    def subject_head(
        self, last: ActorMatch, before: list[ActorMatch], sentence_start: int
    ) -> ActorMatch:
        # "الناطق باسم الجيش الوطني، الرائد يوسف حمود، قال": walk back over appositions.
        head = last
        for match in reversed(before[:-1]):
            if _TIGHT_GAP_RE.match(self.text[match.end : head.start]):
                head = match
            else:
                break
        return head

    # --- one clause ---

    def clause(
        self,
        index: int,
        sentence_start: int,
        sentence_end: int,
        cue: CueMatch,
        clause_end: int,
        matches: list[ActorMatch],
        claimed_here: bool,
    ) -> Candidate | None:
        if cue.form == "attrib":
            return self.attribution(index, sentence_start, cue, clause_end, matches, claimed_here)
        claimant, rule, quote_start = self.find_claimant(
            index, sentence_start, cue, clause_end, matches
        )
        if claimant is None:
            return None
        return self.build(cue, claimant, rule, quote_start, clause_end, matches)

    def find_claimant(
        self,
        index: int,
        sentence_start: int,
        cue: CueMatch,
        clause_end: int,
        matches: list[ActorMatch],
    ) -> tuple[_Claimant | None, str, int]:
        if cue.form == "colon":
            group = self.colon_speakers[cue.start]
            found = _resolve_subject(self.text, group, self.registry, cue.start)
            return found, "reported_colon", cue.end
        if cue.form == "participle":
            if self.carried(index, same_sentence_only=True) is None:
                # "ردّ المتحدث باسم قسد على ...، مؤكداً أن": no claim before it in the
                # sentence, so the participle goes on with the sentence's subject.
                opening = [
                    m for m in matches if m.end <= cue.start and m.start - sentence_start < 25
                ]
                if opening and self.sentence_subject(opening[0], sentence_start):
                    group = [m for m in opening if m.start - opening[0].end < 40][:2]
                    found = _resolve_subject(self.text, group, self.registry, cue.start)
                    return found, "participle_subject", cue.start
            carried = self.carried(index, same_sentence_only=False)
            return carried, "participle_continuation", cue.start
        if self.first_person_noun(cue):
            return self.carried(index, same_sentence_only=False), "quoted_continuation", cue.start
        if cue.form == "verb" and (self.first_person(cue) or self.in_direct_speech(cue.start)):
            # "لذلك نرى أنه ..."، "وندعو وسائل الإعلام ...": the speaker of the quotation goes
            # on; the noun after a first-person verb is its object, never its subject.
            before = self.party_right_before(cue.start, sentence_start, matches)
            if before is not None and self.first_person(cue):
                group = [m for m in matches if before.start <= m.start < cue.start]
                found = _resolve_subject(self.text, group, self.registry, cue.start)
                return found, "svo", before.start
            carried = self.carried(index, same_sentence_only=False)
            if carried is not None:
                return carried, "quoted_continuation", cue.start
        if cue.form == "noun":
            match = self.party_right_after(cue.end, matches)
            if match is None:
                # "صدر بيان عن وزارة الدفاع، حاولت من خلاله ... عبر الادعاء بأنه ...": the
                # party that issued the statement at the head of the sentence.
                opening = [
                    m for m in matches if m.end <= cue.start and m.start - sentence_start < 60
                ]
                if opening and self.content_right_after(cue.end):
                    found = _resolve_subject(self.text, opening[:1], self.registry, cue.start)
                    return found, "noun_content", cue.start
                return None, "", cue.start
            found = _resolve_subject(self.text, [match], self.registry, clause_end)
            return found, "noun_genitive", cue.start
        if cue.form == "verb" and cue.surface[:1] not in "وف":
            # "قسد تتهم ..."، "أنقرة تتهم القوات الكردية": the party before is the subject.
            before = self.party_right_before(cue.start, sentence_start, matches)
            if before is not None:
                group = [m for m in matches if before.start <= m.start < cue.start]
                found = _resolve_subject(self.text, group, self.registry, cue.start)
                return found, "svo", _word_start(self.text, before.start, sentence_start)
        head_end = cue.start + len(cue.surface.split()[0])
        after = self.subject_after(head_end if cue.form != "verb" else cue.end, clause_end, matches)
        if cue.form == "no_comment":
            # "لم تصدر الحكومة السورية تعليقاً"، "ولم يصدر تعليق عن تركيا"، "X لم تعلق".
            if re.search(r"اي (?:جهه|طرف)", self.folded_slice(cue.start, cue.end)):
                # "لم تعلن أي جهة مسؤوليتها": nobody in particular, not a claim.
                return None, "", cue.start
            inside = [m for m in matches if cue.start <= m.start and m.end <= cue.end]
            following = [
                m
                for m in matches
                if cue.end <= m.start < min(clause_end, cue.end + _NO_COMMENT_WINDOW)
                and "،" not in self.text[cue.end : m.start]
            ]
            before = self.party_right_before(cue.start, sentence_start, matches)
            for group in (inside, following[:1], [before] if before else []):
                if group:
                    found = _resolve_subject(self.text, group, self.registry, clause_end)
                    return found, f"no_comment_{_rule_suffix(cue.lemma)}", cue.start
            # "ولم يُعلن التنظيم مسؤوليته": the party named before, by a noun for its kind.
            head = cue.start + len(cue.surface.split()[0]) + 1
            verb_end = self.text.find(" ", head)
            if verb_end > 0:
                anaphor = self.anaphor_after(verb_end, cue.end + 1, kinds_only=True)
                if anaphor is not None:
                    return anaphor, f"no_comment_{_rule_suffix(cue.lemma)}", cue.start
            return None, "", cue.start
        if after:
            found = _resolve_subject(self.text, after, self.registry, clause_end)
            if found is not None and cue.lemma == "نقل":
                # "نقلت وكالة رويترز عن مصدر أمني سوري": the source is the claimant.
                source = self.chained_source(found.end, clause_end, matches)
                if source is not None:
                    found = source
            return found, "vso", cue.start
        before = self.party_right_before(cue.start, sentence_start, matches)
        if before is not None:
            group = [m for m in matches if before.start <= m.start < cue.start]
            found = _resolve_subject(self.text, group, self.registry, cue.start)
            return found, "svo", _word_start(self.text, before.start, sentence_start)
        anaphor = self.anaphor_after(cue.end, clause_end)
        if anaphor is not None:
            if cue.lemma == "نقل":
                source = self.chained_source(cue.end, clause_end, matches)
                if source is not None:
                    return source, "vso", cue.start
            return anaphor, "anaphor", cue.start
        if cue.lemma == "نقل":
            # "ونقلت عن مصدر أمني قوله": the source is the claimant.
            source = self.chained_source(cue.end, clause_end, matches)
            if source is not None:
                return source, "vso", cue.start
        carried = self.carried(index, same_sentence_only=True)
        if carried is None:
            # "أصدرت “قسد” بياناً نفت خلاله ...": the subject of the sentence speaks.
            opening = [m for m in matches if m.end <= cue.start and m.start - sentence_start < 60]
            if opening:
                found = _resolve_subject(self.text, opening[:1], self.registry, cue.start)
                return found, "sentence_subject", cue.start
            # "وأصدر التجمع بياناً أشار فيه ...": the subject is a bare noun for a party.
            first_word = re.match(r"\s*\S+", self.text[sentence_start : cue.start])
            if first_word is not None:
                noun_start = sentence_start + first_word.end()
                anaphor = self.anaphor_after(noun_start, cue.start, kinds_only=True)
                if anaphor is None:
                    anaphor = self.named_by_head(noun_start, cue.start)
                if anaphor is not None:
                    return anaphor, "sentence_subject", cue.start
        if cue.lemma in _CONTINUATION_LEMMAS or cue.cls in {"say", "deny", "accuse", "demand"}:
            carried = self.carried(index, same_sentence_only=False)
            return carried, "continuation", cue.start
        return None, "", cue.start

    def subject_after(
        self, position: int, clause_end: int, matches: list[ActorMatch]
    ) -> list[ActorMatch]:
        """The mentions of the subject phrase right after a verb (before the content)."""
        limit = min(clause_end, position + _VSO_WINDOW)
        first_stop = self.subject_stop(position, limit, matches)
        group: list[ActorMatch] = []
        for match in matches:
            if match.start < position or match.start >= limit:
                continue
            if not group and match.start >= first_stop:
                break
            if group:
                # The apposition after a person or a source: up to the content clause.
                gap = fold(self.text[group[-1].end : match.start]).text
                if re.search(r"(?<![\u0621-\u064a])[وف]?ب?ان(?:ه|ها)?(?![\u0621-\u064a])", gap):
                    break
                if len(gap) > 45:
                    break
            group.append(match)
        return group

    def subject_stop(self, position: int, limit: int, matches: list[ActorMatch]) -> int:
        """Where the content clause begins after a verb at `position`.

        A quotation mark opening a party's name does not end the subject: in
        "واعتبر بيان “قسد” أن ..." the party stands inside the marks.
        """
        folded_position = self._folded_index(position)
        while True:
            stop = _SUBJECT_STOP_RE.search(self.folded.text, folded_position)
            if stop is None:
                return limit
            original = self._original_index(stop.start())
            if original >= limit:
                return limit
            if stop.group() in _QUOTE_MARKS and any(
                original < m.start <= original + 2 for m in matches
            ):
                folded_position = stop.end()
                continue
            return original

    def _folded_index(self, original: int) -> int:
        # First folded character at or after `original` (offsets are increasing).
        offsets = self.folded.offsets
        low, high = 0, len(offsets)
        while low < high:
            middle = (low + high) // 2
            if offsets[middle] < original:
                low = middle + 1
            else:
                high = middle
        return low

    def _original_index(self, folded_index: int) -> int:
        if folded_index >= len(self.folded.offsets):
            return len(self.text)
        return self.folded.offsets[folded_index]

    def chained_source(
        self, position: int, clause_end: int, matches: list[ActorMatch]
    ) -> _Claimant | None:
        for match in matches:
            if (
                position <= match.start < min(clause_end, position + _CHAIN_REACH)
                and "عن" in fold(self.text[position : match.start]).text.split()
            ):
                rest = [m for m in matches if match.start <= m.start < clause_end]
                return _resolve_subject(self.text, rest, self.registry, clause_end)
        return None

    def anaphor_after(
        self, position: int, clause_end: int, *, kinds_only: bool = False
    ) -> _Claimant | None:
        window = self.folded_slice(position, min(clause_end, position + 20))
        found = _ANAPHOR_RE.match(window.lstrip())
        if found is None:
            return None
        noun = found.group().lstrip("وف") if found.group()[:1] in "وف" else found.group()
        if noun not in _ANAPHORS:
            noun = found.group()
        return self.resolve_anaphor(_ANAPHORS.get(noun, ("",)), kinds_only=kinds_only)

    def resolve_anaphor(
        self, kinds: tuple[str, ...], *, kinds_only: bool = False
    ) -> _Claimant | None:
        """The party a bare noun refers to. With `kinds_only`, only a party of the noun's
        kind will do ("التنظيم" is the last armed group named, never the last speaker)."""
        if kinds_only:
            for party in reversed(self.recent_parties):
                if self.registry.kind(party) in kinds:
                    return _Claimant(party, "", None, "")
            return None
        for kind in kinds:
            if kind == "" and self.state.last is not None:
                return self.state.last
            if kind:
                last = self.state.last
                if last is not None and self.registry.kind(last.party) == kind:
                    return last
                for party in reversed(self.recent_parties):
                    if self.registry.kind(party) == kind:
                        return _Claimant(party, "", None, "")
        if self.state.last is not None:
            return self.state.last
        # Aliases fold ministries into their state ("وزارة الدفاع التركية" is Turkey): the
        # last organisation named is the best guess.
        for party in reversed(self.recent_parties):
            if self.registry.kind(party) not in {"person", "collective", ""}:
                return _Claimant(party, "", None, "")
        return None

    def named_by_head(self, position: int, limit: int) -> _Claimant | None:
        """A bare noun naming a party by the head of its name, when no party of its kind
        was named before: "التجمع" is "تجمع أحرار الشرقية" named elsewhere in the text."""
        found = _ANAPHOR_RE.match(self.folded_slice(position, min(limit, position + 20)).lstrip())
        if found is None:
            return None
        noun = found.group().lstrip("وف") if found.group()[:2] != "ال" else found.group()
        head = noun.removeprefix("ال")
        named = [
            party.key
            for party in self.registry.parties.values()
            if party.kind not in {"person", "collective"}
            and fold(party.name_ar).text.removeprefix("ال").split()[:1] == [head]
        ]
        in_text = {match.actor for match in self.matches}
        # A party of the text, else the one part of (or parent of) a party of the text:
        # "التجمع" in a text on "جيش الشرقية وأحرار الشرقية" is "تجمع أحرار الشرقية".
        for near in (
            [key for key in named if key in in_text],
            [key for key in named if any(self.registry.related(key, o) for o in in_text)],
        ):
            if len(near) == 1:
                return _Claimant(near[0], "", None, "")
        return None

    def carried(self, index: int, *, same_sentence_only: bool) -> _Claimant | None:
        last = self.state.last
        if last is None:
            return None
        limit = 0 if same_sentence_only else _CARRY_SENTENCES
        if index - self.state.last_sentence > limit:
            return None
        return last

    def attribution(
        self,
        index: int,
        sentence_start: int,
        cue: CueMatch,
        clause_end: int,
        matches: list[ActorMatch],
        claimed_here: bool,
    ) -> Candidate | None:
        # "وبحسب “قسد”، فإن ..." (content after) or "...، حسب مصادر متطابقة" (content before).
        match = None
        for candidate in matches:
            if candidate.start >= cue.end:
                gap = fold(self.text[cue.end : candidate.start]).text.strip(' "“”«»()-')
                if len(gap) <= 3:
                    match = candidate
                break
        if match is None:
            # "وفق تصريحه"، "حسب البيان": the claim was already made by the clause before.
            return None
        group = [m for m in matches if match.start <= m.start < clause_end][:2]
        if len(group) == 2 and len(self.folded_slice(group[0].end, group[1].start)) > 25:
            group = group[:1]  # the second party is in the content, not an apposition
        claimant = _resolve_subject(self.text, group, self.registry, clause_end)
        if claimant is None:
            return None
        before = self.text[sentence_start : cue.start].strip(" ،,-–")
        after = self.text[claimant.end : clause_end].strip(' ،,.-–"”»')
        if len(before) >= 20 and (
            len(after) < 20
            or not _clause_initial(self.text, cue.start, sentence_start, cue.surface)
        ):
            # Trailing attribution: the content is the clause before the preposition.
            clause_start = max(
                sentence_start,
                self.text.rfind("،", sentence_start, cue.start - 2) + 1,
            )
            if cue.start - clause_start < 20:
                clause_start = sentence_start
            if claimed_here:
                return None
            return self.build(
                cue, claimant, "attrib_trailing", clause_start, cue.end, matches, quote_to=match.end
            )
        rule = f"attrib_{_rule_suffix(cue.lemma)}"
        # "فيما تتجاهل -وفقاً لشامي- “وجود عناصر ...”": an attribution set inside its
        # clause; the words before it belong to the claim.
        clause_start = max(sentence_start, self.text.rfind("،", sentence_start, cue.start) + 1)
        lead = self.folded_slice(clause_start, cue.start)
        words = [w for w in re.findall(r"[\u0621-\u064a]+", lead) if w not in {"و", "ف"}]
        quote_start = clause_start if 0 < len(words) <= 4 else cue.start
        return self.build(cue, claimant, rule, quote_start, clause_end, matches)

    def colon_headline(
        self, start: int, end: int, matches: list[ActorMatch], openers: list[CueMatch]
    ) -> Candidate | None:
        # "الدفاع السورية: ..." — a party and a colon open a headline or a quoted statement.
        if not matches or matches[0].start - start > 3:
            return None
        colon = self.text.find(":", matches[0].end, min(end, matches[0].end + 4))
        if colon < 0 or (openers and openers[0].start < colon):
            return None
        claimant = _resolve_subject(self.text, matches[:1], self.registry, end)
        if claimant is None:
            return None
        cue = CueMatch("say", ":", "phrase", colon, colon + 1, ":")
        clause_end = openers[0].start if openers else end
        return self.build(cue, claimant, "svo_colon", matches[0].start, clause_end, matches)

    # --- building a candidate ---

    def build(
        self,
        cue: CueMatch,
        claimant: _Claimant,
        rule: str,
        quote_start: int,
        clause_end: int,
        matches: list[ActorMatch],
        *,
        quote_to: int | None = None,
    ) -> Candidate | None:
        start, end = _trim(self.text, quote_start, quote_to or clause_end)
        if end - start > _MAX_QUOTE:
            cut = self.text.rfind("،", start, start + _MAX_QUOTE)
            end = cut if cut > start + _MAX_QUOTE // 2 else start + _MAX_QUOTE
            start, end = _trim(self.text, start, end)
        if end - start < _MIN_QUOTE:
            return None
        party = claimant.party
        if party == "analysts_observers" and claimant.speaker is None:
            # "يرى مراقبون": a vague opinion, not an attributed claim (unless a person).
            return None
        content_start = max(cue.end, claimant.end) if rule != "svo" else cue.end
        content = self.folded_slice(content_start, end) if content_start < end else ""
        targets = self.targets(matches, party, claimant.speaker, content_start, end)
        if rule.startswith("attrib") and start < cue.start:
            # The content begins before an attribution set inside it ("تتجاهل -وفقاً لشامي-").
            content = self.folded_slice(start, cue.start) + " " + content
            targets = tuple(
                dict.fromkeys(
                    self.targets(matches, party, claimant.speaker, start, cue.start) + targets
                )
            )
        agent = self.agent(matches, party, claimant.speaker, content_start, end)
        claim_type = self.claim_type(cue, party, content, targets, agent)
        quote = self.text[start:end]
        direct = bool(
            re.match(
                r"^[\s:،,]*(?:[اإ]ن\s*)?[\"“”«]", self.text[content_start : content_start + 30]
            )
        ) or (rule == "svo_colon")
        return Candidate(
            type=claim_type,
            claimant=party,
            claimant_surface=claimant.surface,
            speaker=claimant.speaker,
            speaker_description=claimant.description,
            targets=targets,
            start=start,
            end=end,
            quote=quote,
            cue=cue.surface,
            cue_class=cue.cls,
            direct=direct,
            rule=rule if rule.startswith(("no_comment", "attrib")) else f"{rule}_{cue.cls}",
        )

    def agent(
        self, matches: list[ActorMatch], party: str, speaker: str | None, start: int, end: int
    ) -> str | None:
        """Who does the act the content reports: "own" when the claimant or its men are named
        before the act ("إن عناصره هاجموا"، "أن قسد، بمساندة التحالف، نفذت"), "other" when
        another party is ("القوات التركية نفذت مجزرة"), None when nobody is."""
        content = self.folded_slice(start, min(end, start + _ACT_REACH))
        act = _ACT_RE.search(content)
        if act is None:
            return None
        act_position = self._original_index(self._folded_index(start) + act.start())
        verdict = None
        for match in matches:
            if not start <= match.start < act_position or self.addressee(match, start):
                continue
            head = _word_start(self.text, match.start, start)
            before = self.folded_slice(max(start, head - 40), head)
            words = re.sub(r"[ـ\"“”«»()]", " ", before).split()
            if any(_SUPPORT_RE.fullmatch(word.lstrip("و")) for word in words[-5:]):
                continue
            if match.actor == speaker or self.registry.related(match.actor, party):
                verdict = verdict or "own"
            elif self.registry.kind(match.actor) not in {
                "collective",
                "media",
            } and not self.place_only(match, start):
                return "other"
        if verdict is None and _SELF_RE.search(content[: act.start()]):
            verdict = "own"
        return verdict

    def claim_type(
        self,
        cue: CueMatch,
        party: str,
        content: str,
        targets: tuple[str, ...],
        agent: str | None = None,
    ) -> str:
        cls = cue.cls
        if cls == "no_comment":
            return "no_comment"
        if cls == "deny":
            if self.registry.kind(party) == "collective":
                # "نافيةً أن يكون مصدرها ..." said by local sources: nobody accused them, so
                # they deny on no one's behalf; what they deny is a rival version of events.
                return "counterclaim"
            return "denial"
        if cls == "confirm":
            return "confirmation"
        if cls == "demand":
            return "demand"
        if cls == "claim_responsibility":
            return "assertion"
        denied_before = party in self.state.denied_by
        if cls == "accuse":
            # "عبر الادعاء بأن ..."، "زعمت ...": the accused party's version against its accuser.
            if (denied_before and cue.form == "participle") or self.answers_accuser(party, targets):
                return "counterclaim"
            return "accusation"
        # say / attrib / colon: the content decides.
        if _DEMAND_RE.search(content):
            return "demand"
        if _BUT_RE.search(content) and denied_before:
            return "counterclaim"
        if _RECAST_RE.search(content) and (denied_before or _FALSITY_RE.search(content)):
            # "ما قالت إنها أدلة إنما هي روايات قديمة نشرها الإرهابيون": the allegation
            # recast as something else, the speaker's own version of it.
            return "counterclaim"
        if _MOTIVE_RE.search(content) and (denied_before or _FALSITY_RE.search(content)):
            return "counterclaim"
        if _FALSITY_RE.search(content) or _NEGATED_ACT_RE.search(content):
            return "denial"
        if cue.lemma in {"حذّر", "توقّع"}:
            return "assertion"  # a warning, an expectation: nothing done yet to blame
        if agent == "own" and "تنسيق" not in content:
            return "assertion"
        if (
            agent != "other"
            and _OWN_OPERATION_RE.search(content[:_OWN_OPERATION_REACH])
            and "تنسيق" not in content
        ):
            return "assertion"
        if _INSINUATION_RE.search(content):
            # "التصعيد لم يكن عفوياً"، "التحريض الإعلامي ساهم في تحريك الهجمات": someone
            # is behind it, even when the text leaves them unnamed.
            return "counterclaim" if denied_before else "accusation"
        # Blame aimed at a named party, or two parties tied together ("داعش ... بوزارة الدفاع").
        if (_BLAME_RE.search(content) and targets) or len(targets) >= 2:
            return "counterclaim" if denied_before else "accusation"
        return "assertion"

    def answers_accuser(self, party: str, targets: tuple[str, ...]) -> bool:
        """Whether `party` blames one who accused it before: its version against theirs
        (the ministry accused of helping the attackers says the accusers attacked first)."""
        accusers = set()
        for accused, by in self.state.accused_by.items():
            if self.registry.related(accused, party):
                accusers |= by
        return any(
            self.registry.related(target, accuser) for target in targets for accuser in accusers
        )

    def embedded_allegation(
        self, candidate: Candidate, cue: CueMatch, clause_end: int, matches: list[ActorMatch]
    ) -> Candidate | None:
        """ "نفت قسد المزاعم التي نشرتها وزارة الدفاع حول استهداف حاجز ...": the MoD's claim."""
        if candidate.type != "denial":
            return None
        text = self.folded_slice(cue.end, clause_end)
        noun = re.search(
            r"(?:مزاعم|ادعاءات|اتهامات|الانباء|المعلومات|تقرير|التقرير|ما جاء في|ما ورد في)", text
        )
        if noun is None:
            return None
        about = re.search(
            r"(?<![\u0621-\u064a])(?:حول|بشان|عن|من|ب)(?=\s|[\u0621-\u064a])", text[noun.end() :]
        )
        accuser = None
        for match in matches:
            if (
                cue.end <= match.start < clause_end
                and match.actor != candidate.claimant
                and not self.registry.related(match.actor, candidate.claimant or "")
            ):
                accuser = match
                break
        if accuser is None or about is None:
            return None
        # Where "حول ..." begins in the original text.
        folded_about = self._folded_index(cue.end) + noun.end() + about.start()
        about_start = self._original_index(folded_about)
        if about_start < accuser.end:
            rest = self.folded_slice(accuser.end, clause_end)
            again = re.search(r"(?<![\u0621-\u064a])(?:حول|بشان)(?![\u0621-\u064a])", rest)
            if again is None:
                return None
            about_start = self._original_index(self._folded_index(accuser.end) + again.start())
        start, end = _trim(self.text, about_start, clause_end)
        if end - start < 20:
            return None
        claimant = _resolve_subject(self.text, [accuser], self.registry, clause_end)
        if claimant is None:
            return None
        return Candidate(
            type="accusation",
            claimant=claimant.party,
            claimant_surface=claimant.surface,
            speaker=claimant.speaker,
            speaker_description=claimant.description,
            targets=(candidate.claimant,) if candidate.claimant else (),
            start=start,
            end=end,
            quote=self.text[start:end],
            cue=cue.surface,
            cue_class="accuse",
            direct=False,
            rule="embedded_allegation",
        )


def _word_start(text: str, position: int, floor: int) -> int:
    """The start of the word at `position`: a match may begin after a proclitic the alias
    index stripped ("الكولونيل ستيف وارن" is found from "كولونيل")."""
    while position > floor and re.match(f"[{_L}\u064b-\u0652ـ]", text[position - 1]):
        position -= 1
    return position


def _rule_suffix(lemma: str) -> str:
    return {
        "لم يصدر تعليق": "lam_yasdur",
        "لم يعلق": "lam_tuallaq",
        "رفض التعليق": "rafada_attaliq",
        "لم يرد": "lam_yarud",
        "لم يعقب": "lam_yuaqqib",
        "لم يتسن": "lam_yatasanna",
        "غياب تعليق": "ghiyab_taliq",
        "لم يعلن مسؤوليته": "lam_yulin_masuliyya",
        "بحسب": "bihasab",
        "وفق": "wifqa",
        "نقلا عن": "naqlan_an",
        "على لسان": "ala_lisan",
    }.get(lemma, "other")


_TRIM = " \t\n،,.:;؛-–—"


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _TRIM:
        start += 1
    while end > start and text[end - 1] in _TRIM:
        end -= 1
    # Drop a dangling conjunction that belongs to the next clause: "...، و".
    while end > start and text[end - 1] in " وف" and (end - 2 < start or text[end - 2] in _TRIM):
        end -= 1
        while end > start and text[end - 1] in _TRIM:
            end -= 1
    return start, end


def extract(text: str, registry: Registry) -> list[Candidate]:
    """Candidate claims of one text (a title or a body), in text order."""
    if not text.strip():
        return []
    return _Extractor(text, registry).run()
