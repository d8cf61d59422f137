"""Figures inside claims: how many were killed, wounded or arrested, how many fighters or
drones, as numbers or ranges with what they count.

The accuser says "مقتل 7 عناصر", the accused concedes "قتيلان", an observer reports "نحو
عشرة": each becomes a `Figure` (low, high, approx, counts, subject) so they can be set side
by side. Pure Python, no Django import.

The text is searched in its folded form (`sources.text.fold`: Arabic-Indic digits are ASCII,
diacritics and tatweel gone, أ/إ/آ → ا, ى → ي, ة → ه); every span points into the original.

What is not a figure: years ("عام 2024"), dates ("23 مارس"، "15/12/2025"), times ("05:32"),
percentages ("20%"، "20 بالمئة"), phone numbers, durations ("عشرة أيام"), money
("6 مليارات ليرة"), measures ("5 كم"), numbers in names ("الفرقة 86"، "اللواء 16"، "عربي21"،
"M4") and a number that neither counts a noun nor follows a casualty or arrest word.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from sources.text import Folded, fold

__all__ = ["COUNTS", "Figure", "extract_figures"]

COUNTS = (
    "killed",
    "wounded",
    "arrested",
    "fighters",
    "drones",
    "civilians",
    "displaced",
    "attacks",
    "vehicles",
    "other",
)


@dataclass(frozen=True)
class Figure:
    low: int
    # None: open-ended ("أكثر من 30" → low 31, "40 على الأقل" → low 40). An exact figure has
    # high == low.
    high: int | None
    approx: bool  # "نحو"، "حوالي"، "قرابة"، "عشرات"...
    counts: str  # one of COUNTS
    subject: str  # the counted noun as written ("عناصر", "طائرتين مسيّرتين"), "" if none
    start: int  # [start, end) of the whole expression in the original text
    end: int


def _forms(words: str) -> frozenset[str]:
    return frozenset(words.split())


# All word lists below are in folded form: ا for أ/إ/آ, ي for ى, ه for ة, no diacritics.

# Counted nouns by what they count: singular (its accusative "قتيلا" is added), plurals, and
# the duals, which count two on their own ("قتيلان"، "عنصرين"، "مسيرتين"). A sound masculine
# plural in -ين is spelled like its dual ("مقاتلين" = fighters or two fighters), so only the
# unambiguous -ان dual of such nouns is listed.
_NOUNS: dict[str, tuple[str, str, str]] = {
    "killed": (
        "قتيل شهيد جثه ضحيه",
        "قتلي شهداء جثث ضحايا",
        "قتيلان قتيلين شهيدان شهيدين جثتان جثتين جثتي ضحيتان ضحيتين",
    ),
    "wounded": (
        "جريح مصاب اصابه",
        "جرحي مصابين مصابون اصابات",
        "جريحان جريحين مصابان اصابتان اصابتين",
    ),
    "arrested": (
        "معتقل موقوف اسير محتجز سجين مخطوف مختطف معتقله",
        "معتقلين معتقلون موقوفين موقوفون اسري محتجزين محتجزون سجناء مخطوفين مختطفين معتقلات",
        "معتقلان موقوفان اسيران اسيرين محتجزان سجينان سجينين مختطفان",
    ),
    "fighters": (
        "عنصر مقاتل مسلح جندي عسكري ارهابي ضابط مرتزق شرطي مجند قيادي",
        "عناصر مقاتلين مقاتلون مسلحين مسلحون جنود عسكريين عسكريون ارهابيين ارهابيون ضباط"
        " مرتزقه شرطيين مجندين قياديين قياديون عساكر",
        "عنصران عنصرين مقاتلان مسلحان جنديان جنديين عسكريان ارهابيان ضابطان ضابطين",
    ),
    "drones": (
        "مسيره درون",
        "مسيرات درونات",
        "مسيرتان مسيرتين مسيرتي",
    ),
    "civilians": (
        "مدني طفل طفله امراه سيده مواطن",
        "مدنيين مدنيون اطفال نساء سيدات مواطنين مواطنون",
        "مدنيان طفلان طفلين طفلتان طفلتين امراتان امراتين سيدتان سيدتين",
    ),
    "displaced": (
        "نازح مهجر لاجئ مشرد",
        "نازحين نازحون مهجرين مهجرون لاجئين لاجئون مشردين",
        "نازحان",
    ),
    # Attacks and what they are made of: strikes, shells, rockets, barrel bombs, mines.
    "attacks": (
        "هجوم غاره ضربه عمليه قذيفه صاروخ اسطوانه عبوه لغم تفجير هجمه كمين خرق",
        "هجمات غارات ضربات عمليات قذائف صواريخ براميل اسطوانات عبوات الغام تفجيرات كمائن خروقات",
        "هجومان هجومين غارتان غارتين ضربتان ضربتين عمليتان عمليتين عمليتي قذيفتان قذيفتين"
        " صاروخان صاروخين برميلين عبوتين لغمين تفجيرين كمينين",
    ),
    "vehicles": (
        "اليه سياره عربه مدرعه دبابه صهريج شاحنه مركبه ناقله حافله دراجه",
        "اليات سيارات عربات مدرعات دبابات صهاريج شاحنات مركبات ناقلات حافلات دراجات",
        "اليتان اليتين سيارتان سيارتين عربتين مدرعتين دبابتان دبابتين صهريجين شاحنتين مركبتين",
    ),
    # Counted, but none of the above: people in general, aircraft (not drones), foreigners.
    "other": (
        "شخص فرد رجل شاب طائره مروحيه اجنبي",
        "اشخاص افراد رجال شبان شباب طائرات مروحيات اجانب",
        "شخصان شخصين فردين رجلين شابين طائرتان طائرتين طائرتي مروحيتين",
    ),
}


def _noun_table() -> tuple[dict[str, str], frozenset[str]]:
    category: dict[str, str] = {}
    duals: set[str] = set()
    for counts, (singulars, plurals, dual_forms) in _NOUNS.items():
        for word in _forms(singulars):
            category[word] = counts
            if not word.endswith(("ه", "ا")):
                category[word + "ا"] = counts  # tamyiz after 11-99: "14 مدنيا"
        for word in _forms(plurals):
            category[word] = counts
        for word in _forms(dual_forms):
            category[word] = counts
            duals.add(word)
    return category, frozenset(duals)


_CATEGORY, _DUALS = _noun_table()
# "طائرة" counts drones when "مسيرة"، "درون" or "بدون طيار" follows it.
_AIRCRAFT = _forms("طائره طائرات طائرتان طائرتين طائرتي")
_DRONE_QUALIFIERS = _forms("مسيره مسيرات مسيرتان مسيرتين درون")
# "آخرين" counts whatever its verb says: "وإصابة 13 آخرين" are wounded.
_OTHERS = _forms("اخرين اخرون اخر اخري غيرهم غيرها اخريات")

# Nouns that make a number something other than a count.
_NOT_COUNTS = _forms(
    # time
    "يوم ايام يوما يومين يومان ساعه ساعات ساعتين دقيقه دقائق دقيقتين ثانيه ثوان اسبوع"
    " اسابيع اسبوعا اسبوعين شهر اشهر شهور شهرا شهرين سنه سنوات سنين سنتين عام اعوام"
    " عاما عامين ليله ليال ليالي ليلتين مره مرات مرتين عقد عقود قرن قرون"
    # money
    " دولار دولارات دولارا ليره ليرات يورو ريال ريالات دينار دنانير جنيه جنيهات درهم"
    # measures ("ألف برميل" of oil is a measure; barrel bombs are "براميل")
    " كم كيلومتر كيلومترا كيلومترات كيلو متر مترا امتار ميل اميال طن اطنان لتر لترات"
    " هكتار دونم درجه درجات برميل"
    # percentages and page furniture ("55 قراءة")
    " بالمئه بالمائه المئه المائه قراءه قراءات مشاهده مشاهدات تعليق تعليقات"
)
_MONTHS = _forms(
    "يناير فبراير مارس ابريل مايو يونيو يوليو اغسطس سبتمبر اكتوبر نوفمبر ديسمبر"
    " كانون شباط اذار نيسان ايار حزيران تموز اب ايلول تشرين"
    " جانفي فيفري افريل ماي جوان جويليه اوت"
)
# A number after one of these is a name, a label or a date, not a count: "الفرقة 86",
# "اللواء 16", "القرار 2254", "عام 2024", "الساعة 5", "سوريا 24".
_LABELS = _forms(
    "فرقه لواء فوج كتيبه فيلق سريه قطاع فرع طريق اوتوستراد رقم قرار ماده بند فقره صفحه"
    " عدد دوره حاجز نقطه مخفر معبر كيلو جيل طراز عيار موديل نموذج مبني"
    " عام لعام سنه ساعه تاريخ بتاريخ الموافق"
    " سوريا سوريه كوردستان كردستان عربي"
)

_UNITS = {
    "واحد": 1, "واحده": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2,
    "ثلاث": 3, "ثلاثه": 3, "اربع": 4, "اربعه": 4, "خمس": 5, "خمسه": 5, "ست": 6, "سته": 6,
    "سبع": 7, "سبعه": 7, "ثمان": 8, "ثماني": 8, "ثمانيه": 8, "تسع": 9, "تسعه": 9,
}  # fmt: skip
# Only before عشر/عشرة: "أحد عشر" 11, "اثنا عشر" 12.
_TEEN_UNITS = {"احد": 1, "احدي": 1, "اثنا": 2, "اثني": 2, "اثنتا": 2, "اثنتي": 2}
_TEN = {"عشر": 10, "عشره": 10}
_TENS = {
    f"{stem}{ending}": value
    for stem, value in (
        ("عشر", 20), ("ثلاث", 30), ("اربع", 40), ("خمس", 50),
        ("ست", 60), ("سبع", 70), ("ثمان", 80), ("تسع", 90),
    )
    for ending in ("ون", "ين")
}  # fmt: skip
_HUNDREDS = {"مئه": 100, "مائه": 100}
for _spelling in ("مئتان", "مئتين", "مائتان", "مائتين", "مئتا", "مائتا"):
    _HUNDREDS[_spelling] = 200
for _unit, _value in (
    ("ثلاث", 3), ("اربع", 4), ("خمس", 5), ("ست", 6), ("سبع", 7), ("ثمان", 8), ("ثماني", 8),
    ("تسع", 9),
):  # fmt: skip
    _HUNDREDS[_unit + "مئه"] = _HUNDREDS[_unit + "مائه"] = _value * 100
# Scale words: singular multiplies what comes before (or 1): "ألف" 1000, "45 ألف" 45000; the
# plural needs a number before it ("ثلاثة آلاف") and is vague without one ("آلاف"); the dual
# stands alone ("ألفان").
_SCALES = {"الف": 1000, "الفا": 1000, "مليون": 10**6, "مليونا": 10**6, "مليار": 10**9}
_PLURAL_SCALES = {"الاف": 1000, "ملايين": 10**6, "مليارات": 10**9}
_DUAL_SCALES = {"الفان": 2000, "الفين": 2000, "مليونان": 2 * 10**6, "مليونين": 2 * 10**6}
_NUMBER_WORDS = (
    set(_UNITS) | set(_TEEN_UNITS) | set(_TEN) | set(_TENS) | set(_HUNDREDS) | set(_SCALES)
    | set(_PLURAL_SCALES) | set(_DUAL_SCALES)
)  # fmt: skip

# Vague quantities: "عشرات" 20-99, "مئات" 200-999 ... ("عشرات الآلاف" 20,000-99,999).
_VAGUE = {
    "عشرات": (20, 99),
    "مئات": (200, 999),
    "الاف": (2000, 9999),
    "ملايين": (2 * 10**6, 9_999_999),
    "بضعه": (3, 9),
    "بضع": (3, 9),
}

# Words before a number that bound it, as (words, kind). The first word may carry a
# proclitic ("بأكثر من", "ولأكثر من").
_QUALIFIERS: tuple[tuple[tuple[str, ...], str], ...] = tuple(
    (tuple(phrase.split()), kind)
    for phrase, kind in (
        ("ما لا يقل عن", "at_least"),
        ("ما لا يقل علي", "at_least"),
        ("لا يقل عن", "at_least"),
        ("ما يزيد عن", "more_than"),
        ("ما يزيد علي", "more_than"),
        ("يزيد عن", "more_than"),
        ("يزيد علي", "more_than"),
        ("اكثر من", "more_than"),
        ("ازيد من", "more_than"),
        ("ما يقرب من", "about"),
        ("ما يقارب", "about"),
        ("ما يناهز", "about"),
        ("يقارب", "about"),
        ("يناهز", "about"),
        ("نحو", "about"),
        ("حوالي", "about"),
        ("قرابه", "about"),
        ("زهاء", "about"),
        ("اقل من", "less_than"),
        ("ما دون", "less_than"),
    )
)

# Words that say what happened to the counted: the nearest one before the figure (same
# sentence, a few words back) decides, else one right after it ("14 شخصا لقوا مصرعهم").
_CUES_BEFORE = {
    "killed": _forms(
        "مقتل قتل قتلت قتلوا قتلو يقتل تقتل مصرع استشهد استشهدت استشهدوا استشهاد اعدام"
        " اعدم اعدمت تصفيه ذبح وفاه توفي اغتيال اغتال حياه"
    ),
    "wounded": _forms("اصابه اصابات اصيب اصيبت اصيبوا يصاب جرح جرحت جرحوا جروح اصاب اصابت"),
    "arrested": _forms(
        "اعتقال اعتقل اعتقلت اعتقلوا تعتقل يعتقل اعتقالات توقيف اوقف اوقفت اوقفوا يوقف قبض"
        " احتجاز احتجز احتجزت تحتجز يحتجز اسر اسرت اسروا اختطاف اختطف اختطفت خطف خطفت"
    ),
    "displaced": _forms("نزوح نزح نزحت نزحوا تهجير هجر هجرت تشريد شرد شردت"),
}
_CUES_AFTER = {
    "killed": _forms("مصرعهم مصرعه مصرعها حتفهم حتفه قتلوا قتلو قضوا استشهدوا"),
    "wounded": _forms("اصيبوا جرحوا"),
    "arrested": _forms("اعتقلوا"),
    "displaced": _forms("نزحوا"),
}
_CUE_WORDS = frozenset().union(*_CUES_BEFORE.values(), *_CUES_AFTER.values())
_GOVERNED = frozenset({"fighters", "civilians", "other", "displaced"})
_CUE_WINDOW = 6  # words

# A word after a number that is not its counted noun.
_STOP = _forms(
    "من في علي عن الي الي مع ضد بين عند لدي حول خلال بعد قبل منذ حتي ان انه انها انهم"
    " كان كانت قد لقد لم لن لا ما هو هي هم هذا هذه ذلك تلك الذي التي الذين كما ايضا او ثم"
    " بل لكن غير كل بعض اي تم وفق حسب نحو قرب داخل خارج فقط فيما بينما حيث اذ اذا منهم"
    " منها منهن"
)
_ORDINAL_UNITS = _forms(
    "الحادي الحاديه الثاني الثانيه الثالث الثالثه الرابع الرابعه الخامس الخامسه السادس"
    " السادسه السابع السابعه الثامن الثامنه التاسع التاسعه"
)
_WEEKDAYS = _forms("الاحد الاثنين الثلاثاء الاربعاء الخميس الجمعه السبت")
_SENTENCE_END = frozenset(".!?؟؛:\n")

_TOKEN_RE = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*|[^\w\s]")


@dataclass(frozen=True, slots=True)
class _Token:
    text: str  # folded
    start: int  # offsets in the folded text
    end: int
    kind: str  # "word", "num" or "mark"
    glued: bool  # no space between this token and the one before
    line_break: bool  # a line break between this token and the one before


def _tokenize(folded: Folded) -> list[_Token]:
    tokens: list[_Token] = []
    previous_end = 0
    for match in _TOKEN_RE.finditer(folded.text):
        text = match.group()
        kind = "num" if text[0].isdigit() else "word" if text[0].isalpha() else "mark"
        glued = bool(tokens) and previous_end == match.start()
        # Folding turns line breaks into spaces; a line break still ends a headline.
        gap_start = folded.offsets[previous_end - 1] + 1 if previous_end else 0
        line_break = "\n" in folded.source[gap_start : folded.offsets[match.start()]]
        tokens.append(_Token(text, match.start(), match.end(), kind, glued, line_break))
        previous_end = match.end()
    return tokens


def _stems(word: str) -> list[tuple[str, bool]]:
    """The word without its proclitics (و ف ب ل ك ال لل), each with whether ال was on it."""
    found: list[tuple[str, bool]] = []
    for prefix in ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "وك", "فب", "فل"):
        if not word.startswith(prefix) or len(word) - len(prefix) < 2:
            continue
        rest = word[len(prefix) :]
        found.append((rest, False))
        if rest.startswith("ال") and len(rest) > 3:
            found.append((rest[2:], True))
        if prefix.endswith("ل") and rest.startswith("ل") and len(rest) > 3:
            found.append((rest[1:], True))  # "للمدنيين" is ل + المدنيين
    return found


def _lookup(word: str, table: Iterable[str] | dict, *, definite: bool = True) -> str | None:
    """The first stem of `word` found in `table` (definite stems only when allowed)."""
    for stem, has_article in _stems(word):
        if stem in table and (definite or not has_article):
            return stem
    return None


def _number_word(word: str) -> str | None:
    """The number word in `word`: "بسبعة" is سبعة, but "لست" (I am not) is not ست."""
    stem = _lookup(word, _NUMBER_WORDS, definite=False)
    if stem is not None and len(stem) < 4 and word not in (stem, "و" + stem):
        return None
    return stem


_PRONOUN_SUFFIX_RE = re.compile("(?:هما|هم|هن|ها|كم|نا|ه)$")


def _noun(word: str, *, definite: bool) -> tuple[str, str | None] | None:
    """(stem, category) of a counted noun; category None for "آخرين" (others)."""
    for stem, has_article in _stems(word):
        if has_article and not definite:
            continue
        candidates = [stem]
        bare = _PRONOUN_SUFFIX_RE.sub("", stem)
        if bare != stem and len(bare) > 2:
            # "مقاتليها" → "مقاتلي", the construct form of "مقاتلين"
            candidates += [bare, bare + "ن"] if bare.endswith("ي") else [bare]
        for candidate in candidates:
            if candidate in _CATEGORY:
                return candidate, _CATEGORY[candidate]
            if candidate in _OTHERS:
                return candidate, None
    return None


@dataclass
class _Quantity:
    low: int
    high: int | None
    approx: bool
    first: int  # token indexes, inclusive
    last: int
    vague: bool = False
    dual_noun: str | None = None  # a dual is its own counted noun: "قتيلان"
    from_digits: bool = False


def _continues(word: str, small: int) -> bool:
    """Whether "و" + `word` continues a number whose current group is `small`.

    Hundreds come first, then units, then tens: "مئة وخمسة وعشرون". So "خمسة وعشرة" is two
    numbers (five and ten), not fifteen.
    """
    below_hundred = small % 100
    if word in _UNITS or word in _TEN:
        return below_hundred == 0
    if word in _TENS:
        return below_hundred < 10
    if word in _HUNDREDS:
        return small == 0
    return word in _SCALES or word in _DUAL_SCALES


def _parse_words(tokens: list[_Token], i: int) -> tuple[int, int] | None:
    """A number written in words from token i: (value, index of its last token).

    Terms are joined by و and read from the largest scale down, units before tens:
    "ثلاثة آلاف وخمسمئة وخمسة وعشرون" is 3525. "عشر" after a unit makes a teen
    ("ثلاثة عشر"), "مئة" after a unit multiplies it ("ثلاث مئة"), a scale word multiplies
    everything since the previous scale ("خمسة وعشرون ألفاً").
    """
    total = small = 0
    last: int | None = None
    unit = 0  # the unit just read, which عشر or مئة may still combine with
    j = i
    while j < len(tokens) and tokens[j].kind == "word":
        word = tokens[j].text
        if last is None:
            word = _number_word(word) or ""
        elif word.startswith("و") and _continues(word[1:], small):
            word, unit = word[1:], 0
        elif not (
            word in _SCALES
            or word in _PLURAL_SCALES
            or (unit and (word in _TEN or word in ("مئه", "مائه")))
        ):
            break
        if word in _TEEN_UNITS:
            if j + 1 >= len(tokens) or tokens[j + 1].text not in _TEN:
                break
            small += _TEEN_UNITS[word] + 10
            last, j, unit = j + 1, j + 2, 0
            continue
        if word in _UNITS:
            small += _UNITS[word]
            unit = _UNITS[word]
        elif word in _TEN:
            small += 10
            unit = 0
        elif word in _TENS:
            small += _TENS[word]
            unit = 0
        elif word in _HUNDREDS:
            small += unit * 99 if unit and word in ("مئه", "مائه") else _HUNDREDS[word]
            unit = 0
        elif word in _SCALES:
            total += (small or 1) * _SCALES[word]
            small = unit = 0
        elif word in _PLURAL_SCALES and small:
            total += small * _PLURAL_SCALES[word]
            small = unit = 0
        elif word in _DUAL_SCALES and last is None:
            total += _DUAL_SCALES[word]
        else:
            break  # "آلاف" alone is vague; "ألفان" only starts a number
        last = j
        j += 1
    if last is None:
        return None
    return total + small, last


_ALL_SCALES = {**_SCALES, **_PLURAL_SCALES}


def _parse_digits(tokens: list[_Token], i: int) -> tuple[int, int] | None:
    """A number in digits at token i, times a scale word after it: (value, last index)."""
    text = tokens[i].text
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+|\d+", text):
        value: float = int(text.replace(",", ""))
        decimal = False
    elif re.fullmatch(r"\d+[.,]\d+", text):
        value, decimal = float(text.replace(",", ".")), True
    else:
        return None
    last = i
    if i + 1 < len(tokens) and tokens[i + 1].kind == "word":
        scale = _lookup(tokens[i + 1].text, _ALL_SCALES, definite=False)
        if scale is not None:
            value *= _ALL_SCALES[scale]
            last, decimal = i + 1, False
    if decimal:
        return None  # "34.92 ليرة", "2.5" alone: prices and measures, not counts
    return int(value), last


def _drone_end(tokens: list[_Token], j: int) -> int | None:
    """The last token of "طائرة" + "مسيّرة"/"درون"/"بدون طيار" when token j is طائرة."""
    if _lookup(tokens[j].text, _AIRCRAFT) is None or j + 1 >= len(tokens):
        return None
    following = tokens[j + 1].text
    if _lookup(following, _DRONE_QUALIFIERS) is not None:
        return j + 1
    words = [token.text for token in tokens[j + 1 : j + 4]]
    for phrase in (["بدون", "طيار"], ["دون", "طيار"], ["من", "دون", "طيار"]):
        if words[: len(phrase)] == phrase:
            return j + len(phrase)
    return None


def _number_at(tokens: list[_Token], i: int) -> _Quantity | None:
    token = tokens[i]
    if token.kind == "num":
        parsed = _parse_digits(tokens, i)
        if parsed is None:
            return None
        value, last = parsed
        return _Quantity(value, value, False, i, last, from_digits=True)
    if token.kind != "word":
        return None
    stem = _number_word(token.text)
    if stem in ("واحد", "واحده") and (i + 1 >= len(tokens) or tokens[i + 1].text != "من"):
        return None  # "في آن واحد"; "واحد من العناصر" counts one
    if stem in _TEN and i and tokens[i - 1].text in _ORDINAL_UNITS:
        return None  # "التاسع عشر" is an ordinal
    parsed_words = _parse_words(tokens, i)
    if parsed_words is not None:
        value, last = parsed_words
        return _Quantity(value, value, False, i, last)
    stem = _lookup(token.text, _VAGUE)
    if stem is not None:
        low, high = _VAGUE[stem]
        last = i
        if stem in ("عشرات", "مئات") and i + 1 < len(tokens):
            scale = _lookup(tokens[i + 1].text, _PLURAL_SCALES)
            if scale is not None:  # "عشرات الآلاف"
                factor = _PLURAL_SCALES[scale]
                low, high, last = low * factor, (high + 1) * factor - 1, i + 1
        return _Quantity(low, high, True, i, last, vague=True)
    stem = _lookup(token.text, _DUALS, definite=False)
    if stem is not None:
        return _Quantity(2, 2, False, i, i, dual_noun=stem)
    return None


def _sentence_break(tokens: list[_Token], i: int) -> bool:
    """Whether a sentence ends between token i - 1 and token i."""
    return i == 0 or tokens[i].line_break or tokens[i - 1].text in _SENTENCE_END


def _qualifier_before(tokens: list[_Token], i: int) -> tuple[int, str] | None:
    """(index of its first token, kind) of a bound such as "أكثر من" right before token i."""
    for phrase, kind in _QUALIFIERS:
        first = i - len(phrase)
        if first < 0 or any(tokens[k].kind != "word" for k in range(first, i)):
            continue
        if [tokens[k].text for k in range(first + 1, i)] != list(phrase[1:]):
            continue
        if any(stem == phrase[0] for stem, _ in _stems(tokens[first].text)):
            return first, kind
    return None


def _is_number_token(token: _Token) -> bool:
    return token.kind == "num" or _number_word(token.text) is not None


def _range_end(tokens: list[_Token], last: int, opener: str) -> tuple[_Quantity, str] | None:
    """The B of "بين A و B"، "A إلى B"، "A أو B" after token `last`: (B, the linking word)."""
    j = last + 1
    if j >= len(tokens) or tokens[j].kind != "word":
        return None
    link = tokens[j].text
    second: _Quantity | None = None
    if link in ("الي", "حتي", "او") or (link == "و" and opener == "بين"):
        second = _number_at(tokens, j + 1) if j + 1 < len(tokens) else None
    elif link.startswith("و") and opener == "بين":
        parsed = _parse_words(tokens, j)
        if parsed is not None:
            second = _Quantity(parsed[0], parsed[0], False, j, parsed[1])
        link = "و"
    if second is None or second.vague or second.dual_noun:
        return None
    return second, link


def _cue_before(tokens: list[_Token], first: int) -> str | None:
    words = 0
    k = first - 1
    while k >= 0 and words < _CUE_WINDOW and not _sentence_break(tokens, k + 1):
        token = tokens[k]
        if token.kind == "word":
            words += 1
            for counts, cues in _CUES_BEFORE.items():
                if _lookup(token.text, cues) is not None:
                    return counts
            # "عدد القتلى 250 شخصاً"، "حصيلة الجرحى": the casualty noun, with its article
            for stem, has_article in _stems(token.text):
                if has_article and _CATEGORY.get(stem) in ("killed", "wounded", "arrested"):
                    return _CATEGORY[stem]
            if (
                token.text.startswith("و")
                and len(token.text) > 2
                and not _is_number_token(token)
                and _noun(token.text, definite=True) is None
            ):
                return None  # "وفقدان عنصرين": a word of its own governs what follows
        k -= 1
    return None


def _cue_after(tokens: list[_Token], last: int) -> str | None:
    words = 0
    k = last + 1
    while k < len(tokens) and words < _CUE_WINDOW and not _sentence_break(tokens, k):
        token = tokens[k]
        if token.kind == "num":
            return None
        if token.kind == "word":
            words += 1
            for counts, cues in _CUES_AFTER.items():
                if _lookup(token.text, cues) is not None:
                    return counts
        k += 1
    return None


def _is_code(tokens: list[_Token], q: _Quantity) -> bool:
    """Digits that are part of a date, a time, a phone number or a name."""
    token = tokens[q.first]
    if token.kind != "num":
        return False
    before = tokens[q.first - 1] if q.first else None
    after = tokens[q.first + 1] if q.first + 1 < len(tokens) else None
    if before is not None:
        if token.glued and before.kind == "mark" and before.text in "/:-.+":
            return True  # "15/12/2025", "11:37", "F-16", "+961"
        if token.glued and before.kind == "word" and before.text not in ("و", "ب", "ل", "ف"):
            return True  # "عربي21", "M4"
        if before.text in ("+", "%") or before.kind == "num":
            return True  # "+961 3 733 933"
    if after is not None:
        if after.glued and after.text in ("/", ":", "-", "%", "°", "."):
            return after.text != "." or (
                q.first + 2 < len(tokens) and tokens[q.first + 2].kind == "num"
            )
        if after.kind == "num" and q.last == q.first:
            return True
    return False


def _label_before(tokens: list[_Token], first: int) -> bool:
    """ "الفرقة 86"، "عام 2024"، "23 مارس"'s year: a number that names or dates."""
    if _sentence_break(tokens, first):
        return False
    before = tokens[first - 1]
    if before.kind == "mark" and before.text in ("(", "/", "،", ",") and first >= 2:
        before = tokens[first - 2]
    return before.kind == "word" and (
        _lookup(before.text, _LABELS) is not None or _lookup(before.text, _MONTHS) is not None
    )


@dataclass
class _Noun:
    first: int
    last: int
    category: str | None  # None: "آخرين", counts what its verb says
    listed: bool = True  # a known counted noun, not just the word after a number
    needs_cue: bool = False  # "3 من موظفي المستشفى" is a figure only after "مقتل" and the like


def _counted_noun(tokens: list[_Token], q: _Quantity) -> _Noun | str | None:
    """The noun the quantity counts, "skip" when the number is not a count, or None."""
    j = q.last + 1
    if j >= len(tokens) or _sentence_break(tokens, j):
        return None
    token = tokens[j]
    if token.kind == "mark":
        return "skip" if token.text in ("%", "°") else None
    if token.kind != "word":
        return None
    word = token.text
    following = tokens[j + 1].text if j + 1 < len(tokens) else ""
    if word == "يوم" and (following in _WEEKDAYS or following in ("امس", "السبت")):
        return None  # "وأصاب 22 يوم الاثنين": the day says when, not what
    if _lookup(word, _MONTHS, definite=False) or _lookup(word, _NOT_COUNTS) is not None:
        return "skip"
    if word == "في" and j + 1 < len(tokens) and tokens[j + 1].text in ("المئه", "المائه"):
        return "skip"
    if word == "من":  # partitive: "أربعة من عناصر"، "العشرات من المدنيين"
        if j + 1 < len(tokens) and tokens[j + 1].kind == "word":
            if _lookup(tokens[j + 1].text, _MONTHS):
                return "skip"  # "22 من تشرين الثاني"
            following = tokens[j + 1].text
            found = _noun(following, definite=True)
            if found is not None:
                last = _drone_end(tokens, j + 1) or j + 1
                return _Noun(j + 1, last, "drones" if last > j + 1 else found[1])
            unlisted = len(following) > 2 and following not in _STOP
            if unlisted and not _is_number_token(tokens[j + 1]):
                return _Noun(j + 1, j + 1, None, listed=False, needs_cue=True)
        return None
    found = _noun(word, definite=q.vague)
    if found is not None:
        last = _drone_end(tokens, j)
        if last is not None:
            return _Noun(j, last, "drones")
        return _Noun(j, j, found[1])
    if (
        word in _STOP
        or len(word) < 3
        or word.startswith("و")
        or (word.startswith("ال") and not q.vague)
        or _is_number_token(token)
        or any(stem in _CUE_WORDS for stem, _ in _stems(word))
    ):
        return None
    return _Noun(j, j, "other", listed=False)


def _postposed_one(tokens: list[_Token], i: int) -> _Noun | None:
    """ "ضربة واحدة"، "عنصر واحد": token i is واحد after a singular counted noun."""
    if tokens[i].text not in ("واحد", "واحده") or i == 0 or _sentence_break(tokens, i):
        return None
    found = _noun(tokens[i - 1].text, definite=False)
    if found is None or found[1] is None:
        return None
    return _Noun(i - 1, i - 1, found[1])


def _trailing(tokens: list[_Token], last: int) -> tuple[int, str | None]:
    """Words after the noun that belong to the figure: "على الأقل"، "تقريباً"، "اثنين"."""
    j = last + 1
    words = [token.text for token in tokens[j : j + 2]]
    if words[:2] in (["علي", "الاقل"], ["على", "الاقل"]):
        return j + 1, "at_least"
    if words[:1] == ["تقريبا"]:
        return j, "about"
    if words[:1] and words[0] in ("اثنين", "اثنان", "اثنتين", "اثنتان"):
        return j, None  # "قتيلين اثنين"
    return last, None


def _bounded(low: int, high: int | None, approx: bool, kind: str | None):
    if kind == "more_than":
        return low + 1, None, approx
    if kind == "at_least":
        return low, None, approx
    if kind == "less_than":
        return 0, max(low - 1, 0), approx
    if kind == "about":
        return low, high, True
    return low, high, approx


_QUALIFIER_HEADS = frozenset(phrase[0] for phrase, _ in _QUALIFIERS) | {"بين", "من"}
_KNOWN_WORDS = (
    _NUMBER_WORDS | set(_VAGUE) | set(_CATEGORY) | _OTHERS | _QUALIFIER_HEADS
)  # fmt: skip


def _proclitic_length(word: str) -> int:
    """How many letters of `word` are a conjunction or preposition: "وسيدتين" → 1."""
    if word in _KNOWN_WORDS:
        return 0
    for prefix in ("وب", "ول", "وك", "فب", "فل", "و", "ف", "ب", "ل", "ك"):
        rest = word[len(prefix) :]
        if word.startswith(prefix) and len(rest) >= 2:
            if rest in _KNOWN_WORDS or (rest.startswith("ال") and rest[2:] in _KNOWN_WORDS):
                return len(prefix)
            if prefix.endswith("ل") and rest.startswith("ل") and rest[1:] in _KNOWN_WORDS:
                return len(prefix) - 1  # "للمدنيين": keep the ل of the article
    return 0


def extract_figures(text: str) -> list[Figure]:
    """Every figure in `text`, left to right, with spans into `text`."""
    folded = fold(text)
    tokens = _tokenize(folded)
    figures: list[Figure] = []
    # The last figure so far: its last token, its cue, what it counts.
    previous: tuple[int, str | None, str] | None = None

    def span(first: int, last: int) -> tuple[int, int]:
        start = tokens[first].start + _proclitic_length(tokens[first].text)
        return folded.span_to_original(start, tokens[last].end)

    i = 0
    while i < len(tokens):
        noun = _postposed_one(tokens, i)
        if noun is not None:
            q = _Quantity(1, 1, False, noun.first, i)
        else:
            q = _number_at(tokens, i)
            if q is None:
                i += 1
                continue
            if q.dual_noun is not None:
                last = _drone_end(tokens, i)
                noun = _Noun(i, last or i, "drones" if last else _CATEGORY[q.dual_noun])
        first = q.first
        opener = tokens[first - 1].text if first and not _sentence_break(tokens, first) else ""
        opener = opener[1:] if opener in ("وبين", "ومن") else opener
        ranged = None if (q.vague or noun) else _range_end(tokens, q.last, opener)
        if ranged is not None:
            second, link = ranged
            if opener in ("بين", "من") and link != "او":
                first -= 1
                if opener == "بين" and first and tokens[first - 1].text == "ما":
                    first -= 1
            q = _Quantity(
                min(q.low, second.low), max(q.low, second.low), link == "او", q.first,
                second.last, from_digits=q.from_digits and second.from_digits,
            )  # fmt: skip
        qualifier = None if q.dual_noun else _qualifier_before(tokens, first)
        if qualifier is not None:
            first = qualifier[0]
        if _is_code(tokens, q) or (q.from_digits and _label_before(tokens, q.first)):
            i = q.last + 1
            continue
        if noun is None:
            found = _counted_noun(tokens, q)
            if found == "skip":
                i = q.last + 1
                continue
            noun = found if isinstance(found, _Noun) else None
        last, trailing = _trailing(tokens, max(q.last, noun.last if noun else q.last))
        year_like = (
            q.from_digits and q.first == q.last and len(tokens[q.first].text) == 4
        ) and 1900 <= q.low <= 2100
        glued_word = q.last + 1 < len(tokens) and tokens[q.last + 1].glued
        if year_like and (noun is None or not noun.listed or glued_word):
            i = last + 1
            continue
        cue = _cue_before(tokens, first)
        among = tokens[first - 1].text if first and not _sentence_break(tokens, first) else ""
        if previous is not None and among in ("بينهم", "منهم", "بينهن", "منهن"):
            # "9 قتلى، بينهم 4 أطفال": the children were killed
            cue = cue or (previous[2] if previous[2] in _CUES_BEFORE else None)
        if cue is None and previous is not None and previous[1] is not None:
            gap = [tokens[k].text for k in range(previous[0] + 1, first)]
            if gap in ([], ["،"], [","], ["و"]) and (gap or tokens[first].text.startswith("و")):
                cue = previous[1]  # "أوقفوا 10 شبان وخمس سيدات": one verb, two figures
        if cue is None:
            cue = _cue_after(tokens, last)
        if noun is not None and noun.needs_cue and cue is None:
            i = last + 1
            continue
        counts = noun.category if noun is not None else None
        if counts is None or (cue is not None and counts in _GOVERNED):
            counts = cue
        if counts is None:
            if noun is None:
                i = last + 1
                continue
            counts = "other"
        kind = qualifier[1] if qualifier else trailing
        low, high, approx = _bounded(q.low, q.high, q.approx, kind)
        subject = ""
        if noun is not None:
            subject_start, subject_end = span(noun.first, noun.last)
            subject = text[subject_start:subject_end]
        start, end = span(first, last)
        figures.append(Figure(low, high, approx, counts, subject, start, end))
        previous = (last, cue, counts)
        i = last + 1
    return figures
